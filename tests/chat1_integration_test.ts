/**
 * End-to-end tests of CHAT/1.0 (spec part B, S1): real ChatServer and ChatClient processes,
 * raw CHAT/1.0 connections written byte by byte as other S1 programs do, and small servers
 * written here to the S1 and part C texts, over 127.0.0.1.
 */

import assert from "node:assert/strict";
import {
  closeAll,
  line,
  processTest,
  Program,
  registeredClient,
  ServerProgram,
  startChat1Client,
  startClient,
  within,
} from "../lib/tools/testing.ts";
import { RawClient } from "../lib/tools/raw_client.ts";

const encoder = new TextEncoder();

/** A raw CHAT/1.0 connection that has registered as `username`. */
async function chat1Registered(port: number, username: string): Promise<RawClient> {
  const client = await RawClient.connect(port);
  await client.send(`REGISTER ${username} CHAT/1.0\n`);
  assert.equal(await client.nextLine(), "200 Registration successful");
  return client;
}

processTest(
  "a JSON client, a raw CHAT/1.0 client and a chat:// client chat together",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await registeredClient(server, "Alice", "001");
    await using dave = await chat1Registered(server.port, "dave");
    await using carol = startChat1Client(server.port, "carol");
    await server.stdout.waitFor(line("<dt> :: carol: connected."));
    await carol.stdout.waitFor(line(
      `ChatClient started with server IP: 127.0.0.1, port: ${server.port}, nickname: carol, ` +
        "client ID: -, Date/Time: <dt>",
    ));

    // JSON to both CHAT/1.0 clients.
    await alice.type("hello all");
    assert.equal(await dave.nextLine(), "@Alice: hello all");
    await carol.stdout.waitFor(line("<dt> :: Alice: hello all"));

    // A raw CHAT/1.0 line, its prefix naming someone else: relayed under the registered name.
    await dave.send("@alice: héllo from dave\n");
    const received = await server.stdout.waitFor(line(
      "Received: IP:127.0.0.1, Port:<n>, Client-Nickname:dave, ClientID:-, Date/Time:<dt>, " +
        "Msg-Size:16",
    ));
    assert.equal(await server.stdout.lineAt(received.index + 1), "Broadcasted: Alice, carol");
    await alice.stdout.waitFor(line("<dt> :: dave: héllo from dave"));
    await carol.stdout.waitFor(line("<dt> :: dave: héllo from dave"));

    // Our chat:// client to the others; a command CHAT/1.0 cannot carry is refused locally.
    await carol.type("/list");
    await carol.stdout.waitFor("/list is not available on a CHAT/1.0 server");
    await carol.type("/send Alice notes.txt");
    await carol.stdout.waitFor("/send is not available on a CHAT/1.0 server");
    await carol.type("/register");
    await carol.stdout.waitFor("/register is not available on a CHAT/1.0 server");
    await carol.type("hi from carol");
    assert.equal(await dave.nextLine(), "@carol: hi from carol");
    await alice.stdout.waitFor(line("<dt> :: carol: hi from carol"));

    await carol.type("disconnect");
    await carol.stdout.waitFor(line(
      "Summary: start:<dt>, end:<dt>, msg sent:1, msg rcv:2, char sent:13, char rcv:24",
    ));
    assert.equal(await carol.exitCode(), 0);
    await server.stdout.waitFor(line("<dt> :: carol: disconnected."));
    await alice.stdout.waitFor(line("<dt> :: * carol left the chat (disconnected)"));
  },
);

