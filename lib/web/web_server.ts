/**
 * The web client's server: the page and its assets from `web/` (read once at start, nothing
 * outside it ever served), and a WebSocket at `/ws` whose connections join the chat like TCP
 * ones. Only the page's own origin (and those given) may open the WebSocket. Behind a reverse
 * proxy that it trusts (`--trust-proxy`), the client's address and scheme are the proxy's word
 * (`forwarded.ts`). Other routes (the health checks) are asked first.
 *
 * It serves its port itself (`http_server.ts`), on the connections its listener accepts, so that
 * each connection is counted against the chat server's caps from its accept to its close and held
 * to the web port's deadlines and sizes, and a WebSocket's frames are written to the socket
 * directly (`websocket_conn.ts`).
 *
 * @module
 */

import type { Log } from "../common/log_event.ts";
import { parseIp } from "../common/ip_address.ts";
import { TrustedProxies } from "./forwarded.ts";
import type { HttpRequestInfo } from "./http_connection.ts";
import { type ConnectionGate, HttpServer } from "./http_server.ts";
import { RefusalNotes } from "./refusal_notes.ts";
import type { Keepalive, WebSocketConn } from "./websocket_conn.ts";
import { upgradeWebSocket } from "./websocket_handshake.ts";

/** What the page may load and connect to: itself only, and no inline script. */
export const CONTENT_SECURITY_POLICY: string =
  "default-src 'none'; script-src 'self'; style-src 'self'; " +
  "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
};

/** The web port's limits. */
export interface WebLimits {
  /** Longest WebSocket message taken from a client (the chat's largest frame). */
  maxMessageBytes: number;
  /** How long a request's head may take to arrive (ms): `--http-timeout`. */
  headTimeoutMs: number;
  /** How long the WebSocket's handshake may take, when shorter (ms): `--register-timeout`. */
  handshakeTimeoutMs: number;
  /** How long a kept-alive connection may wait for its next request (ms). */
  idleTimeoutMs: number;
  /** How long a response's write may make no progress (ms): `--write-timeout`. */
  writeTimeoutMs: number;
  /** When a silent WebSocket is pinged and how long it has to answer; `KEEPALIVE` when not given. */
  keepalive?: Keepalive;
}

/** How long a kept-alive connection may wait for its next request by default (ms). */
export const IDLE_TIMEOUT_MS = 60_000;

/**
 * A WebSocket silent for a minute is pinged, and closed when still silent a minute later: a page
 * whose network dropped is let go within two minutes (as Deno's own server did).
 */
export const KEEPALIVE: Readonly<Keepalive> = { idleMs: 60_000, timeoutMs: 60_000 };

/** The web port's limits by default (the server's own defaults). */
export const DEFAULT_WEB_LIMITS: Readonly<WebLimits> = {
  maxMessageBytes: 64 * 1024,
  headTimeoutMs: 10_000,
  handshakeTimeoutMs: 30_000,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  writeTimeoutMs: 30_000,
  keepalive: KEEPALIVE,
};

/** How the web server is set up. */
export interface WebServerOptions {
  /** The port to listen on; 0: a free one. */
  port: number;
  /** The address to listen on; every IPv4 address (`0.0.0.0`) when not given. */
  hostname?: string;
  /** The folder of the page's files. */
  root: string;
  /** Origins other than the page's own that may open the WebSocket. */
  origins: readonly string[];
  /**
   * Serve HTTPS and WSS on this TLS listener (on its port, in place of `port`): a
   * `ReloadableTlsListener`'s certificate can then be replaced without closing the page's
   * WebSockets.
   */
  tls?: Deno.TlsListener;
  /**
   * Each WebSocket, once open, as a connection for the chat. `proxied`: it came through a trusted
   * proxy, so it was counted toward the cap in all only, and its client (`conn.remoteAddr`, the
   * proxy's word) is yet to be counted per address.
   */
  onConnection: (conn: WebSocketConn, proxied: boolean) => void;
  /** Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` and `-Proto` are believed. */
  trustProxies?: readonly string[];
  /** Routes asked before the page's: an answer, or undefined for a request they do not take. */
  routes?: WebRoutes;
  /** The limits; `DEFAULT_WEB_LIMITS` when not given. */
  limits?: WebLimits;
  /** The caps every connection counts toward from its accept to its close; none: no caps. */
  gate?: ConnectionGate;
  /** Where console lines go (connections turned away, once per address and minute). */
  log?: Log;
}

