/**
 * End-to-end tests: real `deno run` processes of ChatServer.ts and ChatClient.ts talking over
 * 127.0.0.1 on ports the system picks, checked against the exact lines of spec part A.
 *
 * It stays one file at the top of the repository, where the specification's layout puts it: the
 * specification's behaviour, in its order, then TLS and the commands built on it.
 */

import assert from "node:assert/strict";
import {
  line,
  processTest,
  Program,
  RecordingProxy,
  registeredClient,
  ServerProgram,
  startClient,
  tempDir,
  TEST_TLS,
  within,
} from "./lib/tools/testing.ts";
import { RawClient } from "./lib/tools/raw_client.ts";
import { MAX_FRAME_BYTES } from "./protocol.ts";

processTest("ChatServer prints ERR - arg 1 for a port that is not 1 to 65535", async () => {
  for (const port of ["0", "65536", "abc", "-5", "12.5"]) {
    await using server = new Program("ChatServer.ts", [port]);
    assert.notEqual(await server.exitCode(), 0);
    assert.deepEqual(server.stdout.lines, ["ERR - arg 1"], `port ${port}`);
  }
});

processTest("ChatServer reports a port that is in use", async () => {
  await using first = await ServerProgram.start();
  await using second = new Program("ChatServer.ts", [`${first.port}`]);
  assert.notEqual(await second.exitCode(), 0);
  assert.deepEqual(second.stdout.lines, [
    `ERR - cannot create ChatServer socket using port number ${first.port}`,
  ]);
});

processTest(
  "ChatServer with a port argument listens on it and prints its start line",
  async () => {
    // Find a free port, release it, and ask the server for exactly that one.
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    await using server = new Program("ChatServer.ts", [`${port}`]);
    await server.stdout.waitFor(
      new RegExp(String.raw`^ChatServer started with server IP: [\d.]+, port: ${port} \.\.\.$`),
    );
    await using client = await RawClient.connect(port);
    await client.register("Probe");
    assert.equal((await client.next()).type, "welcome");
  },
);

processTest("ChatClient prints ERR - arg x for the first bad or missing argument", async () => {
  const cases: [string[], string][] = [
    [[], "ERR - arg 1"],
    [["127.0.0.1"], "ERR - arg 2"],
    [["127.0.0.1", "0", "Alice", "001"], "ERR - arg 2"],
    [["127.0.0.1", "65536", "Alice", "001"], "ERR - arg 2"],
    [["127.0.0.1", "port", "Alice", "001"], "ERR - arg 2"],
    [["127.0.0.1", "12345"], "ERR - arg 3"],
    [["127.0.0.1", "12345", " "], "ERR - arg 3"],
    [["127.0.0.1", "12345", "Alice"], "ERR - arg 4"],
    [["host.that-does-not-exist.invalid", "12345", "Alice", "001"], "ERR - arg 1"],
  ];
  for (const [args, expected] of cases) {
    await using client = new Program("ChatClient.ts", args);
    assert.notEqual(await client.exitCode(), 0);
    assert.deepEqual(client.stdout.lines, [expected], `args ${JSON.stringify(args)}`);
  }
});

