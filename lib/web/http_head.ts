/**
 * HTTP/1.1 request heads as the web port reads them (RFC 9112): where a head ends in the bytes
 * received, its request line and headers read strictly, and the request's URL. Anything the web
 * port does not take is refused with its status: a head over `MAX_HEAD_BYTES` (431), a body (there
 * is no upload route: 413, or 400 for a malformed length), another major version of HTTP (505),
 * and whatever is malformed (400).
 *
 * @module
 */

/** Most bytes of a request's head: its request line, its headers and the blank line after. */
export const MAX_HEAD_BYTES = 16 * 1024;

/** One request's head. */
export interface RequestHead {
  /** The method, as sent (methods are case-sensitive). */
  method: string;
  /** The request target: a path and query, or an absolute URL. */
  target: string;
  /** The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x). */
  minor: number;
  /** The header fields in order, names in lower case, values trimmed. */
  headers: [string, string][];
  /** Whether the client asks the connection to close after this request (or is HTTP/1.0). */
  close: boolean;
}

/** A head read, or the status and reason of its refusal. */
export type HeadReading =
  | { ok: true; head: RequestHead }
  | { ok: false; status: number; why: string };

const LF = 0x0a;
const CR = 0x0d;

/** A token (RFC 9110, section 5.6.2): a method or a field name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value's characters: visible, spaces, tabs and bytes past ASCII; no other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A request target's characters: visible ASCII only. */
const TARGET = /^[\x21-\x7e]+$/;
/** What a Host may hold: a name or address and a port, nothing that would move the URL. */
const HOST = /^(?:[A-Za-z0-9.\-_~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Where the head at the start of `bytes` (its first `length` bytes held) ends: the offset just
 * past its blank line, or -1 while it has not arrived. `from` skips what an earlier call searched.
 * Lines may end with CRLF or a bare LF.
 */
export function headEnd(bytes: Uint8Array, length: number, from = 0): number {
  let at = from;
  while (true) {
    const lf = bytes.subarray(0, length).indexOf(LF, at);
    if (lf < 0) return -1;
    if (lf + 1 < length && bytes[lf + 1] === LF) return lf + 2;
    if (lf + 2 < length && bytes[lf + 1] === CR && bytes[lf + 2] === LF) return lf + 3;
    at = lf + 1;
  }
}

/** How many of the first `length` bytes are blank lines (which may come before a request). */
export function blankLines(bytes: Uint8Array, length: number): number {
  let at = 0;
  while (at < length && (bytes[at] === CR || bytes[at] === LF)) at++;
  return at;
}

/** The path of the request line at the start of `bytes`, once its first line is all there. */
export function requestPath(bytes: Uint8Array, length: number): string | undefined {
  const lf = bytes.subarray(0, length).indexOf(LF);
  if (lf < 0) return undefined;
  const line = latin1(bytes.subarray(0, lf));
  const target = line.split(" ")[1] ?? "";
  return target.split("?")[0];
}

/** Reads a whole head (through its blank line, as `headEnd` finds it). */
export function parseHead(bytes: Uint8Array): HeadReading {
  const lines = latin1(bytes).split("\n");
  // The head ends with a blank line: two empty strings at the end of the split.
  lines.length -= 2;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].endsWith("\r")) lines[i] = lines[i].slice(0, -1);
    if (lines[i].includes("\r")) return bad("A bare CR in the head");
  }
  const [method, target, version, ...more] = (lines[0] ?? "").split(" ");
  const versionMatch = /^HTTP\/(\d)\.(\d)$/.exec(version ?? "");
  if (
    more.length > 0 || versionMatch === null || !TOKEN.test(method) || target === undefined ||
    !TARGET.test(target)
  ) {
    return bad("Malformed request line");
  }
  if (versionMatch[1] !== "1") {
    return { ok: false, status: 505, why: "Only HTTP/1.1 is served here" };
  }
  const minor = Number(versionMatch[2]);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    // No whitespace before the colon, and no line folded onto the last.
    if (colon <= 0 || !TOKEN.test(name)) return bad("Malformed header line");
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) return bad(`Malformed value of header ${name}`);
    headers.push([name.toLowerCase(), value]);
  }
  const hosts = headers.filter(([name]) => name === "host");
  if (hosts.length > 1 || (minor >= 1 && hosts.length === 0)) {
    return bad("A request needs one Host header");
  }
  const body = bodyProblem(headers);
  if (body !== undefined) return body;
  const connection = tokens(headers, "connection");
  const close = minor === 0 || connection.includes("close");
  return { ok: true, head: { method, target, minor, headers, close } };
}

/** The value of header `name` in `head` (repeats joined by commas), or undefined. */
export function headerOf(head: RequestHead, name: string): string | undefined {
  const values = head.headers.filter(([each]) => each === name).map(([, value]) => value);
  return values.length === 0 ? undefined : values.join(", ");
}

/**
 * The URL of the request of `head` reached over `scheme` (`http` or `https`): its Host (or
 * `fallbackHost` for HTTP/1.0 without one) and its target; undefined when they make no URL.
 */
export function requestUrl(
  head: RequestHead,
  scheme: string,
  fallbackHost: string,
): URL | undefined {
  let host = headerOf(head, "host") ?? fallbackHost;
  let path = head.target;
  if (/^https?:\/\//i.test(path)) {
    // The absolute form: its authority stands for the Host.
    try {
      const url = new URL(path);
      if (url.username !== "" || url.password !== "") return undefined;
      host = url.host;
      path = url.pathname + url.search;
    } catch {
      return undefined;
    }
  }
  if (!path.startsWith("/") || !HOST.test(host)) return undefined;
  try {
    return new URL(`${scheme}://${host}${path}`);
  } catch {
    return undefined;
  }
}

/** Why a request with `headers` cannot be taken for its body, or undefined when it has none. */
function bodyProblem(headers: [string, string][]): HeadReading | undefined {
  if (headers.some(([name]) => name === "transfer-encoding")) {
    return { ok: false, status: 413, why: "No request here takes a body" };
  }
  const lengths = headers.filter(([name]) => name === "content-length")
    .flatMap(([, value]) => value.split(",").map((each) => each.trim()));
  if (lengths.length === 0) return undefined;
  if (!lengths.every((each) => /^\d{1,15}$/.test(each) && Number(each) === Number(lengths[0]))) {
    return bad("Malformed Content-Length");
  }
  if (Number(lengths[0]) > 0) {
    return { ok: false, status: 413, why: "No request here takes a body" };
  }
  return undefined;
}

/** The comma-separated tokens of header `name`, in lower case. */
function tokens(headers: [string, string][], name: string): string[] {
  return headers.filter(([each]) => each === name)
    .flatMap(([, value]) => value.toLowerCase().split(",").map((token) => token.trim()));
}

/** A 400 refusal saying `why`. */
function bad(why: string): HeadReading {
  return { ok: false, status: 400, why };
}

/** `bytes` as text, one character per byte (as HTTP reads a head). */
function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let at = 0; at < bytes.length; at += 4096) {
    text += String.fromCharCode(...bytes.subarray(at, at + 4096));
  }
  return text;
}
