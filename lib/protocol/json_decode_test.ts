import assert from "node:assert/strict";
import { COUNT, decodeWith, TEXT, TEXT_OPTIONAL } from "./json_decode.ts";

const encoder = new TextEncoder();
const SCHEMA = { greet: { name: TEXT, times: COUNT, when: TEXT_OPTIONAL } };

Deno.test("decodeWith() keeps only the fields the schema names, each checked", () => {
  const frame = encoder.encode('{"type":"greet","name":"Ann","times":2,"extra":{"x":1}}');
  assert.deepEqual(decodeWith(frame, SCHEMA), {
    kind: "message",
    message: { type: "greet", name: "Ann", times: 2 },
  });
  assert.deepEqual(decodeWith(encoder.encode('{"type":"greet","name":"Ann","times":-1}'), SCHEMA), {
    kind: "invalid",
    error: 'Invalid "greet" message: field "times" must be a whole number from 0',
  });
  assert.deepEqual(decodeWith(encoder.encode('{"type":"wave"}'), SCHEMA), {
    kind: "unknown",
    type: "wave",
    error: 'Unknown message type "wave"',
  });
});

Deno.test("decodeWith() reads a field under its alias when it is missing", () => {
  const aliases = { greet: { when: "whn" } };
  const frame = encoder.encode('{"type":"greet","name":"Ann","times":1,"whn":"now"}');
  assert.deepEqual(decodeWith(frame, SCHEMA, aliases), {
    kind: "message",
    message: { type: "greet", name: "Ann", times: 1, when: "now" },
  });
});
