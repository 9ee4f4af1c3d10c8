/**
 * This server as a node of a cluster that shares one Redis (`--cluster`): it joins under a short
 * id of its own, keeps a lease on its membership that it renews, and claims the nicknames of its
 * users there, so that no two nodes ever grant one nickname (in any case). A claim lasts as long
 * as the lease of the node that holds it: a node that dies stops renewing, and once its lease
 * has run out (`--node-timeout`) its nicknames may be claimed again. A claim carries the time its
 * user registered: when two nodes granted one name while they could not reach Redis, the earlier
 * registration keeps it.
 *
 * When Redis goes away the node says so to whoever listens (`onLink`), fails what it is asked
 * rather than queueing it, and reconnects with backoff (at most 5 s apart).
 *
 * Redis is reached through the official `redis` package from npm, loaded only in cluster mode.
 *
 * @module
 */

import { RedisStore } from "../store/redis.ts";
import type { StoreBounds } from "../store/store.ts";
import type { ClusterSettings } from "./cluster_url.ts";

/** What this project uses of the `redis` package's client (its own types are too generic). */
export interface RedisClient {
  /** Connects; rejects when Redis cannot be reached or refuses. */
  connect(): Promise<unknown>;
  /** A new client to the same Redis, not yet connected (a subscriber needs its own). */
  duplicate(): RedisClient;
  /** Publishes `message` on `channel`; resolves to how many heard it. */
  publish(channel: string, message: string): Promise<unknown>;
  /** Hears `channels`, each message given to `listener`. */
  subscribe(
    channels: string[],
    listener: (message: string, channel: string) => void,
  ): Promise<void>;
  /** No longer hears `channels`. */
  unsubscribe(channels: string[]): Promise<void>;
  /** Runs a Lua `script` on `keys` with `arguments`; resolves to what it returns. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** Removes `member` from the sorted set `key`. */
  zRem(key: string, member: string): Promise<unknown>;
  /** Closes the connection once what was sent is answered. */
  close(): Promise<unknown>;
  /** Closes the connection at once. */
  destroy(): void;
  /** Calls `listener` when the connection fails (`error`) or is ready again (`ready`). */
  on(event: "error" | "ready", listener: (error?: Error) => void): unknown;
}

/**
 * Connects to the Redis at `url`. Until `started()` says so, a failure to connect is final (it
 * throws, saying why); after, the link retries with backoff, at most 5 s apart. Commands while
 * Redis is away fail at once: late is worse than never, for a chat.
 */
export async function connectRedis(
  url: string,
  started: () => boolean = () => true,
): Promise<RedisClient> {
  const { createClient } = await import("redis");
  const client = createClient({
    url,
    socket: {
      reconnectStrategy: (retries: number, cause: Error) =>
        started() ? Math.min(100 * 2 ** retries, 5000) : cause,
    },
    disableOfflineQueue: true,
  }) as unknown as RedisClient;
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    throw error;
  }
  return client;
}

/**
 * A lease lasts this share of `--node-timeout`; the other nodes look for lapsed leases every
 * `SWEEPS_PER_TIMEOUT`th of it, so that a node that dies is found gone within the timeout.
 */
const LEASE_SHARE = 0.75;
/** How often the other nodes look for lapsed leases, per `--node-timeout`. */
export const SWEEPS_PER_TIMEOUT = 4;
/** How often a node renews its lease, per lease. */
const RENEWALS_PER_LEASE = 6;

/**
 * Takes a nickname (KEYS[1]) for a holder (ARGV[1], `<node>:<connection>:<registered at, ms>`)
 * unless a live node holds it (one whose lease in the nodes set, KEYS[2], runs past Redis's own
 * clock). A name claimed again (ARGV[2] = "again": granted while apart) is taken from a live
 * holder who registered later. 1: taken; 2: taken from a later registration; 0: another has it.
 */
const CLAIM = `
local current = redis.call('GET', KEYS[1])
local result = 1
if current and current ~= ARGV[1] then
  local node, at = string.match(current, '^([^:]+):[^:]*:(%d+)$')
  local lease = node and redis.call('ZSCORE', KEYS[2], node)
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if lease and tonumber(lease) > now then
    local mine = tonumber(string.match(ARGV[1], ':(%d+)$'))
    if ARGV[2] ~= 'again' or tonumber(at) <= mine then return 0 end
    result = 2
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return result`;

