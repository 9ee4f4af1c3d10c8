/**
 * ChatClient: a terminal chat client (spec part A).
 *
 * Run: `deno run --allow-net ChatClient.ts <host> <port> <nickname> <clientID>`
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { CLIENT_USAGE, parseClientArgs } from "./lib/args.ts";
import { ChatSession, type SessionEnd } from "./lib/client.ts";
import { formatDateTime, formatSummary } from "./lib/format.ts";
import { Terminal } from "./lib/terminal.ts";

/** What the client prints when a session ends other than by the user's choice. */
const END_NOTICES: Record<SessionEnd, string | undefined> = {
  disconnected: undefined,
  shutdown: "The server is shutting down; the session has ended.",
  lost: "The connection to the server was lost.",
};

const args = parseClientArgs(Deno.args);
if (!args.ok) {
  console.log(args.error);
  console.error(CLIENT_USAGE);
  Deno.exit(1);
}
const { host, port, nickname, clientID } = args.value;

/** The host's address, IPv4 first (the server listens on IPv4), or undefined. */
async function resolve(host: string): Promise<string | undefined> {
  for (const family of [4, 0]) {
    try {
      return (await lookup(host, { family })).address;
    } catch {
      // Try the next family.
    }
  }
  return undefined;
}

const address = await resolve(host);
if (address === undefined) {
  console.log("ERR - arg 1");
  Deno.exit(1);
}

let conn: Deno.Conn;
try {
  conn = await Deno.connect({ hostname: address, port });
} catch (error) {
  console.log(`ERR - cannot connect to ChatServer at ${host}:${port}: ${(error as Error).message}`);
  Deno.exit(1);
}

const terminal = new Terminal();
const session = new ChatSession(conn, { nickname, clientID, ui: terminal });
terminal.print(
  `ChatClient started with server IP: ${(conn.remoteAddr as Deno.NetAddr).hostname}, ` +
    `port: ${port}, nickname: ${nickname}, client ID: ${clientID}, ` +
    `Date/Time: ${formatDateTime(session.stats.start)}`,
);
terminal.onInterrupt(() => session.interrupt());
Deno.addSignalListener("SIGINT", () => session.interrupt());
Deno.addSignalListener("SIGTERM", () => session.interrupt());

const end = await session.run(terminal);
const notice = END_NOTICES[end];
if (notice !== undefined) terminal.print(notice);
terminal.print(formatSummary(session.stats, new Date()));
terminal.close();
Deno.exit(end === "lost" ? 1 : 0);
