import assert from "node:assert/strict";
import {
  type ClientMessage,
  codePointLength,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  type FrameEvent,
  FrameReader,
  isWellFormedUtf8,
  MAX_FRAME_BYTES,
  nicknameKey,
  nicknameProblem,
  parseTimestamp,
  roomKey,
  roomProblem,
  type ServerMessage,
  utf8ByteLength,
} from "./protocol.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);

/** A small seeded pseudo-random generator (mulberry32), so failures can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Frames (as text) and oversize events produced by feeding `chunks` to a fresh reader. */
function frames(chunks: (string | Uint8Array)[], max = MAX_FRAME_BYTES): string[] {
  const reader = new FrameReader(max);
  const out: string[] = [];
  for (const chunk of chunks) {
    for (const event of reader.push(typeof chunk === "string" ? bytes(chunk) : chunk)) {
      out.push(describe(event));
    }
  }
  return out;
}

function describe(event: FrameEvent): string {
  return event.kind === "frame" ? decoder.decode(event.bytes) : `<oversize ${event.limit}>`;
}

// ---------------------------------------------------------------------------
// Client messages

Deno.test("decodeClientMessage() reads a nickname message, with either timestamp spelling", () => {
  const spec = bytes(
    '{"type": "nickname", "nickname": "Alice", "clientID": "001", "timestamp": "2024-03-21T10:30:25Z"}',
  );
  assert.deepEqual(decodeClientMessage(spec), {
    kind: "message",
    message: {
      type: "nickname",
      nickname: "Alice",
      clientID: "001",
      timestamp: "2024-03-21T10:30:25Z",
    },
  });
  const misspelt = bytes(
    '{"type": "nickname", "nickname": "Bob", "clientID": "002", "timstamp": "2024-03-21T10:30:33Z"}',
  );
  assert.deepEqual(decodeClientMessage(misspelt), {
    kind: "message",
    message: {
      type: "nickname",
      nickname: "Bob",
      clientID: "002",
      timestamp: "2024-03-21T10:30:33Z",
    },
  });
  const none = bytes('{"type": "nickname", "nickname": "Carol", "clientID": "3"}');
  assert.deepEqual(decodeClientMessage(none), {
    kind: "message",
    message: { type: "nickname", nickname: "Carol", clientID: "3" },
  });
});

Deno.test("decodeClientMessage() reads a chat message and a disconnect, dropping unknown fields", () => {
  assert.deepEqual(
    decodeClientMessage(bytes(
      '{"type": "message", "nickname": "John", "message": "hi", "timestamp": "t", "extra": 1}',
    )),
    {
      kind: "message",
      message: { type: "message", nickname: "John", message: "hi", timestamp: "t" },
    },
  );
  assert.deepEqual(
    decodeClientMessage(bytes('{"type": "disconnect", "nickname": "John", "clientID": "001"}')),
    { kind: "message", message: { type: "disconnect", nickname: "John", clientID: "001" } },
  );
  assert.deepEqual(decodeClientMessage(bytes('{"type":"disconnect"}')), {
    kind: "message",
    message: { type: "disconnect" },
  });
});

