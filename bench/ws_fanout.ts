/**
 * `deno task bench:ws`: fan-out to WebSocket clients beside TCP ones. A fresh server with the web
 * client on; 10 TCP senders send 1,000 messages each to 50 recipients that are all TCP clients,
 * then (on another fresh server) all WebSocket clients reading one message a frame, then all
 * WebSocket clients offering `chat-lines`, as the page does (many messages a frame); prints the
 * server's CPU per delivery for each.
 *
 * Options: `--recipients <n>` (50), `--messages <n>` (1,000 per sender).
 *
 * @module
 */

import { parseFlags } from "../lib/common/flags.ts";
import { cpuSeconds, freePort, startWebChat } from "./proc.ts";

const flags = parseFlags(Deno.args, { recipients: "string", messages: "string" });
if (!flags.ok) throw new Error(flags.error);
const RECIPIENTS = Number(flags.values.recipients ?? 50);
const SENDERS = 10;
const MESSAGES = Number(flags.values.messages ?? 1000);
const encoder = new TextEncoder();

/** A recipient: counts the chat lines it receives. */
interface Recipient {
  received: number;
  close(): Promise<void>;
}

function nickname(kind: string, i: number): string {
  return JSON.stringify({ type: "nickname", nickname: `${kind}${i}`, clientID: `${i}` });
}

async function tcpRecipient(port: number, i: number): Promise<Recipient> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encoder.encode(nickname("t", i) + "\n"));
  const recipient = {
    received: 0,
    reading: undefined as Promise<void> | undefined,
    async close() {
      conn.close();
      await this.reading;
    },
  };
  recipient.reading = (async () => {
    // The first CARRY bytes hold the end of the previous read, so that a mark cut between two
    // reads is still seen (and counted once).
    const CARRY = 3;
    const buffer = new Uint8Array(CARRY + 64 * 1024);
    const space = buffer.subarray(CARRY);
    try {
      for (let n = await conn.read(space); n !== null; n = await conn.read(space)) {
        const end = CARRY + n;
        for (
          let at = buffer.indexOf(0x62, 1);
          at >= 0 && at < end - 2;
          at = buffer.indexOf(0x62, at + 1)
        ) {
          // Counts "broadcast" by its first letter after `"type":"` (a cheap, exact enough mark).
          if (buffer[at - 1] === 0x22 && buffer[at + 1] === 0x72 && buffer[at + 2] === 0x6f) {
            recipient.received++;
          }
        }
        buffer.copyWithin(0, end - CARRY, end);
      }
    } catch {
      // Closed.
    }
  })();
  return recipient;
}

/**
 * A WebSocket recipient; `lines`: it offers `chat-lines`, as the page does, and reads frames of
 * many messages, else one message a frame (an old page, another program).
 */
async function webRecipient(web: number, i: number, lines: boolean): Promise<Recipient> {
  const socket = new WebSocket(`ws://127.0.0.1:${web}/ws`, lines ? ["chat-lines"] : []);
  await new Promise((resolve) => socket.onopen = resolve);
  const closed = new Promise((resolve) => socket.onclose = resolve);
  const recipient = {
    received: 0,
    async close() {
      socket.close();
      await closed;
    },
  };
  socket.onmessage = (event) => {
    const text = event.data as string;
    for (
      let at = text.indexOf('{"type":"broadcast"');
      at >= 0;
      at = text.indexOf('{"type":"broadcast"', at + 1)
    ) {
      recipient.received++;
    }
  };
  socket.send(nickname("w", i));
  return recipient;
}

async function run(kind: "TCP" | "WebSocket" | "WebSocket, chat-lines"): Promise<string> {
  const port = freePort();
  const { server, out, web } = await startWebChat(port, ["--max-rate", "0"]);
  const recipients: Recipient[] = [];
  for (let i = 0; i < RECIPIENTS; i++) {
    recipients.push(
      kind === "TCP"
        ? await tcpRecipient(port, i)
        : await webRecipient(web, i, kind !== "WebSocket"),
    );
  }
  const senders: Deno.Conn[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(encoder.encode(nickname("s", i) + "\n"));
    senders.push(conn);
  }
  await out.waitFor(new RegExp(`:: s${SENDERS - 1}: connected\\.$`));
  const before = await cpuSeconds(server.pid) ?? NaN;
  const started = performance.now();
  const text = JSON.stringify({ type: "message", message: "x".repeat(64) }) + "\n";
  const batch = encoder.encode(text.repeat(100));
  await Promise.all(senders.map(async (conn) => {
    for (let sent = 0; sent < MESSAGES; sent += 100) {
      let written = 0;
      while (written < batch.length) written += await conn.write(batch.subarray(written));
    }
  }));
  // Each recipient gets every sender's messages; senders get one another's too.
  const expected = SENDERS * MESSAGES;
  while (recipients.some((r) => r.received < expected)) {
    if (performance.now() - started > 120_000) throw new Error("Timed out waiting for deliveries");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await cpuSeconds(server.pid) ?? NaN) - before;
  const deliveries = expected * (RECIPIENTS + SENDERS - 1);
  for (const conn of senders) conn.close();
  for (const recipient of recipients) await recipient.close();
  server.kill("SIGTERM");
  await server.status;
  await out.done;
  return `| ${kind} | ${RECIPIENTS} | ${deliveries} | ${(deliveries / seconds).toFixed(0)} | ` +
    `${(cpu / deliveries * 1e6).toFixed(3)} |`;
}

console.log("| recipients | how many | deliveries | deliveries/s | server CPU µs per delivery |");
console.log("| --- | --- | --- | --- | --- |");
console.log(await run("TCP"));
console.log(await run("WebSocket"));
console.log(await run("WebSocket, chat-lines"));
