/**
 * `deno task bench:devices`: what a whisper to an account with 1, 3 and 10 devices costs the
 * sender and the server (issue 22). For each count, a fresh server on 127.0.0.1; the recipient
 * account's devices are raw connections logged in to it, each with keys of its own, published
 * and approved (signed by the first) as the clients do it. The sender seals with the clients'
 * own `E2eClient`, whose key lookups a fake `send` answers with the device list the server gave;
 * then it sends the sealed whispers to the server, and every device counts what it gets.
 *
 * Prints two tables. The sender's: its time to seal (the first message of a session seals the
 * session key for every device; a later one encrypts the text only, but `E2eClient` looks the
 * recipient up and reviews its devices at every message), that of the crypto alone, and the
 * frame's size and what it is made of. The server's: the frame each device gets, the bytes it
 * writes per whisper, the time until every device has a whisper, and its CPU per whisper (alone,
 * and with the `keys` lookup a client sends before each).
 *
 * Options: `--runs <n>` (300 timings of each kind), `--batch <n>` (10,000 whispers for the CPU),
 * `--devices <list>` (1,3,10).
 *
 * @module
 */

import {
  type ClientMessage,
  EXTENSION_TYPES,
  type KeyBundle,
  type KeysReply,
  type PrivateRequest,
} from "../protocol.ts";
import { parseFlags } from "../lib/common/flags.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { ServerProgram } from "../lib/tools/testing.ts";
import {
  encryptText,
  generateIdentity,
  newSession,
  publicBundle,
  sealSession,
} from "../web/common/e2e.js";
import { deviceId } from "../web/common/device_ids.js";
import { nicknameKey } from "../web/common/name_keys.js";
import { signApproval } from "../web/common/approvals.js";
import { E2eClient, KeyRing } from "../web/common/e2e_keys.js";
import { cpuSeconds } from "./proc.ts";

const flags = parseFlags(Deno.args, { runs: "string", batch: "string", devices: "string" });
if (!flags.ok) throw new Error(flags.error);
const RUNS = Number(flags.values.runs ?? 300);
const BATCH = Number(flags.values.batch ?? 10000);
const COUNTS = String(flags.values.devices ?? "1,3,10").split(",").map(Number);
/** Whispers in flight at once in the CPU batch (then the bench waits for every device). */
const WINDOW = 100;
/** A chat line of 64 characters. */
const TEXT = "Are we still on for lunch tomorrow at noon? I can book the table.".slice(0, 64);
const RECIPIENT = "Carol";
const SENDER = "Bob";
const encoder = new TextEncoder();
const PRIVATE = '{"type":"private"';

/** A device of the recipient: its connection, and what it has received. */
class Device {
  whispers = 0;
  bytes = 0;
  frame = 0;
  #waiting: { count: number; resolve: () => void }[] = [];
  readonly reading: Promise<void>;

  constructor(readonly client: RawClient) {
    this.reading = this.#read();
  }

  /** Resolves once this device has had `count` whispers. */
  has(count: number): Promise<void> {
    if (this.whispers >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ count, resolve }));
  }

  async #read(): Promise<void> {
    try {
      while (true) {
        const line = await this.client.nextLine(120_000);
        if (!line.startsWith(PRIVATE)) continue;
        this.whispers++;
        this.frame = encoder.encode(line).length + 1;
        this.bytes += this.frame;
        this.#waiting = this.#waiting.filter((wait) => {
          if (wait.count > this.whispers) return true;
          wait.resolve();
          return false;
        });
      }
    } catch {
      // Closed.
    }
  }
}

/** The next `keys` or `error` line of `client`. */
async function reply(client: RawClient): Promise<Record<string, unknown>> {
  while (true) {
    const message = await client.next();
    if (message.type === "error") throw new Error(String(message.message));
    if (message.type === "keys") return message;
  }
}

