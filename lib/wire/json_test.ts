import assert from "node:assert/strict";
import { JSON_WIRE } from "./json.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);
/** An end-to-end envelope: the server carries it as it is. */
const E2E = {
  v: 1,
  sid: "c2lk",
  n: 1,
  t: "2026-11-30T12:00:00.000Z",
  iv: "aXY=",
  ct: "Y3Q=",
  key: { v: 1, sid: "c2lk", eph: "ZQ==", iv: "aQ==", key: "aw==", sig: "cw==" },
};

Deno.test("JSON_WIRE decodes each client message into the core's command", () => {
  const cases: [unknown, unknown][] = [
    [
      { type: "nickname", nickname: "Alice", clientID: "001", extensions: ["private"] },
      { kind: "register", nickname: "Alice", clientID: "001", extensions: ["private"] },
    ],
    [
      { type: "message", nickname: "Mallory", message: "hi", timestamp: "2024-03-21T10:30:44Z" },
      { kind: "say", text: "hi", timestamp: "2024-03-21T10:30:44Z" },
    ],
    [{ type: "disconnect" }, { kind: "disconnect" }],
    [
      { type: "private", to: "Bob", message: "psst" },
      { kind: "whisper", to: "Bob", text: "psst", timestamp: undefined },
    ],
    [
      { type: "private", to: "Bob", e2e: E2E },
      { kind: "whisper", to: "Bob", text: "", timestamp: undefined, e2e: E2E },
    ],
    [
      { type: "room", room: "#lab", message: "hey" },
      { kind: "room", room: "#lab", text: "hey", timestamp: undefined },
    ],
    [{ type: "join", room: "#lab" }, { kind: "join", room: "#lab" }],
    [{ type: "leave", room: "#lab" }, { kind: "leave", room: "#lab" }],
    [{ type: "nick", nickname: "Caro" }, { kind: "nick", nickname: "Caro" }],
    [{ type: "list" }, { kind: "list" }],
  ];
  for (const [message, command] of cases) {
    assert.deepEqual(JSON_WIRE.decode(bytes(JSON.stringify(message)), false), command);
  }
  assert.deepEqual(JSON_WIRE.decode(bytes("not json"), false), {
    kind: "invalid",
    error: 'Cannot parse frame "not json": invalid JSON',
  });
});

Deno.test("JSON_WIRE encodes every message as one line, in order", () => {
  const encoded = JSON_WIRE.encode([
    { type: "broadcast", nickname: "Alice", message: "one" },
    { type: "left", nickname: "Bob", reason: "disconnected" },
  ]);
  assert.equal(
    decoder.decode(encoded),
    '{"type":"broadcast","nickname":"Alice","message":"one"}\n' +
      '{"type":"left","nickname":"Bob","reason":"disconnected"}\n',
  );
  assert.equal(
    decoder.decode(JSON_WIRE.encodeError("Nickname already in use", "taken")),
    '{"type":"error","message":"Nickname already in use"}\n',
  );
});

Deno.test("JSON_WIRE decodes the devices' messages, and login and keys with a device", () => {
  const decode = (message: unknown) =>
    JSON_WIRE.decode(new TextEncoder().encode(JSON.stringify(message)), true);
  const bundle = { v: 1, dh: "a", sign: "b", sig: "c" };
  assert.deepEqual(decode({ type: "keys", bundle, device: "laptop" }), {
    kind: "keys",
    bundle,
    device: "laptop",
  });
  assert.deepEqual(decode({ type: "login", password: "pw", device: "D".repeat(16) }), {
    kind: "login",
    password: "pw",
    device: "D".repeat(16),
  });
  assert.deepEqual(decode({ type: "approve", device: "d", by: "k", sig: "s" }), {
    kind: "approve",
    device: "d",
    by: "k",
    sig: "s",
  });
  assert.deepEqual(decode({ type: "revoke", device: "d" }), { kind: "revoke", device: "d" });
  assert.deepEqual(decode({ type: "unread", to: "bob", t: "t", reason: "r" }), {
    kind: "unread",
    to: "bob",
    t: "t",
    reason: "r",
  });
});
