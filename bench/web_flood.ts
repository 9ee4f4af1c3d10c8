/**
 * `deno task bench:webflood`: the web port under a slow-request attack from one address, beside
 * the chat. A fresh server (`--limit-loopback`, so that loopback counts as any address); a chat
 * client says a line every 100 ms to another, which measures each line's latency; the page is
 * fetched every 250 ms from 127.0.0.1. After a quiet phase, an attacker at 127.0.0.2 opens
 * connections to the web port that send `GET / HTTP/1.1` and nothing more, as fast as the server
 * takes them, up to `--attack` in all (5,000), each held until the server closes it. Prints, for
 * the quiet phase and the attack: chat latency (p50, p99), the slowest page load, the server's
 * peak resident memory, and what became of the attacker's connections.
 *
 * Options: `--attack <n>` (5,000 connections), `--seconds <n>` (10 per phase), `--max-per-ip <n>`
 * (64, the server's default).
 *
 * @module
 */

import net from "node:net";
import { parseFlags } from "../lib/common/flags.ts";
import { freePort, memoryMiB, startWebChat } from "./proc.ts";

const flags = parseFlags(Deno.args, {
  attack: "string",
  seconds: "string",
  "max-per-ip": "string",
});
if (!flags.ok) throw new Error(flags.error);
const ATTACK = Number(flags.values.attack ?? 5000);
const PHASE_MS = Number(flags.values.seconds ?? 10) * 1000;
const MAX_PER_IP = Number(flags.values["max-per-ip"] ?? 64);
/** The attacker's address (loopback, but not the page's or the chat's 127.0.0.1). */
const ATTACKER = "127.0.0.2";
/** The most attacking connections open at once on the attacker's side. */
const ATTACK_WINDOW = 1000;
const encoder = new TextEncoder();

/** One phase's figures. */
interface Figures {
  latencies: number[];
  pageMs: number[];
  pageFailures: number;
  rssPeakMiB: number;
}

/** The attacker's tally. */
interface Attack {
  opened: number;
  refused: number;
  closedByServer: number;
  answers: Map<string, number>;
  openAtEnd: number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** A JSON-wire client registered as `nickname`, its lines handed to `onLine`. */
async function chatClient(
  port: number,
  nickname: string,
  onLine: (line: string) => void,
): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    encoder.encode(JSON.stringify({ type: "nickname", nickname, clientID: "1" }) + "\n"),
  );
  (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
        rest += decoder.decode(buffer.subarray(0, n), { stream: true });
        const lines = rest.split("\n");
        rest = lines.pop()!;
        lines.forEach(onLine);
      }
    } catch {
      // Closed.
    }
  })();
  return conn;
}

