/**
 * `deno task bench:transfer`: a 100 MiB file from one ChatClient to another through a fresh
 * ChatServer on 127.0.0.1, while two other clients chat; prints the transfer's rate, the
 * server's memory growth during it, and the chat's latency meanwhile.
 *
 * Options: `--mib <n>` (the file's size, default 100), `--keep` (leave the files).
 *
 * @module
 */

import { parseFlags } from "../lib/common/flags.ts";
import { LineLog } from "../lib/tools/testing.ts";
import { cpuSeconds, freePort, memoryMiB } from "./proc.ts";

const flags = parseFlags(Deno.args, { mib: "string", keep: "boolean" });
if (!flags.ok) throw new Error(flags.error);
const MIB = Number(flags.values.mib ?? 100);
const DIR = `${Deno.cwd()}/.bench-data/transfer-${Deno.pid}`;
/** How often the chat pair talks: 10 a second, the default rate limit. */
const CHAT_EVERY_MS = 100;
const encoder = new TextEncoder();
/**
 * Extra flags for the server from CHAT_BENCH_SERVER_FLAGS (such as `--cpu-prof`), when run with
 * `--allow-env=CHAT_BENCH_SERVER_FLAGS`.
 */
function envFlags(variable: string): string[] {
  return Deno.permissions.querySync({ name: "env", variable }).state === "granted"
    ? (Deno.env.get(variable) ?? "").split(" ").filter(Boolean)
    : [];
}
const PROFILE = envFlags("CHAT_BENCH_SERVER_FLAGS");
/** The same for the receiving client, from CHAT_BENCH_RECEIVER_FLAGS. */
const RECEIVER_FLAGS = envFlags("CHAT_BENCH_RECEIVER_FLAGS");

