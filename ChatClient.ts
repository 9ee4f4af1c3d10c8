/**
 * ChatClient: a terminal chat client (spec part A, and part B's CHAT/1.0 form).
 *
 * Run: `deno run --allow-net ChatClient.ts <host> <port> <nickname> <clientID>` (JSON), with
 * `--tls` to connect with TLS (and `--ca <pem>` plus `--allow-read=<pem>` to trust a given
 * authority or self-signed certificate, or `--fingerprint sha256:…` to trust one certificate); or `deno run --allow-net ChatClient.ts <nickname> chat://<host>:<port>` to speak
 * CHAT/1.0 with any server that does.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { CHAT_ADDRESS_HINT, CLIENT_USAGE, parseClientArgs } from "./lib/client/args.ts";
import { Chat1Session } from "./lib/client/chat1_session.ts";
import { ChatSession } from "./lib/client/chat_session.ts";
import { formatDateTime } from "./lib/common/text.ts";
import { formatSummary } from "./lib/client/screen.ts";
import type { ByteConn } from "./lib/net/conn.ts";
import type { SessionEnd } from "./lib/client/session.ts";
import { Terminal } from "./lib/client/terminal.ts";
import { connectToServer } from "./lib/net/tls_connect.ts";
import { openClientKeys } from "./lib/client/keys/open_keys.ts";

/** What the client prints when a session ends other than by the user's choice. */
const END_NOTICES: Record<SessionEnd, string | undefined> = {
  disconnected: undefined,
  shutdown: "The server is shutting down; the session has ended.",
  lost: "The connection to the server was lost.",
  refused: undefined,
};

const args = parseClientArgs(Deno.args);
if (!args.ok) {
  console.log(args.error);
  if (args.help) Deno.exit(0);
  console.error(CLIENT_USAGE);
  Deno.exit(1);
}
const settings = args.value;
const { host, port, nickname } = settings;

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
  exit(settings.wire === "json" ? "ERR - arg 1" : `ERR - arg 2\n${CHAT_ADDRESS_HINT}`);
}

/** Opens a connection (TLS verified before anything is sent); throws the lines to print. */
function connect(): Promise<ByteConn> {
  return connectToServer({
    host,
    address: address!,
    port,
    tls: settings.wire === "json" && settings.tls,
    caFile: settings.wire === "json" ? settings.caFile : undefined,
    fingerprint: settings.wire === "json" ? settings.fingerprint : undefined,
  });
}

function exit(line: string): never {
  console.log(line);
  Deno.exit(1);
}

const conn = await connect().catch((error: Error) => exit(error.message));
const terminal = new Terminal();
const session = settings.wire === "json"
  ? new ChatSession(conn, {
    nickname,
    clientID: settings.clientID,
    passwordFile: settings.passwordFile,
    downloads: settings.downloads,
    e2e: {
      openKeys: (nickname, chat) =>
        openClientKeys(settings.keysFile, { nickname, chat, host, port }),
      only: settings.e2eOnly,
    },
    ui: terminal,
    connect,
  })
  : new Chat1Session(conn, { username: nickname, ui: terminal });
terminal.print(
  `ChatClient started with server IP: ${(conn.remoteAddr as Deno.NetAddr).hostname}, ` +
    `port: ${port}, nickname: ${nickname}, ` +
    `client ID: ${settings.wire === "json" ? settings.clientID : "-"}, ` +
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
Deno.exit(end === "lost" || end === "refused" ? 1 : 0);
