/**
 * `--log-format json` with a real server: every line it prints is one JSON object with its time,
 * level, event and fields, from the start lines to the last; and in either format no line
 * carries a password or a whisper's text.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import { line, processTest, ServerProgram, tempDir } from "../lib/tools/testing.ts";
import { RawClient } from "../lib/tools/raw_client.ts";

/** What must never reach the console: an account's password, a wrong one, a whisper's text. */
const PASSWORD = "Pw-of-Alice-7Qx9";
const WRONG_PASSWORD = "Wrong-Pw-3Kd8";
const WHISPER = "whispered-secret-Zz41";
const SECRETS = [PASSWORD, WRONG_PASSWORD, WHISPER];

const RFC_3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** One console line in JSON. */
type Logged = Record<string, unknown> & { time: string; level: string; event: string };

/** Starts a server keeping its data in `dir`, its console in `format`; its port once started. */
async function startServer(dir: string, format: "text" | "json"): Promise<ServerProgram> {
  const server = new ServerProgram(
    "ChatServer.ts",
    ["--data", dir, "--log-format", format],
    [`--allow-read=${dir}`, `--allow-write=${dir}`],
  );
  const { line } = await server.stdout.waitFor(
    format === "json" ? /"event":"server_started"/ : /^ChatServer started with server IP: /,
  );
  server.port = format === "json"
    ? JSON.parse(line).port
    : Number(/port: (\d+) \.\.\.$/.exec(line)![1]);
  return server;
}

/**
 * Alice makes an account, Bob comes; Alice says something to everyone, whispers to Bob, both
 * join #lab and talk there, Bob renames himself; someone tries Alice's account with a wrong
 * password; the server is asked for its stats, Bob leaves, and the server stops. `waitFor`
 * waits for the console to show each step (so that each is logged before the next).
 */
async function chatAndStop(
  server: ServerProgram,
  waitFor: (event: string, text: string) => Promise<void>,
): Promise<void> {
  await using alice = await RawClient.withAccount(server.port, "Alice", PASSWORD, EXTENSION_TYPES);
  await waitFor("account_changed", "Alice: registered the account.");
  await using bob = await RawClient.registered(server.port, "Bob", EXTENSION_TYPES);
  await alice.sendMessage({ type: "message", message: "hello everyone" });
  await bob.nextOfType("broadcast");
  await waitFor("broadcasted", "Broadcasted: Bob");
  await alice.sendMessage({ type: "private", to: "Bob", message: WHISPER });
  assert.equal((await bob.nextOfType("private")).message, WHISPER);
  await waitFor("private_message", "Alice: private message to Bob, Msg-Size:21");
  for (const client of [alice, bob]) {
    await client.sendMessage({ type: "join", room: "#lab" });
    await client.nextOfType("joined");
  }
  await alice.sendMessage({ type: "room", room: "#lab", message: "in the lab" });
  await bob.nextOfType("room");
  await waitFor("room_message", "Alice: message to #lab, Msg-Size:10, delivered to: Bob");
  await bob.sendMessage({ type: "nick", nickname: "Robert" });
  await bob.nextOfType("nick");
  await waitFor("renamed", "Bob: changed nickname to Robert.");

  await using intruder = await RawClient.connect(server.port);
  await intruder.register("Alice", "003", EXTENSION_TYPES);
  assert.equal((await intruder.next()).type, "login");
  await intruder.sendMessage({ type: "login", password: WRONG_PASSWORD });
  assert.equal((await intruder.nextOfType("error")).message, "Wrong password for Alice");
  await waitFor("login_failed", "failed login as Alice from IP:127.0.0.1, Port:");

  server.kill("SIGUSR2");
  await waitFor("stats", "stats: connections ");
  await bob.sendMessage({ type: "disconnect" });
  await bob.closedByServer();
  await waitFor("disconnected", "Robert: disconnected.");
  server.kill("SIGTERM");
  assert.equal(await server.exitCode(), 0);
}