Deno.test("decodeClientMessage() names each problem of a bad frame", () => {
  const cases: [string | Uint8Array, string][] = [
    ["abc", 'Cannot parse frame "abc": invalid JSON'],
    [
      '{"type": "message", "message": "x"',
      'Cannot parse frame "{\\"type\\": \\"message\\", \\"message\\": \\"x\\"": invalid JSON',
    ],
    ["[1, 2]", 'Cannot parse frame "[1, 2]": expected a JSON object'],
    ["null", 'Cannot parse frame "null": expected a JSON object'],
    ['"text"', 'Cannot parse frame "\\"text\\"": expected a JSON object'],
    ['{"nickname": "x"}', 'Cannot read message "{\\"nickname\\": \\"x\\"}": missing field "type"'],
    ['{"type": 7}', 'Cannot read message "{\\"type\\": 7}": field "type" must be a string'],
    ['{"type": "message"}', 'Invalid "message" message: missing field "message"'],
    [
      '{"type": "message", "message": 5}',
      'Invalid "message" message: field "message" must be a string',
    ],
    [
      '{"type": "message", "message": "x", "nickname": []}',
      'Invalid "message" message: field "nickname" must be a string',
    ],
    [
      '{"type": "nickname", "nickname": "A"}',
      'Invalid "nickname" message: missing field "clientID"',
    ],
    [
      '{"type": "nickname", "clientID": "1"}',
      'Invalid "nickname" message: missing field "nickname"',
    ],
    [
      '{"type": "nickname", "nickname": "A", "clientID": 1}',
      'Invalid "nickname" message: field "clientID" must be a string',
    ],
    [new Uint8Array([0x7b, 0xff, 0x7d]), "Cannot decode frame: invalid UTF-8"],
    [new Uint8Array([0x7b, 0xed, 0xa0, 0x80, 0x7d]), "Cannot decode frame: invalid UTF-8"],
  ];
  for (const [frame, error] of cases) {
    const decoded = decodeClientMessage(typeof frame === "string" ? bytes(frame) : frame);
    assert.deepEqual(decoded, { kind: "invalid", error }, `frame ${frame}`);
  }
});

Deno.test("decodeClientMessage() reports an unknown type apart from invalid frames", () => {
  assert.deepEqual(decodeClientMessage(bytes('{"type": "dance"}')), {
    kind: "unknown",
    type: "dance",
    error: 'Unknown message type "dance"',
  });
  // Server types are not client types, and prototype names are not types at all.
  assert.equal(decodeClientMessage(bytes('{"type": "broadcast"}')).kind, "unknown");
  assert.equal(decodeClientMessage(bytes('{"type": "constructor"}')).kind, "unknown");
  assert.equal(decodeClientMessage(bytes('{"type": "__proto__"}')).kind, "unknown");
});

Deno.test("decodeClientMessage() quotes at most 40 characters of a bad frame", () => {
  const long = "x".repeat(500);
  const decoded = decodeClientMessage(bytes(long));
  assert.deepEqual(decoded, {
    kind: "invalid",
    error: `Cannot parse frame "${"x".repeat(40)}…": invalid JSON`,
  });
});

// ---------------------------------------------------------------------------
// Server messages

Deno.test("decodeServerMessage() reads every server message type", () => {
  const messages: ServerMessage[] = [
    { type: "broadcast", nickname: "John", message: "hi", timestamp: "2024-03-21T10:30:44Z" },
    { type: "error", message: "Nickname already in use" },
    { type: "welcome", nickname: "Alice", clientID: "001", timestamp: "2024-03-21T10:30:25Z" },
    { type: "goodbye", timestamp: "2024-03-21T10:30:47Z" },
    { type: "shutdown", message: "Server is shutting down", timestamp: "2024-03-21T11:00:00Z" },
  ];
  for (const message of messages) {
    const line = encodeMessage(message);
    assert.equal(line.at(-1), 0x0a, "one object per line");
    assert.deepEqual(decodeServerMessage(line.subarray(0, -1)), { kind: "message", message });
  }
});

Deno.test("decodeServerMessage() accepts what other servers leave out and flags the unknown", () => {
  assert.deepEqual(
    decodeServerMessage(bytes('{"type": "broadcast", "nickname": "A", "message": "m"}')),
    { kind: "message", message: { type: "broadcast", nickname: "A", message: "m" } },
  );
  assert.deepEqual(decodeServerMessage(bytes('{"type": "welcome"}')), {
    kind: "message",
    message: { type: "welcome" },
  });
  assert.equal(decodeServerMessage(bytes('{"type": "future-thing"}')).kind, "unknown");
  assert.deepEqual(decodeServerMessage(bytes('{"type": "error"}')), {
    kind: "invalid",
    error: 'Invalid "error" message: missing field "message"',
  });
});

Deno.test("encodeMessage() writes one line of JSON with the spec's field names", () => {
  const line = decoder.decode(encodeMessage({
    type: "message",
    nickname: "John",
    message: 'quote " and newline \n',
    timestamp: "2024-03-21T10:30:44.000Z",
  }));
  assert.equal(
    line,
    '{"type":"message","nickname":"John","message":"quote \\" and newline \\n",' +
      '"timestamp":"2024-03-21T10:30:44.000Z"}\n',
  );
  assert.equal(line.indexOf("\n"), line.length - 1);
});

