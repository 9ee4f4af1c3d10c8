/**
 * Joining the cluster at start, or stopping with one clear error line (exit 1): without the
 * permissions the Redis client needs, or when Redis cannot be reached or refuses.
 *
 * @module
 */

import { ClusterNode } from "./cluster_node.ts";
import { type ClusterSettings, REDIS_ENV } from "./cluster_url.ts";

export { REDIS_ENV };

/** This server as a node of the cluster of `settings`; exits 1, saying why, when it cannot be. */
export async function joinCluster(settings: ClusterSettings): Promise<ClusterNode> {
  const missing = REDIS_ENV.filter((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state !== "granted"
  );
  if (missing.length > 0) {
    console.log(
      `ERR - --cluster needs --allow-env=${REDIS_ENV.join(",")}: the Redis client reads them ` +
        "(deno task cluster grants it)",
    );
    Deno.exit(1);
  }
  try {
    return await ClusterNode.join(settings);
  } catch (error) {
    const reason = (error as Error).message || String(error);
    console.log(`ERR - cannot join the cluster at ${settings.shown}: ${reason}`);
    Deno.exit(1);
  }
}
