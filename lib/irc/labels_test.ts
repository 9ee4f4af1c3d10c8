import assert from "node:assert/strict";
import { labelled } from "./labels.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The lines `labelled` writes for `gathered`. */
function lines(...gathered: string[]): string[] {
  const bytes = labelled(gathered.map((text) => encoder.encode(text)), "l1", "srv", "b1");
  return decoder.decode(bytes).split("\r\n").slice(0, -1);
}

Deno.test("a labelled command with no reply gets an ACK with its label", () => {
  assert.deepEqual(lines(), ["@label=l1 :srv ACK"]);
});

Deno.test("a labelled command's one reply carries its label, beside the tags it has", () => {
  assert.deepEqual(lines(":srv PONG srv :x\r\n"), ["@label=l1 :srv PONG srv :x"]);
  assert.deepEqual(lines("@time=t :a PRIVMSG b :hi\r\n"), ["@label=l1;time=t :a PRIVMSG b :hi"]);
});

Deno.test("a labelled command's replies, however they were queued, come in one batch", () => {
  assert.deepEqual(lines(":srv 311 a b\r\n:srv 312 a b\r\n", ":srv 318 a b\r\n"), [
    "@label=l1 :srv BATCH +b1 labeled-response",
    "@batch=b1 :srv 311 a b",
    "@batch=b1 :srv 312 a b",
    "@batch=b1 :srv 318 a b",
    ":srv BATCH -b1",
  ]);
});
