/**
 * Backups while the server runs (docs/operations.md, "Backups"): the backup tool copies the
 * SQLite store of a server whose clients keep writing, and a second server started from the
 * copy holds everything the first had acknowledged before the backup began.
 *
 * "Acknowledged" is what the server tells only after its store's commit: a `queued` reply to a
 * private message kept for an away account, and an `account` reply to a registration. A message
 * to everyone has no reply of its own; its history entry is committed no later than the kept
 * message its sender sends next (the store commits a turn's writes in the order they came, and a
 * connection's frames are handled in order), so it counts as acknowledged with that message's
 * `queued`.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { EXTENSION_TYPES } from "../protocol.ts";
import { line, processTest, ServerProgram, tempDir } from "../lib/tools/testing.ts";
import { RawClient } from "../lib/tools/raw_client.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Room for everything the writers say: no bound drops anything, no rate slows them. */
const ROOMY = [
  "--max-rate",
  "0",
  "--byte-rate",
  "0",
  "--history",
  "1000000",
  "--max-offline",
  "1000000",
  "--sendq",
  `${2 ** 28}`,
];

/** Starts a server that keeps its data in `dir`. */
function serverOn(dir: string): Promise<ServerProgram> {
  return ServerProgram.start(["--data", dir, ...ROOMY], [
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
  ]);
}

/** A count that only grows, and waits for it. */
class Progress {
  /** The count so far. */
  value = 0;
  readonly #waiting = new Set<() => void>();

  /** Resolves once the count is `count` or more. */
  reached(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.value < count) return;
        this.#waiting.delete(check);
        resolve();
      };
      this.#waiting.add(check);
      check();
    });
  }

  /** Counts one more. */
  add(): void {
    this.value++;
    for (const check of this.#waiting) check();
  }
}

/** A guest that says `<name>-<n>` to everyone, then whispers `<name>-<n>` to away Bob, and waits. */
class Writer {
  /** The rounds whose whisper the server said it kept (and so the broadcast before it). */
  readonly acked = new Progress();
  /** Ends once the writer has stopped, after its last round. */
  readonly done: Promise<void>;
  readonly #client: RawClient;
  readonly #name: string;
  #stopping = false;

  constructor(client: RawClient, name: string) {
    this.#client = client;
    this.#name = name;
    this.done = this.#run();
  }

  /** Stops after the current round, and closes the connection. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.done;
    await this.#client.close();
  }

  async #run(): Promise<void> {
    for (let n = 1; !this.#stopping; n++) {
      const text = `${this.#name}-${n}`;
      await this.#client.send(
        JSON.stringify({ type: "message", message: text }) + "\n" +
          JSON.stringify({ type: "private", to: "Bob", message: text }) + "\n",
      );
      for (let reply = await this.#client.next(); reply.type !== "queued";) {
        assert.notEqual(reply.type, "error", JSON.stringify(reply));
        reply = await this.#client.next();
      }
      this.acked.add();
    }
  }
}

/** Makes accounts `user1`, `user2`... one connection each, until stopped. */
class AccountMaker {
  /** The accounts the server said it made. */
  readonly made: string[] = [];
  /** How many. */
  readonly count = new Progress();
  /** Ends once it has stopped. */
  readonly done: Promise<void>;
  #stopping = false;
  readonly #port: number;

  constructor(port: number) {
    this.#port = port;
    this.done = this.#run();
  }

  /** Stops after the account being made. */
  stop(): Promise<void> {
    this.#stopping = true;
    return this.done;
  }

  async #run(): Promise<void> {
    for (let n = 1; !this.#stopping; n++) {
      const client = await RawClient.withAccount(
        this.#port,
        `user${n}`,
        passwordOf(`user${n}`),
        EXTENSION_TYPES,
      );
      this.made.push(`user${n}`);
      this.count.add();
      await client.close();
    }
  }
}

/** The password the account maker gave `name`. */
function passwordOf(name: string): string {
  return `${name}'s password`;
}

