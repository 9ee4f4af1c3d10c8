/**
 * This server as a node of a cluster that shares one Redis (`--cluster`): it joins under a short
 * id of its own, keeps a lease on its membership that it renews, and claims the nicknames of its
 * users there, so that no two nodes ever grant one nickname (in any case). A claim lasts as long
 * as the lease of the node that holds it: a node that dies stops renewing, and once its lease
 * has run out (`--node-timeout`) its nicknames may be claimed again.
 *
 * Redis is reached through the official `redis` package from npm, loaded only in cluster mode.
 *
 * @module
 */

import type { ClusterSettings } from "./cluster_url.ts";

/** What this module uses of the `redis` package's client (its own types are too generic). */
interface RedisClient {
  connect(): Promise<unknown>;
  duplicate(): RedisClient;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(
    channels: string[],
    listener: (message: string, channel: string) => void,
  ): Promise<void>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  zRem(key: string, member: string): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** How often a node renews its lease, as a share of the lease's length. */
const RENEWALS_PER_LEASE = 3;

/**
 * Takes a nickname (KEYS[1]) for a holder (ARGV[1], `<node>:<connection>`) unless a live node
 * holds it: one whose lease in the nodes set (KEYS[2]) runs past Redis's own clock. 1 if taken.
 */
const CLAIM = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then
  local node = string.match(current, '^([^:]+)')
  local lease = redis.call('ZSCORE', KEYS[2], node)
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if lease and tonumber(lease) > now then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

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

/** This server's membership of a cluster. */
export class ClusterNode {
  /** The node's id: 4 hex digits, unique among the live nodes. */
  readonly id: string;
  readonly settings: ClusterSettings;
  readonly #client: RedisClient;
  readonly #timer: ReturnType<typeof setInterval>;
  #subscriber: RedisClient | undefined;

  private constructor(id: string, settings: ClusterSettings, client: RedisClient) {
    this.id = id;
    this.settings = settings;
    this.#client = client;
    this.#timer = setInterval(
      () => this.#lease(false).catch(() => {}),
      settings.nodeTimeoutMs / RENEWALS_PER_LEASE,
    );
  }

  /**
   * Connects to the cluster's Redis and joins it under a new id; throws an error saying why when
   * Redis cannot be reached or refuses (a wrong password, say).
   */
  static async join(settings: ClusterSettings): Promise<ClusterNode> {
    const { createClient } = await import("redis");
    let started = false;
    const client = createClient({
      url: settings.url,
      // At start a failure is final (the server says so and stops); later the link retries.
      socket: {
        reconnectStrategy: (retries: number, cause: Error) =>
          started ? Math.min(100 * 2 ** retries, 5000) : cause,
      },
    }) as unknown as RedisClient;
    client.on("error", () => {});
    try {
      await client.connect();
      for (let attempt = 0;; attempt++) {
        const id = [...crypto.getRandomValues(new Uint8Array(2))]
          .map((byte) => byte.toString(16).padStart(2, "0")).join("");
        const node = new ClusterNode(id, settings, client);
        if (await node.#lease(true)) {
          started = true;
          return node;
        }
        clearInterval(node.#timer);
        if (attempt > 100) throw new Error("no free node id");
      }
    } catch (error) {
      client.destroy();
      throw error;
    }
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
    return this.#client.publish(channel, message);
  }

  /** Hears `channels` (full names), through a connection of their own. */
  async subscribe(
    channels: string[],
    listener: (message: string, channel: string) => void,
  ): Promise<void> {
    this.#subscriber ??= this.#client.duplicate();
    this.#subscriber.on("error", () => {});
    await this.#subscriber.connect();
    await this.#subscriber.subscribe(channels, listener);
  }

  /** Claims `nicknameKey` for `holder` (a connection of this node); false when another has it. */
  async claim(nicknameKey: string, holder: string): Promise<boolean> {
    const result = await this.#client.eval(CLAIM, {
      keys: [this.#key(`nick:${nicknameKey}`), this.#key("nodes")],
      arguments: [`${this.id}:${holder}`],
    });
    return Number(result) === 1;
  }

  /** Frees `nicknameKey` if `holder` still holds it. */
  async release(nicknameKey: string, holder: string): Promise<void> {
    await this.#client.eval(RELEASE, {
      keys: [this.#key(`nick:${nicknameKey}`)],
      arguments: [`${this.id}:${holder}`],
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

  async #lease(first: boolean): Promise<boolean> {
    const result = await this.#client.eval(LEASE, {
      keys: [this.#key("nodes")],
      arguments: [this.id, String(this.settings.nodeTimeoutMs), first ? "new" : "renew"],
    });
    return Number(result) === 1;
  }

  #key(name: string): string {
    return `${this.settings.prefix}${name}`;
  }
}
