import assert from "node:assert/strict";
import { MAX_ADDRESSES, NOTE_PERIOD_MS, RefusalNotes } from "./refusal_notes.ts";

/** Notes with a clock moved by hand, and the lines they say (times as `<dt>`). */
function notes() {
  let now = Date.UTC(2026, 10, 22, 3, 30, 0);
  const lines: string[] = [];
  const refusals = new RefusalNotes({
    log: (event) => lines.push(event.text.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, "<dt>")),
    now: () => new Date(now),
  });
  return { refusals, lines, pass: (ms: number) => now += ms };
}

Deno.test("RefusalNotes says the first refusal of an address, then one line a minute with the count", () => {
  const { refusals, lines, pass } = notes();
  const why = "Too many connections from 192.0.2.7: the limit is 2";
  for (let i = 0; i < 1000; i++) refusals.note("192.0.2.7", why);
  refusals.note("192.0.2.8", "Server full: 10 connections already; try again later");
  assert.deepEqual(lines, [
    `<dt> :: web port refused 192.0.2.7: ${why}`,
    "<dt> :: web port refused 192.0.2.8: Server full: 10 connections already; try again later",
  ]);
  pass(NOTE_PERIOD_MS - 1);
  refusals.note("192.0.2.7", why);
  assert.equal(lines.length, 2, "not before the minute is over");
  pass(1);
  refusals.note("192.0.2.7", why);
  assert.deepEqual(lines.slice(2), [
    `<dt> :: web port refused 192.0.2.7: ${why} (and 1000 more from there since <dt>)`,
  ]);
  pass(NOTE_PERIOD_MS);
  refusals.note("192.0.2.7", why);
  assert.deepEqual(lines.slice(3), [`<dt> :: web port refused 192.0.2.7: ${why}`]);
});

Deno.test("RefusalNotes keeps a bounded number of addresses, the others counted together", () => {
  const { refusals, lines, pass } = notes();
  for (let i = 0; i < MAX_ADDRESSES; i++) refusals.note(`10.0.${i >> 8}.${i & 255}`, "Server full");
  assert.equal(lines.length, MAX_ADDRESSES);
  for (let i = 0; i < 10; i++) refusals.note(`203.0.113.${i}`, "Server full");
  assert.deepEqual(lines.slice(MAX_ADDRESSES), [
    "<dt> :: web port refused 1 connection from other addresses too: Server full",
  ]);
  // A minute on, the old addresses are forgotten to make room.
  pass(NOTE_PERIOD_MS);
  refusals.note("203.0.113.99", "Server full");
  assert.deepEqual(lines.slice(MAX_ADDRESSES + 1), [
    "<dt> :: web port refused 203.0.113.99: Server full",
  ]);
});
