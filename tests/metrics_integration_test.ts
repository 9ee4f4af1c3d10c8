/**
 * The server's metrics with real processes: a scrape of `--metrics-port` (and of the web port's
 * `/metrics`) follows clients of every wire as they connect, chat and leave, clients held to the
 * rate limit, cut off for not reading and refused at the door, a cluster's link up and down,
 * and Prometheus's own linter (`promtool check metrics`) takes every scrape without a warning.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import { IrcClient } from "../lib/tools/irc_client.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import { promtoolCheck } from "../lib/tools/promtool.ts";
import {
  chatLine,
  line,
  processTest,
  Program,
  ServerProgram,
  tempDir,
  WAIT_MS,
  within,
} from "../lib/tools/testing.ts";

/** The port in the server's `Metrics at http://<ip>:<port>/metrics` line. */
async function metricsPort(server: ServerProgram): Promise<number> {
  const { line } = await server.stdout.waitFor(/^Metrics at http:\/\/[\d.]+:\d+\/metrics$/);
  return Number(/:(\d+)\/metrics$/.exec(line)![1]);
}

/** The figures of one scrape, by series (its name and labels, as scraped), and its text. */
interface Scrape {
  text: string;
  value(series: string): number;
}

/** Scrapes `http://127.0.0.1:<port>/metrics`. */
async function scrape(port: number): Promise<Scrape> {
  const response = await within(
    fetch(`http://127.0.0.1:${port}/metrics`),
    WAIT_MS,
    "the metrics",
  );
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();
  const values = new Map<string, number>();
  for (const row of text.split("\n")) {
    if (row === "" || row.startsWith("#")) continue;
    const space = row.lastIndexOf(" ");
    values.set(row.slice(0, space), Number(row.slice(space + 1)));
  }
  return {
    text,
    value: (series) => {
      assert.ok(values.has(series), `no series ${series} in the scrape`);
      return values.get(series)!;
    },
  };
}

/** Asserts that promtool takes `scrape` with no problem and no warning. */
async function assertPromtoolTakes(scrape: Scrape): Promise<void> {
  assert.deepEqual(await promtoolCheck(scrape.text), { code: 0, output: "" });
}

/** A CHAT/1.0 client, registered. */
async function chat1Registered(port: number, username: string): Promise<RawClient> {
  const client = await RawClient.connect(port);
  await client.send(`REGISTER ${username} CHAT/1.0\n`);
  assert.equal(await client.nextLine(), "200 Registration successful");
  return client;
}

/** A WebSocket client of the web port, registered as `nickname`. */
async function webRegistered(port: number, nickname: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  const welcomed = new Promise<void>((resolve, reject) => {
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "nickname", nickname, clientID: "9", extensions: [] }));
    };
    socket.onmessage = (event) => {
      if (JSON.parse(String(event.data)).type === "welcome") resolve();
    };
    socket.onerror = () => reject(new Error("The WebSocket failed"));
  });
  await within(welcomed, WAIT_MS, "the WebSocket's welcome");
  return socket;
}

/** Closes `socket` and waits until it is closed. */
async function closeSocket(socket: WebSocket): Promise<void> {
  const closed = new Promise<void>((resolve) => socket.onclose = () => resolve());
  socket.close();
  await within(closed, WAIT_MS, "the WebSocket to close");
}

