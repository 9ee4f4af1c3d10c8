import assert from "node:assert/strict";
import { ConsoleLog } from "./console_log.ts";
import { FakeWriter } from "../tools/testing.ts";

Deno.test("ConsoleLog writes lines in order without making the caller wait", async () => {
  const terminal = new FakeWriter();
  terminal.hold();
  const log = new ConsoleLog(terminal);
  log.line("one");
  log.line("two");
  assert.equal(terminal.text, "", "nothing is written synchronously");
  terminal.release();
  await log.flush();
  assert.equal(terminal.text, "one\ntwo\n");
});

Deno.test("ConsoleLog drops lines past its cap and says how many it dropped", async () => {
  const terminal = new FakeWriter();
  terminal.hold();
  const log = new ConsoleLog(terminal, 60);
  const a = "a".repeat(29);
  const b = "b".repeat(24);
  log.line(a);
  log.line(b); // one turn: 55 bytes, written together
  await Promise.resolve();
  log.line("third");
  log.line("fourth"); // the next turn: 13 bytes more would pass 60, so both are dropped
  await Promise.resolve();
  terminal.release();
  await log.flush();
  log.line("fifth");
  await log.flush();
  assert.equal(
    terminal.text,
    `${a}\n${b}\n(2 console lines dropped: the console is too slow)\nfifth\n`,
  );
});
