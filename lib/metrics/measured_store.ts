/**
 * A store that times its own operations: the same store, each call counted and its latency (until
 * its promise settles, so a write's includes its commit) observed in a histogram by operation,
 * and each failure counted.
 *
 * @module
 */

import type { Store } from "../store/store.ts";
import type { Counter, Family, Histogram } from "./registry.ts";

/** The store's operations: its methods. */
export type StoreOperation = {
  [K in keyof Store]: Store[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Store];

/** Every operation, each once (the type keeps the list whole as the interface grows). */
const OPERATIONS: Record<StoreOperation, true> = {
  accountNames: true,
  account: true,
  createAccount: true,
  setPassword: true,
  deleteAccount: true,
  devices: true,
  putDevice: true,
  removeDevice: true,
  seen: true,
  keep: true,
  waiting: true,
  acknowledge: true,
  remember: true,
  history: true,
  rooms: true,
  room: true,
  putRoom: true,
  deleteRoom: true,
  forgetHistory: true,
  chatId: true,
  serverBans: true,
  putServerBan: true,
  removeServerBan: true,
  close: true,
};

/** The names of the store's operations, the values of the `operation` label. */
export const STORE_OPERATIONS: readonly StoreOperation[] = Object.keys(
  OPERATIONS,
) as StoreOperation[];

/** Where a measured store's figures go, by operation. */
export interface StoreFigures {
  /** Each operation's latency in seconds. */
  latency: Family<Histogram>;
  /** Operations that failed (threw or rejected). */
  errors: Family<Counter>;
}

/** `store`, its operations timed into `figures` (the clock, in ms, is `now`). */
export function measuredStore(
  store: Store,
  figures: StoreFigures,
  now: () => number = () => performance.now(),
): Store {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function" || !Object.hasOwn(OPERATIONS, key)) return value;
      let timed = wrapped.get(key);
      if (timed === undefined) {
        const labels = { operation: key as string };
        timed = timing(
          target,
          value,
          figures.latency.with(labels),
          figures.errors.with(labels),
          now,
        );
        wrapped.set(key, timed);
      }
      return timed;
    },
  });
}

/** `method` of `store`, each call's time observed in `latency` and each failure counted. */
function timing(
  store: Store,
  method: (...args: unknown[]) => unknown,
  latency: Histogram,
  errors: Counter,
  now: () => number,
): (...args: unknown[]) => unknown {
  return (...args) => {
    const started = now();
    const done = () => latency.observe((now() - started) / 1000);
    let result: unknown;
    try {
      result = method.apply(store, args);
    } catch (error) {
      done();
      errors.inc();
      throw error;
    }
    if (!(result instanceof Promise)) {
      done();
      return result;
    }
    return result.then((value) => {
      done();
      return value;
    }, (error) => {
      done();
      errors.inc();
      throw error;
    });
  };
}