// ---------------------------------------------------------------------------
// Feature messages

Deno.test("decodeClientMessage() reads every feature request, and the announced extensions", () => {
  const requests: ClientMessage[] = [
    { type: "private", to: "Bob", message: "psst", timestamp: "2024-03-21T10:31:00.000Z" },
    { type: "room", room: "#project", message: "Meeting at 3?" },
    { type: "join", room: "#project" },
    { type: "leave", room: "#project" },
    { type: "nick", nickname: "Caro" },
    { type: "list" },
    {
      type: "nickname",
      nickname: "Alice",
      clientID: "001",
      extensions: ["private", "room", "joined", "left", "nick", "list"],
    },
  ];
  for (const request of requests) {
    const line = encodeMessage(request);
    assert.deepEqual(decodeClientMessage(line.subarray(0, -1)), {
      kind: "message",
      message: request,
    });
  }
});

Deno.test("decodeServerMessage() reads every feature message", () => {
  const messages: ServerMessage[] = [
    { type: "private", nickname: "Alice", message: "psst", timestamp: "t" },
    { type: "room", room: "#project", nickname: "Bob", message: "Meeting at 3?", timestamp: "t" },
    {
      type: "joined",
      nickname: "Carol",
      room: "#project",
      members: ["Bob", "Carol"],
      timestamp: "t",
    },
    { type: "joined", nickname: "Carol" },
    { type: "left", nickname: "Bob", reason: "disconnected", timestamp: "t" },
    { type: "left", nickname: "Bob", room: "#project" },
    { type: "nick", old: "Carol", nickname: "Caro", timestamp: "t" },
    { type: "list", users: ["Alice", "Bob"], rooms: [{ room: "#project", members: ["Bob"] }] },
    { type: "list", users: [], rooms: [] },
  ];
  for (const message of messages) {
    const line = encodeMessage(message);
    assert.deepEqual(decodeServerMessage(line.subarray(0, -1)), { kind: "message", message });
  }
});

Deno.test("decoders name what is wrong with a list or a room list", () => {
  assert.deepEqual(
    decodeClientMessage(
      bytes('{"type":"nickname","nickname":"A","clientID":"1","extensions":"all"}'),
    ),
    {
      kind: "invalid",
      error: 'Invalid "nickname" message: field "extensions" must be a list of strings',
    },
  );
  assert.deepEqual(decodeServerMessage(bytes('{"type":"list","users":["A",1],"rooms":[]}')), {
    kind: "invalid",
    error: 'Invalid "list" message: field "users" must be a list of strings',
  });
  assert.deepEqual(
    decodeServerMessage(bytes('{"type":"list","users":[],"rooms":[{"room":"#a"}]}')),
    {
      kind: "invalid",
      error: 'Invalid "list" message: field "rooms" must be a list of {"room", "members"} objects',
    },
  );
  // Extra fields inside a room are dropped, like extra fields anywhere.
  assert.deepEqual(
    decodeServerMessage(
      bytes('{"type":"list","users":[],"rooms":[{"room":"#a","members":[],"x":1}]}'),
    ),
    { kind: "message", message: { type: "list", users: [], rooms: [{ room: "#a", members: [] }] } },
  );
  assert.deepEqual(decodeClientMessage(bytes('{"type":"private","to":"Bob"}')), {
    kind: "invalid",
    error: 'Invalid "private" message: missing field "message"',
  });
});

Deno.test("roomProblem() takes # and 1 to 31 characters with no white space; roomKey() ignores case", () => {
  assert.equal(roomProblem("#lab"), undefined);
  assert.equal(roomProblem("#日本"), undefined);
  assert.equal(roomProblem("#" + "x".repeat(31)), undefined);
  assert.match(roomProblem("lab")!, /must be "#" and 1 to 31 more characters/);
  assert.match(roomProblem("#")!, /must be "#" and 1 to 31 more characters/);
  assert.match(roomProblem("#" + "x".repeat(32))!, /must be "#" and 1 to 31 more characters/);
  assert.match(roomProblem("#a b")!, /must not contain white space or control characters/);
  assert.match(roomProblem("#a\tb")!, /must not contain white space or control characters/);
  assert.equal(roomKey("#Lab"), roomKey("#lab"));
  assert.match(nicknameProblem("#alice")!, /must not start with "#"/);
});