/** Chat lines, page loads and memory for `ms`. */
async function measure(
  server: Deno.ChildProcess,
  chatPort: number,
  webPort: number,
  ms: number,
  tag: string,
): Promise<Figures> {
  const figures: Figures = { latencies: [], pageMs: [], pageFailures: 0, rssPeakMiB: 0 };
  const sentAt = new Map<string, number>();
  const reader = await chatClient(chatPort, `r${tag}`, (line) => {
    const match = /"message":"(p\w+)"/.exec(line);
    const at = match === null ? undefined : sentAt.get(match[1]);
    if (at !== undefined) figures.latencies.push(performance.now() - at);
  });
  const writer = await chatClient(chatPort, `w${tag}`, () => {});
  await new Promise((resolve) => setTimeout(resolve, 200));
  const end = performance.now() + ms;
  let count = 0;
  const talking = (async () => {
    while (performance.now() < end) {
      const id = `p${tag}${count++}`;
      sentAt.set(id, performance.now());
      await writer.write(encoder.encode(JSON.stringify({ type: "message", message: id }) + "\n"));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const loading = (async () => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        const response = await fetch(`http://127.0.0.1:${webPort}/`, {
          signal: AbortSignal.timeout(5000),
        });
        await response.arrayBuffer();
        if (response.ok) figures.pageMs.push(performance.now() - started);
        else figures.pageFailures++;
      } catch {
        figures.pageFailures++;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const watching = (async () => {
    while (performance.now() < end) {
      const rss = await memoryMiB(server.pid, "VmRSS") ?? 0;
      figures.rssPeakMiB = Math.max(figures.rssPeakMiB, rss);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  await Promise.all([talking, loading, watching]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  writer.close();
  reader.close();
  return figures;
}

/** Opens `total` half-open requests from `ATTACKER`, at most `ATTACK_WINDOW` at once. */
function attack(webPort: number, total: number, until: number): Promise<Attack> {
  const tally: Attack = {
    opened: 0,
    refused: 0,
    closedByServer: 0,
    answers: new Map(),
    openAtEnd: 0,
  };
  const open = new Set<net.Socket>();
  return new Promise((resolve) => {
    const next = () => {
      while (tally.opened < total && open.size < ATTACK_WINDOW && performance.now() < until) {
        tally.opened++;
        const socket = net.connect({ host: "127.0.0.1", port: webPort, localAddress: ATTACKER });
        open.add(socket);
        socket.on("connect", () => socket.write("GET / HTTP/1.1\r\n"));
        socket.on("data", (data: Uint8Array) => {
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(new TextDecoder().decode(data));
          if (status !== null) {
            tally.answers.set(status[1], (tally.answers.get(status[1]) ?? 0) + 1);
          }
        });
        socket.on("error", () => tally.refused++);
        socket.on("close", () => {
          if (open.delete(socket)) tally.closedByServer++;
          next();
        });
      }
    };
    next();
    setTimeout(() => {
      tally.openAtEnd = open.size;
      for (const socket of open) {
        open.delete(socket);
        socket.destroy();
      }
      resolve(tally);
    }, Math.max(0, until - performance.now()));
  });
}

function row(phase: string, figures: Figures, attackText: string): string {
  const ms = (value: number) => Number.isNaN(value) ? "-" : value.toFixed(1);
  return `| ${phase} | ${ms(percentile(figures.latencies, 0.5))} | ` +
    `${ms(percentile(figures.latencies, 0.99))} | ${ms(Math.max(...figures.pageMs))} | ` +
    `${figures.pageFailures} | ${figures.rssPeakMiB.toFixed(1)} | ${attackText} |`;
}

const chatPort = freePort();
const { server, out, web: webPort } = await startWebChat(chatPort, [
  "--limit-loopback",
  "--max-per-ip",
  `${MAX_PER_IP}`,
  "--max-clients",
  "20000",
]);

const quiet = await measure(server, chatPort, webPort, PHASE_MS, "q");
const until = performance.now() + PHASE_MS;
const [attacked, tally] = await Promise.all([
  measure(server, chatPort, webPort, PHASE_MS, "a"),
  attack(webPort, ATTACK, until),
]);
const answers = [...tally.answers].map(([status, n]) => `${n}× ${status}`).join(", ") || "none";
console.log(
  `Server: --limit-loopback --max-per-ip ${MAX_PER_IP}; attacker at ${ATTACKER}: ` +
    `${ATTACK} half-open requests at most, ${ATTACK_WINDOW} open at once, over ${
      PHASE_MS / 1000
    } s`,
);
console.log("");
console.log(
  "| phase | chat p50 ms | chat p99 ms | slowest page ms | page failures | server peak RSS MiB | attacker's connections |",
);
console.log("|---|---|---|---|---|---|---|");
console.log(row("quiet", quiet, "-"));
console.log(
  row(
    "attack",
    attacked,
    `${tally.opened} opened; ${tally.closedByServer} closed by the server (answers: ${answers}); ` +
      `${tally.refused} refused; ${tally.openAtEnd} still open at the end`,
  ),
);
const refusedLines = out.lines.filter((each) =>
  / refused /.test(each) || /503|too many/i.test(each)
);
console.log("");
console.log(`Console lines about refusals: ${refusedLines.length}`);
server.kill("SIGTERM");
await server.status;