/** The recipient account with `count` approved devices, each a connection of its own. */
async function account(port: number, count: number) {
  const password = `${RECIPIENT}'s password`;
  const keys = [];
  for (let i = 0; i < count; i++) {
    const identity = await generateIdentity();
    const bundle = await publicBundle(identity) as KeyBundle;
    keys.push({ identity, bundle, id: await deviceId(bundle.sign), name: `device ${i + 1}` });
  }
  const first = await RawClient.registered(port, RECIPIENT, EXTENSION_TYPES);
  await first.sendMessage({ type: "account", action: "register", password });
  await first.nextOfType("account");
  await first.sendMessage({ type: "keys", bundle: keys[0].bundle, device: keys[0].name });
  await reply(first);
  const clients = [first];
  for (const device of keys.slice(1)) {
    const client = await RawClient.connect(port);
    await client.register(RECIPIENT, "001", EXTENSION_TYPES);
    await client.nextOfType("login");
    await client.sendMessage({ type: "login", password, device: device.id });
    await client.nextOfType("welcome");
    await client.sendMessage({ type: "keys", bundle: device.bundle, device: device.name });
    await reply(client);
    clients.push(client);
  }
  for (const device of keys.slice(1)) {
    const sig = await signApproval(keys[0].identity, nicknameKey(RECIPIENT), device);
    await first.sendMessage({ type: "approve", device: device.id, by: keys[0].bundle.sign, sig });
    await reply(first);
  }
  return clients;
}

