/**
 * The health checks for load balancers and orchestrators: `GET /healthz` answers 200 while the
 * process serves HTTP at all (liveness), and `GET /readyz` 200 only when the server takes clients
 * and what it depends on works: its store answers and, in a cluster, its link to Redis is up
 * (readiness); else 503 with the reason in one line, and so from the moment it starts shutting
 * down. Each answer is read from the server's state when asked, never remembered.
 *
 * The routes are one function of a request, which any HTTP listener may ask first (the web port
 * does).
 *
 * @module
 */

import type { ServerPhase } from "./server.ts";

/** How long `/readyz` waits for the store's answer by default (ms): under a probe's usual 1 s. */
export const STORE_CHECK_MS = 500;

/** What readiness is read from. */
export interface HealthChecks {
  /** Where the server is in its life (`ChatServer.phase`). */
  phase(): ServerPhase;
  /** What keeps the store from working, or undefined (`Store.problem`); none: no store. */
  store?: () => Promise<string | undefined>;
  /** Whether this node's link to the cluster's Redis is up (`ClusterNode.up`); none: no cluster. */
  clusterUp?: () => boolean;
  /** How long to wait for the store's answer (ms); `STORE_CHECK_MS` when not given. */
  storeCheckMs?: number;
}

/** Why the server is not ready to take clients, in a few words, or undefined when it is. */
export async function notReady(checks: HealthChecks): Promise<string | undefined> {
  const phase = checks.phase();
  if (phase === "stopping") return "the server is shutting down";
  if (phase === "starting") return "the server is starting";
  if (checks.clusterUp?.() === false) return "the cluster's link to Redis is down";
  if (checks.store === undefined) return undefined;
  const ms = checks.storeCheckMs ?? STORE_CHECK_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the store did not answer within ${ms} ms`), ms);
  });
  try {
    return await Promise.race([
      checks.store().catch((error: Error) => `the store failed: ${error.message}`),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A plain text answer that no cache keeps. */
function answer(status: number, text: string, method: string, extra: HeadersInit = {}): Response {
  return new Response(method === "HEAD" ? null : text, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      ...extra,
    },
  });
}

/**
 * The routes `/healthz` and `/readyz`, read from `checks`: an answer for a request to either (GET
 * or HEAD; 405 otherwise), or undefined for any other path.
 */
export function healthRoutes(
  checks: HealthChecks,
): (request: Request) => Promise<Response> | undefined {
  return (request) => {
    const { pathname } = new URL(request.url);
    if (pathname !== "/healthz" && pathname !== "/readyz") return undefined;
    const { method } = request;
    if (method !== "GET" && method !== "HEAD") {
      return Promise.resolve(answer(405, "Method not allowed\n", method, { allow: "GET, HEAD" }));
    }
    if (pathname === "/healthz") return Promise.resolve(answer(200, "ok\n", method));
    return notReady(checks).then((reason) =>
      reason === undefined
        ? answer(200, "ready\n", method)
        : answer(503, `not ready: ${reason}\n`, method)
    );
  };
}