processTest(
  "CHAT/1.0 registration: 400 for malformed lines and names, 401 for a taken name in any case",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await registeredClient(server, "Alice", "001");
    await using raw = await RawClient.connect(server.port);
    const replies: [string, string][] = [
      ["REGISTER two words CHAT/1.0", "400 Invalid registration"],
      ["REGISTER eve CHAT/2.0", "400 Invalid registration"],
      ["REGISTER", "400 Invalid registration"],
      ["hello before registering", "400 Invalid registration"],
      ["@eve: hello before registering", "400 Invalid registration"],
      [`REGISTER ${"x".repeat(33)} CHAT/1.0`, "400 Invalid registration"],
      ["REGISTER #room CHAT/1.0", "400 Invalid registration"],
      ["REGISTER ALICE CHAT/1.0", "401 Client already registered"],
      ["REGISTER eve CHAT/1.0", "200 Registration successful"],
      ["REGISTER eve CHAT/1.0", "401 Client already registered"],
    ];
    // The connection stays open after 400 and 401, so another REGISTER may follow.
    for (const [request, reply] of replies) {
      await raw.send(`${request}\r\n`);
      assert.equal(await raw.nextLine(), reply, request);
    }
    // A JSON client may not take a name a CHAT/1.0 client holds either.
    await using json = await RawClient.connect(server.port);
    await json.register("EVE");
    assert.deepEqual(await json.next(), { type: "error", message: "Nickname already in use" });

    // Other S1 programs close the connection after a 401: nothing else is disturbed.
    const closer = await RawClient.connect(server.port);
    await closer.send("REGISTER alice CHAT/1.0\n");
    assert.equal(await closer.nextLine(), "401 Client already registered");
    await closer.close();
    await alice.type("still fine");
    assert.equal(await raw.nextLine(), "@Alice: still fine");
  },
);

processTest(
  "DISCONNECT removes a CHAT/1.0 client with no reply; JSON clients are told it left",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await registeredClient(server, "Alice", "001");
    await using dave = await chat1Registered(server.port, "dave");
    await alice.stdout.waitFor(line("<dt> :: * dave joined the chat"));
    await dave.send("DISCONNECT dave CHAT/1.0\n");
    assert.deepEqual(await dave.lines(), [], "no reply, then the close");
    await server.stdout.waitFor(line("<dt> :: dave: disconnected."));
    await alice.stdout.waitFor(line("<dt> :: * dave left the chat (disconnected)"));
  },
);

processTest(
  "at shutdown CHAT/1.0 clients get DISCONNECT CHAT/1.0; the chat:// client says so and exits 0",
  async () => {
    await using server = await ServerProgram.start();
    await using dave = await chat1Registered(server.port, "dave");
    await using carol = startChat1Client(server.port, "carol");
    await server.stdout.waitFor(line("<dt> :: carol: connected."));
    server.kill("SIGTERM");
    assert.deepEqual(await dave.lines(), ["DISCONNECT CHAT/1.0"]);
    await carol.stdout.waitFor("The server is shutting down; the session has ended.");
    await carol.stdout.waitFor(/^Summary: start:/);
    assert.equal(await carol.exitCode(), 0);
    assert.equal(await server.exitCode(), 0);
  },
);

processTest(
  "a CHAT/1.0 client can read every limit's reply, and a private message to one is refused",
  async () => {
    await using server = await ServerProgram.start(
      ["--max-frame", "1024", "--burst", "2", "--max-rate", "1"],
    );
    await using json = await RawClient.registered(server.port, "Jay", ["private"]);
    await using dave = await chat1Registered(server.port, "dave");
    await json.sendMessage({ type: "private", to: "dave", message: "psst" });
    assert.deepEqual(await json.nextOfType("error"), {
      type: "error",
      message: 'User "dave" cannot receive private messages: their client does not support them',
    });
    // A JSON message with line breaks stays one line for a CHAT/1.0 reader.
    await json.sendMessage({ type: "message", message: "one\n200 Registration successful" });
    assert.equal(await dave.nextLine(), "@Jay: one 200 Registration successful");
    await dave.send("@dave: 1\n@dave: 2\n@dave: 3\n");
    assert.match(await dave.nextLine(), /^400 Slow down: past 2 messages at once/);
    await dave.send(`@dave: ${"x".repeat(2000)}\n`);
    assert.equal(await dave.nextLine(), "400 Frame too long: the limit is 1024 bytes");
    await dave.closedByServer();
    await server.stdout.waitFor(line("<dt> :: dave: disconnected."));

    await using late = await RawClient.connect(server.port);
    await late.send(new Uint8Array([...encoder.encode("REGISTER late CHAT/1.0\n"), 0x40, 0xff]));
    assert.equal(await late.nextLine(), "200 Registration successful");
    await late.send("\n");
    assert.equal(await late.nextLine(), "400 Cannot decode line: invalid UTF-8");
  },
);