/** The sender's `E2eClient`, whose lookups of the recipient are answered with `listed`. */
async function sender(listed: Record<string, unknown>): Promise<E2eClient> {
  const identity = await generateIdentity();
  const ring = await KeyRing.open({
    identity,
    bundle: await publicBundle(identity),
    name: "terminal",
    peers: [],
    save: () => Promise.resolve(),
    place: "in a bench",
  });
  const client: E2eClient = new E2eClient({
    ring,
    print: () => {},
    send: (message: ClientMessage) => {
      if (message.type === "keys" && message.nickname !== undefined) {
        queueMicrotask(() => client.onKeys(structuredClone(listed) as unknown as KeysReply));
      }
    },
    nickname: () => SENDER,
    now: () => new Date(),
  });
  return client;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

/** One device count's figures: the sender's and the server's rows. */
interface Rows {
  sender: string;
  server: string;
}

/** Sends `count` whispers, `WINDOW` at a time, each after `before` (if given): CPU seconds. */
async function batch(
  pid: number,
  bob: RawClient,
  frames: Uint8Array[],
  all: (count: number) => Promise<unknown>,
  sent: { count: number },
  before?: Uint8Array,
): Promise<number> {
  const cpuBefore = await cpuSeconds(pid) ?? NaN;
  for (let i = 0; i < BATCH; i++) {
    if (before !== undefined) await bob.send(before);
    await bob.send(frames[i % frames.length]);
    if (++sent.count % WINDOW === 0) await all(sent.count);
  }
  await all(sent.count);
  return (await cpuSeconds(pid) ?? NaN) - cpuBefore;
}

async function run(count: number): Promise<Rows> {
  await using server = await ServerProgram.start(["--max-rate", "0", "--byte-rate", "0"]);
  const devices = (await account(server.port, count)).map((client) => new Device(client));
  const bob = await RawClient.registered(server.port, SENDER, EXTENSION_TYPES);
  const lookup = encoder.encode(JSON.stringify({ type: "keys", nickname: RECIPIENT }) + "\n");
  await bob.send(lookup);
  let line = await bob.nextLine();
  while (!line.startsWith('{"type":"keys"')) line = await bob.nextLine();
  const lookupBytes = encoder.encode(line).length + 1;
  const listed = JSON.parse(line);
  if ((listed.devices as { approved: boolean }[]).filter((d) => d.approved).length !== count) {
    throw new Error(`Expected ${count} approved devices: ${line}`);
  }
  const e2e = await sender(listed);

  // The sender: E2eClient.seal (a lookup answered at once, the review of the devices, sealing),
  // and the crypto alone, as E2eClient does it (sealSession per device, encryptText).
  const first: number[] = [];
  const later: number[] = [];
  const sealing: number[] = [];
  const encrypting: number[] = [];
  const bundles = (listed.devices as { bundle: KeyBundle }[]).map((device) => device.bundle);
  const ring = e2e.ring!;
  const from = nicknameKey(SENDER);
  const to = nicknameKey(RECIPIENT);
  let sample: PrivateRequest | undefined;
  for (let i = -20; i < RUNS; i++) {
    e2e.start();
    let started = performance.now();
    const opening = await e2e.seal(RECIPIENT, TEXT);
    const a = performance.now() - started;
    started = performance.now();
    sample = await e2e.seal(RECIPIENT, TEXT);
    const b = performance.now() - started;
    const session = await newSession();
    started = performance.now();
    for (const bundle of bundles) await sealSession(ring.identity, from, to, bundle, session);
    const c = performance.now() - started;
    started = performance.now();
    await encryptText(session, from, to, new Date().toISOString(), TEXT);
    const d = performance.now() - started;
    if (opening?.e2e === undefined || sample?.e2e === undefined) throw new Error("Not sealed");
    if (i < 0) continue;
    first.push(a * 1000);
    later.push(b * 1000);
    sealing.push(c * 1000);
    encrypting.push(d * 1000);
  }
  const frameBytes = encoder.encode(JSON.stringify(sample) + "\n").length;
  const envelope = sample!.e2e!;
  const ctBytes = envelope.ct.length;
  const keysBytes = JSON.stringify(envelope.keys).length;
  // One entry of `keys`: `"<16-character id>":{...},`.
  const perKey = JSON.stringify(Object.values(envelope.keys!)[0]).length + 20;
  const bundleBytes = JSON.stringify(envelope.bundle).length;

  // The frames the sender sends: one session's worth (the first and later messages), reused.
  e2e.start();
  const frames: Uint8Array[] = [];
  for (let i = 0; i < RUNS; i++) {
    frames.push(encoder.encode(JSON.stringify(await e2e.seal(RECIPIENT, TEXT)) + "\n"));
  }
  // Bob's own lines (lookup replies; errors, if any) are read and counted.
  let errors = 0;
  const draining = (async () => {
    try {
      while (true) {
        const line = await bob.nextLine(120_000);
        if (line.startsWith('{"type":"error"')) {
          errors++;
          console.error(line);
        }
      }
    } catch {
      // Closed.
    }
  })();
  const all = (sent: number) => Promise.all(devices.map((device) => device.has(sent)));

  // Latency: one whisper at a time, until every device has it (after 20 to warm up).
  const latencies: number[] = [];
  const sent = { count: 0 };
  for (let i = -20; i < RUNS; i++) {
    const started = performance.now();
    await bob.send(frames[(i + 20) % frames.length]);
    await all(++sent.count);
    if (i >= 0) latencies.push(performance.now() - started);
  }

  // The server's CPU over a batch of whispers, and over one of lookups and whispers.
  const bytesBefore = devices.reduce((sum, device) => sum + device.bytes, 0);
  const cpu = await batch(server.child.pid, bob, frames, all, sent);
  const written = devices.reduce((sum, device) => sum + device.bytes, 0) - bytesBefore;
  const cpuLookedUp = await batch(server.child.pid, bob, frames, all, sent, lookup);
  if (errors > 0) throw new Error(`${errors} errors from the server`);

  await bob.close();
  await draining;
  for (const device of devices) {
    await device.client.close();
    await device.reading;
  }
  const µs = (values: number[]) => median(values).toFixed(0);
  return {
    sender: `| ${count} | ${µs(first)} | ${µs(later)} | ${µs(sealing)} | ${µs(encrypting)} | ` +
      `${frameBytes} | ${ctBytes} | ${count} × ${perKey} = ${keysBytes} | ${bundleBytes} | ` +
      `${frameBytes - ctBytes - keysBytes - bundleBytes} |`,
    server: `| ${count} | ${devices[0].frame} | ${(written / BATCH).toFixed(0)} | ` +
      `${median(latencies).toFixed(2)} | ${p99(latencies).toFixed(2)} | ` +
      `${(cpu / BATCH * 1e6).toFixed(1)} | ${lookupBytes} | ` +
      `${(cpuLookedUp / BATCH * 1e6).toFixed(1)} |`,
  };
}

const rows: Rows[] = [];
for (const count of COUNTS) rows.push(await run(count));
console.log(
  "| devices | E2eClient.seal, first message of a session µs | E2eClient.seal, later message µs " +
    "| crypto alone: sealSession × devices µs | encryptText µs | frame sent bytes " +
    "| ciphertext (ct) bytes | sealed keys bytes | sender's bundle bytes | rest bytes |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row.sender);
console.log();
console.log(
  "| devices | frame each device gets bytes | server writes per whisper bytes " +
    "| until every device has it: median ms | p99 ms | server CPU per whisper µs " +
    "| lookup reply bytes | server CPU per lookup and whisper µs |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row.server);