/** Runs the backup tool as `deno task backup` does, granted the data and backup folders only. */
async function runBackup(data: string, copy: string): Promise<{ code: number; lines: string[] }> {
  const folder = copy.slice(0, copy.lastIndexOf("/"));
  const output = await new Deno.Command("deno", {
    args: [
      "run",
      "--quiet",
      `--allow-read=${data},${folder}`,
      `--allow-write=${folder}`,
      "lib/tools/backup.ts",
      data,
      copy,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  return { code: output.code, lines: text.trim().split("\n") };
}

/** Reads `sql`'s first row from database file `path`, opened to read only. */
function readOne(path: string, sql: string): Record<string, unknown> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare(sql).get() as Record<string, unknown>;
  } finally {
    db.close();
  }
}

/** For each writer, the rounds of `texts` (`<name>-<n>`) in the order they came. */
function roundsByWriter(texts: string[]): Map<string, number[]> {
  const rounds = new Map<string, number[]>();
  for (const text of texts) {
    const [, name, n] = /^(w\d|bulk)-(\d+)/.exec(text)!;
    rounds.set(name, [...rounds.get(name) ?? [], Number(n)]);
  }
  return rounds;
}

/** Messages of some 50 KB said to everyone before the writers start: a store of some megabytes. */
const BULK = 100;

/** Says `BULK` long messages to everyone, then whispers to Bob and waits until it is kept. */
async function sayBulk(port: number): Promise<void> {
  await using bulk = await RawClient.registered(port, "Bulk", EXTENSION_TYPES);
  const padding = " padding".repeat(6_000);
  for (let n = 1; n <= BULK; n++) {
    await bulk.sendMessage({ type: "message", message: `bulk-${n}${padding}` });
  }
  await bulk.sendMessage({ type: "private", to: "Bob", message: `bulk-${BULK + 1}` });
  assert.equal((await bulk.nextOfType("queued")).to, "Bob");
}

/** 1, 2, ... `count`. */
function upTo(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

/** Bob's kept messages at a login to `port`, `count` of them, each acknowledged as it comes. */
async function keptForBob(port: number, count: number): Promise<string[]> {
  await using bob = await RawClient.loggedIn(port, "Bob", "bob's password", EXTENSION_TYPES);
  const texts: string[] = [];
  while (texts.length < count) {
    const message = await bob.next();
    if (message.type !== "private") continue;
    assert.equal(message.offline, true);
    texts.push(message.message as string);
    await bob.sendMessage({ type: "ack", id: message.id });
  }
  return texts;
}

/** The last `count` messages to everyone, as a guest at `port` reads them with `/history`. */
async function historyAt(port: number, count: number): Promise<string[]> {
  await using reader = await RawClient.registered(port, "Reader", EXTENSION_TYPES);
  await reader.sendMessage({ type: "history", count });
  const texts: string[] = [];
  for (let message = await reader.next(); message.type !== "history";) {
    if (message.type === "broadcast") texts.push(message.message as string);
    message = await reader.next();
  }
  return texts;
}

processTest(
  "a backup taken while clients write holds all they were told was kept, and a server starts from it",
  async () => {
    using dir = tempDir();
    const live = `${dir.path}/live`;
    const copy = `${dir.path}/backups/chat.db`;
    const first = await serverOn(live);
    const bob = await RawClient.withAccount(first.port, "Bob", "bob's password", EXTENSION_TYPES);
    await bob.close();
    await first.stdout.waitFor(line("<dt> :: Bob: disconnected."));
    await sayBulk(first.port);

    const writers = await Promise.all(["w1", "w2"].map(async (name) => {
      const client = await RawClient.registered(first.port, name, EXTENSION_TYPES);
      return new Writer(client, name);
    }));
    const maker = new AccountMaker(first.port);
    await Promise.all([
      ...writers.map((writer) => writer.acked.reached(20)),
      maker.count.reached(2),
    ]);

    // The backup begins: what was acknowledged so far must be in the copy.
    const acked = writers.map((writer) => writer.acked.value);
    const accounts = [...maker.made];
    const backup = await runBackup(live, copy);
    const during = writers.map((writer, i) => writer.acked.value - acked[i]);
    await Promise.all([...writers.map((writer) => writer.stop()), maker.stop()]);
    first.kill("SIGTERM");
    assert.equal(await first.exitCode(), 0);

    assert.equal(backup.code, 0, backup.lines.join("\n"));
    assert.match(
      backup.lines[0],
      new RegExp(`^Copied ${live}/chat\\.db to ${copy} \\(\\d+ bytes, schema version \\d+, `),
    );
    assert.ok(during.every((rounds) => rounds > 0), `writers wrote during the backup: ${during}`);
    assert.equal(readOne(copy, "PRAGMA integrity_check").integrity_check, "ok");

    // A server started from the copy, in a data directory of its own.
    const restored = `${dir.path}/restored`;
    Deno.mkdirSync(restored);
    Deno.copyFileSync(copy, `${restored}/chat.db`);
    await using second = await serverOn(restored);
    const keptCount = readOne(copy, "SELECT count(*) AS n FROM offline").n as number;
    const saidCount = readOne(copy, "SELECT count(*) AS n FROM history").n as number;
    const kept = roundsByWriter(await keptForBob(second.port, keptCount));
    const said = roundsByWriter(await historyAt(second.port, saidCount));
    assert.deepEqual(said.get("bulk"), upTo(BULK));
    assert.deepEqual(kept.get("bulk"), [BULK + 1]);
    writers.forEach((_, i) => {
      const name = `w${i + 1}`;
      const keptRounds = kept.get(name) ?? [];
      const saidRounds = said.get(name) ?? [];
      // Each is every round from the first, none missing (the copy is of one moment)...
      assert.deepEqual(keptRounds, upTo(keptRounds.length), `${name}'s kept messages`);
      assert.deepEqual(saidRounds, upTo(saidRounds.length), `${name}'s history`);
      // ... a round's broadcast committed no later than its whisper, the next one after it...
      assert.ok(
        [keptRounds.length, keptRounds.length + 1].includes(saidRounds.length),
        `${name}: ${saidRounds.length} said, ${keptRounds.length} kept`,
      );
      // ... and at least up to the last round acknowledged before the backup began.
      assert.ok(keptRounds.length >= acked[i], `${name}: ${keptRounds.length} of ${acked[i]}`);
    });
    // Every account made before: loggedIn throws unless the server asks for its password and
    // then welcomes it.
    assert.ok(accounts.length >= 2);
    for (const name of accounts) {
      const back = await RawClient.loggedIn(second.port, name, passwordOf(name), EXTENSION_TYPES);
      await back.close();
    }
  },
);
