/**
 * The CHAT/1.0 line protocol, both directions: the lines each side sends and how to read them.
 * The server's `Wire` for it is `lib/wire/chat1.ts`; the client's session is
 * `lib/client/chat1_session.ts`.
 *
 * Client to server: `REGISTER <username> CHAT/1.0`, chat lines `@<username>: <text>`, and
 * `DISCONNECT <username> CHAT/1.0`. Server to client: `200 Registration successful`,
 * `400 Invalid registration`, `401 Client already registered`, chat lines `@<sender>: <text>`,
 * other `400 <problem>` lines, and `DISCONNECT CHAT/1.0` at shutdown. UTF-8 lines ended by
 * `\n` (`\r\n` accepted).
 *
 * @module
 */

/** The protocol's name and version, as it ends its command lines. */
export const CHAT1_VERSION = "CHAT/1.0";
/** The reply to a successful registration. */
export const CHAT1_REGISTERED = "200 Registration successful";
/** The reply to a malformed registration, or to anything before one. */
export const CHAT1_INVALID = "400 Invalid registration";
/** The reply to a registration of a name already connected. */
export const CHAT1_TAKEN = "401 Client already registered";
/** What the server sends each CHAT/1.0 client before it shuts down. */
export const CHAT1_SHUTDOWN = `DISCONNECT ${CHAT1_VERSION}`;
/** How a connection speaking CHAT/1.0 starts (so the server can tell it from JSON). */
export const CHAT1_OPENINGS: readonly string[] = ["REGISTER ", "DISCONNECT "];

/** What a line from a client asks. */
export type Chat1Request =
  | { kind: "register"; username: string }
  /** A `REGISTER` line with the wrong number of words or the wrong version. */
  | { kind: "bad-register" }
  | { kind: "disconnect"; username?: string }
  /** A chat line; `username` is the name its prefix claims, if it has one. */
  | { kind: "chat"; username?: string; text: string }
  /** A blank line (or a prefix with no text): nothing to do. */
  | { kind: "blank" };

/** What a line from a server says. */
export type Chat1Reply =
  | { kind: "chat"; username: string; text: string }
  | { kind: "disconnect" }
  /** A status line: `200 ...`, `400 ...`, `401 ...` and so on. */
  | { kind: "status"; code: number; text: string }
  | { kind: "other"; line: string };

/** `@<username>: `, the prefix of a chat line (a name has no white space). */
const CHAT_PREFIX = /^@(\S+?):(?: |$)/;
const STATUS = /^(\d{3})(?: (.*))?$/;
const WORDS = /[ \t]+/;

/** Reads a line a client sent (without its line ending). */
export function parseChat1Request(line: string): Chat1Request {
  const words = line.trim().split(WORDS);
  if (words[0] === "REGISTER" && line.startsWith("REGISTER")) {
    return words.length === 3 && words[2] === CHAT1_VERSION
      ? { kind: "register", username: words[1] }
      : { kind: "bad-register" };
  }
  if (
    words[0] === "DISCONNECT" && line.startsWith("DISCONNECT") && words.at(-1) === CHAT1_VERSION &&
    words.length <= 3
  ) {
    return words.length === 3 ? { kind: "disconnect", username: words[1] } : { kind: "disconnect" };
  }
  const prefix = CHAT_PREFIX.exec(line);
  const text = prefix === null ? line : line.slice(prefix[0].length);
  if (text.trim() === "") return { kind: "blank" };
  return prefix === null ? { kind: "chat", text } : { kind: "chat", username: prefix[1], text };
}

/** Reads a line a server sent (without its line ending). */
export function parseChat1Reply(line: string): Chat1Reply {
  if (line.trim() === CHAT1_SHUTDOWN) return { kind: "disconnect" };
  const prefix = CHAT_PREFIX.exec(line);
  if (prefix !== null) {
    return { kind: "chat", username: prefix[1], text: line.slice(prefix[0].length) };
  }
  const status = STATUS.exec(line.trimEnd());
  if (status !== null) return { kind: "status", code: Number(status[1]), text: status[2] ?? "" };
  return { kind: "other", line };
}

/** `REGISTER <username> CHAT/1.0`. */
export function chat1Register(username: string): string {
  return `REGISTER ${username} ${CHAT1_VERSION}`;
}

/** `DISCONNECT <username> CHAT/1.0`, the client's goodbye. */
export function chat1Disconnect(username: string): string {
  return `DISCONNECT ${username} ${CHAT1_VERSION}`;
}

/**
 * `@<username>: <text>`, a chat line. A line break in the text (which other wires can carry)
 * becomes a space, so that one message stays one line and cannot pass for another.
 */
export function chat1Chat(username: string, text: string): string {
  return `@${username}: ${oneLine(text)}`;
}

/** `text` on one line: each line break (CR, LF, CR LF, U+2028, U+2029, NEL) becomes a space. */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029\x85]/g, " ");
}
