/**
 * The WebSocket's opening handshake (RFC 6455, section 4.2) on the server's side: the upgrade
 * request checked (GET, `Upgrade: websocket`, `Connection: Upgrade`, version 13, a key of 16
 * bytes), its `Sec-WebSocket-Accept` made (SHA-1 from WebCrypto), the subprotocol `chat-lines`
 * taken when offered, and the `101` that hands the connection to a `WebSocketConn`. The origin is
 * the caller's to check first.
 *
 * @module
 */

import { SwitchingProtocols } from "./http_response.ts";
import { type Keepalive, LINES_PROTOCOL, WebSocketConn } from "./websocket_conn.ts";

/** The GUID the accept key is made with (RFC 6455, section 1.3). */
const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** `Sec-WebSocket-Accept` for the client's `Sec-WebSocket-Key`. */
export async function acceptKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-1",
    new TextEncoder().encode(key + WEBSOCKET_GUID),
  );
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** How an upgraded WebSocket is served. */
export interface UpgradeOptions {
  /** The client's address, as the connection should name it. */
  remoteAddr: Deno.NetAddr;
  /** Longest message taken from the client. */
  maxMessageBytes: number;
  /** When to ping a silent client, and how long to wait for it; none: never pinged. */
  keepalive?: Keepalive;
  /** The WebSocket, open: it is the callee's now (it throws: the socket is closed, 1011). */
  open: (conn: WebSocketConn) => void;
}

/** The 101 that makes a connection a WebSocket: see `upgradeWebSocket`. */
export class WebSocketUpgrade extends SwitchingProtocols {
  readonly #options: UpgradeOptions;
  readonly #batched: boolean;

  /** A 101 with `accept` (and `LINES_PROTOCOL` when `batched`), served as `options` say. */
  constructor(accept: string, batched: boolean, options: UpgradeOptions) {
    super({
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-accept": accept,
      ...(batched ? { "sec-websocket-protocol": LINES_PROTOCOL } : {}),
    });
    this.#options = options;
    this.#batched = batched;
  }

  /** Serves `conn` as a WebSocket; resolves once it is closed. */
  override async takeOver(conn: Deno.Conn, leftover: Uint8Array): Promise<void> {
    const { remoteAddr, maxMessageBytes, keepalive, open } = this.#options;
    const socket = new WebSocketConn(conn, remoteAddr, {
      maxMessageBytes,
      keepalive,
      batched: this.#batched,
      leftover,
    });
    try {
      open(socket);
    } catch {
      socket.close();
    }
    await socket.closed;
  }
}

/**
 * The answer to a WebSocket upgrade request: a `WebSocketUpgrade` (the 101), or the refusal of a
 * request that is not a proper one (405 for another method than GET, 426 without
 * `Upgrade: websocket` or for another version than 13, 400 without `Connection: Upgrade` or a key).
 */
export async function upgradeWebSocket(
  request: Request,
  options: UpgradeOptions,
): Promise<Response> {
  const headers = request.headers;
  if (!tokens(headers.get("upgrade")).includes("websocket")) {
    return refusal(426, "Expected a WebSocket upgrade", { upgrade: "websocket" });
  }
  if (request.method !== "GET") {
    return refusal(405, "A WebSocket opens with GET", { allow: "GET" });
  }
  if (headers.get("sec-websocket-version") !== "13") {
    return refusal(426, "Only WebSocket version 13 is served", { "sec-websocket-version": "13" });
  }
  if (!tokens(headers.get("connection")).includes("upgrade")) {
    return refusal(400, "Expected Connection: Upgrade");
  }
  const key = headers.get("sec-websocket-key") ?? "";
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) {
    return refusal(400, "Expected a Sec-WebSocket-Key of 16 bytes");
  }
  const offered = tokens(headers.get("sec-websocket-protocol"), false);
  return new WebSocketUpgrade(await acceptKey(key), offered.includes(LINES_PROTOCOL), options);
}

/** The comma-separated tokens of a header's value (in lower case unless `lower` is false). */
function tokens(value: string | null, lower = true): string[] {
  if (value === null) return [];
  return (lower ? value.toLowerCase() : value).split(",").map((token) => token.trim());
}

/** A plain text refusal. */
function refusal(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...extra },
  });
}
