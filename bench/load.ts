/**
 * The benchmark's load generator: clients that connect and register as baseline clients, senders
 * that send numbered, timestamped messages, and receivers that account for every delivery (lost,
 * duplicated, out of order) and its latency. Loopback only. The clients speak the JSON wire
 * (`jsonDialect`) or another `LoadDialect` (IRC's is `bench/irc_load.ts`); the text of every
 * message is the same on every wire.
 *
 * @module
 */

import { encodeMessage } from "../protocol.ts";

/** One workload. */
export interface LoadOptions {
  /** The server's port on 127.0.0.1. */
  port: number;
  /** Ports to spread the clients over, in turn (several nodes of a cluster); default `port`. */
  ports?: number[];
  /** Clients connected and registered. */
  clients: number;
  /** How many of them send (the first ones). */
  senders: number;
  /** Messages per sender. */
  messages: number;
  /** Messages per second per sender; 0: as fast as the socket takes them. */
  rate: number;
  /** Bytes of message text. */
  size: number;
  /** Seconds to hold every client idle after registration (before sending). */
  holdSeconds: number;
  /** Connections being opened and registered at once. */
  connectConcurrency: number;
  /** Seconds the whole run may take. */
  timeoutSeconds: number;
  /** Called when every client is registered (to sample the server). */
  onRegistered?: () => Promise<void>;
  /** The wire the clients speak; default `jsonDialect`. */
  dialect?: LoadDialect;
}

/**
 * How the generator's clients speak one wire: how they register, how they send a line to
 * everyone, and where a delivery's text starts in what they read.
 */
export interface LoadDialect {
  /** What a client sends on connecting, to register as `nickname` (the `index`th client). */
  register(nickname: string, index: number): string;
  /**
   * A line read before registration ends: whether it ends it, and what to answer (IRC's `JOIN`
   * after its welcome, a `PONG`).
   */
  registering(line: string): { registered: boolean; answer?: string };
  /** What precedes a delivery's text in a line (the text starts with `b:`, which it ends with). */
  marker: string;
  /** A line that sends `text` to everyone. */
  frame(nickname: string, text: string): string;
  /** An answer to a line read after registration that is not a delivery (a `PONG`), if any. */
  answer?(line: string): string | undefined;
}

/** The JSON wire's clients: registered at the server's first line (its welcome). */
export const jsonDialect: LoadDialect = {
  register: (nickname, index) =>
    encodeText({
      type: "nickname",
      nickname,
      clientID: `${index}`,
      timestamp: new Date().toISOString(),
    }),
  registering: () => ({ registered: true }),
  marker: '"message":"b:',
  frame: (nickname, text) =>
    `{"type":"message","nickname":"${nickname}","message":"${text}","timestamp":"${
      new Date().toISOString()
    }"}\n`,
};

/** What a workload measured. */
export interface LoadReport {
  /** Clients the server answered at registration. */
  registered: number;
  /** Clients that could not connect or send their registration. */
  failedToRegister: number;
  /** Milliseconds from the first connection to the last registration. */
  connectMs: number;
  /** Deliveries due: every sender's messages to every client but itself. */
  expected: number;
  /** Deliveries received once each. */
  delivered: number;
  /** Deliveries never received. */
  lost: number;
  /** Deliveries received again. */
  duplicated: number;
  /** Deliveries received after a later one of the same sender. */
  reordered: number;
  /** Deliveries per second, from the first send to the last delivery. */
  throughput: number;
  /** Delivery latency percentiles, in milliseconds. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Seconds from the first send to the last delivery. */
  seconds: number;
}

/** How long a client waits for the server's first line after registering before going on. */
const REGISTRATION_WAIT_MS = 10_000;
const encoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** A frame of the JSON wire as text. */
function encodeText(message: Parameters<typeof encodeMessage>[0]): string {
  return textDecoder.decode(encodeMessage(message));
}

/**
 * Counts the deliveries one receiver gets from each sender: a message number seen before is a
 * duplicate, one below the highest seen so far arrived out of order, and whatever never came
 * is lost.
 */
export class DeliveryLedger {
  readonly #received: Uint8Array[];
  readonly #highest: number[];
  /** Messages received once. */
  delivered = 0;
  /** Messages received again. */
  duplicated = 0;
  /** Messages received after a later one of their sender. */
  reordered = 0;

  /** A ledger for `senders` senders that send `messages` messages each. */
  constructor(senders: number, messages: number) {
    this.#received = Array.from({ length: senders }, () => new Uint8Array(messages));
    this.#highest = new Array(senders).fill(-1);
  }

  /** Records message `seq` from `sender` (numbers outside the run are ignored). */
  record(sender: number, seq: number): void {
    const received = this.#received[sender];
    if (received === undefined || seq >= received.length) return;
    if (received[seq] === 1) {
      this.duplicated++;
      return;
    }
    received[seq] = 1;
    this.delivered++;
    if (seq < this.#highest[sender]) this.reordered++;
    else this.#highest[sender] = seq;
  }
}

/** One connected client. */
class LoadClient {
  readonly conn: Deno.Conn;
  readonly #dialect: LoadDialect;
  readonly ledger: DeliveryLedger | undefined; // undefined: not measured
  readonly latencies: number[] = [];
  registered = false;
  #partial = "";
  #onRegistered: (() => void) | undefined;
  readonly reading: Promise<void>;

