/**
 * ChatClient: a terminal chat client (spec part A).
 *
 * Run: `deno run --allow-net ChatClient.ts <host> <port> <nickname> <clientID>`, with `--tls`
 * to connect with TLS (and `--ca <pem>` plus `--allow-read=<pem>` to trust a given authority).
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
  if (args.help) Deno.exit(0);
  console.error(CLIENT_USAGE);
  Deno.exit(1);
}
const { host, port, nickname, clientID, tls, caFile } = args.value;

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

/** Opens the connection (TLS verified against `host`), or exits with a clear error. */
async function connect(): Promise<Deno.Conn> {
  if (!tls) {
    try {
      return await Deno.connect({ hostname: address!, port });
    } catch (error) {
      exit(`ERR - cannot connect to ChatServer at ${host}:${port}: ${(error as Error).message}`);
    }
  }
  let caCerts: string[] | undefined;
  if (caFile !== undefined) {
    try {
      caCerts = [Deno.readTextFileSync(caFile)];
    } catch (error) {
      exit(`ERR - cannot read CA file "${caFile}": ${(error as Error).message}`);
    }
  }
  let conn: Deno.TlsConn;
  try {
    conn = await Deno.connectTls({ hostname: host, port, caCerts });
  } catch (error) {
    exit(`ERR - cannot connect to ChatServer at ${host}:${port}: ${(error as Error).message}`);
  }
  try {
    // Verify now, before anything is sent: never fall back to plain text.
    await conn.handshake();
  } catch (error) {
    conn.close();
    exit(
      `ERR - TLS handshake with ${host}:${port} failed: ${(error as Error).message} ` +
        "(does that port serve TLS, with a certificate you trust?)",
    );
  }
  return conn;
}

function exit(line: string): never {
  console.log(line);
  Deno.exit(1);
}

const conn = await connect();
const terminal = new Terminal();
const session = new ChatSession(conn, { nickname, clientID, ui: terminal });
terminal.print(
  `ChatClient started with server IP: ${(conn.remoteAddr as Deno.NetAddr).hostname}, ` +
    `port: ${port}, nickname: ${nickname}, client ID: ${clientID}, ` +
    `Date/Time: ${formatDateTime(session.stats.start)}`,
);
terminal.setCompleter((line) => session.complete(line));
terminal.onInterrupt(() => session.interrupt());
Deno.addSignalListener("SIGINT", () => session.interrupt());
Deno.addSignalListener("SIGTERM", () => session.interrupt());

const end = await session.run(terminal);
const notice = END_NOTICES[end];
if (notice !== undefined) terminal.print(notice);
terminal.print(formatSummary(session.stats, new Date()));
terminal.close();
Deno.exit(end === "lost" ? 1 : 0);
