/**
 * A soak of a cluster on this machine: a real `redis-server`, nodes of ChatServer sharing it, and
 * JSON clients on every node each saying numbered lines to everyone at a steady rate, while
 * faults come on a schedule (a node killed with `-9` and restarted on its port, Redis killed and
 * restarted, a node stopped with SIGTERM and restarted); clients reconnect under the same
 * nicknames. Every client keeps what it receives, and the report says what was delivered outside
 * the fault windows (each fault, until `--node-timeout` plus 5 seconds after it ended), what was
 * said while Redis was away (delivered late rather than never), duplicates, lines out of order,
 * and how long each fault took to heal.
 *
 * `deno task soak` runs a long one and prints the table of deliveries by 10-second window and by
 * (sender's node, receiver's node); `tests/cluster_soak_test.ts` runs a short one in the suite.
 *
 * @module
 */

import { REDIS_ENV } from "../cluster/join.ts";
import { parseFlags } from "../common/flags.ts";
import { RedisServer } from "./redis_server.ts";
import {
  describe,
  formatReport,
  report,
  type Said,
  type SoakPlan,
  type SoakReport,
} from "./soak_report.ts";
import { ServerProgram } from "./testing.ts";

/** How a soak runs. */
export interface SoakOptions extends SoakPlan {
  /** Clients connected to each node. */
  clientsPerNode: number;
  /** Lines each client says per second. */
  rate: number;
  /** A folder for Redis's files. */
  dir: string;
  /** Where progress is said. */
  log?: (line: string) => void;
}

/** The text of a soak line: who says it, and its number. */
const LINE = /^soak (\d+) (\d+)$/;

/** A client of the soak: it keeps reconnecting to its node and says a line every so often. */
class SoakClient {
  readonly index: number;
  readonly node: number;
  readonly nickname: string;
  /** Lines received: by sender, the numbers in the order they came, and when. */
  readonly received = new Map<number, { seq: number; at: number }[]>();
  /** When it was registered: [from, to] in ms from the start (`to` undefined while it is). */
  readonly registered: [number, number | undefined][] = [];
  #conn: Deno.Conn | undefined;
  #seq = 0;
  #stopped = false;
  readonly #port: () => number;
  readonly #clock: () => number;
  readonly #said: (said: Said) => void;
  #loop: Promise<void> = Promise.resolve();
  #sender: ReturnType<typeof setInterval> | undefined;

  constructor(
    index: number,
    node: number,
    port: () => number,
    clock: () => number,
    said: (said: Said) => void,
  ) {
    this.index = index;
    this.node = node;
    this.nickname = `soak${index}`;
    this.#port = port;
    this.#clock = clock;
    this.#said = said;
  }

  /** Whether it is registered now. */
  get isRegistered(): boolean {
    return this.registered.length > 0 && this.registered.at(-1)![1] === undefined;
  }

  /** Whether it was registered at `ms`. */
  registeredAt(ms: number): boolean {
    return this.registered.some(([from, to]) => from <= ms && (to === undefined || ms < to));
  }

  /** Connects, and keeps connecting, until `stop`; says a line `rate` times a second. */
  start(rate: number): void {
    this.#loop = this.#run();
    this.#sender = setInterval(() => this.#say(), 1000 / rate);
  }

  /** Stops saying lines. */
  quiet(): void {
    clearInterval(this.#sender);
  }

  /** Disconnects for good. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.quiet();
    this.#close();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        this.#conn = await Deno.connect({ hostname: "127.0.0.1", port: this.#port() });
        await this.#write({ type: "nickname", nickname: this.nickname, clientID: "soak" });
        await this.#read(this.#conn);
      } catch {
        // Refused or reset: connect again.
      }
      const last = this.registered.at(-1);
      if (last !== undefined && last[1] === undefined) last[1] = this.#clock();
      this.#close();
      if (!this.#stopped) await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  #close(): void {
    try {
      this.#conn?.close();
    } catch {
      // Closed already.
    }
    this.#conn = undefined;
  }

  /** Reads lines until the connection ends, or a refusal (then it connects again). */
  async #read(conn: Deno.Conn): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of conn.readable) {
      pending += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = pending.indexOf("\n")) >= 0) {
        const message = JSON.parse(pending.slice(0, end));
        pending = pending.slice(end + 1);
        if (message.type === "welcome") {
          this.registered.push([this.#clock(), undefined]);
        } else if (message.type === "broadcast") {
          this.#heard(message.message);
        } else if (message.type === "error" && !this.isRegistered) {
          return; // The name is still held by the connection of before: try again.
        }
      }
    }
  }

  #heard(text: string): void {
    const match = LINE.exec(text);
    if (match === null) return;
    const sender = Number(match[1]);
    let lines = this.received.get(sender);
    if (lines === undefined) this.received.set(sender, lines = []);
    lines.push({ seq: Number(match[2]), at: this.#clock() });
  }

  #say(): void {
    if (!this.isRegistered || this.#conn === undefined) return;
    const seq = ++this.#seq;
    const at = this.#clock();
    this.#write({ type: "message", message: `soak ${this.index} ${seq}` }).then(
      () => this.#said({ sender: this.index, seq, node: this.node, at }),
      () => {},
    );
  }

  async #write(message: Record<string, unknown>): Promise<void> {
    const bytes = new TextEncoder().encode(JSON.stringify(message) + "\n");
    let written = 0;
    while (written < bytes.length) written += await this.#conn!.write(bytes.subarray(written));
  }
}