processTest(
  "a CHAT/1.0 client that stops reading is cut off at its sendq; a CHAT/1.0 reader gets all",
  async () => {
    await using server = await ServerProgram.start(
      ["--sendq", "65536", "--write-timeout", "3", "--max-rate", "0", "--byte-rate", "0"],
    );
    // Registered, then never reads again; disposed (closed) when the test ends.
    await using _stalled = await chat1Registered(server.port, "stalled");
    await using reader = await chat1Registered(server.port, "reader");
    await using sender = await RawClient.registered(server.port, "Sender");

    // Past what the kernel buffers hold for a client that reads nothing (about 4 MiB here).
    const count = 150;
    const text = "y".repeat(60_000);
    const receiving = (async () => {
      for (let i = 0; i < count; i++) {
        assert.equal(await reader.nextLine(), `@Sender: ${i} ${text}`);
      }
    })();
    for (let i = 0; i < count; i++) {
      await sender.send(JSON.stringify({ type: "message", message: `${i} ${text}` }) + "\n");
    }
    await receiving;
    await server.stdout.waitFor(line("<dt> :: stalled: disconnected."));
    const lastBroadcast = server.stdout.lines.findLast((l) => l.startsWith("Broadcasted: "));
    assert.equal(lastBroadcast, "Broadcasted: reader");
  },
);

processTest("a refused CHAT/1.0 connection is told why in CHAT/1.0", async () => {
  await using server = await ServerProgram.start(["--max-per-ip", "1", "--limit-loopback"]);
  await using first = await chat1Registered(server.port, "first");
  await using second = await RawClient.connect(server.port);
  await second.send("REGISTER second CHAT/1.0\n");
  assert.deepEqual(await second.lines(), [
    "400 Too many connections from 127.0.0.1: the limit is 1",
  ]);
  await server.stdout.waitFor(/ :: refused 127\.0\.0\.1:\d+: Too many connections/);
  assert.ok(first);
});

processTest("a CHAT/1.0 connection that does not register in time is told so", async () => {
  await using server = await ServerProgram.start(["--register-timeout", "0.5"]);
  await using raw = await RawClient.connect(server.port);
  await raw.send("REGISTER two words CHAT/1.0\n");
  assert.deepEqual(await raw.lines(), [
    "400 Invalid registration",
    "400 Registration timeout: not registered within 0.5 s",
  ]);
});

// ---------------------------------------------------------------------------
// Our clients against servers written by others

/**
 * A minimal CHAT/1.0 server as another course writes it: it reads byte by byte up to "\n",
 * answers `200 OK` to a registration (`401` and a close when the name is "taken"), and hands
 * each connection to `serve`.
 */
class MinimalChat1Server {
  readonly #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly port = (this.#listener.addr as Deno.NetAddr).port;
  readonly #conns: Deno.Conn[] = [];
  /** Every line received, on any connection. */
  readonly received: string[] = [];
  readonly accepted: Promise<Deno.Conn>;
  readonly #greeting: string;

  /** Serves one connection; `greeting` follows the `200 OK` in the same write. */
  constructor(greeting = "") {
    this.#greeting = greeting;
    this.accepted = this.#acceptOne();
  }

  async #acceptOne(): Promise<Deno.Conn> {
    const conn = await this.#listener.accept();
    this.#conns.push(conn);
    const username = /^REGISTER (\S+) CHAT\/1\.0$/.exec(await this.readLine(conn))?.[1];
    if (username === "taken") {
      await conn.write(encoder.encode("401 Client already registered\n"));
      conn.close();
    } else {
      await conn.write(encoder.encode(`200 OK\n${this.#greeting}`));
    }
    return conn;
  }

  /** Reads one line byte by byte, as S1 programs do. */
  async readLine(conn: Deno.Conn): Promise<string> {
    const bytes: number[] = [];
    const one = new Uint8Array(1);
    while (await conn.read(one) === 1 && one[0] !== 0x0a) bytes.push(one[0]);
    const text = new TextDecoder().decode(new Uint8Array(bytes));
    this.received.push(text);
    return text;
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    closeAll(this.#conns);
    return Promise.resolve();
  }
}

