/**
 * The store in Redis, for a cluster: every node reads and writes the same accounts, kept private
 * messages and history, so that a message kept on one node is delivered when its account logs in
 * on another. Each operation is one Lua script, so that it is atomic however many nodes ask at
 * once. Keys are under the chat's prefix:
 *
 * - `accounts`: a hash of account key to the account (JSON);
 * - `kept:<key>`: a list of the messages kept for an account (JSON), oldest first, and
 *   `kept-id`, the counter that numbers them;
 * - `history:<target>`: a list of the last messages to everyone (`*`) or to a room (JSON).
 *
 * @module
 */

import type {
  Account,
  HistoryEntry,
  HistoryPage,
  KeepResult,
  KeptMessage,
  Store,
  StoreBounds,
} from "./store.ts";

/** What the store needs of a Redis client: running a script. */
export interface RedisScripts {
  /** Runs the Lua `script` with its `keys` and `arguments` (EVAL); resolves to what it returns. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Sets one field (ARGV[2]) of the account ARGV[1] in the hash KEYS[1] to ARGV[3]; 1 if it exists. */
const SET_FIELD = `
local text = redis.call('HGET', KEYS[1], ARGV[1])
if not text then return 0 end
local ok, account = pcall(cjson.decode, text)
if not ok or type(account) ~= 'table' then return 0 end
if ARGV[4] == 'number' then account[ARGV[2]] = tonumber(ARGV[3]) else account[ARGV[2]] = ARGV[3] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(account))
return 1`;

/**
 * Lua that drops the head of the list KEYS[1] while its `field` is at most ARGV[1] (and what does
 * not parse): the messages expired, or acknowledged.
 */
function dropHead(field: "at" | "id"): string {
  return `
while true do
  local first = redis.call('LINDEX', KEYS[1], 0)
  if not first then break end
  local ok, message = pcall(cjson.decode, first)
  if ok and type(message) == 'table' and tonumber(message.${field}) and
    message.${field} > tonumber(ARGV[1]) then break end
  redis.call('LPOP', KEYS[1])
end`;
}

/** Drops the expired head of the list KEYS[1] (received at or before ARGV[1]). */
const DROP_EXPIRED = dropHead("at");

/**
 * Keeps message ARGV[3] (JSON) in the list KEYS[1], numbered by the counter KEYS[2], unless the
 * list holds ARGV[2] messages received after ARGV[1]; its number, or 0 when full.
 */
const KEEP = `${DROP_EXPIRED}
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
local id = redis.call('INCR', KEYS[2])
local message = cjson.decode(ARGV[3])
message.id = id
redis.call('RPUSH', KEYS[1], cjson.encode(message))
return id`;

/** Drops the messages of the list KEYS[1] numbered up to ARGV[1]. */
const ACKNOWLEDGE = dropHead("id");

/** The whole list KEYS[1] (after dropping its head expired at ARGV[1]). */
const LIST = `${DROP_EXPIRED}
return redis.call('LRANGE', KEYS[1], 0, -1)`;

/** Adds entry ARGV[1] to the list KEYS[1], keeping its last ARGV[2]. */
const REMEMBER = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)`;

/** A store whose data lives in Redis, under `prefix`. */
export class RedisStore implements Store {
  readonly description: string;
  readonly #redis: RedisScripts;
  readonly #prefix: string;
  readonly #bounds: StoreBounds;
  readonly #onError: (error: Error) => void;
  readonly #badKinds = new Set<string>();

  /** A store in the Redis that `redis` reaches, shown as `where`, that keeps within `bounds`. */
  constructor(
    redis: RedisScripts,
    options: { prefix: string; bounds: StoreBounds; where: string; onError: (e: Error) => void },
  ) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#bounds = options.bounds;
    this.#onError = options.onError;
    this.description = `Store: Redis at ${options.where} (shared by every node of the cluster)`;
  }

  async accountNames(): Promise<string[]> {
    const values = await this.#run("return redis.call('HVALS', KEYS[1])", ["accounts"]);
    return (values as string[]).map((text) => this.#parse<Account>(text, "an account")?.nickname)
      .filter((name): name is string => typeof name === "string");
  }

  async account(key: string): Promise<Account | undefined> {
    const text = await this.#run("return redis.call('HGET', KEYS[1], ARGV[1])", ["accounts"], [
      key,
    ]);
    const account = typeof text === "string" ? this.#parse<Account>(text, "an account") : undefined;
    return account === undefined ? undefined : accountOf(account);
  }

  async createAccount(key: string, account: Account): Promise<boolean> {
    const script = "return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])";
    return Number(await this.#run(script, ["accounts"], [key, JSON.stringify(account)])) === 1;
  }

  async setPassword(key: string, passwordHash: string): Promise<boolean> {
    return await this.#setField(key, "passwordHash", passwordHash);
  }

  async setKeyBundle(key: string, bundle: string): Promise<boolean> {
    return await this.#setField(key, "keyBundle", bundle);
  }

  async deleteAccount(key: string): Promise<void> {
    const script = "redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('DEL', KEYS[2])";
    await this.#run(script, ["accounts", `kept:${key}`], [key]);
  }

  async seen(key: string, at: number): Promise<void> {
    await this.#setField(key, "lastSeen", String(at), "number");
  }

  async keep(key: string, message: Omit<KeptMessage, "id">): Promise<KeepResult> {
    const { offlineMax, offlineMaxAgeMs } = this.#bounds;
    const id = Number(
      await this.#run(KEEP, [`kept:${key}`, "kept-id"], [
        String(message.at - offlineMaxAgeMs),
        String(offlineMax),
        JSON.stringify(message),
      ]),
    );
    return id === 0 ? { ok: false, reason: "full" } : { ok: true, id };
  }

  async waiting(key: string, now: number): Promise<KeptMessage[]> {
    const oldest = now - this.#bounds.offlineMaxAgeMs;
    const list = await this.#run(LIST, [`kept:${key}`], [String(oldest)]) as string[];
    return list.map((text) => this.#parse<KeptMessage>(text, "a kept message"))
      .filter((message): message is KeptMessage => message !== undefined && message.at > oldest)
      .map(keptOf);
  }

  async acknowledge(key: string, id: number): Promise<void> {
    await this.#run(ACKNOWLEDGE, [`kept:${key}`], [String(id)]);
  }

  remember(entry: HistoryEntry): void {
    const max = String(this.#bounds.historyMax);
    this.#run(REMEMBER, [`history:${entry.target}`], [JSON.stringify(entry), max])
      .catch((error: Error) => this.#onError(error));
  }

  async history(target: string, limit: number, now: number, since?: number): Promise<HistoryPage> {
    const oldest = Math.max(now - this.#bounds.historyMaxAgeMs, since ?? -Infinity);
    const list = await this.#run(
      "return redis.call('LRANGE', KEYS[1], 0, -1)",
      [`history:${target}`],
    ) as string[];
    const kept = list.map((text) => this.#parse<HistoryEntry>(text, "a history entry"))
      .filter((entry): entry is HistoryEntry => entry !== undefined && entry.at > oldest);
    const entries = limit > 0 ? kept.slice(-limit) : [];
    return { entries, earlier: kept.length - entries.length };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async #setField(key: string, field: string, value: string, type = "string"): Promise<boolean> {
    return Number(await this.#run(SET_FIELD, ["accounts"], [key, field, value, type])) === 1;
  }

  /** `text` as JSON, or undefined (said once per kind) when it is not an object. */
  #parse<T>(text: string, kind: string): T | undefined {
    try {
      const value = JSON.parse(text);
      if (value !== null && typeof value === "object") return value as T;
    } catch {
      // Said below.
    }
    if (!this.#badKinds.has(kind)) {
      this.#badKinds.add(kind);
      this.#onError(new Error(`ignored ${kind} in Redis that does not parse`));
    }
    return undefined;
  }

  #run(script: string, keys: string[], args: string[] = []): Promise<unknown> {
    return this.#redis.eval(script, {
      keys: keys.map((key) => `${this.#prefix}${key}`),
      arguments: args,
    });
  }
}

/** An account as read back: only the fields an account has. */
function accountOf(value: Account): Account {
  const { nickname, passwordHash, created, lastSeen, keyBundle } = value;
  return keyBundle === undefined
    ? { nickname, passwordHash, created, lastSeen }
    : { nickname, passwordHash, created, lastSeen, keyBundle };
}

/** A kept message as read back (Lua's JSON writes no `undefined`, and may drop an empty e2e). */
function keptOf(value: KeptMessage): KeptMessage {
  const { id, from, text, e2e, timestamp, at } = value;
  return e2e === undefined
    ? { id, from, text, timestamp, at }
    : { id, from, text, e2e, timestamp, at };
}