/** Writes `mib` MiB of random bytes to `path`. */
async function randomFile(path: string, mib: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(1024 * 1024);
  for (let i = 0; i < mib; i++) {
    for (let at = 0; at < block.length; at += 65536) {
      crypto.getRandomValues(block.subarray(at, at + 65536));
    }
    let written = 0;
    while (written < block.length) written += await file.write(block.subarray(written));
  }
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A ChatClient process with piped input. */
function client(port: number, nickname: string, extra: string[], flags: string[]) {
  const child = new Deno.Command("deno", {
    args: [
      "run",
      "--allow-net",
      ...flags,
      "ChatClient.ts",
      "127.0.0.1",
      `${port}`,
      nickname,
      "1",
      ...extra,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  return {
    child,
    out: new LineLog(child.stdout),
    type: (line: string) => writer.write(encoder.encode(line + "\n")),
    end: () => writer.close().catch(() => {}),
  };
}

/** Two raw JSON clients chatting both ways; each records how long the other's lines took. */
async function chatPair(port: number) {
  const latencies: { at: number; ms: number }[] = [];
  let stop = false;
  const talker = async (nickname: string) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const send = (message: object) => conn.write(encoder.encode(JSON.stringify(message) + "\n"));
    await send({ type: "nickname", nickname, clientID: "9" });
    const reading = (async () => {
      let partial = "";
      for await (const text of conn.readable.pipeThrough(new TextDecoderStream())) {
        const lines = (partial + text).split("\n");
        partial = lines.pop()!;
        for (const line of lines) {
          const sent = /"message":"t=(\d+(?:\.\d+)?)"/.exec(line);
          if (sent === null) continue;
          const now = performance.now();
          latencies.push({ at: now, ms: now - Number(sent[1]) });
        }
      }
    })().catch(() => {});
    const sending = (async () => {
      while (!stop) {
        await send({ type: "message", message: `t=${performance.now()}` });
        await new Promise((resolve) => setTimeout(resolve, CHAT_EVERY_MS));
      }
    })();
    return async () => {
      await sending;
      conn.close();
      await reading;
    };
  };
  const closers = [await talker("chatA"), await talker("chatB")];
  return {
    latencies,
    async close() {
      stop = true;
      for (const close of closers) await close();
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

await Deno.mkdir(`${DIR}/downloads`, { recursive: true });
const file = `${DIR}/payload.bin`;
await randomFile(file, MIB);

const port = freePort();
const server = new Deno.Command("deno", {
  args: [
    "run",
    ...PROFILE,
    "--allow-net",
    "ChatServer.ts",
    `${port}`,
    "--max-file-size",
    `${(MIB + 1) * 2 ** 20}`,
  ],
  stdin: "null",
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const serverOut = new LineLog(server.stdout);
await serverOut.waitFor(/^ChatServer started/);

const receiver = client(port, "Receiver", ["--downloads", `${DIR}/downloads`], [
  ...RECEIVER_FLAGS,
  `--allow-read=${DIR}`,
  `--allow-write=${DIR}`,
]);
await serverOut.waitFor(/:: Receiver: connected\.$/);
const sender = client(port, "Sender", [], [`--allow-read=${DIR}`]);
await serverOut.waitFor(/:: Sender: connected\.$/);
const chat = await chatPair(port);
await new Promise((resolve) => setTimeout(resolve, 500));
const rssBefore = await memoryMiB(server.pid, "VmRSS") ?? NaN;

await sender.type(`/send Receiver ${file}`);
await receiver.out.waitFor(/offers payload\.bin/);
const pids = { server: server.pid, sender: sender.child.pid, receiver: receiver.child.pid };
const cpuBefore = Object.fromEntries(
  await Promise.all(
    Object.entries(pids).map(async ([name, pid]) => [name, await cpuSeconds(pid) ?? NaN]),
  ),
);
await receiver.type("/accept");
const started = performance.now();
let rssPeak = rssBefore;
let transferring = true;
const sampling = (async () => {
  while (transferring) {
    rssPeak = Math.max(rssPeak, await memoryMiB(server.pid, "VmRSS") ?? NaN);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
})();
const { line } = await receiver.out.waitFor(/^Received payload\.bin|failed/, { ms: 600_000 });
const ended = performance.now();
transferring = false;
await sampling;
await chat.close();

const seconds = (ended - started) / 1000;
const cpu = await Promise.all(
  Object.entries(pids).map(async ([name, pid]) =>
    `${name} ${(((await cpuSeconds(pid) ?? NaN) - cpuBefore[name]) / seconds * 100).toFixed(0)}%`
  ),
);
const during = chat.latencies.filter((l) => l.at >= started && l.at <= ended).map((l) => l.ms);
const identical = line.startsWith("Received") &&
  await sha256(file) === await sha256(`${DIR}/downloads/payload.bin`);
console.log(
  `transfer: ${MIB} MiB in ${seconds.toFixed(2)} s = ${(MIB / seconds).toFixed(1)} MiB/s, ` +
    `arrived ${identical ? "identical" : "NOT identical"} (${line})`,
);
console.log(
  `server RSS: ${rssBefore.toFixed(1)} MiB before, peak ${rssPeak.toFixed(1)} MiB during ` +
    `(+${(rssPeak - rssBefore).toFixed(1)} MiB)`,
);
console.log(`CPU during the transfer (of one core): ${cpu.join(", ")}`);
console.log(
  `chat meanwhile: ${during.length} messages, p50 ${percentile(during, 0.5).toFixed(1)} ms, ` +
    `p99 ${percentile(during, 0.99).toFixed(1)} ms, max ${Math.max(...during).toFixed(1)} ms`,
);

for (const each of [sender, receiver]) {
  await each.type("/exit");
  await each.end();
  await each.child.status;
  await each.out.done;
}
server.kill("SIGTERM");
await server.status;
await serverOut.done;
if (!flags.values.keep) await Deno.remove(DIR, { recursive: true });
if (!identical) Deno.exit(1);