processTest(
  "three clients chat: the spec's server and client lines, never echoed to the sender",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await registeredClient(server, "Alice", "001");
    await using bob = await registeredClient(server, "Bob", "002");
    await using john = startClient(server.port, "John", "003");
    const joined = await server.stdout.waitFor(line("<dt> :: John: connected."));

    await john.stdout.waitFor(line(
      `ChatClient started with server IP: 127.0.0.1, port: ${server.port}, nickname: John, ` +
        "client ID: 003, Date/Time: <dt>",
    ));
    await john.type("Hello everybody");
    const received = await server.stdout.waitFor(
      line(
        "Received: IP:127.0.0.1, Port:<n>, Client-Nickname:John, ClientID:003, " +
          "Date/Time:<dt>, Msg-Size:15",
      ),
      { from: joined.index },
    );
    assert.equal(await server.stdout.lineAt(received.index + 1), "Broadcasted: Alice, Bob");
    await alice.stdout.waitFor(line("<dt> :: John: Hello everybody"));
    await bob.stdout.waitFor(line("<dt> :: John: Hello everybody"));

    // Msg-Size counts UTF-8 bytes; the summary counts code points.
    await alice.type("héllo 😀");
    await server.stdout.waitFor(/Client-Nickname:Alice, ClientID:001, .*, Msg-Size:11$/);
    await john.stdout.waitFor(line("<dt> :: Alice: héllo 😀"));
    await bob.stdout.waitFor(line("<dt> :: Alice: héllo 😀"));

    await john.type("disconnect");
    await server.stdout.waitFor(line("<dt> :: John: disconnected."));
    await john.stdout.waitFor(line(
      "Summary: start:<dt>, end:<dt>, msg sent:1, msg rcv:1, char sent:15, char rcv:7",
    ));
    assert.equal(await john.exitCode(), 0);
    assert.equal(john.stdout.lines.filter((l) => l.includes(":: John: Hello")).length, 0);

    // Nobody else is left for Bob's message but Alice.
    await bob.type("still here?");
    const last = await server.stdout.waitFor(/Client-Nickname:Bob, ClientID:002, /);
    assert.equal(await server.stdout.lineAt(last.index + 1), "Broadcasted: Alice");
    await alice.endInput();
    await alice.stdout.waitFor(line(
      "Summary: start:<dt>, end:<dt>, msg sent:1, msg rcv:2, char sent:7, char rcv:26",
    ));
    assert.equal(await alice.exitCode(), 0);
  },
);

processTest(
  "a lone sender's message is broadcast to nobody: 'Broadcasted: ' with nothing after it",
  async () => {
    await using server = await ServerProgram.start();
    await using solo = await RawClient.registered(server.port, "Solo");
    await solo.send(JSON.stringify({
      type: "message",
      nickname: "Solo",
      message: "anyone?",
      timestamp: "2024-03-21T10:30:44.000Z",
    }));
    const received = await server.stdout.waitFor(/^Received: .*Client-Nickname:Solo, /);
    const expected = new Date("2024-03-21T10:30:44.000Z");
    const pad = (n: number) => String(n).padStart(2, "0");
    const dt = `${expected.getFullYear()}-${pad(expected.getMonth() + 1)}-` +
      `${pad(expected.getDate())} ${pad(expected.getHours())}:${pad(expected.getMinutes())}:` +
      `${pad(expected.getSeconds())}`;
    assert.match(received.line, new RegExp(`Date/Time:${dt}, Msg-Size:7$`));
    assert.equal(await server.stdout.lineAt(received.index + 1), "Broadcasted: ");
  },
);

processTest(
  "a duplicate nickname is refused and the client registers again with the next typed line",
  async () => {
    await using server = await ServerProgram.start();
    await using first = await RawClient.registered(server.port, "Alice");

    await using raw = await RawClient.connect(server.port);
    await raw.register("Alice");
    assert.deepEqual(await raw.next(), { type: "error", message: "Nickname already in use" });

    await using client = startClient(server.port, "Alice", "002");
    await client.stdout.waitFor('Nickname "Alice" refused: Nickname already in use');
    await client.type("Alicia");
    await server.stdout.waitFor(line("<dt> :: Alicia: connected."));
    await client.type("it is me");
    const broadcast = await first.nextOfType("broadcast");
    assert.equal(broadcast.nickname, "Alicia");
    assert.equal(broadcast.message, "it is me");
  },
);

