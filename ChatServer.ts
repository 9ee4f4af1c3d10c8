/**
 * ChatServer: a TCP chat server (spec part A).
 *
 * Run: `deno run --allow-net ChatServer.ts [<port>] [--sendq <bytes>] [--write-timeout <s>]`
 *
 * @module
 */

import { parseServerArgs, SERVER_USAGE } from "./lib/args.ts";
import { ConsoleLog } from "./lib/console_log.ts";
import { machineAddress } from "./lib/net.ts";
import { ChatServer } from "./lib/server.ts";

const args = parseServerArgs(Deno.args);
if (!args.ok) {
  console.log(args.error);
  console.error(SERVER_USAGE);
  Deno.exit(1);
}
const { port, sendqBytes, writeTimeoutMs } = args.value;

let listener: Deno.Listener;
try {
  listener = Deno.listen({ hostname: "0.0.0.0", port, transport: "tcp" });
} catch {
  console.log(`ERR - cannot create ChatServer socket using port number ${port}`);
  Deno.exit(1);
}

const console_ = new ConsoleLog();
const boundPort = (listener.addr as Deno.NetAddr).port;
console_.line(`ChatServer started with server IP: ${machineAddress()}, port: ${boundPort} ...`);

const server = new ChatServer(listener, {
  sendqBytes,
  writeTimeoutMs,
  log: (line) => console_.line(line),
});

async function stop(): Promise<never> {
  await server.shutdown();
  await console_.flush();
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);

await server.serve();
