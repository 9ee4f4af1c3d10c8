/**
 * The server under load and faults, on 127.0.0.1: thousands of clients, a stalled reader among
 * busy ones, a flood, and connections past the file-descriptor limit. Each test is bounded in
 * count and time and prints the figures it measured.
 */

import assert from "node:assert/strict";
import {
  chatLine,
  line,
  LineLog,
  LoadClient,
  processTest,
  ServerProgram,
  serverStats,
  within,
} from "../tools/testing.ts";
import { RawClient } from "../tools/raw_client.ts";

/** Opens `count` clients named `<prefix><i>`, `batch` at a time, and waits for their welcomes. */
async function openMany(
  port: number,
  prefix: string,
  count: number,
  batch = 200,
): Promise<LoadClient[]> {
  const clients: LoadClient[] = [];
  for (let i = 0; i < count; i += batch) {
    const size = Math.min(batch, count - i);
    const opened = await Promise.all(
      Array.from({ length: size }, (_, k) => LoadClient.open(port, `${prefix}${i + k}`)),
    );
    await Promise.all(opened.map((client) => client.received(1, 30_000)));
    clients.push(...opened);
  }
  return clients;
}

async function closeAll(clients: LoadClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
}

processTest("2,000 clients stay connected while messages flow to all of them", async () => {
  const count = 2000;
  await using server = await ServerProgram.start();
  const before = await serverStats(server);
  const clients = await openMany(server.port, "c", count);
  try {
    const idle = await serverStats(server);
    assert.equal(idle.registered, count);
    // The stats signal must not be SIGUSR1, which makes Deno open a debugger port.
    assert.equal(server.stderr.lines.some((l) => l.includes("Debugger listening")), false);
    const perConnectionKiB = (idle.rssMiB - before.rssMiB) * 1024 / count;
    console.log(
      `resident memory: ${before.rssMiB} MiB at start, ${idle.rssMiB} MiB with ${count} idle ` +
        `clients: ${perConnectionKiB.toFixed(1)} KiB per connection`,
    );
    assert.ok(perConnectionKiB < 64, `${perConnectionKiB} KiB per idle connection`);

    // Five senders, ten messages each: everyone else receives all fifty.
    const senders = clients.slice(0, 5);
    const started = Date.now();
    await Promise.all(
      senders.map((sender, s) =>
        sender.send(Array.from({ length: 10 }, (_, i) => chatLine(`s${s} m${i}`)).join(""))
      ),
    );
    await Promise.all(clients.map((client, i) => client.received(1 + (i < 5 ? 40 : 50), 60_000)));
    const seconds = (Date.now() - started) / 1000;
    const deliveries = 5 * 10 * (count - 1);
    console.log(`${deliveries} deliveries in ${seconds.toFixed(2)} s`);
    const loaded = await serverStats(server);
    assert.equal(loaded.registered, count, "nobody was dropped");
  } finally {
    await closeAll(clients);
  }
});

processTest(
  "a client that stops reading is cut off at its sendq while 50 others chat at full speed",
  async () => {
    const sendq = 256 * 1024;
    await using server = await ServerProgram.start(["--max-rate", "0", "--sendq", `${sendq}`]);
    const stalled = await LoadClient.open(server.port, "Stalled", { read: false });
    const chatters = await openMany(server.port, "p", 50);
    try {
      // 50 × 30 messages of 3 KB: each chatter receives 1,470 (4.4 MB); so would the stalled
      // client, which is more than the kernel's socket buffers hold for it.
      const perChatter = 30;
      const text = "z".repeat(3000);
      await Promise.all(
        chatters.map((chatter) =>
          chatter.send(Array.from({ length: perChatter }, () => chatLine(text)).join(""))
        ),
      );
      const expected = 1 + (chatters.length - 1) * perChatter;
      await Promise.all(chatters.map((chatter) => chatter.received(expected, 60_000)));
      await server.stdout.waitFor(line("<dt> :: Stalled: disconnected."));
      const stats = await serverStats(server);
      assert.equal(stats.registered, 50);
      // Bound: the runtime with the V8 heap's headroom for garbage (128 MiB), plus at most one
      // full sendq per client. Measured here: about 92 MiB; 149 and 158 MiB with twice and
      // four times the traffic, so it levels off rather than growing with what is relayed.
      const boundMiB = 128 + 51 * sendq / 2 ** 20;
      console.log(`server resident memory after the run: ${stats.rssMiB} MiB (bound ${boundMiB})`);
      assert.ok(stats.rssMiB < boundMiB, `${stats.rssMiB} MiB`);
    } finally {
      await closeAll([stalled, ...chatters]);
    }
  },
);