processTest(
  "the broadcast carries the registered nickname and the sender's own timestamp",
  async () => {
    await using server = await ServerProgram.start();
    await using mallory = await RawClient.registered(server.port, "Mallory");
    await using bob = await RawClient.registered(server.port, "Bob");
    // Two objects in one write with nothing between them, as other clients send.
    await mallory.send(
      JSON.stringify({
        type: "message",
        nickname: "Alice",
        message: "I am Alice",
        timestamp: "2024-03-21T10:30:44.123+02:00",
      }) + JSON.stringify({ type: "message", nickname: "Mallory", message: "second" }),
    );
    assert.deepEqual(await bob.next(), {
      type: "broadcast",
      nickname: "Mallory",
      message: "I am Alice",
      timestamp: "2024-03-21T10:30:44.123+02:00",
    });
    const second = await bob.next();
    assert.equal(second.message, "second");
    assert.ok(!Number.isNaN(Date.parse(String(second.timestamp))), "the server stamps it");
  },
);

processTest(
  "malformed input gets an error naming the problem and the server keeps serving",
  async () => {
    await using server = await ServerProgram.start();
    await using bob = await RawClient.registered(server.port, "Bob");

    await using bad = await RawClient.connect(server.port);
    const expectError = async (input: string | Uint8Array, pattern: RegExp) => {
      await bad.send(input);
      const reply = await bad.next();
      assert.equal(reply.type, "error", `reply to ${input}`);
      assert.match(String(reply.message), pattern);
    };
    await expectError('{"type": "message", "message": "early"}\n', /^Not registered/);
    await expectError(
      "this is not json\n",
      /^Cannot parse frame "this is not json": invalid JSON$/,
    );
    await expectError("[1, 2, 3]\n", /expected a JSON object/);
    await expectError('{"type": "dance"}', /^Unknown message type "dance"$/);
    await expectError('{"nickname": "x"}', /missing field "type"/);
    await expectError('{"type": "nickname", "clientID": "9"}', /missing field "nickname"/);
    await expectError(
      '{"type": "nickname", "nickname": 5, "clientID": "9"}',
      /field "nickname" must be a string/,
    );
    await expectError(
      new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]),
      /^Cannot decode frame: invalid UTF-8$/,
    );
    await expectError('{"type": "message", "message": "broken\n', /invalid JSON/);
    await bad.register("Bad");
    assert.equal((await bad.next()).type, "welcome");
    await expectError(
      '{"type": "nickname", "nickname": "Other", "clientID": "1"}',
      /^Already registered as "Bad"$/,
    );

    // After all that, both still chat.
    await bad.send('{"type": "message", "nickname": "Bad", "message": "fine now"}\n');
    assert.equal((await bob.nextOfType("broadcast")).message, "fine now");
  },
);

processTest(
  "a frame over 64 KiB gets an error and the connection is closed; others are unaffected",
  async () => {
    await using server = await ServerProgram.start();
    await using bob = await RawClient.registered(server.port, "Bob");
    await using big = await RawClient.registered(server.port, "Big");

    // A frame that never ends: no newline, no closing brace.
    const sending = big.send(`{"type": "message", "message": "${"x".repeat(MAX_FRAME_BYTES + 10)}`)
      .catch(() => {});
    const reply = await big.next();
    assert.deepEqual(reply, { type: "error", message: "Frame too long: the limit is 65536 bytes" });
    await big.closedByServer();
    await sending;
    await server.stdout.waitFor(line("<dt> :: Big: disconnected."));

    await using carol = await RawClient.registered(server.port, "Carol");
    await carol.send('{"type": "message", "message": "hi Bob"}\n');
    assert.equal((await bob.nextOfType("broadcast")).message, "hi Bob");
  },
);

processTest("an abrupt close is a disconnect", async () => {
  await using server = await ServerProgram.start();
  const raw = await RawClient.connect(server.port);
  await raw.register("Ghost");
  await raw.nextOfType("welcome");
  await raw.close();
  await server.stdout.waitFor(line("<dt> :: Ghost: disconnected."));
});