/** A node of the soak: started again on the port it first had. */
class SoakNode {
  readonly index: number;
  port = 0;
  #server: ServerProgram | undefined;
  readonly #args: string[];

  constructor(index: number, args: string[]) {
    this.index = index;
    this.#args = args;
  }

  async start(): Promise<void> {
    const port = this.port === 0 ? [] : [String(this.port)];
    this.#server = await ServerProgram.start(
      [...port, ...this.#args],
      [`--allow-env=${REDIS_ENV.join(",")}`],
    );
    await this.#server.stdout.waitFor(/^Cluster .* joined as node [0-9a-f]{4} /);
    this.port = this.#server.port;
  }

  /** Stops it with `signal`, and waits for it to be gone. */
  async stop(signal: "SIGKILL" | "SIGTERM"): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.kill(signal);
    // Stopped with SIGTERM, it says goodbye and leaves the cluster first.
    if (signal === "SIGTERM") await server.exitCode().catch(() => {});
    await server[Symbol.asyncDispose]();
  }
}

/** Runs a soak and reports what it found. */
export async function soak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  await using redis = await RedisServer.start({ dir: options.dir });
  const args = ["--cluster", redis.url, "--node-timeout", String(options.nodeTimeoutSeconds)];
  const nodes = Array.from({ length: options.nodes }, (_, index) => new SoakNode(index, args));
  const started = performance.now();
  const clock = () => performance.now() - started;
  const said: Said[] = [];
  const clients: SoakClient[] = [];
  try {
    for (const node of nodes) await node.start();
    for (const node of nodes) {
      for (let i = 0; i < options.clientsPerNode; i++) {
        const port = () => node.port;
        clients.push(new SoakClient(clients.length, node.index, port, clock, (s) => said.push(s)));
      }
    }
    for (const client of clients) client.start(options.rate);
    log(`soak: ${options.nodes} nodes, ${clients.length} clients, ${options.seconds} s`);
    for (const fault of options.faults) {
      await sleepUntil(clock, fault.at * 1000);
      log(`soak: at ${fault.at} s, ${describe(fault)} for ${fault.down} s`);
      if (fault.kind === "redis") await redis.stop();
      else await nodes[fault.node!].stop(fault.kind === "kill" ? "SIGKILL" : "SIGTERM");
      await sleepUntil(clock, (fault.at + fault.down) * 1000);
      if (fault.kind === "redis") await redis.restart();
      else await nodes[fault.node!].start();
    }
    await sleepUntil(clock, options.seconds * 1000);
    for (const client of clients) client.quiet();
    // The last lines arrive.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const disconnectedAtEnd = clients.filter((client) => !client.isRegistered).length;
    return report(options, said, clients, disconnectedAtEnd);
  } finally {
    for (const client of clients) await client.stop();
    for (const node of nodes) await node.stop("SIGTERM");
  }
}

function sleepUntil(clock: () => number, ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - clock())));
}

if (import.meta.main) {
  const parsed = parseFlags(Deno.args, {
    seconds: "string",
    "clients-per-node": "string",
    "node-timeout": "string",
    rate: "string",
  });
  if (!parsed.ok) {
    console.error(parsed.error);
    Deno.exit(2);
  }
  const number = (name: string, fallback: number) =>
    typeof parsed.values[name] === "string" ? Number(parsed.values[name]) : fallback;
  const seconds = number("seconds", 150);
  const at = (share: number) => Math.round(seconds * share);
  const dir = ".soak";
  await Deno.mkdir(dir, { recursive: true });
  const result = await soak({
    nodes: 3,
    clientsPerNode: number("clients-per-node", 10),
    rate: number("rate", 5),
    nodeTimeoutSeconds: number("node-timeout", 6),
    seconds,
    dir,
    faults: [
      { at: at(0.1), kind: "kill", node: 2, down: 3 },
      { at: at(0.3), kind: "kill", node: 1, down: 3 },
      { at: at(0.5), kind: "redis", down: 6 },
      { at: at(0.7), kind: "term", node: 0, down: 3 },
    ],
    log: (line) => console.error(line),
  });
  console.log(formatReport(result));
  const clean = result.outside.delivered === result.outside.expected &&
    result.duplicated === 0 && result.reordered === 0 && result.disconnectedAtEnd === 0;
  Deno.exit(clean ? 0 : 1);
}
