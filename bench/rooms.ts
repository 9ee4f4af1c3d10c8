/**
 * `deno task bench:rooms`: what a message to a kept room costs the server with 0, 100 and 1,000
 * members away, and what a `join` of such a room costs (issue 23). One server at a time on
 * 127.0.0.1, each on the same SQLite store in `.bench-data/rooms-<pid>/`, with
 * `--max-rate 0 --byte-rate 0` (no rate limit for the speaker). No other flag is needed: loopback
 * connections have no per-address cap unless `--limit-loopback`, and registering an account is
 * throttled per connection only (lib/accounts/accounts.ts).
 *
 * The room is made by an account (the owner, who speaks, and set its topic) and joined by three
 * more (listeners, connected). Before each count is measured, away members are added up to it:
 * each a real account, registered on a connection of its own (`account` `register`, one PBKDF2
 * hash each), that joins the room and disconnects; the bench waits until the owner's `roominfo`
 * shows them all away. Then, for each count, on a server started afresh:
 *
 * - the server's CPU (utime + stime from /proc, 10 ms ticks) over batches of room messages from
 *   the owner, 100 in flight at a time, until every listener has each;
 * - twenty more accounts join the room one after another, each timed from its `join` until it
 *   has its `joined` (with the members), the `roominfo` and the `topic`; the bytes received are
 *   the first joiner's of each round (the only one of the twenty in the room then); then all
 *   leave. The server's CPU over the joins and over the leaves, apart;
 * - the store's writes: the server is stopped, `sqlite_writes.ts` puts a trigger on every write
 *   of a row to every table, the server is started again on that file and the same people log
 *   in; the owner sends a batch, then each joiner joins and leaves once. The rows written between
 *   just before the batch (or the joins) and just after the last reply are counted, then the
 *   triggers go (so the CPU figures never pay for them).
 *
 * Options: `--away <list>` (0,100,1000), `--messages <n>` (10,000 per CPU batch), `--runs <n>`
 * (3 batches), `--writes <n>` (2,000 messages counted with triggers), `--joins <n>` (400),
 * `--keep` (leave the data directory).
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { encodeMessage } from "../protocol.ts";
import { parseFlags } from "../lib/common/flags.ts";
import { ServerProgram } from "../lib/tools/testing.ts";
import { cpuSeconds } from "./proc.ts";
import { logIn, type Message, type Reader } from "./room_clients.ts";
import { counted, instrument, rowsText, type Window } from "./sqlite_writes.ts";

const flags = parseFlags(Deno.args, {
  away: "string",
  messages: "string",
  runs: "string",
  writes: "string",
  joins: "string",
  keep: "boolean",
});
if (!flags.ok) throw new Error(flags.error);
const COUNTS = String(flags.values.away ?? "0,100,1000").split(",").map(Number);
const MESSAGES = Number(flags.values.messages ?? 10_000);
const RUNS = Number(flags.values.runs ?? 3);
const WRITES = Number(flags.values.writes ?? 2_000);
const JOINS = Number(flags.values.joins ?? 400);
/** Accounts that take turns joining (and leaving) the room. */
const JOINERS = 20;
const LISTENERS = 3;
/** Room messages in flight at once (then the bench waits for every listener). */
const WINDOW = 100;
/** Away members made at once (each costs the server a PBKDF2 hash). */
const SETUP_AT_ONCE = 4;
const ROOM = "#bench";
const TOPIC = "Issue 23's figures: a kept room with members away";
/** A chat line of 64 characters. */
const TEXT = "Are we still on for lunch tomorrow at noon? I can book the table.".slice(0, 64);
const DIR = new URL(`../.bench-data/rooms-${Deno.pid}`, import.meta.url).pathname;
const DATABASE = `${DIR}/chat.db`;
const encoder = new TextEncoder();

/** A server on the bench's data directory, with the owner, listeners and (if asked) joiners. */
interface Session {
  server: ServerProgram;
  owner: Reader;
  listeners: Reader[];
  joiners: Reader[];
}

/** Every server started, to be killed at the end if the bench fails. */
const servers: ServerProgram[] = [];

async function open(joiners: boolean): Promise<Session> {
  const server = await ServerProgram.start(
    ["--max-rate", "0", "--byte-rate", "0", "--data", DIR],
    [`--allow-read=${DIR}`, `--allow-write=${DIR}`],
  );
  servers.push(server);
  const owner = await logIn(server.port, "Owner", ROOM);
  const listeners = [];
  for (let i = 1; i <= LISTENERS; i++) {
    listeners.push(await logIn(server.port, `Listener${i}`, ROOM));
  }
  const others = [];
  for (let i = 1; joiners && i <= JOINERS; i++) {
    others.push(await logIn(server.port, `Joiner${String(i).padStart(2, "0")}`));
  }
  return { server, owner, listeners, joiners: others };
}

