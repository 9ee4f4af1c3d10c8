/**
 * The web client's server: the page and its assets from `web/` (read once at start, nothing
 * outside it ever served), and a WebSocket at `/ws` whose connections join the chat like TCP
 * ones. Only the page's own origin (and those given) may open the WebSocket.
 *
 * @module
 */

import { WebSocketConn } from "./websocket_conn.ts";

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

/** How the web server is set up. */
export interface WebServerOptions {
  /** The port to listen on, on every address; 0: a free one. */
  port: number;
  /** The folder of the page's files. */
  root: string;
  /** Origins other than the page's own that may open the WebSocket. */
  origins: readonly string[];
  /** Serve HTTPS and WSS with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  /** Each WebSocket, once open, as a connection for the chat. */
  onConnection: (conn: WebSocketConn) => void;
  /** Other paths and their handlers (such as `/metrics`), answered before the page's files. */
  routes?: Readonly<Record<string, WebRoute>>;
}

/** The handler of one path of `WebServerOptions.routes`. */
export type WebRoute = (request: Request, info: { remoteAddr: Deno.NetAddr }) => Response;

/** A running web server. */
export interface WebServer {
  /** The port it listens on. */
  port: number;
  /** Stops listening; resolves once the requests under way have finished. */
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

/** Answers one request: a WebSocket at /ws, a file of the page, or 404. */
export function webHandler(
  assets: Map<string, { body: Uint8Array; type: string }>,
  options: Pick<WebServerOptions, "origins" | "onConnection" | "routes">,
): (request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) => Response {
  return (request, info) => {
    const url = new URL(request.url);
    const { routes } = options;
    if (routes !== undefined && Object.hasOwn(routes, url.pathname)) {
      return routes[url.pathname](request, info);
    }
    if (url.pathname === "/ws") {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("Expected a WebSocket upgrade\n", {
          status: 426,
          headers: headers("text/plain"),
        });
      }
      // A browser always says which page opens the socket; a program that is not a browser
      // sends no Origin and cannot be used by another site's page.
      const origin = request.headers.get("origin");
      const own = `${url.protocol}//${request.headers.get("host") ?? url.host}`;
      if (origin !== null && origin !== own && !options.origins.includes(origin)) {
        return new Response(`Origin ${JSON.stringify(origin)} may not open the chat\n`, {
          status: 403,
          headers: headers("text/plain; charset=utf-8"),
        });
      }
      // The address can be read only while the request is being handled.
      const remoteAddr = info.remoteAddr;
      const { socket, response } = Deno.upgradeWebSocket(request);
      socket.addEventListener("open", () => {
        try {
          options.onConnection(new WebSocketConn(socket, remoteAddr));
        } catch {
          socket.close(1011);
        }
      });
      return response;
    }
    const asset = assets.get(url.pathname);
    if (asset === undefined) {
      return new Response("Not found\n", { status: 404, headers: headers("text/plain") });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: headers("text/plain") });
    }
    return new Response(request.method === "HEAD" ? null : asset.body as BodyInit, {
      headers: headers(asset.type),
    });
  };
}

/** Starts the web server; throws when its port cannot be used or `root` cannot be read. */
export function startWebServer(options: WebServerOptions): WebServer {
  const assets = readAssets(options.root);
  const server = Deno.serve({
    port: options.port,
    hostname: "0.0.0.0",
    ...options.tls,
    onListen: () => {},
    onError: () => new Response("Server error\n", { status: 500, headers: headers("text/plain") }),
  }, webHandler(assets, options));
  return { port: server.addr.port, shutdown: () => server.shutdown() };
}
