/**
 * `deno task cluster`: a chat of three nodes on this machine, to try cluster mode. It starts
 * Debian's `redis-server` (on 6379, or a free port when that one is taken) in `.cluster/`, then
 * three ChatServer nodes sharing it, on ports 12345, 12346 and 12347 (web clients on 8080, 8081
 * and 8082), each line of theirs shown after its port. Ctrl-C stops them all.
 *
 * @module
 */

import { REDIS_ENV } from "../cluster/join.ts";
import { RedisServer } from "./redis_server.ts";

/** The ports of the nodes. */
export const NODE_PORTS = [12345, 12346, 12347];
/** Where Redis keeps its files. */
const DIR = ".cluster";
/** Redis's usual port. */
const REDIS_PORT = 6379;

/** Whether `port` is free on 127.0.0.1. */
function free(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** Prints each line of `stream` after `label`. */
async function show(label: string, stream: ReadableStream<Uint8Array>): Promise<void> {
  let partial = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    for (const line of lines) console.log(`${label} ${line}`);
  }
}

async function main(): Promise<void> {
  await Deno.mkdir(DIR, { recursive: true });
  let redis: RedisServer;
  try {
    redis = await RedisServer.start({ dir: DIR, port: free(REDIS_PORT) ? REDIS_PORT : 0 });
  } catch (error) {
    console.log(`ERR - ${(error as Error).message}`);
    Deno.exit(1);
  }
  console.log(`Redis on 127.0.0.1:${redis.port} (files in ${DIR}/); Ctrl-C stops everything`);
  const nodes = NODE_PORTS.map((port, i) => {
    const child = new Deno.Command("deno", {
      args: [
        ...["run", "--allow-net", `--allow-env=${REDIS_ENV.join(",")}`],
        ...["--allow-sys=networkInterfaces", "--allow-read=web", "ChatServer.ts", `${port}`],
        ...["--cluster", redis.url, "--web-port", `${8080 + i}`],
      ],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const output = Promise.all([show(`[${port}]`, child.stdout), show(`[${port}]`, child.stderr)]);
    return { child, output };
  });
  const stop = async () => {
    for (const { child } of nodes) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Gone already.
      }
    }
    await Promise.all(nodes.map(({ child, output }) => Promise.all([child.status, output])));
    await redis.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

if (import.meta.main) await main();
