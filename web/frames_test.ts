import assert from "node:assert/strict";
import { LINES_PROTOCOL, messagesOf } from "./frames.js";

Deno.test("a chat-lines frame gives each of its lines' messages, in order", () => {
  const frame = '{"type":"broadcast","message":"1"}\n{"type":"broadcast","message":"2"}\n' +
    '{"type":"left","nickname":"Bob"}\n';
  assert.deepEqual(messagesOf(frame, LINES_PROTOCOL), [
    { type: "broadcast", message: "1" },
    { type: "broadcast", message: "2" },
    { type: "left", nickname: "Bob" },
  ]);
});

Deno.test("a chat-lines frame's empty pieces are skipped, its last newline may be missing", () => {
  assert.deepEqual(messagesOf('\n{"n":1}\n\n{"n":2}', LINES_PROTOCOL), [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(messagesOf("\n", LINES_PROTOCOL), []);
  assert.deepEqual(messagesOf("", LINES_PROTOCOL), []);
});

Deno.test("a chat-lines line that is not a JSON object is skipped, and the others kept", () => {
  const frame = '{"n":1}\nnot json\n[1,2]\nnull\n"text"\n{"n":2}\n';
  assert.deepEqual(messagesOf(frame, LINES_PROTOCOL), [{ n: 1 }, { n: 2 }]);
});

Deno.test("without the subprotocol a frame is one message, its newlines inside strings kept", () => {
  assert.deepEqual(messagesOf('{"message":"a\\nb"}', ""), [{ message: "a\nb" }]);
  assert.deepEqual(messagesOf('{"n":1}\n', ""), [{ n: 1 }]);
  // Two messages in one frame are not JSON: a server that did not take chat-lines never sends them.
  assert.deepEqual(messagesOf('{"n":1}\n{"n":2}\n', ""), []);
});

Deno.test("a frame that is not text, or not an object, gives nothing", () => {
  assert.deepEqual(messagesOf(new ArrayBuffer(4), LINES_PROTOCOL), []);
  assert.deepEqual(messagesOf("42", ""), []);
  assert.deepEqual(messagesOf("null", ""), []);
});