// ---------------------------------------------------------------------------
// Values

Deno.test("parseTimestamp() reads ISO 8601 with Z, an offset, or local time", () => {
  assert.equal(
    parseTimestamp("2024-03-21T10:30:44.000Z")?.toISOString(),
    "2024-03-21T10:30:44.000Z",
  );
  assert.equal(
    parseTimestamp("2024-03-21T12:30:44+02:00")?.toISOString(),
    "2024-03-21T10:30:44.000Z",
  );
  assert.equal(
    parseTimestamp("2024-03-21T12:30:44+0200")?.toISOString(),
    "2024-03-21T10:30:44.000Z",
  );
  assert.equal(parseTimestamp("2024-03-21T05:30:44-05")?.toISOString(), "2024-03-21T10:30:44.000Z");
  // Python's datetime.now().isoformat() and str(datetime.now()): local time, microseconds.
  const local = new Date(2024, 2, 21, 10, 30, 44, 123);
  assert.equal(parseTimestamp("2024-03-21T10:30:44.123456")?.getTime(), local.getTime());
  assert.equal(parseTimestamp("2024-03-21 10:30:44.123456")?.getTime(), local.getTime());
  assert.equal(
    parseTimestamp("2024-03-21T10:30")?.getTime(),
    new Date(2024, 2, 21, 10, 30).getTime(),
  );
});

Deno.test("parseTimestamp() gives undefined for what it cannot read", () => {
  for (
    const bad of [
      undefined,
      "",
      "now",
      "1",
      "2024-03-21",
      "2024-13-45T99:99:99Z",
      "21/03/2024 10:30",
    ]
  ) {
    assert.equal(parseTimestamp(bad), undefined, `timestamp ${bad}`);
  }
});

Deno.test("utf8ByteLength() matches TextEncoder on every kind of character", () => {
  const samples = [
    "",
    "abc",
    "héllo wörld",
    "日本語",
    "😀 emoji",
    "\ud800 lone",
    "end \udc00",
    "a\u0000b",
  ];
  const next = random(1);
  for (let i = 0; i < 200; i++) {
    const units = Array.from({ length: 20 }, () => Math.floor(next() * 0x10000));
    samples.push(String.fromCharCode(...units));
  }
  for (const text of samples) assert.equal(utf8ByteLength(text), encoder.encode(text).length);
});

Deno.test("isWellFormedUtf8() agrees with a fatal TextDecoder on every kind of input (seeded)", () => {
  const fatal = new TextDecoder("utf-8", { fatal: true });
  const wellFormed = (input: Uint8Array) => {
    try {
      fatal.decode(input);
      return true;
    } catch {
      return false;
    }
  };
  const edges = [
    [],
    [0x7f],
    [0xc2, 0x80],
    [0xc1, 0xbf],
    [0xe0, 0xa0, 0x80],
    [0xe0, 0x9f, 0xbf],
    [0xed, 0x9f, 0xbf],
    [0xed, 0xa0, 0x80],
    [0xef, 0xbf, 0xbf],
    [0xf0, 0x90, 0x80, 0x80],
    [0xf0, 0x8f, 0xbf, 0xbf],
    [0xf4, 0x8f, 0xbf, 0xbf],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0x80],
    [0x80],
    [0xc2],
    [0xe2, 0x82],
    [0xf0, 0x9f, 0x98],
    [0xff],
    [0xc2, 0x41],
  ].map((b) => new Uint8Array(b));
  for (const input of edges) {
    assert.equal(isWellFormedUtf8(input), wellFormed(input), `bytes ${[...input]}`);
  }
  const next = random(3);
  const pool = [
    0x00,
    0x41,
    0x7f,
    0x80,
    0x8f,
    0x90,
    0x9f,
    0xa0,
    0xbf,
    0xc0,
    0xc2,
    0xdf,
    0xe0,
    0xed,
    0xef,
    0xf0,
    0xf4,
    0xf5,
    0xff,
  ];
  for (let round = 0; round < 20_000; round++) {
    const input = new Uint8Array(Math.floor(next() * 8)).map(() =>
      next() < 0.8 ? pool[Math.floor(next() * pool.length)] : Math.floor(next() * 256)
    );
    assert.equal(isWellFormedUtf8(input), wellFormed(input), `bytes ${[...input]}`);
  }
  assert.equal(isWellFormedUtf8(bytes("héllo 😀 日本")), true);
});

