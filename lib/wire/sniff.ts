/**
 * Tells what a connection to the chat port speaks from its first bytes: JSON Lines, CHAT/1.0,
 * or a protocol the port does not serve (a TLS handshake, an HTTP request).
 *
 * @module
 */

import { CHAT1_OPENINGS } from "../protocol/chat1.ts";

/** What a connection speaks. */
export type Sniffed = "json" | "chat1" | "tls" | "http";

/** The most bytes `sniff` needs to decide. */
export const SNIFF_BYTES = 16;

const HTTP_OPENINGS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT"]
  .concat(["TRACE", "PRI"]).map((method) => `${method} `);

const LF = 0x0a;

/**
 * What a connection speaks, from its first bytes; undefined while they are too few to tell
 * (they are a start of one of the openings, with no line ended yet).
 *
 * A first line starting with `REGISTER ` or `DISCONNECT ` is CHAT/1.0; a TLS record or an HTTP
 * request line is foreign; anything else is JSON, which may begin with any byte (even one
 * broken frame: the JSON wire answers it with an error).
 */
export function sniff(first: Uint8Array): Sniffed | undefined {
  if (first.length === 0) return undefined;
  // A TLS record: handshake (22), protocol version 3.x.
  if (first[0] === 0x16) {
    if (first.length < 2) return undefined;
    return first[1] === 0x03 ? "tls" : "json";
  }
  const start = String.fromCharCode(...first.subarray(0, SNIFF_BYTES));
  if (CHAT1_OPENINGS.some((opening) => start.startsWith(opening))) return "chat1";
  const http = HTTP_OPENINGS.find((opening) => start.startsWith(opening));
  if (http !== undefined) {
    // A request line goes on with its target: "GET /".
    if (start.length === http.length) return undefined;
    return start[http.length] === " " ? "json" : "http";
  }
  const unfinished = !first.subarray(0, SNIFF_BYTES).includes(LF) &&
    [...CHAT1_OPENINGS, ...HTTP_OPENINGS].some((opening) => opening.startsWith(start));
  return unfinished ? undefined : "json";
}

const encoder = new TextEncoder();

/** The reply to an HTTP request: a short plain-text 400 saying what this port speaks. */
export function httpRefusal(): Uint8Array {
  const body = "This is a chat server: it speaks JSON Lines and CHAT/1.0 over TCP, not HTTP.\n";
  return encoder.encode(
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n" +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}
