/**
 * Joining the cluster at start, or failing with one clear reason (the program says it and exits
 * 1): without the permissions the Redis client needs, or when Redis cannot be reached or refuses.
 *
 * @module
 */

import { ClusterNode } from "./cluster_node.ts";
import { type ClusterSettings, REDIS_ENV } from "./cluster_url.ts";

export { REDIS_ENV };

/**
 * This server as a node of the cluster of `settings`; when it cannot be, `fail` is told why (it
 * says so and exits).
 */
export async function joinCluster(
  settings: ClusterSettings,
  fail: (reason: string) => never,
): Promise<ClusterNode> {
  const missing = REDIS_ENV.filter((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state !== "granted"
  );
  if (missing.length > 0) {
    fail(
      `--cluster needs --allow-env=${REDIS_ENV.join(",")}: the Redis client reads them ` +
        "(deno task cluster grants it)",
    );
  }
  try {
    return await ClusterNode.join(settings);
  } catch (error) {
    const reason = (error as Error).message || String(error);
    fail(`cannot join the cluster at ${settings.shown}: ${reason}`);
  }
}
