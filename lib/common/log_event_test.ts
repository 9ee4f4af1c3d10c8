import assert from "node:assert/strict";
import { eventKind, type LogEvent } from "./log_event.ts";

const AT = new Date(Date.UTC(2024, 2, 21, 9, 30, 44));

Deno.test("an event has its kind's name and level, its time and fields", () => {
  const joined = eventKind("joined", "info", (f: { nickname: string }) => `${f.nickname} in`);
  const event = joined.at(AT, { nickname: "Ann" });
  assert.deepEqual(
    [event.event, event.level, event.time, event.fields, event.text],
    ["joined", "info", AT, { nickname: "Ann" }, "Ann in"],
  );
  assert.deepEqual([joined.event, joined.level], ["joined", "info"]);
});

Deno.test("an event's text line is written from its fields and time, once", () => {
  let written = 0;
  const said = eventKind("said", "warn", (f: { n: number }, time) => {
    written++;
    return `${time.getUTCHours()}h: ${f.n}`;
  });
  const event = said.at(AT, { n: 3 });
  assert.equal(written, 0, "nothing is written until asked for");
  assert.equal(event.text, "9h: 3");
  assert.equal(event.text, "9h: 3");
  assert.equal(written, 1);
});

Deno.test("lineIn() writes an event once per format, however many times it is asked", () => {
  const said = eventKind("said", "info", () => "text");
  const event = said.at(AT, {});
  const calls: string[] = [];
  const upper = (each: LogEvent) => (calls.push("upper"), each.text.toUpperCase());
  const lower = (each: LogEvent) => (calls.push("lower"), each.text);
  assert.equal(event.lineIn(upper), "TEXT");
  assert.equal(event.lineIn(upper), "TEXT");
  assert.equal(event.lineIn(lower), "text");
  assert.deepEqual(calls, ["upper", "lower"]);
});
