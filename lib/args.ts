/**
 * Command-line arguments of ChatServer and ChatClient, checked as the spec asks
 * (`ERR - arg <x>` for the first bad or missing one).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { nicknameProblem } from "../protocol.ts";

/** Default per-client outbox (sendq) cap in bytes. */
export const DEFAULT_SENDQ_BYTES = 1024 * 1024;
/** Default time a write may make no progress before its client is dropped, in seconds. */
export const DEFAULT_WRITE_TIMEOUT_SECONDS = 30;

/** The result of parsing arguments: the values, or the line to print before exiting. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** ChatServer's settings. */
export interface ServerArgs {
  /** Port to listen on; 0 asks the system for a free one. */
  port: number;
  /** Per-client outbox cap in bytes. */
  sendqBytes: number;
  /** Milliseconds a write may make no progress before its client is dropped. */
  writeTimeoutMs: number;
}

/** ChatClient's settings. */
export interface ClientArgs {
  host: string;
  port: number;
  nickname: string;
  clientID: string;
}

/** Usage of ChatServer, printed with an argument error. */
export const SERVER_USAGE =
  "usage: ChatServer.ts [<port>] [--sendq <bytes>] [--write-timeout <seconds>]";

/** Usage of ChatClient, printed with an argument error. */
export const CLIENT_USAGE = "usage: ChatClient.ts <host> <port> <nickname> <clientID>";

/** Parses ChatServer's arguments. */
export function parseServerArgs(args: string[]): Parsed<ServerArgs> {
  // The port comes first when given; "-5" is a bad port, not an option.
  const portText = args[0] !== undefined && !args[0].startsWith("--") ? args[0] : undefined;
  let parsed;
  try {
    parsed = parseArgs({
      args: portText === undefined ? args : args.slice(1),
      allowPositionals: true,
      options: { sendq: { type: "string" }, "write-timeout": { type: "string" } },
    });
  } catch (error) {
    return { ok: false, error: `ERR - ${(error as Error).message.split(". ")[0]}` };
  }
  const { positionals, values } = parsed;
  let port = 0;
  if (portText !== undefined) {
    const value = parsePort(portText);
    if (value === undefined) return { ok: false, error: "ERR - arg 1" };
    port = value;
  }
  if (positionals.length > 0) {
    return { ok: false, error: `ERR - unexpected argument "${positionals[0]}"` };
  }
  const sendqBytes = parseWholeNumber(values.sendq ?? `${DEFAULT_SENDQ_BYTES}`);
  if (sendqBytes === undefined || sendqBytes < 1) {
    return { ok: false, error: `ERR - option --sendq: expected bytes, got "${values.sendq}"` };
  }
  const timeout = values["write-timeout"] ?? `${DEFAULT_WRITE_TIMEOUT_SECONDS}`;
  const seconds = /^\d+(\.\d+)?$/.test(timeout) ? Number(timeout) : NaN;
  if (!(seconds > 0)) {
    return {
      ok: false,
      error: `ERR - option --write-timeout: expected seconds, got "${timeout}"`,
    };
  }
  return { ok: true, value: { port, sendqBytes, writeTimeoutMs: seconds * 1000 } };
}

/** Parses ChatClient's arguments (the host is only checked for presence here). */
export function parseClientArgs(args: string[]): Parsed<ClientArgs> {
  const [host, portText, nickname, clientID] = args;
  if (host === undefined || host.trim() === "") return { ok: false, error: "ERR - arg 1" };
  const port = portText === undefined ? undefined : parsePort(portText);
  if (port === undefined) return { ok: false, error: "ERR - arg 2" };
  if (nickname === undefined || nicknameProblem(nickname) !== undefined) {
    return { ok: false, error: "ERR - arg 3" };
  }
  if (clientID === undefined || clientID.trim() === "" || /\p{Cc}/u.test(clientID)) {
    return { ok: false, error: "ERR - arg 4" };
  }
  if (args.length > 4) return { ok: false, error: "ERR - arg 5" };
  return { ok: true, value: { host: host.trim(), port, nickname, clientID } };
}

/** A TCP port from 1 to 65535 written as a whole number, or undefined. */
export function parsePort(text: string): number | undefined {
  const port = parseWholeNumber(text);
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
}

function parseWholeNumber(text: string): number | undefined {
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}