/** Frees a nickname (KEYS[1]) if its holder is still ARGV[1]. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Adds or renews a node's lease (ARGV[1]) in the nodes set (KEYS[1]) for ARGV[2] ms from Redis's
 * clock; with ARGV[3] = "new", only if no live node has that id. 1 if done.
 */
const LEASE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if ARGV[3] == 'new' then
  local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if lease and tonumber(lease) > now then return 0 end
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1`;

/** The nodes whose lease runs past Redis's clock. */
const LIVE_NODES = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')`;

/** The node that holds the nickname KEYS[1], if its lease in the nodes set (KEYS[2]) is live. */
const HOLDER = `
local current = redis.call('GET', KEYS[1])
local node = current and string.match(current, '^([^:]+):')
local lease = node and redis.call('ZSCORE', KEYS[2], node)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if lease and tonumber(lease) > now then return node end
return false`;

/** This server's membership of a cluster. */
export class ClusterNode {
  /** The node's id: 4 hex digits, unique among the live nodes. */
  readonly id: string;
  /** The cluster's settings from the command line. */
  readonly settings: ClusterSettings;
  readonly #client: RedisClient;
  readonly #timer: ReturnType<typeof setInterval>;
  #subscriber: RedisClient | undefined;
  #listener: ((message: string, channel: string) => void) | undefined;
  /** Whether Redis answers (as far as the last command or connection event tells). */
  #up = true;
  /** Whether each of the two connections (commands, and what the node hears) is ready. */
  readonly #ready = { client: true, subscriber: true };
  #onLink: ((up: boolean, reason?: string) => void) | undefined;
  #published = 0;