processTest(
  "the chat:// client talks to another CHAT/1.0 server: 200 OK, chat lines, its DISCONNECT",
  async () => {
    // The reply and the first lines in one write: none of them may be taken for another.
    await using server = new MinimalChat1Server("@bob: hi carol\nWelcome to the lab server\n");
    await using carol = startChat1Client(server.port, "carol");
    const conn = await within(server.accepted, 15_000, "the client");
    assert.deepEqual(server.received, ["REGISTER carol CHAT/1.0"]);
    await carol.stdout.waitFor(line("<dt> :: bob: hi carol"));
    await carol.stdout.waitFor("Welcome to the lab server");
    await carol.type("hi bob");
    assert.equal(await server.readLine(conn), "@carol: hi bob");
    await conn.write(encoder.encode("DISCONNECT CHAT/1.0\n"));
    await carol.stdout.waitFor("The server is shutting down; the session has ended.");
    await carol.stdout.waitFor(line(
      "Summary: start:<dt>, end:<dt>, msg sent:1, msg rcv:1, char sent:6, char rcv:8",
    ));
    assert.equal(await carol.exitCode(), 0);
  },
);

processTest("the chat:// client says goodbye with DISCONNECT <username> CHAT/1.0", async () => {
  await using server = new MinimalChat1Server();
  await using carol = startChat1Client(server.port, "carol");
  const conn = await within(server.accepted, 15_000, "the client");
  await carol.type("q!");
  assert.equal(await server.readLine(conn), "DISCONNECT carol CHAT/1.0");
  await carol.stdout.waitFor(/^Summary: start:/);
  assert.equal(await carol.exitCode(), 0);
});

processTest("the chat:// client prints a refusal that is not 200 and exits 1", async () => {
  await using server = new MinimalChat1Server();
  await using taken = startChat1Client(server.port, "taken");
  await taken.stdout.waitFor("401 Client already registered");
  await taken.stdout.waitFor(/^Summary: start:/);
  assert.equal(await taken.exitCode(), 1);
});

processTest(
  "the chat:// client refuses a bad address with ERR - arg 2 and an example",
  async () => {
    for (const address of ["http://localhost:1", "chat://localhost", "chat://localhost:70000"]) {
      await using client = new Program("ChatClient.ts", ["carol", address]);
      assert.equal(await client.exitCode(), 1);
      assert.deepEqual(client.stdout.lines, [
        "ERR - arg 2",
        "A CHAT/1.0 address looks like chat://<host>:<port>, such as chat://localhost:12345",
      ]);
    }
    await using unknown = new Program("ChatClient.ts", ["carol", "chat://no-such-host.invalid:1"]);
    assert.equal(await unknown.exitCode(), 1);
    assert.equal(unknown.stdout.lines[0], "ERR - arg 2");
  },
);

processTest(
  "the JSON client registers again on a new connection when a server refuses and closes",
  async () => {
    // A part C server that closes the connection right after refusing a nickname.
    await using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    await using client = startClient(port, "Alice", "001");
    const first = await within(listener.accept(), 15_000, "the first connection");
    const firstLines = RawClient.from(first);
    assert.equal((await firstLines.next()).nickname, "Alice");
    await first.write(encoder.encode('{"type":"error","message":"Name taken, sorry"}'));
    await firstLines.close();
    await client.stdout.waitFor('Nickname "Alice" refused: Name taken, sorry');
    await client.type("Bob");
    const second = RawClient.from(await within(listener.accept(), 15_000, "a new connection"));
    assert.equal((await second.next()).nickname, "Bob");
    await second.send('{"type":"broadcast","nickname":"Zed","message":"welcome back"}');
    await client.stdout.waitFor(line("<dt> :: Zed: welcome back"));
    await client.type("thanks");
    assert.equal((await second.next()).message, "thanks");
    await client.endInput();
    assert.equal((await second.next()).type, "disconnect");
    await second.close();
    await client.stdout.waitFor(/^Summary: start:.*msg sent:1, msg rcv:1/);
    assert.equal(await client.exitCode(), 0);
  },
);
