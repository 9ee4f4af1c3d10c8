/**
 * `GET /metrics`: who may read it (the web port and `--metrics-port` serve it). By default only
 * a client on this machine (a loopback address, and not relayed by a proxy) may; with a token
 * (read from `--metrics-token-file`), anyone who sends `Authorization: Bearer <token>`, compared
 * in constant time.
 *
 * @module
 */

import { TEXT_FORMAT_TYPE } from "./text_format.ts";

/** The path the metrics are served at. */
export const METRICS_PATH = "/metrics";

/** What a handler reads of the connection a request came on. */
export interface RequestInfo {
  /** The address the request came from. */
  remoteAddr: Deno.NetAddr;
}

/** Answers a request for the metrics. */
export type MetricsHandler = (request: Request, info: RequestInfo) => Response;

/** Who may read the metrics besides loopback. */
export interface MetricsAccess {
  /** The bearer token that lets anyone in; none: loopback only. */
  token?: string;
}

/** Headers a proxy adds: a request that carries one came through a proxy, from anywhere. */
const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip"];

const encoder = new TextEncoder();

/** Whether `ip` is a loopback address (127.0.0.0/8 or ::1, also IPv4-mapped). */
function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.");
}

/**
 * Whether `given` is `expected`, in a time that depends on `expected`'s length alone (not on
 * where they differ, nor on `given`'s length).
 */
export function sameToken(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= b[i] ^ (a[i] ?? 0);
  return difference === 0;
}

/** A plain text response. */
function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/**
 * The handler of `GET /metrics` (and `HEAD`): `scrape` gives the text, served to loopback
 * clients, and to others with the bearer token of `access` (401 without it or with another;
 * 403 when there is no token).
 */
export function metricsHandler(scrape: () => string, access: MetricsAccess = {}): MetricsHandler {
  const { token } = access;
  return (request, info) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "Method not allowed\n", { allow: "GET, HEAD" });
    }
    const relayed = FORWARDING_HEADERS.some((name) => request.headers.has(name));
    if (relayed || !isLoopback(info.remoteAddr.hostname)) {
      if (token === undefined) return text(403, "Metrics are served to this machine only\n");
      const [scheme, given] = (request.headers.get("authorization") ?? "").split(" ", 2);
      if (scheme.toLowerCase() !== "bearer" || !sameToken(given ?? "", token)) {
        return text(401, "A bearer token is needed\n", { "www-authenticate": "Bearer" });
      }
    }
    return new Response(request.method === "HEAD" ? null : scrape(), {
      headers: {
        "content-type": TEXT_FORMAT_TYPE,
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
      },
    });
  };
}

/**
 * The token in `file` (its text, trimmed), or why it cannot be used: the file cannot be read
 * (the server needs `--allow-read` for it), or holds no token.
 */
export function readToken(
  file: string,
): { ok: true; token: string } | { ok: false; error: string } {
  let token: string;
  try {
    token = Deno.readTextFileSync(file).trim();
  } catch (error) {
    return {
      ok: false,
      error: `ERR - cannot read the metrics token file "${file}": ${(error as Error).message}`,
    };
  }
  if (token === "" || /\s/.test(token)) {
    return {
      ok: false,
      error: `ERR - the metrics token file "${file}" must hold one token, with no spaces`,
    };
  }
  return { ok: true, token };
}