  private constructor(id: string, settings: ClusterSettings, client: RedisClient) {
    this.id = id;
    this.settings = settings;
    this.#client = client;
    this.#timer = setInterval(
      () => this.#lease(false).catch(() => {}),
      settings.nodeTimeoutMs * LEASE_SHARE / RENEWALS_PER_LEASE,
    );
  }

  /**
   * Connects to the cluster's Redis and joins it under a new id; throws an error saying why when
   * Redis cannot be reached or refuses (a wrong password, say).
   */
  static async join(settings: ClusterSettings): Promise<ClusterNode> {
    let started = false;
    const client = await connectRedis(settings.url, () => started);
    let node: ClusterNode | undefined;
    client.on("error", (error) => {
      if (node !== undefined) node.#changed("client", false, error?.message);
    });
    client.on("ready", () => {
      if (node !== undefined) node.#changed("client", true);
    });
    try {
      for (let attempt = 0;; attempt++) {
        const id = [...crypto.getRandomValues(new Uint8Array(2))]
          .map((byte) => byte.toString(16).padStart(2, "0")).join("");
        const candidate = new ClusterNode(id, settings, client);
        if (await candidate.#lease(true)) {
          started = true;
          node = candidate;
          return node;
        }
        clearInterval(candidate.#timer);
        if (attempt > 100) throw new Error("no free node id");
      }
    } catch (error) {
      client.destroy();
      throw error;
    }
  }

  /** The chat's store in this cluster's Redis (accounts, kept messages, history). */
  openStore(bounds: StoreBounds, onError: (error: Error) => void): RedisStore {
    const { prefix, shown } = this.settings;
    return new RedisStore(this.#client, { prefix, bounds, where: shown, onError });
  }

  /** Whether Redis answers, as far as this node knows. */
  get up(): boolean {
    return this.#up;
  }

  /**
   * Calls `listener` when the link to Redis is lost (with why) and when it is back (once this
   * node's lease is renewed).
   */
  onLink(listener: (up: boolean, reason?: string) => void): void {
    this.#onLink = listener;
  }

  /** How many nodes are live now, this one included. */
  async nodeCount(): Promise<number> {
    return (await this.liveNodes()).length;
  }

  /** The ids of the nodes live now, this one included. */
  async liveNodes(): Promise<string[]> {
    const ids = await this.#client.eval(LIVE_NODES, { keys: [this.#key("nodes")], arguments: [] });
    return Array.isArray(ids) ? ids.map(String) : [];
  }

  /** The full name of channel `name` of this chat: `all`, or `node:<id>`. */
  channel(name: string): string {
    return this.#key(name);
  }

  /** Publishes `message` on `channel` (a full name); messages go out in the order given. */
  publish(channel: string, message: string): Promise<unknown> {
    this.#published++;
    return this.#client.publish(channel, message);
  }

  /** How many messages this node has published on the bus (for the metrics). */
  get published(): number {
    return this.#published;
  }

  /** Hears `channels` (full names), through a connection of their own. */
  async subscribe(
    channels: string[],
    listener: (message: string, channel: string) => void,
  ): Promise<void> {
    this.#subscriber ??= this.#client.duplicate();
    this.#subscriber.on("error", (error) => this.#changed("subscriber", false, error?.message));
    this.#subscriber.on("ready", () => this.#changed("subscriber", true));
    await this.#subscriber.connect();
    this.#listener = listener;
    await this.#subscriber.subscribe(channels, listener);
  }

  /** Hears `channel` too (a full name), with the listener given to `subscribe`. */
  async listen(channel: string): Promise<void> {
    await this.#subscriber!.subscribe([channel], this.#listener!);
  }

  /** No longer hears `channel`. */
  async unlisten(channel: string): Promise<void> {
    await this.#subscriber!.unsubscribe([channel]);
  }

  /**
   * Claims `nicknameKey` for `holder` (a connection of this node, whose user took the name at
   * `registeredAt`, ms): "taken", or "refused" when another has it. Claimed `again` (a name
   * granted while Redis was away), it may be "took" from a later registration of another node,
   * granted meanwhile: that node must rename its user.
   */
  async claim(
    nicknameKey: string,
    holder: string,
    registeredAt: number,
    again = false,
  ): Promise<"taken" | "took" | "refused"> {
    const result = Number(
      await this.#client.eval(CLAIM, {
        keys: [this.#key(`nick:${nicknameKey}`), this.#key("nodes")],
        arguments: [`${this.id}:${holder}:${Math.floor(registeredAt)}`, again ? "again" : "new"],
      }),
    );
    return result === 1 ? "taken" : result === 2 ? "took" : "refused";
  }

  /** The live node whose user holds `nicknameKey`, if any (this one included). */
  async holderOf(nicknameKey: string): Promise<string | undefined> {
    const node = await this.#client.eval(HOLDER, {
      keys: [this.#key(`nick:${nicknameKey}`), this.#key("nodes")],
      arguments: [],
    });
    return typeof node === "string" ? node : undefined;
  }

  /** Frees `nicknameKey` if `holder` (registered at `registeredAt`) still holds it. */
  async release(nicknameKey: string, holder: string, registeredAt: number): Promise<void> {
    await this.#client.eval(RELEASE, {
      keys: [this.#key(`nick:${nicknameKey}`)],
      arguments: [`${this.id}:${holder}:${Math.floor(registeredAt)}`],
    });
  }

  /** Leaves the cluster: the lease ends now, so the nicknames held here are free at once. */
  async leave(): Promise<void> {
    clearInterval(this.#timer);
    try {
      await this.#client.zRem(this.#key("nodes"), this.id);
      await this.#subscriber?.close();
      await this.#client.close();
    } catch {
      this.#subscriber?.destroy();
      this.#client.destroy();
    }
  }

  /**
   * A connection went down or came back. The link is down when either is, and back once both
   * are and the lease is renewed; each change is said once.
   */
  #changed(connection: "client" | "subscriber", ready: boolean, reason?: string): void {
    this.#ready[connection] = ready;
    const up = this.#ready.client && this.#ready.subscriber;
    if (up === this.#up) return;
    if (!up) {
      this.#up = false;
      this.#onLink?.(false, reason);
      return;
    }
    this.#lease(false).then(() => {
      if (this.#up || !(this.#ready.client && this.#ready.subscriber)) return;
      this.#up = true;
      this.#onLink?.(true);
    }, () => {});
  }

  async #lease(first: boolean): Promise<boolean> {
    const result = await this.#client.eval(LEASE, {
      keys: [this.#key("nodes")],
      arguments: [
        this.id,
        String(Math.round(this.settings.nodeTimeoutMs * LEASE_SHARE)),
        first ? "new" : "renew",
      ],
    });
    return Number(result) === 1;
  }

  #key(name: string): string {
    return `${this.settings.prefix}${name}`;
  }
}