  constructor(
    conn: Deno.Conn,
    dialect: LoadDialect,
    senders: number,
    messages: number,
    measure: boolean,
  ) {
    this.conn = conn;
    this.#dialect = dialect;
    this.ledger = measure ? new DeliveryLedger(senders, messages) : undefined;
    this.reading = this.#read();
  }

  /** Resolves at the first line from the server (the welcome), or after `graceMs` of none. */
  awaitRegistration(graceMs: number): Promise<boolean> {
    if (this.registered) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(true), graceMs);
      this.#onRegistered = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  async send(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    const decoder = new TextDecoder("latin1");
    try {
      for (let n = await this.conn.read(buffer); n !== null; n = await this.conn.read(buffer)) {
        const text = this.#partial + decoder.decode(buffer.subarray(0, n));
        let start = 0;
        for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
          this.#line(text, start, end);
          start = end + 1;
        }
        this.#partial = text.slice(start);
      }
    } catch {
      // Closed.
    }
  }

  #line(text: string, start: number, end: number): void {
    if (!this.registered) {
      const { registered, answer } = this.#dialect.registering(text.slice(start, end));
      if (answer !== undefined) this.#answer(answer);
      if (!registered) return;
      this.registered = true;
      this.#onRegistered?.();
      return;
    }
    if (this.ledger === undefined) return;
    const marker = this.#dialect.marker;
    const at = text.indexOf(marker, start);
    if (at < 0 || at > end) {
      const answer = this.#dialect.answer?.(text.slice(start, end));
      if (answer !== undefined) this.#answer(answer);
      return;
    }
    // "b:<sender>:<seq>:<sent at, in microseconds>:..."
    let i = at + marker.length;
    const field = () => {
      let value = 0;
      for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) {
        value = value * 10 + c - 48;
      }
      i++;
      return value;
    };
    const sender = field(), seq = field(), sentAt = field();
    this.ledger.record(sender, seq);
    this.latencies.push(nowMicros() - sentAt);
  }

  #answer(line: string): void {
    this.send(encoder.encode(line)).catch(() => {
      // Closed: its reading ends too.
    });
  }
}

/** Microseconds on a clock all threads of this process share. */
function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Runs one workload against 127.0.0.1:`port` and reports what happened. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const dialect = options.dialect ?? jsonDialect;
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const clients: LoadClient[] = [];
  let failed = 0;
  const connectStart = performance.now();
  // Open and register, `connectConcurrency` at a time.
  let nextIndex = 0;
  const opener = async () => {
    while (nextIndex < options.clients) {
      const index = nextIndex++;
      try {
        const port = options.ports?.[index % options.ports.length] ?? options.port;
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        const client = new LoadClient(conn, dialect, options.senders, options.messages, true);
        clients.push(client);
        await client.send(encoder.encode(dialect.register(`b${index.toString(36)}`, index)));
        // Our server acknowledges; a server that does not gets the grace other clients give.
        await client.awaitRegistration(REGISTRATION_WAIT_MS);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.connectConcurrency, options.clients) }, opener),
  );
  const connectMs = performance.now() - connectStart;
  await options.onRegistered?.();
  if (options.holdSeconds > 0) await sleep(options.holdSeconds * 1000);

  // Send: each sender its messages, numbered, stamped, padded to `size`.
  const senders = clients.slice(0, options.senders);
  const sendStart = performance.now();
  const pad = "x".repeat(Math.max(0, options.size - 40));
  const frame = (sender: number, seq: number) =>
    dialect.frame(`b${sender.toString(36)}`, `b:${sender}:${seq}:${nowMicros()}:${pad}`);
  await Promise.all(senders.map(async (client, s) => {
    if (options.rate > 0) {
      const interval = 1000 / options.rate;
      for (let seq = 0; seq < options.messages && Date.now() < deadline; seq++) {
        const due = sendStart + seq * interval;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        await client.send(encoder.encode(frame(s, seq)));
      }
    } else {
      for (let seq = 0; seq < options.messages && Date.now() < deadline;) {
        let batch = "";
        for (let k = 0; k < 16 && seq < options.messages; k++, seq++) batch += frame(s, seq);
        await client.send(encoder.encode(batch));
      }
    }
  }));

  // Wait for the deliveries (or the deadline), then account.
  const receivers = clients;
  // Everyone gets every sender's messages but their own: the server never echoes.
  const expected = options.senders * options.messages * (clients.length - 1);
  let lastProgress = performance.now(), lastCount = -1;
  while (Date.now() < deadline) {
    const count = receivers.reduce((sum, r) => sum + r.ledger!.delivered + r.ledger!.duplicated, 0);
    if (count >= expected) break;
    if (count !== lastCount) {
      lastCount = count;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > 5000) break; // nothing more is coming
    await sleep(20);
  }
  const seconds = (performance.now() - sendStart) / 1000;
  for (const client of clients) client.close();
  await Promise.all(clients.map((client) => client.reading));

  const delivered = receivers.reduce((sum, r) => sum + r.ledger!.delivered, 0);
  const latencies = receivers.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies.length === 0
      ? 0
      : latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] / 1000;
  return {
    registered: clients.filter((client) => client.registered).length,
    failedToRegister: failed,
    connectMs,
    expected,
    delivered,
    lost: expected - delivered,
    duplicated: receivers.reduce((sum, r) => sum + r.ledger!.duplicated, 0),
    reordered: receivers.reduce((sum, r) => sum + r.ledger!.reordered, 0),
    throughput: senders.length === 0 ? 0 : delivered / seconds,
    latencyMs: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: pct(1) },
    seconds,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
