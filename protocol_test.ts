import assert from "node:assert/strict";
import {
  type ClientMessage,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  type ServerMessage,
} from "./protocol.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);

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
    { type: "login", password: "correct horse" },
    { type: "account", action: "register", password: "correct horse" },
    { type: "account", action: "unregister" },
    { type: "history", room: "#project", count: 50 },
    { type: "history" },
    { type: "ack", id: 17 },
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
    { type: "login", nickname: "Alice" },
    { type: "account", action: "register", nickname: "Alice", timestamp: "t" },
    { type: "queued", to: "Bob", timestamp: "t" },
    { type: "history", count: 20, earlier: 3 },
    { type: "history", room: "#project", count: 0, earlier: 0 },
    { type: "private", nickname: "Bob", message: "hi", timestamp: "t", offline: true, id: 4 },
    { type: "private", nickname: "Bob", to: "Carol", message: "sent elsewhere", timestamp: "t" },
    { type: "broadcast", nickname: "Bob", message: "hi", timestamp: "t", history: true },
    { type: "room", room: "#p", nickname: "Bob", message: "hi", timestamp: "t", history: true },
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

Deno.test("a private message carries text or an end-to-end envelope, one of them", () => {
  const e2e = {
    v: 1,
    sid: "c2lk",
    n: 3,
    t: "2026-11-30T12:00:00.000Z",
    iv: "aXY=",
    ct: "Y3Q=",
    key: { v: 1, sid: "c2lk", eph: "ZQ==", iv: "aQ==", key: "aw==", sig: "cw==", x: 1 },
    extra: "dropped",
  };
  const { extra: _extra, ...kept } = e2e;
  const { x: _x, ...keptKey } = e2e.key;
  assert.deepEqual(
    decodeClientMessage(bytes(JSON.stringify({ type: "private", to: "Bob", e2e }))),
    { kind: "message", message: { type: "private", to: "Bob", e2e: { ...kept, key: keptKey } } },
  );
  assert.deepEqual(
    decodeClientMessage(bytes(JSON.stringify({ type: "private", to: "Bob", message: "hi", e2e }))),
    {
      kind: "invalid",
      error: 'Invalid "private" message: give "message", or "e2e" when end-to-end encrypted, ' +
        "not both",
    },
  );
  for (const bad of [{ ...e2e, n: 0 }, { ...e2e, key: "k" }, { ...e2e, iv: "i".repeat(200) }]) {
    assert.match(
      JSON.stringify(
        decodeClientMessage(bytes(JSON.stringify({ type: "private", to: "B", e2e: bad }))),
      ),
      /field \\"e2e\\" must be an end-to-end envelope/,
    );
  }
  assert.deepEqual(
    decodeServerMessage(bytes(JSON.stringify({ type: "private", nickname: "Alice", e2e: kept }))),
    {
      kind: "message",
      message: { type: "private", nickname: "Alice", e2e: { ...kept, key: keptKey } },
    },
  );
});

Deno.test("decodeClientMessage() wants whole numbers from 0 for counts and ids", () => {
  for (const id of ["-1", "1.5", '"3"', "true"]) {
    assert.deepEqual(decodeClientMessage(bytes(`{"type":"ack","id":${id}}`)), {
      kind: "invalid",
      error: 'Invalid "ack" message: field "id" must be a whole number from 0',
    });
  }
  assert.deepEqual(
    decodeServerMessage(bytes('{"type":"private","nickname":"a","message":"b","offline":"yes"}')),
    { kind: "invalid", error: 'Invalid "private" message: field "offline" must be true or false' },
  );
});

Deno.test("decoders read every file transfer message, both ways", () => {
  const both: ClientMessage[] = [
    { type: "accept", id: "t1" },
    { type: "reject", id: "t1" },
    { type: "cancel", id: "t1", reason: "cancelled by the user" },
    { type: "cancel", id: "t1" },
    { type: "chunk", id: "t1", seq: 3, data: "AAEC" },
    { type: "received", id: "t1", seq: 3 },
    { type: "complete", id: "t1" },
  ];
  const offer: ClientMessage = {
    type: "offer",
    id: "t1",
    to: "Bob",
    name: "a.txt",
    size: 3,
    sha256: "ab".repeat(32),
  };
  for (const message of [...both, offer]) {
    assert.deepEqual(decodeClientMessage(encodeMessage(message)), { kind: "message", message });
  }
  const notice: ServerMessage = {
    type: "offer",
    id: "t1",
    from: "Alice",
    name: "a.txt",
    size: 3,
    sha256: "ab".repeat(32),
    timestamp: "t",
  };
  for (const message of [...both as ServerMessage[], notice]) {
    assert.deepEqual(decodeServerMessage(encodeMessage(message)), { kind: "message", message });
  }
  assert.deepEqual(decodeClientMessage(bytes('{"type":"chunk","id":"t1","seq":-1,"data":""}')), {
    kind: "invalid",
    error: 'Invalid "chunk" message: field "seq" must be a whole number from 0',
  });
});