Deno.test("codePointLength() counts code points, not UTF-16 units", () => {
  assert.equal(codePointLength("héllo 😀"), 7);
  assert.equal(codePointLength(""), 0);
  assert.equal(codePointLength("日本"), 2);
});

Deno.test("nicknameProblem() takes 1 to 32 characters with no white space or control characters", () => {
  assert.equal(nicknameProblem("Alice"), undefined);
  assert.equal(nicknameProblem("Zoë😀"), undefined);
  assert.equal(nicknameProblem("x".repeat(32)), undefined);
  assert.equal(nicknameProblem("日".repeat(32)), undefined, "characters, not bytes");
  assert.equal(nicknameProblem(""), 'Nickname "" must be 1 to 32 characters');
  assert.equal(
    nicknameProblem("x".repeat(33)),
    `Nickname "${"x".repeat(33)}" must be 1 to 32 characters`,
  );
  assert.equal(nicknameProblem("two words"), 'Nickname "two words" must not contain white space');
  assert.equal(nicknameProblem("nbsp\u00a0"), 'Nickname "nbsp\u00a0" must not contain white space');
  assert.equal(nicknameProblem("a\nb"), 'Nickname "a\\nb" must not contain control characters');
  assert.equal(
    nicknameProblem("nul\0"),
    'Nickname "nul\\u0000" must not contain control characters',
  );
  assert.match(nicknameProblem("\x1b[31mred")!, /must not contain control characters/);
  assert.match(nicknameProblem("evil\u202egnp.exe")!, /must not contain control characters/);
});

Deno.test("nicknameKey() makes nicknames that differ only in case the same", () => {
  assert.equal(nicknameKey("Bob"), nicknameKey("bob"));
  assert.equal(nicknameKey("ZOË"), nicknameKey("zoë"));
  assert.equal(nicknameKey("Zoe\u0308"), nicknameKey("zoë"), "composed and decomposed alike");
  assert.notEqual(nicknameKey("Bob"), nicknameKey("Rob"));
});

// ---------------------------------------------------------------------------
// Framing

