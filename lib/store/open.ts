/**
 * Choosing the server's store: SQLite in the data directory given (or in `chat-data` when the
 * server may read and write there), else in memory.
 *
 * @module
 */

import { MemoryStore } from "./memory.ts";
import { SqliteStore } from "./sqlite.ts";
import type { Store, StoreBounds } from "./store.ts";

/** Where the data lives when no `--data` is given, if the server may read and write it. */
export const DEFAULT_DATA_DIR = "chat-data";

/** The store's bounds from the server's limits (which hold them among others). */
export function storeBounds(limits: StoreBounds): StoreBounds {
  const { offlineMax, offlineMaxAgeMs, historyMax, historyMaxAgeMs } = limits;
  return { offlineMax, offlineMaxAgeMs, historyMax, historyMaxAgeMs };
}

/** Whether this process may read and write `dir` (asked without prompting anyone). */
function mayUse(dir: string): boolean {
  return (["read", "write"] as const).every((name) =>
    Deno.permissions.querySync({ name, path: dir }).state === "granted"
  );
}

/**
 * Opens the store: in `dataDir` when given (an error when the directory cannot be used), else
 * in `DEFAULT_DATA_DIR` when allowed, else in memory. `onError` hears of failed commits.
 */
export function openStore(
  dataDir: string | undefined,
  bounds: StoreBounds,
  onError: (error: Error) => void,
): { ok: true; store: Store } | { ok: false; error: string } {
  const dir = dataDir ?? (mayUse(DEFAULT_DATA_DIR) ? DEFAULT_DATA_DIR : undefined);
  if (dir === undefined) return { ok: true, store: new MemoryStore(bounds) };
  if (!mayUse(dir)) {
    return {
      ok: false,
      error: `ERR - cannot use the data directory "${dir}": run with ` +
        `--allow-read=${dir} --allow-write=${dir}`,
    };
  }
  try {
    return { ok: true, store: new SqliteStore(dir, { bounds, onError }) };
  } catch (error) {
    return {
      ok: false,
      error: `ERR - cannot use the data directory "${dir}": ${(error as Error).message}`,
    };
  }
}