processTest(
  "a client that stops reading is cut off at its sendq while the others receive everything",
  async () => {
    await using server = await ServerProgram.start([
      "--sendq",
      "65536",
      "--write-timeout",
      "3",
      "--max-rate",
      "0",
      "--byte-rate",
      "0",
    ]);
    // Registered, then never reads again; disposed (closed) when the test ends.
    await using _stalled = await RawClient.registered(server.port, "Stalled");
    await using reader = await RawClient.registered(server.port, "Reader");
    await using sender = await RawClient.registered(server.port, "Sender");

    // Past what the kernel buffers hold for a client that reads nothing (about 4 MiB here).
    const count = 150;
    const text = "y".repeat(60_000);
    const receiving = (async () => {
      for (let i = 0; i < count; i++) {
        const message = await reader.nextOfType("broadcast");
        assert.equal(message.message, `${i} ${text}`);
      }
    })();
    for (let i = 0; i < count; i++) {
      await sender.send(JSON.stringify({ type: "message", message: `${i} ${text}` }) + "\n");
    }
    await receiving;
    await server.stdout.waitFor(line("<dt> :: Stalled: disconnected."));
    const lastBroadcast = server.stdout.lines.findLast((l) => l.startsWith("Broadcasted: "));
    assert.equal(lastBroadcast, "Broadcasted: Reader");
  },
);

processTest(
  "a client whose writes stall past the write timeout is dropped even under its sendq cap",
  async () => {
    await using server = await ServerProgram.start([
      "--sendq",
      "100000000",
      "--write-timeout",
      "1",
      "--max-rate",
      "0",
      "--byte-rate",
      "0",
    ]);
    // Registered, then never reads again; disposed (closed) when the test ends.
    await using _stalled = await RawClient.registered(server.port, "Stalled");
    await using sender = await RawClient.registered(server.port, "Sender");
    // About 6 MB: more than the kernel buffers take, far less than the sendq cap.
    const text = "z".repeat(60_000);
    for (let i = 0; i < 100; i++) {
      await sender.send(JSON.stringify({ type: "message", message: text }) + "\n");
    }
    const started = Date.now();
    await server.stdout.waitFor(line("<dt> :: Stalled: disconnected."));
    assert.ok(Date.now() - started < 5000, "dropped within a few seconds of the deadline");
    // The sender is still served.
    await sender.send(JSON.stringify({ type: "message", message: "after" }) + "\n");
    const last = await server.stdout.waitFor(/Client-Nickname:Sender, .*Msg-Size:5$/);
    assert.equal(await server.stdout.lineAt(last.index + 1), "Broadcasted: ");
  },
);

processTest(
  "the client works against a server that sends no acknowledgements and words errors its own way",
  async () => {
    // A minimal baseline server written by someone else: it answers only a duplicate nickname.
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    await using client = startClient(port, "Taken", "007");
    const conn = await within(listener.accept(), 15_000, "the client to connect");
    const other = RawClient.from(conn);
    try {
      const first = await other.next();
      assert.equal(first.type, "nickname");
      assert.equal(first.nickname, "Taken");
      assert.equal(first.clientID, "007");
      assert.ok(!Number.isNaN(Date.parse(String(first.timestamp))));
      await other.send(JSON.stringify({ type: "error", message: "That name is taken, sorry" }));
      await client.stdout.waitFor('Nickname "Taken" refused: That name is taken, sorry');
      await client.type("Fresh");
      assert.equal((await other.next()).nickname, "Fresh");
      // No acknowledgement: the client must carry on regardless.
      await client.type("first words");
      const message = await other.next();
      assert.equal(message.type, "message");
      assert.equal(message.message, "first words");
      await other.send(JSON.stringify({
        type: "broadcast",
        nickname: "Zed",
        message: "welcome",
        timestamp: "not a time",
      }));
      await other.send('{"type": "something-new", "x": 1}');
      await client.stdout.waitFor(line("<dt> :: Zed: welcome"));
      await client.type("disconnect");
      assert.equal((await other.next()).type, "disconnect");
      // No acknowledgement of the disconnect either: the client leaves after a few seconds.
      await client.stdout.waitFor(line(
        "Summary: start:<dt>, end:<dt>, msg sent:1, msg rcv:1, char sent:11, char rcv:7",
      ));
      assert.equal(await client.exitCode(), 0);
    } finally {
      await other.close();
    }
  },
);

