/**
 * The store in Redis, for a cluster: every node reads and writes the same accounts, kept private
 * messages and history, so that a message kept on one node is delivered when its account logs in
 * on another. Each operation is one Lua script, so that it is atomic however many nodes ask at
 * once. Keys are under the chat's prefix:
 *
 * - `accounts`: a hash of account key to the account (JSON);
 * - `kept:<key>`: a list of the messages kept for an account (JSON), oldest first, and
 *   `kept-id`, the counter that numbers them;
 * - `history:<target>`: a list of the last messages to everyone (`*`) or to a room (JSON);
 * - `devices:<key>`: a list of an account's devices (JSON, each with its cursor `acked`), in the
 *   order they were added;
 * - `chat-id`: the chat's id, set once by whichever node asks first;
 * - `rooms`: a hash of room key to the room's record (JSON, the rooms feature's).
 * - `server-bans`: a hash of ban key to the server ban (JSON).
 *
 * An account kept by an older server has its one key bundle in its JSON (`keyBundle`): the first
 * time its devices are read, that bundle becomes its first device.
 *
 * It runs past 450 lines because it is every method of the `Store` interface, each with its Lua
 * script beside it.
 *
 * @module
 */

import { deviceId } from "../../protocol.ts";
import {
  type Account,
  type HistoryEntry,
  type HistoryPage,
  type KeepResult,
  type KeptMessage,
  newChatId,
  type NewDevice,
  type ServerBan,
  serverBanOf,
  type Store,
  type StoreBounds,
  type StoredDevice,
  type StoredRoom,
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
 * not parse): the messages expired.
 */
