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

Deno.test("a labelled command answered by one batch has the label on that batch's opening", () => {
  assert.deepEqual(
    lines(
      ":srv BATCH +h1 chathistory #r\r\n@batch=h1;time=t :a PRIVMSG #r :x\r\n",
      "@time=u;batch=h1 :b PRIVMSG #r :y\r\n:srv BATCH -h1\r\n",
    ),
    [
      "@label=l1 :srv BATCH +h1 chathistory #r",
      "@batch=h1;time=t :a PRIVMSG #r :x",
      "@time=u;batch=h1 :b PRIVMSG #r :y",
      ":srv BATCH -h1",
    ],
  );
  assert.deepEqual(lines(":srv BATCH +h2 chathistory #r\r\n:srv BATCH -h2\r\n"), [
    "@label=l1 :srv BATCH +h2 chathistory #r",
    ":srv BATCH -h2",
  ]);
  // A line outside the batch: the whole goes in a labeled-response batch.
  assert.equal(
    lines(":srv BATCH +h3 chathistory #r\r\n:srv BATCH -h3\r\n:srv NOTICE a :z\r\n")[0],
    "@label=l1 :srv BATCH +b1 labeled-response",
  );
});