async function close(session: Session): Promise<void> {
  const readers = [session.owner, ...session.listeners, ...session.joiners];
  const errors = readers.flatMap((reader) => reader.errors);
  if (errors.length > 0) throw new Error(`The server refused: ${errors.join("; ")}`);
  for (const reader of readers) await reader.close();
  session.server.kill("SIGTERM");
  await session.server.exitCode();
}

/** Makes away members `from` to `to` (exclusive), `SETUP_AT_ONCE` at a time: seconds taken. */
async function addAway(port: number, from: number, to: number): Promise<number> {
  const started = performance.now();
  let next = from;
  const worker = async () => {
    while (next < to) {
      const reader = await logIn(port, `Away${String(next++).padStart(4, "0")}`, ROOM);
      await reader.close();
    }
  };
  await Promise.all(Array.from({ length: SETUP_AT_ONCE }, worker));
  return (performance.now() - started) / 1000;
}

/** The room's `roominfo`, as the owner is sent it. */
async function roomInfo(owner: Reader): Promise<Message> {
  const info = owner.next((m) => m.type === "roominfo" && m.room === ROOM, "roominfo");
  await owner.send({ type: "settings", room: ROOM, setting: "show" });
  return await info;
}

/** Members shown away in `info` (those past the listed 500 are all away here). */
function awayIn(info: Message): number {
  const members = info.members as { away?: boolean }[];
  return members.filter((member) => member.away).length + Number(info.more ?? 0);
}

