/**
 * HTTP/1.1 responses as the web port writes them: a `Response`'s status line, headers and body in
 * one buffer, with its `Content-Length` (never chunked), a `Date`, and `Connection: close` when
 * the connection ends after it; the server's own short answers (400, 408, 413, 431, 503...); and
 * `SwitchingProtocols`, the response that hands the connection over (a WebSocket's 101).
 *
 * @module
 */

/** The reason phrase of each status the web port writes. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  101: "Switching Protocols",
  200: "OK",
  204: "No Content",
  301: "Moved Permanently",
  304: "Not Modified",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/** Headers the server writes itself, dropped from a response's own. */
const OWN_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "date"]);

const encoder = new TextEncoder();

/**
 * A response that takes the connection over once its head is written: a 101 Switching Protocols
 * (a `Response` cannot be made with that status, so this one reports it).
 */
export abstract class SwitchingProtocols extends Response {
  /** A 101 with `headers` (`Upgrade`, `Connection` and the new protocol's). */
  constructor(headers: HeadersInit) {
    super(null, { headers });
  }

  /** Always 101. */
  override get status(): number {
    return 101;
  }

  /** Always "Switching Protocols". */
  override get statusText(): string {
    return STATUS_TEXT[101];
  }

  /**
   * Serves `conn` in the new protocol, once the 101 is written; `leftover` holds what the client
   * sent after its request. Resolves once the connection is closed.
   */
  abstract takeOver(conn: Deno.Conn, leftover: Uint8Array): Promise<void>;
}

/**
 * The bytes of `response`: its head and, unless answering a HEAD request (`head`), its body.
 * `Content-Length` is the body's length (for HEAD, the response's own when it gives one); `close`
 * adds `Connection: close`.
 */
export async function responseBytes(
  response: Response,
  options: { head: boolean; close: boolean; now?: Date },
): Promise<Uint8Array> {
  const body = new Uint8Array(await response.arrayBuffer());
  const given = response.headers.get("content-length");
  const length = options.head && given !== null && /^\d+$/.test(given)
    ? Number(given)
    : body.length;
  const head = responseHead(response.status, response.headers, {
    contentLength: length,
    close: options.close,
    now: options.now,
  });
  if (options.head || body.length === 0) return head;
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
}

/**
 * The head of a response of `status` with `headers`: its `Content-Length` when given (a 101 has
 * none), `Date`, and `Connection: close` when `close`.
 */
export function responseHead(
  status: number,
  headers: Headers,
  options: { contentLength?: number; close: boolean; now?: Date },
): Uint8Array {
  let text = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Unknown"}\r\n`;
  for (const [name, value] of headers) {
    // A 101 keeps its own `Connection: Upgrade`.
    if (!OWN_HEADERS.has(name) || (status === 101 && name === "connection")) {
      text += `${name}: ${value}\r\n`;
    }
  }
  if (status !== 101) text += `date: ${httpDate(options.now ?? new Date())}\r\n`;
  if (options.contentLength !== undefined) text += `content-length: ${options.contentLength}\r\n`;
  if (options.close) text += "connection: close\r\n";
  return encoder.encode(text + "\r\n");
}

/**
 * One of the server's own answers: `status` with `text` as a plain body, `extra` headers, and
 * `Connection: close` (every such answer ends its connection).
 */
export function plainAnswer(
  status: number,
  text: string,
  extra: Record<string, string> = {},
): Uint8Array {
  const body = encoder.encode(text);
  const headers = new Headers({
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
    ...extra,
  });
  const head = responseHead(status, headers, { contentLength: body.length, close: true });
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
}

/** The last date written, by the second: one string a second, however many responses. */
let lastDate = { second: -1, text: "" };

/** `date` as HTTP writes it (IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`). */
export function httpDate(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastDate.second) lastDate = { second, text: date.toUTCString() };
  return lastDate.text;
}