Deno.test("FrameReader splits objects ended by newlines and objects with nothing between them", () => {
  assert.deepEqual(frames(['{"a":1}\n{"b":2}\n']), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(frames(['{"a":1}{"b":2}{"c":{"d":[1,{}]}}']), [
    '{"a":1}',
    '{"b":2}',
    '{"c":{"d":[1,{}]}}',
  ]);
  assert.deepEqual(frames(['{"a":1}\r\n  {"b":2} \t {"c":3}']), ['{"a":1}', '{"b":2}', '{"c":3}']);
});

Deno.test("FrameReader drops the CR of a CR LF line ending, even in an earlier chunk", () => {
  assert.deepEqual(frames(["not json\r\n"]), ["not json"]);
  assert.deepEqual(frames(["not json\r", "\n"]), ["not json"]);
  assert.deepEqual(frames(["a\rb\n"]), ["a\rb"], "a CR elsewhere stays");
});

Deno.test("FrameReader is not fooled by braces, quotes and backslashes inside strings", () => {
  const tricky = '{"m":"} { \\" \\\\"}{"n":"\\\\\\"}"}';
  assert.deepEqual(frames([tricky]), ['{"m":"} { \\" \\\\"}', '{"n":"\\\\\\"}"}']);
  for (const frame of frames([tricky])) JSON.parse(frame);
});

Deno.test("FrameReader ends a broken frame at the newline so the next one is unaffected", () => {
  assert.deepEqual(frames(['{"a": "no end\n{"b":1}\n']), ['{"a": "no end', '{"b":1}']);
  assert.deepEqual(frames(['{"a": {"b": 1\n{"c":2}']), ['{"a": {"b": 1', '{"c":2}']);
  assert.deepEqual(frames(["not json\r\n[1,2]\n", '{"ok":true}']), [
    "not json",
    "[1,2]",
    '{"ok":true}',
  ]);
});

Deno.test("FrameReader gives the same frames whatever the chunk boundaries (seeded)", () => {
  const objects = [
    { type: "nickname", nickname: "Zoë", clientID: "001", timestamp: "2024-03-21T10:30:25Z" },
    { type: "message", nickname: "Zoë", message: '} { " \\ 😀 日本', timestamp: "t" },
    { type: "message", nickname: "x", message: "[".repeat(50) },
    { type: "disconnect", nickname: "Zoë", clientID: "001" },
  ];
  const expected = objects.map((o) => JSON.stringify(o));
  const next = random(42);
  for (let round = 0; round < 500; round++) {
    // Mix newline-ended and back-to-back objects, then cut the bytes at random points.
    const text = expected.map((f) => f + (next() < 0.5 ? "\n" : "")).join("");
    const all = bytes(text);
    const chunks: Uint8Array[] = [];
    let offset = 0;
    while (offset < all.length) {
      const size = 1 + Math.floor(next() * 40);
      chunks.push(all.slice(offset, offset + size));
      offset += size;
    }
    assert.deepEqual(frames(chunks), expected, `round ${round}`);
  }
});

Deno.test("FrameReader accepts a frame of exactly the limit and refuses one byte more", () => {
  const frameOf = (size: number) => `{"m":"${"x".repeat(size - 8)}"}`;
  assert.equal(frameOf(100).length, 100);
  assert.deepEqual(frames([frameOf(100) + "\n"], 100), [frameOf(100)]);
  assert.deepEqual(frames([frameOf(101) + "\n"], 100), ["<oversize 100>"]);
  // Split over chunks, the same.
  assert.deepEqual(frames([frameOf(100).slice(0, 50), frameOf(100).slice(50)], 100), [
    frameOf(100),
  ]);
  assert.deepEqual(frames([frameOf(101).slice(0, 50), frameOf(101).slice(50)], 100), [
    "<oversize 100>",
  ]);
});

Deno.test("FrameReader reports a frame with no end as soon as it passes the limit, keeping none of it", () => {
  const reader = new FrameReader(1000);
  const events: string[] = [];
  const feed = (text: string) => reader.push(bytes(text)).forEach((e) => events.push(describe(e)));
  feed('{"m":"');
  for (let i = 0; i < 100; i++) feed("x".repeat(100)); // 10 KB with no end yet
  assert.deepEqual(events, ["<oversize 1000>"], "reported once, before the frame ends");
  assert.equal(reader.pending, true, "the reader still follows the long frame to its end");
  feed('still the long one"}{"after":1}\n{"next":2}\n');
  assert.deepEqual(events, ["<oversize 1000>", '{"after":1}', '{"next":2}']);
  // A line with no newline at all, the same.
  const line = new FrameReader(1000);
  assert.deepEqual(line.push(bytes("y".repeat(5000))).map(describe), ["<oversize 1000>"]);
  assert.deepEqual(line.push(bytes("zzz\nok\n")).map(describe), ["ok"]);
});

Deno.test("FrameReader survives random bytes and keeps framing what follows (seeded)", () => {
  const next = random(7);
  const reader = new FrameReader(2048);
  for (let round = 0; round < 2000; round++) {
    const noise = new Uint8Array(Math.floor(next() * 300)).map(() => Math.floor(next() * 256));
    for (const event of reader.push(noise)) {
      if (event.kind === "frame") assert.ok(event.bytes.length <= 2048);
    }
    // A newline always brings the reader back, whatever came before.
    reader.push(bytes("\n"));
    assert.deepEqual(reader.push(bytes('{"type":"disconnect"}')).map(describe), [
      '{"type":"disconnect"}',
    ]);
  }
});
