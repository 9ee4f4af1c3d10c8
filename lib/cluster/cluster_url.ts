/**
 * The cluster's settings from the command line: the Redis address of `--cluster`
 * (`redis://[:password@]host:port[/db]`, or `rediss://` for TLS), the key prefix, and how long a
 * silent node keeps its users.
 *
 * @module
 */

/** The environment variables the `redis` package reads (its debugging switches). */
export const REDIS_ENV = ["REDIS_DEBUG_MAINTENANCE", "REDIS_EMIT_DIAGNOSTICS"];

/** The key and channel prefix of a chat in Redis, unless `--cluster-prefix` says otherwise. */
export const DEFAULT_CLUSTER_PREFIX = "chat:";

/** How long a node that stopped renewing its lease keeps its users and nicknames (ms). */
export const DEFAULT_NODE_TIMEOUT_MS = 15_000;

/** Where the cluster's Redis is, and how this chat uses it. */
export interface ClusterSettings {
  /** The address as given, for the Redis client. */
  url: string;
  /** The address as printed: any password hidden. */
  shown: string;
  /** The prefix of every key and channel of this chat. */
  prefix: string;
  /** How long a node's leases last without renewal (ms). */
  nodeTimeoutMs: number;
}

/**
 * Reads a Redis address: the settings, or an error in the server's `ERR - ...` form. Only
 * `redis://` and `rediss://` with a host are taken; a user name is kept, a password hidden.
 */
export function parseClusterUrl(
  text: string,
  prefix = DEFAULT_CLUSTER_PREFIX,
  nodeTimeoutMs = DEFAULT_NODE_TIMEOUT_MS,
): { ok: true; value: ClusterSettings } | { ok: false; error: string } {
  const fail = (why: string) => ({
    ok: false as const,
    error: `ERR - option --cluster: ${why}, as in redis://[:password@]host:port[/db]`,
  });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`cannot read "${hide(text)}" as an address`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    return fail(`"${url.protocol}" is not redis: or rediss:`);
  }
  if (url.hostname === "") return fail("expected a host");
  if (!/^(\/\d*)?$/.test(url.pathname)) {
    return fail(`expected a database number after the port, got "${url.pathname}"`);
  }
  if (url.search !== "" || url.hash !== "") return fail("expected nothing after the database");
  if (prefix === "" || /\s/.test(prefix)) {
    return {
      ok: false,
      error: `ERR - option --cluster-prefix: expected a prefix without spaces, got "${prefix}"`,
    };
  }
  const shown = new URL(url);
  if (shown.password !== "") shown.password = "***";
  return {
    ok: true,
    value: { url: text, shown: shown.href.replace(/\/$/, ""), prefix, nodeTimeoutMs },
  };
}

/** `text` with what looks like a password (between `:` and `@`) hidden. */
function hide(text: string): string {
  return text.replace(/(\/\/[^:@/]*:)[^@/]*@/, "$1***@");
}