/** The console's output, with its errors, holds none of the secrets. */
function assertNoSecrets(server: ServerProgram): void {
  const output = [...server.stdout.lines, ...server.stderr.lines].join("\n");
  for (const secret of SECRETS) assert.equal(output.includes(secret), false, secret);
}

processTest(
  "with --log-format json every console line is one JSON event, and none holds a secret",
  async () => {
    using data = tempDir();
    await using server = await startServer(data.path, "json");
    const logged = () => server.stdout.lines.map((each) => JSON.parse(each) as Logged);
    await chatAndStop(server, async (event) => {
      await server.stdout.waitFor(new RegExp(`"event":"${event}"`));
    });
    assertNoSecrets(server);

    const events = logged();
    for (const each of events) {
      assert.match(each.time, RFC_3339_UTC, JSON.stringify(each));
      assert.ok(["info", "warn", "error"].includes(each.level), JSON.stringify(each));
      assert.match(each.event, /^[a-z]+(_[a-z]+)*$/, JSON.stringify(each));
    }
    const find = (event: string, fields: Record<string, unknown> = {}) => {
      const hit = events.find((each) =>
        each.event === event &&
        Object.entries(fields).every(([key, value]) => same(each[key], value))
      );
      assert.ok(
        hit,
        `no ${event} event with ${JSON.stringify(fields)} in\n${
          events.map((each) => JSON.stringify(each)).join("\n")
        }`,
      );
      return hit;
    };
    const started = find("server_started");
    assert.equal(typeof started.ip, "string");
    assert.equal(started.port, server.port);
    find("store_opened", { description: `Store: ${data.path}/chat.db (SQLite)` });
    const connected = find("connected", { nickname: "Alice", ip: "127.0.0.1" });
    assert.equal(typeof connected.port, "number");
    find("account_changed", { nickname: "Alice", action: "register" });
    const received = find("received", {
      level: "info",
      nickname: "Alice",
      client_id: "001",
      ip: "127.0.0.1",
      size: 14,
    });
    assert.equal(received.port, connected.port);
    assert.match(received.sent_at as string, RFC_3339_UTC);
    find("broadcasted", { nickname: "Alice", recipients: ["Bob"] });
    find("private_message", { nickname: "Alice", to: "Bob", size: 21, away: false, e2e: false });
    find("joined", { nickname: "Bob", room: "#lab" });
    find("room_message", { nickname: "Alice", room: "#lab", size: 10, recipients: ["Bob"] });
    find("renamed", { old: "Bob", nickname: "Robert" });
    find("login_failed", { level: "warn", nickname: "Alice", ip: "127.0.0.1" });
    const stats = find("stats", { registered: 2 });
    for (const field of ["connections", "rss_bytes", "heap_bytes"]) {
      assert.equal(typeof stats[field], "number", field);
    }
    find("disconnected", { nickname: "Robert" });
  },
);

processTest(
  "with the default text format the console shows its usual lines, and none holds a secret",
  async () => {
    using data = tempDir();
    await using server = await startServer(data.path, "text");
    await chatAndStop(server, async (_, text) => {
      await server.stdout.waitFor(new RegExp(escape(text)));
    });
    assertNoSecrets(server);
    await server.stdout.waitFor(
      line(
        "Received: IP:127.0.0.1, Port:<any>, Client-Nickname:Alice, ClientID:001, " +
          "Date/Time:<dt>, Msg-Size:14",
      ),
    );
    await server.stdout.waitFor(
      line("<dt> :: failed login as Alice from IP:127.0.0.1, Port:<any>"),
    );
    assert.equal(server.stdout.lines.some((each) => each.startsWith("{")), false);
  },
);

/** Whether a logged value is `expected` (lists compared item by item). */
function same(actual: unknown, expected: unknown): boolean {
  return JSON.stringify(actual) === JSON.stringify(expected);
}

/** `text` as a pattern that matches it literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
