import assert from "node:assert/strict";
import type { ClientMessage } from "../../protocol.ts";
import { KeyLookups } from "./key_lookups.js";

function lookups() {
  const sent: ClientMessage[] = [];
  return { sent, lookups: new KeyLookups((message) => sent.push(message)) };
}

Deno.test("KeyLookups: an answer settles the lookup whose ref it names, a refusal at once", async () => {
  const { sent, lookups: keys } = lookups();
  const first = keys.ask("Bob");
  const second = keys.ask("bob");
  const [one, two] = sent.map((message) => message.type === "keys" ? message.ref : undefined);
  assert.notEqual(one, two);
  // Answered out of order, each by its ref.
  keys.answer({ type: "keys", nickname: "Bob", ref: two, devices: [] });
  keys.answer({ type: "error", message: 'No such user "Bob"', ref: one });
  assert.deepEqual(await first, { type: "error", message: 'No such user "Bob"', ref: one });
  assert.deepEqual(await second, { type: "keys", nickname: "Bob", ref: two, devices: [] });
  // Nothing left to answer.
  assert.equal(keys.answers({ type: "keys", nickname: "Bob", ref: two }), false);
});

Deno.test("KeyLookups: from a server without refs, oldest first; what it sends by itself answers none", async () => {
  const { lookups: keys } = lookups();
  const first = keys.ask("Ann");
  const second = keys.ask("Ann");
  const pushed = { type: "keys" as const, nickname: "Ann", devices: [], changed: true };
  const published = { type: "keys" as const, nickname: "Ann", devices: [], device: "x" };
  assert.equal(keys.answers(pushed), false);
  assert.equal(keys.answers(published), false);
  keys.answer({ type: "keys", nickname: "ann" });
  keys.answer({ type: "keys", nickname: "ANN", devices: [] });
  assert.deepEqual(await first, { type: "keys", nickname: "ann" });
  assert.deepEqual(await second, { type: "keys", nickname: "ANN", devices: [] });
  const third = keys.ask("Ann");
  keys.close();
  assert.equal(await third, undefined);
});