processTest(
  "a flood from one client leaves the others' latency low and loses none of their messages",
  async () => {
    // The default limits: a burst of 20, then 10 messages a second.
    await using server = await ServerProgram.start();
    const flooder = await LoadClient.open(server.port, "Flooder");
    const latencies: number[] = [];
    const listener = await LoadClient.open(server.port, "Listener", {
      onLine: (text) => {
        const message = JSON.parse(text);
        if (message.type === "broadcast" && message.nickname !== "Flooder") {
          latencies.push(Date.now() - Date.parse(message.timestamp));
        }
      },
    });
    const talkers = await openMany(server.port, "t", 5);
    await Promise.all([flooder.received(1), listener.received(1)]);
    try {
      const flooding = flooder.send(
        Array.from({ length: 5000 }, (_, i) => chatLine(`flood ${i}`)).join(""),
      );
      // Five others talk at 20 messages a second each for a second.
      for (let round = 0; round < 20; round++) {
        await Promise.all(talkers.map((talker) =>
          talker.send(
            JSON.stringify({
              type: "message",
              message: `round ${round}`,
              timestamp: new Date().toISOString(),
            }) + "\n",
          )
        ));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await within(
        (async () => {
          while (latencies.length < 100) await new Promise((resolve) => setTimeout(resolve, 20));
        })(),
        15_000,
        `all 100 messages of the others (${latencies.length} so far)`,
      );
      latencies.sort((a, b) => a - b);
      const p50 = latencies[49], p99 = latencies[98];
      console.log(
        `others' latency under a flood: p50 ${p50} ms, p99 ${p99} ms, max ${latencies[99]} ms`,
      );
      // Generous, so that a slower machine passes (this one measures about 5 ms): messages held
      // back behind the flood would wait minutes, at the flooder's rate.
      assert.ok(p99 < 2000, `p99 ${p99} ms`);
      await flooder.close();
      await flooding.catch(() => {});
    } finally {
      await closeAll([flooder, listener, ...talkers]);
    }
  },
);

processTest(
  "connections past the file-descriptor limit: the server survives and serves again",
  async () => {
    // The server may hold 128 descriptors; the test opens 300 connections.
    await using server = await ServerProgram.start([], [], ["prlimit", "--nofile=128:128", "--"]);
    await using member = await RawClient.registered(server.port, "Member");
    const flood: Deno.Conn[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        flood.push(
          await Deno.connect({ hostname: "127.0.0.1", port: server.port }),
        );
      }
      await server.stdout.waitFor(/^Accept failed: Too many open files/);
      // The registered member is still served while the flood is there.
      await member.send(chatLine("still served"));
      await server.stdout.waitFor(/Client-Nickname:Member, .*Msg-Size:12$/);
    } finally {
      for (const conn of flood) conn.close();
    }
    // Once they are gone, newcomers get in again.
    const retry = async (): Promise<RawClient> => {
      for (let attempt = 0;; attempt++) {
        const client = await RawClient.connect(server.port);
        await client.register(`Newcomer${attempt}`);
        const reply = await client.next(2000).catch(() => undefined);
        if (reply?.type === "welcome") return client;
        await client.close();
      }
    };
    await using newcomer = await within(retry(), 20_000, "a newcomer to be served");
    await newcomer.send(chatLine("hello again"));
    assert.equal((await member.nextOfType("broadcast")).message, "hello again");
  },
);

processTest(
  "fifty busy readers that send big messages and a slower reader get everything; only the stalled one is cut",
  async () => {
    const senders = 50, each = 20;
    await using server = await ServerProgram.start();
    const readers = await openMany(server.port, "busy", senders, 50);
    await using slow = new Deno.Command("python3", {
      args: ["testdata/slow_reader.py", `${server.port}`, "slowpoke"],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const slowOut = new LineLog(slow.stdout);
    await server.stdout.waitFor(line("<dt> :: slowpoke: connected."));
    const stalled = await LoadClient.open(server.port, "stalled", { read: false });
    await server.stdout.waitFor(line("<dt> :: stalled: connected."));
    const text = "x".repeat(60 * 1024);
    const started = Date.now();
    try {
      await Promise.all(readers.map(async (client) => {
        for (let i = 0; i < each; i++) await client.send(chatLine(text));
      }));
      const total = senders * each;
      // Each busy reader gets its welcome, then everyone else's messages.
      await Promise.all(
        readers.map((client) => client.received(1 + (senders - 1) * each, 120_000)),
      );
      await slowOut.waitFor(`${total}`, { ms: 120_000 });
      await server.stdout.waitFor(line("<dt> :: stalled: disconnected."), { ms: 60_000 });
      const cut = server.stdout.lines.filter((l) => l.endsWith(": disconnected."));
      assert.deepEqual(cut.map((l) => l.split(" :: ")[1]), ["stalled: disconnected."]);
      const stats = await serverStats(server);
      console.log(
        `${total} messages of 60 KiB to ${senders + 1} readers in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s; server RSS ${stats.rssMiB} MiB`,
      );
      assert.ok(stats.rssMiB < 300, `server memory ${stats.rssMiB} MiB`);
    } finally {
      await closeAll([...readers, stalled]);
      try {
        slow.kill();
      } catch {
        // Exited already.
      }
      await slow.status;
      await slowOut.done;
    }
  },
);
