/**
 * A store that times its own operations: the same store, each call counted and its latency (until
 * its promise settles, so a write's includes its commit) observed in a histogram by operation,
 * and each failure counted. Adding to history (`remember`), which nobody waits for and which is
 * made for every message to everyone or a room, is counted but not timed: two readings of the
 * clock would cost more than the operation.
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
  problem: true,
};

/** The names of the store's operations, the values of the `operation` label. */
export const STORE_OPERATIONS: readonly StoreOperation[] = Object.keys(
  OPERATIONS,
) as StoreOperation[];

/** The operations counted but not timed (see the module's comment). */
const UNTIMED: ReadonlySet<StoreOperation> = new Set(["remember"]);

/** The operations timed, the values of the latency's `operation` label. */
export const TIMED_OPERATIONS: readonly StoreOperation[] = STORE_OPERATIONS.filter((operation) =>
  !UNTIMED.has(operation)
);

/** Where a measured store's figures go, by operation. */
export interface StoreFigures {
  /** Each timed operation's latency in seconds. */
  latency: Family<Histogram>;
  /** Operations that failed (threw or rejected). */
  errors: Family<Counter>;
  /** Messages added to history (`remember`, not timed). */
  remembered: Counter;
}

/**
 * `store`, its operations timed into `figures` (the clock, in ms, is `now`): an object of its own
 * whose methods time the store's, made once, so that a call costs two readings of the clock and
 * no lookup. An operation's series are made the first time it is called.
 */
export function measuredStore(
  store: Store,
  figures: StoreFigures,
  now: () => number = () => performance.now(),
): Store {
  const measured: Record<string, unknown> = {};
  Object.defineProperty(measured, "description", { get: () => store.description });
  for (const operation of STORE_OPERATIONS) {
    const method = store[operation] as (...args: unknown[]) => unknown;
    if (UNTIMED.has(operation)) {
      measured[operation] = counting(
        store,
        method,
        figures.remembered,
        () => figures.errors.with({ operation }),
      );
      continue;
    }
    measured[operation] = timing(store, method, () => {
      const labels = { operation };
      return { latency: figures.latency.with(labels), errors: figures.errors.with(labels) };
    }, now);
  }
  return measured as unknown as Store;
}

/** `method` of `store` (which returns at once), each call counted in `calls`, and each failure. */
function counting(
  store: Store,
  method: (...args: unknown[]) => unknown,
  calls: Counter,
  errors: () => Counter,
): (...args: unknown[]) => unknown {
  return (...args) => {
    calls.inc();
    try {
      return method.apply(store, args);
    } catch (error) {
      errors().inc();
      throw error;
    }
  };
}

/**
 * `method` of `store`, each call's time observed in its latency and each failure counted in its
 * errors, both made by `series` on the first call.
 */
function timing(
  store: Store,
  method: (...args: unknown[]) => unknown,
  series: () => { latency: Histogram; errors: Counter },
  now: () => number,
): (...args: unknown[]) => unknown {
  let made: { latency: Histogram; errors: Counter } | undefined;
  return (...args) => {
    const { latency, errors } = made ??= series();
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