processTest(
  "a scrape follows clients of every wire as they connect, chat and leave; promtool takes it",
  async () => {
    await using server = await ServerProgram.start(
      ["--metrics-port", "0", "--web-port", "0", "--irc-port", "0"],
      ["--allow-read=web"],
    );
    const port = await metricsPort(server);
    const { line: webLine } = await server.stdout.waitFor(/^Web client at http:\/\//);
    const webPort = Number(/:(\d+)\/$/.exec(webLine)![1]);
    const before = await scrape(port);
    assert.equal(before.value('chat_connections{wire="json"}'), 0);
    assert.equal(before.value("chat_users"), 0);
    assert.match(before.text, /^chat_build_info\{version="[^"]+"\} 1$/m);
    assert.ok(before.value("process_resident_memory_bytes") > 0);
    assert.ok(before.value("process_cpu_seconds_total") > 0);
    await assertPromtoolTakes(before);

    await using alice = await RawClient.registered(server.port, "Alice", [...EXTENSION_TYPES]);
    await using bob = await RawClient.registered(server.port, "Bob", [...EXTENSION_TYPES]);
    await using carol = await chat1Registered(server.port, "carol");
    const wendy = await webRegistered(webPort, "Wendy");
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    try {
      // Two lines to everyone (four recipients each), a whisper, and a room line.
      await alice.send(chatLine("one") + chatLine("two"));
      assert.equal((await bob.nextOfType("broadcast")).message, "one");
      assert.equal((await bob.nextOfType("broadcast")).message, "two");
      await bob.sendMessage({ type: "private", to: "Alice", message: "psst" });
      assert.equal((await alice.nextOfType("private")).message, "psst");
      await alice.sendMessage({ type: "join", room: "#lab" });
      await alice.nextOfType("joined");
      await bob.sendMessage({ type: "join", room: "#lab" });
      await bob.nextOfType("joined");
      await alice.sendMessage({ type: "room", room: "#lab", message: "in the lab" });
      assert.equal((await bob.nextOfType("room")).message, "in the lab");

      const chatting = await scrape(port);
      assert.equal(chatting.value('chat_connections{wire="json"}'), 2);
      assert.equal(chatting.value('chat_connections{wire="chat1"}'), 1);
      assert.equal(chatting.value('chat_connections{wire="websocket"}'), 1);
      assert.equal(chatting.value('chat_connections{wire="irc"}'), 1);
      assert.equal(chatting.value("chat_connections_accepted_total"), 5);
      assert.equal(chatting.value("chat_users"), 5);
      assert.equal(chatting.value("chat_rooms"), 1);
      assert.equal(chatting.value('chat_messages_received_total{kind="everyone"}'), 2);
      assert.equal(chatting.value('chat_messages_received_total{kind="private"}'), 1);
      assert.equal(chatting.value('chat_messages_received_total{kind="room"}'), 1);
      assert.equal(chatting.value('chat_messages_received_total{kind="file_data"}'), 0);
      // Each line to everyone reached four, the whisper one, the room line one; welcomes,
      // joins and notices besides.
      const deliveries = chatting.value("chat_deliveries_total");
      assert.ok(deliveries >= 2 * 4 + 1 + 1 + 5, `${deliveries} deliveries`);
      assert.ok(chatting.value("chat_written_bytes_total") > 0);
      assert.ok(
        chatting.value("chat_history_additions_total") >= 3,
      );
      await assertPromtoolTakes(chatting);

      // The web port serves the same metrics to loopback.
      const fromWeb = await scrape(webPort);
      assert.equal(fromWeb.value('chat_connections{wire="websocket"}'), 1);

      // Bob and Ivy say goodbye, carol's connection just closes, Wendy's page goes away.
      await bob.sendMessage({ type: "disconnect" });
      await bob.closedByServer();
      await ivy.send("QUIT :bye");
      await server.stdout.waitFor(line("<dt> :: Ivy: disconnected."));
      await carol.close();
      await closeSocket(wendy);
      await server.stdout.waitFor(line("<dt> :: Bob: disconnected."));
      await server.stdout.waitFor(line("<dt> :: carol: disconnected."));
      await server.stdout.waitFor(line("<dt> :: Wendy: disconnected."));
      const after = await scrape(port);
      assert.equal(after.value('chat_connections{wire="json"}'), 1);
      assert.equal(after.value('chat_connections{wire="chat1"}'), 0);
      assert.equal(after.value('chat_connections{wire="websocket"}'), 0);
      assert.equal(after.value('chat_connections{wire="irc"}'), 0);
      assert.equal(after.value("chat_users"), 1);
      assert.equal(after.value('chat_disconnects_total{reason="quit"}'), 2);
      assert.equal(after.value('chat_disconnects_total{reason="closed"}'), 2);
      assert.ok(after.value("chat_deliveries_total") > deliveries);
      await assertPromtoolTakes(after);
    } finally {
      if (wendy.readyState !== WebSocket.CLOSED) await closeSocket(wendy);
    }
  },
);

processTest(
  "throttled clients, a client cut off for not reading and refusals are counted",
  async () => {
    await using server = await ServerProgram.start([
      "--metrics-port",
      "0",
      "--burst",
      "3",
      "--max-rate",
      "200",
      "--byte-rate",
      "0",
      "--sendq",
      "65536",
      "--write-timeout",
      "3",
      "--max-per-ip",
      "4",
      "--limit-loopback",
    ]);
    const port = await metricsPort(server);

    // Past its burst, a client is held to the rate, and warned once.
    await using fast = await RawClient.registered(server.port, "Fast");
    await using reader = await RawClient.registered(server.port, "Reader");
    await fast.send(Array.from({ length: 10 }, (_, i) => chatLine(`f${i}`)).join(""));
    assert.match(String((await fast.nextOfType("error")).message), /^Slow down/);
    for (let i = 0; i < 10; i++) {
      assert.equal((await reader.nextOfType("broadcast")).message, `f${i}`);
    }
    const throttled = await scrape(port);
    assert.equal(throttled.value("chat_clients_throttled_total"), 1);
    assert.ok(throttled.value("chat_rate_limited_frames_total") >= 1);
    // The warning is not a refusal.
    assert.equal(throttled.value('chat_refusals_total{reason="other"}'), 0);

    // A nickname taken, and a connection past the cap per address.
    await using taken = await RawClient.connect(server.port);
    await taken.register("reader");
    assert.equal((await taken.nextOfType("error")).type, "error");
    await using stalled = await RawClient.registered(server.port, "Stalled");
    await using refused = await RawClient.connect(server.port);
    assert.match(String((await refused.next()).message), /^Too many connections from /);
    await refused.closedByServer();
    const refusals = await scrape(port);
    assert.equal(refusals.value('chat_refusals_total{reason="taken"}'), 1);
    assert.equal(refusals.value('chat_refusals_total{reason="address_limit"}'), 1);
    assert.equal(refusals.value('chat_refusals_total{reason="server_full"}'), 0);

    // Stalled never reads again: past what the kernel buffers, it is cut off.
    const text = "y".repeat(60_000);
    const count = 150;
    const receiving = (async () => {
      for (let i = 0; i < count; i++) {
        assert.equal((await reader.nextOfType("broadcast", WAIT_MS)).message, `${i} ${text}`);
      }
    })();
    for (let i = 0; i < count; i++) await fast.send(chatLine(`${i} ${text}`));
    await receiving;
    await server.stdout.waitFor(line("<dt> :: Stalled: disconnected."));
    const cut = await scrape(port);
    const notReading = cut.value('chat_disconnects_total{reason="sendq_full"}') +
      cut.value('chat_disconnects_total{reason="write_stalled"}');
    assert.equal(notReading, 1);
    assert.ok(cut.value("chat_outbox_peak_bytes") > 0);
    await assertPromtoolTakes(cut);
    assert.ok(stalled);
  },
);

processTest(
  "a node of a cluster tells its link, the nodes it sees and its bus messages, in and out",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using a = await ServerProgram.startNode(redis.url, ["--metrics-port", "0"]);
    const port = await metricsPort(a);
    await using b = await ServerProgram.startNode(redis.url, [], [], 2);
    await using ann = await RawClient.registered(a.port, "Ann");
    await using ben = await RawClient.registered(b.port, "Ben");
    await a.stdout.waitFor(line("<dt> :: Ben: connected."));
    await b.stdout.waitFor(line("<dt> :: Ann: connected."));
    await ben.send(chatLine("from the other node"));
    assert.equal((await ann.nextOfType("broadcast")).message, "from the other node");
    await ann.send(chatLine("and back"));
    assert.equal((await ben.nextOfType("broadcast")).message, "and back");
    const up = await scrape(port);
    assert.equal(up.value("chat_cluster_link_up"), 1);
    assert.equal(up.value("chat_cluster_nodes"), 2);
    assert.equal(up.value("chat_users"), 2);
    assert.ok(up.value('chat_cluster_bus_messages_total{direction="out"}') >= 2);
    assert.ok(up.value('chat_cluster_bus_messages_total{direction="in"}') >= 2);
    await assertPromtoolTakes(up);

    await redis.stop();
    await a.stdout.waitFor(/^Cluster link lost: .*; retrying$/);
    const down = await scrape(port);
    assert.equal(down.value("chat_cluster_link_up"), 0);
  },
);

processTest(
  "with --metrics-token-file, a request from elsewhere reads the metrics with the bearer token only",
  async () => {
    using dir = tempDir();
    const tokenFile = `${dir.path}/metrics-token`;
    Deno.writeTextFileSync(tokenFile, "b3arer-t0ken\n");
    await using server = await ServerProgram.start(
      ["--metrics-port", "0", "--metrics-token-file", tokenFile],
      [`--allow-read=${dir.path}`],
    );
    const port = await metricsPort(server);
    // Through a proxy (the header says so), a request from this machine is from anywhere.
    const relayed = (authorization?: string) =>
      fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: {
          "x-forwarded-for": "203.0.113.9",
          ...(authorization === undefined ? {} : { authorization }),
        },
      });
    for (
      const authorization of [
        undefined,
        "Bearer wrong",
        "Bearer b3arer-t0kenx",
        "Basic b3arer-t0ken",
      ]
    ) {
      const refused = await relayed(authorization);
      assert.equal(refused.status, 401, String(authorization));
      await refused.body?.cancel();
    }
    const allowed = await relayed("Bearer b3arer-t0ken");
    assert.equal(allowed.status, 200);
    assert.match(await allowed.text(), /^chat_users 0$/m);

    // A token file the server may not read is said at start, and the server exits.
    await using unreadable = new Program("ChatServer.ts", [
      "--metrics-port",
      "0",
      "--metrics-token-file",
      tokenFile,
    ]);
    assert.equal(await unreadable.exitCode(), 1);
    assert.match(
      unreadable.stdout.lines[0],
      /^ERR - cannot read the metrics token file ".*metrics-token": /,
    );
  },
);