function dropHead(field: "at"): string {
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

/** The whole list KEYS[1] (after dropping its head expired at ARGV[1]). */
const LIST = `${DROP_EXPIRED}
return redis.call('LRANGE', KEYS[1], 0, -1)`;

/**
 * Lua functions on devices: `decodeAll(key)` (the devices of the list `key`, with their index),
 * `through(devices)` (as `keptThrough` in `store.ts`) and `dropThrough(key, n)` (drops the kept
 * messages of the list `key` numbered up to `n`).
 */
const DEVICE_FUNCTIONS = `
local function decodeAll(key)
  local devices = {}
  for i, text in ipairs(redis.call('LRANGE', key, 0, -1)) do
    local ok, device = pcall(cjson.decode, text)
    if ok and type(device) == 'table' then
      device.index = i - 1
      device.text = text
      table.insert(devices, device)
    end
  end
  return devices
end
local function through(devices)
  local low, lowAll = nil, nil
  for _, device in ipairs(devices) do
    local acked = tonumber(device.acked) or 0
    if lowAll == nil or acked < lowAll then lowAll = acked end
    if device.approved == true and (low == nil or acked < low) then low = acked end
  end
  return low or lowAll
end
local function dropThrough(key, n)
  while true do
    local first = redis.call('LINDEX', key, 0)
    if not first then break end
    local ok, message = pcall(cjson.decode, first)
    if ok and type(message) == 'table' and tonumber(message.id) and message.id > n then break end
    redis.call('LPOP', key)
  end
end
local function encode(device)
  device.index = nil
  device.text = nil
  return cjson.encode(device)
end`;

/**
 * Adds device ARGV[2] (JSON) to the list KEYS[2] of account ARGV[1] (in the hash KEYS[1]), or
 * updates the one with its id; 0 when there is no such account.
 */
const PUT_DEVICE = `${DEVICE_FUNCTIONS}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local new = cjson.decode(ARGV[2])
for _, old in ipairs(decodeAll(KEYS[2])) do
  if old.id == new.id then
    new.added = old.added
    new.acked = old.acked or 0
    redis.call('LSET', KEYS[2], old.index, cjson.encode(new))
    return 1
  end
end
new.acked = 0
redis.call('RPUSH', KEYS[2], cjson.encode(new))
return 1`;

/**
 * Removes device ARGV[1] from the list KEYS[1], then drops the messages of the list KEYS[2]
 * that every remaining approved device has; 1 if it was there.
 */
const REMOVE_DEVICE = `${DEVICE_FUNCTIONS}
local removed = 0
local rest = {}
for _, device in ipairs(decodeAll(KEYS[1])) do
  if removed == 0 and device.id == ARGV[1] then
    redis.call('LREM', KEYS[1], 1, device.text)
    removed = 1
  else
    table.insert(rest, device)
  end
end
if removed == 1 and #rest > 0 then dropThrough(KEYS[2], through(rest)) end
return removed`;

/**
 * Acknowledges the kept messages of the list KEYS[1] up to ARGV[1], on device ARGV[2] (empty:
 * none) of the device list KEYS[2] (see `Store.acknowledge`).
 */
const ACKNOWLEDGE_ON = `${DEVICE_FUNCTIONS}
local n = tonumber(ARGV[1])
local devices = decodeAll(KEYS[2])
if #devices == 0 then
  dropThrough(KEYS[1], n)
  return
end
local found = false
for _, device in ipairs(devices) do
  if ARGV[2] ~= '' and device.id == ARGV[2] then
    found = true
    if n > (tonumber(device.acked) or 0) then
      device.acked = n
      local index = device.index
      redis.call('LSET', KEYS[2], index, encode(device))
      device.index = index
    end
  end
end
if found then dropThrough(KEYS[1], through(devices)) end`;

/**
 * Makes device ARGV[2] (JSON) the first of the list KEYS[2] when it is empty and account
 * ARGV[1] of the hash KEYS[1] still has its old key bundle, which it loses.
 */
const LEGACY_DEVICE = `
local text = redis.call('HGET', KEYS[1], ARGV[1])
if not text then return 0 end
local ok, account = pcall(cjson.decode, text)
if not ok or type(account) ~= 'table' or account.keyBundle == nil then return 0 end
account.keyBundle = nil
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(account))
if redis.call('LLEN', KEYS[2]) > 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1`;

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

  async devices(key: string): Promise<StoredDevice[]> {
    const list = await this.#run("return redis.call('LRANGE', KEYS[1], 0, -1)", [
      `devices:${key}`,
    ]) as string[];
    const devices = list.map((text) => this.#parse<StoredDevice>(text, "a device"))
      .filter((device): device is StoredDevice => device !== undefined).map(deviceOf);
    if (devices.length === 0 && await this.#legacyDevice(key)) return await this.devices(key);
    return devices;
  }

  async putDevice(key: string, device: NewDevice): Promise<boolean> {
    const keys = ["accounts", `devices:${key}`];
    return Number(await this.#run(PUT_DEVICE, keys, [key, JSON.stringify(device)])) === 1;
  }

  async removeDevice(key: string, id: string): Promise<boolean> {
    const keys = [`devices:${key}`, `kept:${key}`];
    return Number(await this.#run(REMOVE_DEVICE, keys, [id])) === 1;
  }

  async deleteAccount(key: string): Promise<void> {
    const script = "redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('DEL', KEYS[2], KEYS[3])";
    await this.#run(script, ["accounts", `kept:${key}`, `devices:${key}`], [key]);
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

  async waiting(key: string, now: number, device?: string): Promise<KeptMessage[]> {
    const oldest = now - this.#bounds.offlineMaxAgeMs;
    const acked = device === undefined
      ? 0
      : (await this.devices(key)).find((each) => each.id === device)?.acked ?? 0;
    const list = await this.#run(LIST, [`kept:${key}`], [String(oldest)]) as string[];
    return list.map((text) => this.#parse<KeptMessage>(text, "a kept message"))
      .filter((message): message is KeptMessage =>
        message !== undefined && message.at > oldest && message.id > acked
      )
      .map(keptOf);
  }

  async acknowledge(key: string, id: number, device?: string): Promise<void> {
    const keys = [`kept:${key}`, `devices:${key}`];
    await this.#run(ACKNOWLEDGE_ON, keys, [String(id), device ?? ""]);
  }

  async chatId(): Promise<string> {
    const script = "redis.call('SET', KEYS[1], ARGV[1], 'NX') return redis.call('GET', KEYS[1])";
    return String(await this.#run(script, ["chat-id"], [newChatId()]));
  }

  async rooms(): Promise<StoredRoom[]> {
    const flat = await this.#run("return redis.call('HGETALL', KEYS[1])", ["rooms"]) as string[];
    const rooms: StoredRoom[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) rooms.push({ key: flat[i], data: flat[i + 1] });
    return rooms;
  }

  async room(key: string): Promise<string | undefined> {
    const data = await this.#run("return redis.call('HGET', KEYS[1], ARGV[1])", ["rooms"], [key]);
    return typeof data === "string" ? data : undefined;
  }

  async putRoom(key: string, data: string): Promise<void> {
    await this.#run("redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])", ["rooms"], [key, data]);
  }

  async deleteRoom(key: string): Promise<void> {
    await this.#run("redis.call('HDEL', KEYS[1], ARGV[1])", ["rooms"], [key]);
  }

  async forgetHistory(target: string): Promise<void> {
    await this.#run("redis.call('DEL', KEYS[1])", [`history:${target}`]);
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

  async serverBans(): Promise<ServerBan[]> {
    const values = await this.#run("return redis.call('HVALS', KEYS[1])", ["server-bans"]);
    return (values as string[]).map((text) => this.#parse<Record<string, unknown>>(text, "a ban"))
      .map((value) => value === undefined ? undefined : serverBanOf(value))
      .filter((ban): ban is ServerBan => ban !== undefined);
  }

  async putServerBan(ban: ServerBan): Promise<void> {
    const script = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])";
    await this.#run(script, ["server-bans"], [ban.key, JSON.stringify(ban)]);
  }

  async removeServerBan(key: string): Promise<boolean> {
    const script = "return redis.call('HDEL', KEYS[1], ARGV[1])";
    return Number(await this.#run(script, ["server-bans"], [key])) === 1;
  }

  async problem(): Promise<string | undefined> {
    try {
      await this.#redis.eval("return redis.status_reply('PONG')", { keys: [], arguments: [] });
      return undefined;
    } catch (error) {
      return `Redis does not answer: ${(error as Error).message}`;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Makes the old key bundle of account `key`, if it has one, its first device; true if so. */
  async #legacyDevice(key: string): Promise<boolean> {
    const text = await this.#run("return redis.call('HGET', KEYS[1], ARGV[1])", ["accounts"], [
      key,
    ]);
    if (typeof text !== "string") return false;
    const bundle = this.#parse<{ keyBundle?: unknown }>(text, "an account")?.keyBundle;
    if (typeof bundle !== "string") return false;
    let id: string;
    try {
      id = await deviceId(JSON.parse(bundle).sign);
    } catch {
      return false;
    }
    const device: StoredDevice = {
      id,
      name: "device",
      bundle,
      approved: true,
      added: Date.now(),
      acked: 0,
    };
    const keys = ["accounts", `devices:${key}`];
    return Number(await this.#run(LEGACY_DEVICE, keys, [key, JSON.stringify(device)])) === 1;
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
  const { nickname, passwordHash, created, lastSeen } = value;
  return { nickname, passwordHash, created, lastSeen };
}

/** A device as read back: only the fields a device has. */
function deviceOf(value: StoredDevice): StoredDevice {
  const { id, name, bundle, approved, by, sig, added, acked } = value;
  const device: StoredDevice = {
    id,
    name,
    bundle,
    approved: approved === true,
    added,
    acked: Number(acked) || 0,
  };
  if (typeof by === "string") device.by = by;
  if (typeof sig === "string") device.sig = sig;
  return device;
}

/** A kept message as read back (Lua's JSON writes no `undefined`, and may drop an empty e2e). */
function keptOf(value: KeptMessage): KeptMessage {
  const { id, from, text, e2e, notice, timestamp, at } = value;
  const kept: KeptMessage = { id, from, text, timestamp, at };
  if (typeof e2e === "string") kept.e2e = e2e;
  if (typeof notice === "string") kept.notice = notice;
  return kept;
}