/**
 * Routes besides the page's (such as `/healthz`), given the request and its client's address
 * (the proxy's word for it when trusted): an answer, or undefined when the request is not theirs.
 */
export type WebRoutes = (
  request: Request,
  client: Deno.NetAddr,
) => Response | Promise<Response> | undefined;

/** A running web server. */
export interface WebServer {
  /** The port it listens on. */
  port: number;
  /** How many of its connections are open and still HTTP (its WebSockets are the chat's). */
  readonly httpConnections: number;
  /** Stops listening and closes every connection (WebSockets too); resolves once all are closed. */
  shutdown(): Promise<void>;
}

/**
 * The files of `root` and its subfolders, by URL path: only the types the page uses, and nothing
 * hidden (no name starting with a dot, file or folder).
 */
export function readAssets(root: string): Map<string, { body: Uint8Array; type: string }> {
  const assets = new Map<string, { body: Uint8Array; type: string }>();
  const walk = (folder: string, path: string) => {
    for (const entry of Deno.readDirSync(folder)) {
      if (entry.name.startsWith(".")) continue;
      if (entry.isDirectory) {
        walk(`${folder}/${entry.name}`, `${path}${entry.name}/`);
        continue;
      }
      const extension = entry.name.split(".").at(-1) ?? "";
      if (!entry.isFile || !Object.hasOwn(TYPES, extension)) continue;
      const body = Deno.readFileSync(`${folder}/${entry.name}`);
      assets.set(`${path}${entry.name}`, { body, type: TYPES[extension] });
    }
  };
  walk(root, "/");
  const index = assets.get("/index.html");
  if (index !== undefined) assets.set("/", index);
  return assets;
}

/** The headers every response carries. */
function headers(type: string): Headers {
  return new Headers({
    "content-type": type,
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
  });
}

/** Answers one request: another route's, a WebSocket at /ws, a file of the page, or 404. */
export function webHandler(
  assets: Map<string, { body: Uint8Array; type: string }>,
  options: Pick<WebServerOptions, "origins" | "onConnection" | "trustProxies" | "routes"> & {
    /** The page is served over TLS (its own origin is `https:`). */
    secure?: boolean;
    /** Longest WebSocket message taken from a client. */
    maxMessageBytes?: number;
    /** When a silent WebSocket is pinged; none: never. */
    keepalive?: Keepalive;
  },
): (request: Request, info: HttpRequestInfo) => Response | Promise<Response> {
  const proxies = new TrustedProxies(options.trustProxies ?? []);
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_WEB_LIMITS.maxMessageBytes;
  return (request, info) => {
    const url = new URL(request.url);
    const peer = info.remoteAddr;
    const proxied = proxies.any && proxies.trusts(parseIp(peer.hostname) ?? new Uint8Array());
    const client = proxied
      ? {
        ...peer,
        hostname: proxies.clientAddress(peer.hostname, request.headers.get("x-forwarded-for")),
      }
      : peer;
    const routed = options.routes?.(request, client);
    if (routed !== undefined) return routed;
    if (url.pathname === "/ws") {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("Expected a WebSocket upgrade\n", {
          status: 426,
          headers: headers("text/plain"),
        });
      }
      // A browser always says which page opens the socket; a program that is not a browser
      // sends no Origin and cannot be used by another site's page. Behind a trusted proxy that
      // ends TLS, the page's scheme is the proxy's word (and its host the Host it forwards).
      const origin = request.headers.get("origin");
      const scheme = proxies.clientScheme(
        peer.hostname,
        request.headers.get("x-forwarded-proto"),
        options.secure ? "https:" : url.protocol,
      );
      const own = `${scheme}//${request.headers.get("host") ?? url.host}`;
      if (origin !== null && origin !== own && !options.origins.includes(origin)) {
        return new Response(`Origin ${JSON.stringify(origin)} may not open the chat\n`, {
          status: 403,
          headers: headers("text/plain; charset=utf-8"),
        });
      }
      return upgradeWebSocket(request, {
        remoteAddr: client,
        maxMessageBytes,
        keepalive: options.keepalive,
        open: (conn) => options.onConnection(conn, proxied),
      });
    }
    const asset = assets.get(url.pathname);
    if (asset === undefined) {
      return new Response("Not found\n", { status: 404, headers: headers("text/plain") });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: headers("text/plain") });
    }
    if (request.method === "HEAD") {
      // No body, but the length of the one a GET gets.
      const head = headers(asset.type);
      head.set("content-length", String(asset.body.length));
      return new Response(null, { headers: head });
    }
    return new Response(asset.body as BodyInit, { headers: headers(asset.type) });
  };
}

