import assert from "node:assert/strict";
import { eventKind } from "../common/log_event.ts";
import { ConsoleLog } from "./console_log.ts";
import { jsonLine } from "./log_format.ts";
import { FakeWriter } from "../tools/testing.ts";

const AT = new Date(Date.UTC(2024, 2, 21, 9, 30, 44, 5));
const SAID = eventKind("said", "info", (f: { text: string }) => f.text);
const said = (text: string) => SAID.at(AT, { text });

Deno.test("ConsoleLog writes lines in order without making the caller wait", async () => {
  const terminal = new FakeWriter();
  terminal.hold();
  const log = new ConsoleLog(terminal);
  log.log(said("one"));
  log.log(said("two"));
  assert.equal(terminal.text, "", "nothing is written synchronously");
  terminal.release();
  await log.flush();
  assert.equal(terminal.text, "one\ntwo\n");
});

Deno.test("ConsoleLog drops lines past its cap and says how many it dropped", async () => {
  const terminal = new FakeWriter();
  terminal.hold();
  const log = new ConsoleLog(terminal, { capBytes: 60 });
  const a = "a".repeat(29);
  const b = "b".repeat(24);
  log.log(said(a));
  log.log(said(b)); // one turn: 55 bytes, written together
  await Promise.resolve();
  log.log(said("third"));
  log.log(said("fourth")); // the next turn: 13 bytes more would pass 60, so both are dropped
  await Promise.resolve();
  terminal.release();
  await log.flush();
  log.log(said("fifth"));
  await log.flush();
  assert.equal(
    terminal.text,
    `${a}\n${b}\n(2 console lines dropped: the console is too slow)\nfifth\n`,
  );
});

Deno.test("ConsoleLog writes in the format it is given, the dropped lines' notice too", async () => {
  const terminal = new FakeWriter();
  terminal.hold();
  const log = new ConsoleLog(terminal, { capBytes: 260, format: jsonLine, now: () => AT });
  log.log(said("x".repeat(150)));
  await Promise.resolve();
  log.log(said("dropped"));
  await Promise.resolve();
  terminal.release();
  await log.flush();
  log.log(said("kept"));
  await log.flush();
  const lines = terminal.text.trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(lines.slice(1), [
    { time: "2024-03-21T09:30:44.005Z", level: "warn", event: "console_dropped", count: 1 },
    { time: "2024-03-21T09:30:44.005Z", level: "info", event: "said", text: "kept" },
  ]);
});