processTest("the client prints its summary when the server goes away", async () => {
  await using server = await ServerProgram.start();
  await using client = await registeredClient(server, "Left", "001");
  server.kill("SIGKILL");
  await client.stdout.waitFor("The connection to the server was lost.");
  await client.stdout.waitFor(line(
    "Summary: start:<dt>, end:<dt>, msg sent:0, msg rcv:0, char sent:0, char rcv:0",
  ));
  assert.equal(await client.exitCode(), 1);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  processTest(
    `on ${signal} the server tells every client it is shutting down and exits 0`,
    async () => {
      await using server = await ServerProgram.start();
      await using client = await registeredClient(server, "Stay", "001");
      await using raw = await RawClient.registered(server.port, "Raw");

      server.kill(signal);
      const notice = await raw.nextOfType("shutdown");
      assert.equal(notice.message, "Server is shutting down");
      await raw.closedByServer();
      await client.stdout.waitFor("The server is shutting down; the session has ended.");
      await client.stdout.waitFor(/^Summary: start:/);
      assert.equal(await client.exitCode(), 0);
      assert.equal(await server.exitCode(), 0);
      assert.ok(server.stdout.lines.some((l) => line("<dt> :: Stay: disconnected.").test(l)));
    },
  );
}

processTest("Ctrl-C in the client disconnects politely and prints the summary", async () => {
  await using server = await ServerProgram.start();
  await using client = await registeredClient(server, "Quitter", "001");
  client.kill("SIGINT");
  await server.stdout.waitFor(line("<dt> :: Quitter: disconnected."));
  await client.stdout.waitFor(/^Summary: start:/);
  assert.equal(await client.exitCode(), 0);
});

// ---------------------------------------------------------------------------
// TLS

const TLS_ARGS = ["--tls-cert", TEST_TLS.cert, "--tls-key", TEST_TLS.key];

processTest(
  "TLS clients chat over the TLS port and nothing readable crosses the wire",
  async () => {
    await using server = await ServerProgram.start(TLS_ARGS, TEST_TLS.flags);
    assert.equal(server.tlsPort, server.port, "without --tls-port the main port is TLS");
    await using proxy = new RecordingProxy(server.tlsPort);
    // Alice goes through the recording proxy; Bob connects directly.
    await using alice = startClient(proxy.port, "Alice", "001", { tls: true });
    await server.stdout.waitFor(line("<dt> :: Alice: connected."));
    await using bob = startClient(server.tlsPort, "Bob", "002", { tls: true, host: "localhost" });
    await server.stdout.waitFor(line("<dt> :: Bob: connected."));
    await alice.type("the password is swordfish");
    await bob.stdout.waitFor(line("<dt> :: Alice: the password is swordfish"));
    await bob.type("reply in the clear? never");
    await alice.stdout.waitFor(line("<dt> :: Bob: reply in the clear? never"));
    assert.ok(proxy.bytes > 500, "the proxy saw the session");
    for (const secret of ["swordfish", "in the clear", "Alice", "nickname", "broadcast"]) {
      assert.equal(proxy.text.includes(secret), false, `"${secret}" crossed the wire readable`);
    }
  },
);

processTest("a TLS client refuses a server certificate it cannot verify", async () => {
  await using server = await ServerProgram.start(TLS_ARGS, TEST_TLS.flags);
  // Without --ca the test authority is unknown: the system roots do not include it.
  await using client = new Program("ChatClient.ts", [
    "--tls",
    "127.0.0.1",
    `${server.tlsPort}`,
    "Trusting",
    "001",
  ]);
  assert.equal(await client.exitCode(), 1);
  assert.match(
    client.stdout.lines[0],
    /^ERR - TLS handshake with 127\.0\.0\.1:\d+ failed: .*UnknownIssuer/,
  );
  assert.match(client.stdout.lines[1], /^The server's certificate is not signed by an authority/);
  assert.equal(server.stdout.lines.some((l) => l.includes("Trusting")), false);
});

/** The flags of a server whose certificate is its own authority (`openssl req -x509`). */
const SELF_SIGNED_ARGS = [
  "--tls-cert",
  "testdata/selfsigned.pem",
  "--tls-key",
  "testdata/selfsigned.key",
];

processTest(
  "a self-signed certificate is trusted when given with --ca or pinned with --fingerprint",
  async () => {
    await using server = await ServerProgram.start(SELF_SIGNED_ARGS, TEST_TLS.flags);
    // The fingerprint the server prints is the one openssl prints for the file.
    assert.equal(
      server.tlsFingerprint,
      "sha256:D7:6D:18:E3:56:7E:AC:D1:62:25:1A:21:01:A6:B4:91:CE:6A:5E:97:E6:AF:7A:F2:FE:AA:7E:11:A1:18:CD:94",
    );
    await using proxy = new RecordingProxy(server.tlsPort);
    await using trusting = new Program("ChatClient.ts", [
      "--tls",
      "--ca",
      "testdata/selfsigned.pem",
      "localhost",
      `${proxy.port}`,
      "Trusting",
      "001",
    ], TEST_TLS.flags);
    await server.stdout.waitFor(line("<dt> :: Trusting: connected."));
    // Pasted as openssl prints it; no file to read.
    const openssl = server.tlsFingerprint.replace("sha256:", "sha256 Fingerprint=");
    await using pinning = new Program("ChatClient.ts", [
      "--tls",
      "--fingerprint",
      openssl,
      "127.0.0.1",
      `${server.tlsPort}`,
      "Pinning",
      "002",
    ]);
    await server.stdout.waitFor(line("<dt> :: Pinning: connected."));
    await trusting.type("a secret for the pinned one");
    await pinning.stdout.waitFor(line("<dt> :: Trusting: a secret for the pinned one"));
    await pinning.type("received, pinned and sealed");
    await trusting.stdout.waitFor(line("<dt> :: Pinning: received, pinned and sealed"));
    assert.ok(proxy.bytes > 500, "the proxy saw the session");
    for (const secret of ["secret", "pinned", "Trusting"]) {
      assert.equal(proxy.text.includes(secret), false, `"${secret}" crossed the wire readable`);
    }
    await pinning.type("/exit");
    await pinning.stdout.waitFor(/^Summary: start:/);
    assert.equal(await pinning.exitCode(), 0);
  },
);

processTest(
  "a self-signed certificate not trusted, or not the pinned one, is refused with what to do",
  async () => {
    await using server = await ServerProgram.start(SELF_SIGNED_ARGS, TEST_TLS.flags);
    const client = (...flags: string[]) =>
      new Program(
        "ChatClient.ts",
        [...flags, "localhost", `${server.tlsPort}`, "Refused", "001"],
        TEST_TLS.flags,
      );
    await using unknown = client("--tls");
    assert.equal(await unknown.exitCode(), 1);
    assert.match(
      unknown.stdout.lines[0],
      /^ERR - TLS handshake with localhost:\d+ failed: .*CaUsedAsEndEntity/,
    );
    assert.match(
      unknown.stdout.lines[1],
      /^The server's certificate is its own authority .*--ca <pem>.*--fingerprint sha256:/,
    );
    // Another certificate in the --ca file is not this one.
    await using other = client("--tls", "--ca", TEST_TLS.ca);
    assert.equal(await other.exitCode(), 1);
    assert.match(other.stdout.lines[1], /^The server's certificate is its own authority/);
    const wrong = `sha256:${"AB:".repeat(31)}AB`;
    await using pinned = client("--tls", "--fingerprint", wrong);
    assert.equal(await pinned.exitCode(), 1);
    assert.equal(
      pinned.stdout.lines[0],
      `ERR - TLS handshake with localhost:${server.tlsPort} failed: the server's certificate ` +
        `is ${server.tlsFingerprint}, not the one trusted (${wrong})`,
    );
    assert.match(pinned.stdout.lines[1], /^This is not the server you trusted/);
    assert.equal(server.stdout.lines.some((l) => l.includes("Refused")), false);
  },
);

processTest("deno task certs makes an authority and a server certificate that work", async () => {
  using dir = tempDir();
  const made = await new Deno.Command("deno", {
    args: [
      "run",
      "--allow-run=openssl",
      "--allow-read=certs",
      "--allow-write=certs",
      new URL("./lib/tools/make_certs.ts", import.meta.url).pathname,
    ],
    cwd: dir.path,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
  assert.match(new TextDecoder().decode(made.stdout), /^Made certs\/ca\.pem \(the authority\)/);
  const certs = `${dir.path}/certs`;
  assert.deepEqual([...Deno.readDirSync(certs)].map((e) => e.name).sort(), [
    "ca.pem",
    "server.key",
    "server.pem",
  ]);
  await using server = await ServerProgram.start(
    ["--tls-cert", `${certs}/server.pem`, "--tls-key", `${certs}/server.key`, "--tls-port", "0"],
    [`--allow-read=${certs}`],
  );
  await using _client = new Program("ChatClient.ts", [
    "--tls",
    "--ca",
    `${certs}/ca.pem`,
    "localhost",
    `${server.tlsPort}`,
    "Paired",
    "001",
  ], [`--allow-read=${certs}`]);
  await server.stdout.waitFor(line("<dt> :: Paired: connected."));
});

processTest("a plain client cannot talk to the TLS port", async () => {
  await using server = await ServerProgram.start(TLS_ARGS, TEST_TLS.flags);
  await using plain = await RawClient.connect(server.tlsPort);
  await plain.register("Plain");
  const lines = await plain.lines();
  assert.equal(lines.some((l) => l.includes("welcome")), false);
  assert.equal(server.stdout.lines.some((l) => l.includes("Plain")), false);
});

processTest(
  "--tls-port serves TLS beside plain TCP, and both kinds of client chat together",
  async () => {
    await using server = await ServerProgram.start(
      [...TLS_ARGS, "--tls-port", "0"],
      TEST_TLS.flags,
    );
    assert.notEqual(server.tlsPort, server.port);
    await using secure = startClient(server.tlsPort, "Secure", "001", { tls: true });
    await server.stdout.waitFor(line("<dt> :: Secure: connected."));
    await using plain = await RawClient.registered(server.port, "Plain");
    await plain.send(JSON.stringify({ type: "message", message: "from plain TCP" }) + "\n");
    await secure.stdout.waitFor(line("<dt> :: Plain: from plain TCP"));
    await secure.type("from TLS");
    assert.equal((await plain.nextOfType("broadcast")).message, "from TLS");
  },
);

// ---------------------------------------------------------------------------
// Commands (spec part B: S2, S3, S4)

processTest(
  "three people whisper, talk in a room and to everyone; q! quits with every message counted",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await registeredClient(server, "Alice", "001");
    await using bob = startClient(server.port, "Bob", "002");
    await alice.stdout.waitFor(line("<dt> :: * Bob joined the chat"));
    await using carol = startClient(server.port, "Carol", "003");
    await bob.stdout.waitFor(line("<dt> :: * Carol joined the chat"));

    await alice.type("/join #lab");
    await alice.stdout.waitFor(line("<dt> :: * You joined #lab (members: Alice)"));
    await bob.type("/join lab");
    await bob.stdout.waitFor(line("<dt> :: * You joined #lab (members: Alice, Bob)"));
    await alice.stdout.waitFor(line("<dt> :: * Bob joined #lab"));

    await alice.type("plans for the lab"); // goes to #lab: Alice is talking there
    await bob.stdout.waitFor(line("<dt> :: [#lab] Alice: plans for the lab"));
    await carol.type("/msg Bob psst");
    await bob.stdout.waitFor(line("<dt> :: [private] Carol: psst"));
    await alice.type("/all");
    await alice.type("hello everyone");
    await bob.stdout.waitFor(line("<dt> :: Alice: hello everyone"));
    await carol.stdout.waitFor(line("<dt> :: Alice: hello everyone"));
    assert.equal(carol.stdout.lines.some((l) => l.includes("plans for the lab")), false);

    await bob.type("q!");
    // Received: a room line (17 characters), a private one (4) and a public one (14).
    await bob.stdout.waitFor(line(
      "Summary: start:<dt>, end:<dt>, msg sent:0, msg rcv:3, char sent:0, char rcv:35",
    ));
    assert.equal(await bob.exitCode(), 0);
    await alice.stdout.waitFor(line("<dt> :: * Bob left the chat (disconnected)"));
    await carol.type("/quit");
    await carol.stdout.waitFor(line(
      "Summary: start:<dt>, end:<dt>, msg sent:1, msg rcv:1, char sent:4, char rcv:14",
    ));
    // The server logged each event, never the text of the room or private line.
    await server.stdout.waitFor(line("<dt> :: Carol: private message to Bob, Msg-Size:4"));
    assert.ok(server.stdout.lines.some((l) => line("<dt> :: Bob: joined #lab.").test(l)));
    assert.equal(server.stdout.lines.some((l) => l.includes("psst") || l.includes("plans")), false);
  },
);

processTest(
  "/help lists the commands; an unknown one gets a hint; // sends a line starting with /",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await registeredClient(server, "Alice", "001");
    await using bob = await RawClient.registered(server.port, "Bob");
    await alice.type("/help");
    await alice.stdout.waitFor(
      /^ {2}\/whisper, \/msg, \/w <user> <message> +send a private message/,
    );
    await alice.stdout.waitFor(/^ {2}\/exit, \/quit, q!, disconnect +leave the chat/);
    await alice.type("/dance");
    await alice.stdout.waitFor('Unknown command "/dance": /help lists the commands');
    await alice.type("//shrug");
    assert.equal((await bob.nextOfType("broadcast")).message, "/shrug");
    await alice.type("/w Bob");
    await alice.stdout.waitFor("Usage: /w <user> <message>");
    await alice.type("/w Bob hi there");
    // Bob's client announced no extensions: a baseline client cannot take private messages.
    await alice.stdout.waitFor(
      'Error from server: User "Bob" cannot receive private messages: their client does not support them',
    );
    await alice.type("/list");
    await alice.stdout.waitFor("Connected (2): Alice, Bob");
    await alice.stdout.waitFor("Rooms: none yet (/join <#room> makes one)");
  },
);

processTest(
  "/nick while in a room: everyone sees the change and the new name on later messages",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await registeredClient(server, "Alice", "001");
    await using bob = startClient(server.port, "Bob", "002");
    await alice.stdout.waitFor(line("<dt> :: * Bob joined the chat"));
    await alice.type("/join #lab");
    await alice.stdout.waitFor(line("<dt> :: * You joined #lab (members: Alice)"));
    await bob.type("/join #lab");
    await alice.stdout.waitFor(line("<dt> :: * Bob joined #lab"));
    await alice.type("/nick bob");
    await alice.stdout.waitFor("Error from server: Nickname already in use");
    await alice.type("/nick Ada");
    await alice.stdout.waitFor(line("<dt> :: * You are now known as Ada"));
    await bob.stdout.waitFor(line("<dt> :: * Alice is now known as Ada"));
    await alice.type("still in the lab");
    await bob.stdout.waitFor(line("<dt> :: [#lab] Ada: still in the lab"));
    await bob.type("/rooms");
    await bob.stdout.waitFor("Rooms (1): #lab (Ada, Bob)");
    await bob.stdout.waitFor("You are in: #lab");
    await alice.type("/leave");
    await alice.stdout.waitFor(line("<dt> :: * You left #lab"));
    await bob.stdout.waitFor(line("<dt> :: * Ada left #lab"));
    await server.stdout.waitFor(line("<dt> :: Alice: changed nickname to Ada."));
  },
);