/** Starts the web server; throws when its port cannot be used or `root` cannot be read. */
export function startWebServer(options: WebServerOptions): WebServer {
  const assets = readAssets(options.root);
  const limits = options.limits ?? DEFAULT_WEB_LIMITS;
  const { tls } = options;
  const handler = webHandler(assets, {
    ...options,
    secure: tls !== undefined,
    maxMessageBytes: limits.maxMessageBytes,
    keepalive: limits.keepalive ?? KEEPALIVE,
  });
  const listener = tls ??
    Deno.listen({
      hostname: options.hostname ?? "0.0.0.0",
      port: options.port,
      tcpBacklog: LISTEN_BACKLOG,
    });
  const proxies = new TrustedProxies(options.trustProxies ?? []);
  const notes = options.log && new RefusalNotes({ log: options.log });
  const server = new HttpServer(listener, {
    handler,
    scheme: tls === undefined ? "http" : "https",
    headTimeoutMs: limits.headTimeoutMs,
    // The WebSocket's handshake is its registration's first step: the shorter deadline holds.
    headTimeoutFor: (path) => path === "/ws" ? limits.handshakeTimeoutMs : undefined,
    idleTimeoutMs: limits.idleTimeoutMs,
    writeTimeoutMs: limits.writeTimeoutMs,
    gate: options.gate,
    shared: (ip) => proxies.any && proxies.trusts(parseIp(ip) ?? new Uint8Array()),
    refused: notes && ((ip, why) => notes.note(ip, why)),
    log: options.log,
  });
  server.serve();
  return {
    port: server.addr.port,
    get httpConnections() {
      return server.httpConnections;
    },
    shutdown: () => server.shutdown(),
  };
}

/**
 * Connections the system may queue before the web port accepts them (as the chat port's): a
 * class opening the page at once must not overflow it.
 */
const LISTEN_BACKLOG = 4096;

/** How a port of routes alone is set up (`startRoutesServer`). */
export interface RoutesServerOptions {
  /** The port (0: a free one). */
  port: number;
  /** The address to listen on; every address when not given. */
  hostname?: string;
  /** What it answers; a request they do not take gets 404. */
  routes: WebRoutes;
  /** Its deadlines (the WebSocket's play no part); the server's defaults when not given. */
  limits?: WebLimits;
  /** The caps its connections count toward; none when not given. */
  gate?: ConnectionGate;
  /** Where console events go (connections turned away, once per address and minute). */
  log?: Log;
}

/**
 * Serves `routes` alone on a port of their own (the metrics port), over HTTP, with the web port's
 * deadlines, caps and refusals, so that a slow or greedy client costs it no more than the web
 * port. Throws when the port cannot be used.
 */
export function startRoutesServer(options: RoutesServerOptions): WebServer {
  const limits = options.limits ?? DEFAULT_WEB_LIMITS;
  const listener = Deno.listen({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port,
    tcpBacklog: LISTEN_BACKLOG,
  });
  const notes = options.log && new RefusalNotes({ log: options.log });
  const server = new HttpServer(listener, {
    handler: (request, info) =>
      options.routes(request, info.remoteAddr) ??
        new Response("Not found\n", { status: 404, headers: headers("text/plain") }),
    scheme: "http",
    headTimeoutMs: limits.headTimeoutMs,
    idleTimeoutMs: limits.idleTimeoutMs,
    writeTimeoutMs: limits.writeTimeoutMs,
    gate: options.gate,
    refused: notes && ((ip, why) => notes.note(ip, why)),
    log: options.log,
  });
  server.serve();
  return {
    port: server.addr.port,
    get httpConnections() {
      return server.httpConnections;
    },
    shutdown: () => server.shutdown(),
  };
}