/** Waits until the server shows `count` members away (their disconnections take a moment). */
async function awayShown(owner: Reader, count: number): Promise<Message> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const info = await roomInfo(owner);
    if (awayIn(info) === count) return info;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Expected ${count} members away`);
}

/** The owner says `count` lines in the room, `WINDOW` at a time, until every listener has them. */
async function say(session: Session, count: number): Promise<void> {
  const frame = encodeMessage({ type: "room", room: ROOM, message: TEXT });
  const bases = session.listeners.map((listener) => listener.chat);
  const all = (sent: number) =>
    Promise.all(session.listeners.map((listener, i) => listener.hasChat(bases[i] + sent)));
  for (let sent = 1; sent <= count; sent++) {
    await session.owner.client.send(frame);
    if (sent % WINDOW === 0) await all(sent);
  }
  await all(count);
}

async function cpu(session: Session): Promise<number> {
  return await cpuSeconds(session.server.child.pid) ?? NaN;
}

/** Server CPU per room message, in µs, for each of `RUNS` batches. */
async function chatCost(session: Session): Promise<number[]> {
  await say(session, WINDOW * 5); // Warm up.
  const costs = [];
  for (let run = 0; run < RUNS; run++) {
    const before = await cpu(session);
    await say(session, MESSAGES);
    costs.push((await cpu(session) - before) / MESSAGES * 1e6);
  }
  return costs;
}

/** What joining cost, over `JOINS` joins (and as many leaves). */
interface JoinFigures {
  latencies: number[];
  bytes: number[];
  infoBytes: number;
  listed: number;
  more: number;
  joinCpu: number;
  leaveCpu: number;
}

async function joinCost(session: Session): Promise<JoinFigures> {
  const figures: JoinFigures = {
    latencies: [],
    bytes: [],
    infoBytes: 0,
    listed: 0,
    more: 0,
    joinCpu: 0,
    leaveCpu: 0,
  };
  while (figures.latencies.length < JOINS) {
    let before = await cpu(session);
    for (const [i, joiner] of session.joiners.entries()) await timeJoin(joiner, figures, i === 0);
    figures.joinCpu += await cpu(session) - before;
    before = await cpu(session);
    for (const joiner of session.joiners) await leave(joiner);
    figures.leaveCpu += await cpu(session) - before;
  }
  return figures;
}

/**
 * Joins and waits for the three replies; with `figures`, times it, and when `first` (the round's
 * first, the only joiner in the room) keeps its bytes and `roominfo`.
 */
async function timeJoin(joiner: Reader, figures?: JoinFigures, first = false): Promise<void> {
  const self = joiner.nickname;
  const replies = Promise.all([
    joiner.next((m) => m.type === "joined" && m.nickname === self && !!m.members, "joined"),
    joiner.next((m) => m.type === "roominfo" && m.room === ROOM, "roominfo"),
    joiner.next((m) => m.type === "topic" && m.room === ROOM, "topic"),
  ]);
  const bytes = joiner.bytes;
  const started = performance.now();
  await joiner.send({ type: "join", room: ROOM });
  const [, info] = await replies;
  if (figures === undefined) return;
  figures.latencies.push(performance.now() - started);
  if (!first) return;
  figures.bytes.push(joiner.bytes - bytes);
  figures.infoBytes = encoder.encode(JSON.stringify(info)).length + 1;
  figures.listed = (info.members as unknown[]).length;
  figures.more = Number(info.more ?? 0);
}

/** Leaves the room and waits for the notice. */
async function leave(joiner: Reader): Promise<void> {
  const left = joiner.next(
    (m) => m.type === "left" && m.room === ROOM && m.nickname === joiner.nickname,
    "left",
  );
  await joiner.send({ type: "leave", room: ROOM });
  await left;
}

/** The room's record as the store keeps it: its bytes. */
function recordBytes(): number {
  const db = new DatabaseSync(DATABASE, { readOnly: true });
  const row = db.prepare("SELECT length(CAST(data AS BLOB)) AS n FROM rooms").get();
  db.close();
  return Number(row?.n ?? 0);
}

/** Runs `work` in a window of its own, with quiet time either side. */
async function timed(work: () => Promise<void>): Promise<Window> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const from = Date.now();
  await work();
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { from, to: Date.now() };
}

/** What the store writes: per room message (over `WRITES`), per join and leave (one each). */
interface Writes {
  message: Map<string, number>;
  joinLeave: Map<string, number>;
  recordBytes: number;
}

/** Counts the store's row writes with triggers, on a server started on the instrumented file. */
async function storeWrites(): Promise<Writes> {
  instrument(DATABASE);
  const session = await open(true);
  const messages = await timed(() => say(session, WRITES));
  const joins = await timed(async () => {
    for (const joiner of session.joiners) {
      await timeJoin(joiner, undefined);
      await leave(joiner);
    }
  });
  await close(session);
  const counts = counted(DATABASE, [messages, joins]);
  console.error(`  rows written outside the batches: ${rowsText(counts.outside)}`);
  const [message, joinLeave] = counts.windows;
  for (const [key, n] of message) message.set(key, n / WRITES);
  for (const [key, n] of joinLeave) joinLeave.set(key, n / session.joiners.length);
  return { message, joinLeave, recordBytes: recordBytes() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

/** The rows of `rows` that are not `history`'s, as text. */
function otherWrites(rows: Map<string, number>): string {
  return rowsText(new Map([...rows].filter(([key]) => !key.startsWith("history "))));
}

/** One count's rows of the two tables. */
interface Rows {
  chat: string;
  join: string;
}

/** Adds away members from `away` to `count`, then measures: the two tables' rows. */
async function measure(away: number, count: number, first: boolean): Promise<Rows> {
  const session = await open(true);
  if (first) {
    const topic = session.owner.next((m) => m.type === "topic" && m.room === ROOM, "topic");
    await session.owner.send({ type: "topic", room: ROOM, topic: TOPIC });
    await topic;
  }
  const seconds = await addAway(session.server.port, away, count);
  if (count > away) console.error(`${count - away} away members made in ${seconds.toFixed(1)} s`);
  const info = await awayShown(session.owner, count);
  const kept = (info.members as unknown[]).length + Number(info.more ?? 0);
  const costs = await chatCost(session);
  const joins = await joinCost(session);
  await close(session);
  const writes = await storeWrites();
  console.error(`${count} away: measured`);
  const perMessage = (key: string) => (writes.message.get(key) ?? 0).toFixed(3);
  const n = joins.latencies.length;
  return {
    chat: `| ${count} | ${kept} | ${1 + LISTENERS} | ${median(costs).toFixed(1)} | ` +
      `${Math.min(...costs).toFixed(1)}-${Math.max(...costs).toFixed(1)} | ` +
      `${perMessage("history insert")} | ${perMessage("history delete")} | ` +
      `${otherWrites(writes.message)} |`,
    join:
      `| ${kept} | ${median(joins.latencies).toFixed(2)} | ${p99(joins.latencies).toFixed(2)} | ` +
      `${median(joins.bytes)} | ${joins.infoBytes} | ${joins.listed} + ${joins.more} | ` +
      `${(joins.joinCpu / n * 1e6).toFixed(0)} | ${(joins.leaveCpu / n * 1e6).toFixed(0)} | ` +
      `${rowsText(writes.joinLeave)} | ${writes.recordBytes} |`,
  };
}

Deno.mkdirSync(DIR, { recursive: true });
try {
  const rows: Rows[] = [];
  for (const [i, count] of COUNTS.entries()) {
    rows.push(await measure(COUNTS[i - 1] ?? 0, count, i === 0));
  }
  console.log(
    "| away members | kept members | connected (owner + listeners) " +
      "| server CPU per room message µs (median) | range of the batches µs " +
      "| history rows inserted per message | history rows deleted per message (trim) " +
      "| other rows written per message |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(row.chat);
  console.log();
  console.log(
    "| kept members before the join | join until joined, roominfo and topic: median ms | p99 ms " +
      "| bytes the joiner receives | roominfo bytes | roominfo members listed + more " +
      "| server CPU per join µs | server CPU per leave µs | rows written per join and leave " +
      "| the room's record bytes |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(row.join);
} finally {
  for (const server of servers) await server[Symbol.asyncDispose]();
  if (flags.values.keep !== true) Deno.removeSync(DIR, { recursive: true });
}
