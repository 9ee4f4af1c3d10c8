import assert from "node:assert/strict";
import { decodeBusMessage, encodeBusMessage } from "./bus_messages.ts";

Deno.test("encodeBusMessage() writes the bus's version and the node's id before the message", () => {
  assert.equal(encodeBusMessage("ab12", { kind: "hello" }), '{"v":1,"node":"ab12","kind":"hello"}');
  const text = encodeBusMessage("ab12", { kind: "leave", nickname: "Alice", reason: "gone" });
  assert.deepEqual(decodeBusMessage(text), {
    v: 1,
    node: "ab12",
    kind: "leave",
    nickname: "Alice",
    reason: "gone",
  });
});

Deno.test("decodeBusMessage() refuses what is not JSON, and messages of another version or none", () => {
  assert.throws(() => decodeBusMessage("{"), { message: "a message on the bus that is not JSON" });
  for (const text of ['{"v":2,"node":"ab12","kind":"hello"}', '{"v":1,"kind":"hello"}', "null"]) {
    assert.throws(
      () => decodeBusMessage(text),
      { message: "a message on the bus of another version" },
      text,
    );
  }
});
