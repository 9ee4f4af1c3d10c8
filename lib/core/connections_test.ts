import assert from "node:assert/strict";
import { Connections } from "./connections.ts";

Deno.test("Connections hangs a user's other connections off its entry, and expands to them", () => {
  const connections = new Connections<string>();
  assert.equal(connections.any, false);
  assert.deepEqual([...connections.expand(["ann", "bob"], "bob")], ["ann"]);
  connections.add("ann", "ann2");
  connections.add("ann", "ann3");
  assert.equal(connections.any, true);
  assert.equal(connections.entry("ann3"), "ann");
  assert.equal(connections.entry("bob"), "bob");
  assert.equal(connections.count("ann"), 3);
  assert.equal(connections.count("bob"), 1);
  assert.deepEqual(connections.all("ann"), ["ann", "ann2", "ann3"]);
  assert.deepEqual([...connections.expand(["bob", "ann"], "ann2")], ["bob", "ann", "ann3"]);
  assert.deepEqual([...connections.expand(["bob", "ann"], "ann")], ["bob", "ann2", "ann3"]);
});

Deno.test("Connections: an extra leaves alone; the entry's place goes to the next; the last is alone", () => {
  const connections = new Connections<string>();
  assert.equal(connections.remove("bob"), undefined, "a user's only connection");
  connections.add("ann", "ann2");
  connections.add("ann", "ann3");
  connections.add("ann", "ann4");
  assert.equal(connections.remove("ann3"), "ann");
  assert.deepEqual(connections.all("ann"), ["ann", "ann2", "ann4"]);
  assert.equal(connections.remove("ann"), "ann2");
  assert.deepEqual(connections.all("ann2"), ["ann2", "ann4"]);
  assert.equal(connections.entry("ann4"), "ann2");
  assert.equal(connections.entry("ann2"), "ann2");
  assert.equal(connections.remove("ann4"), "ann2");
  assert.equal(connections.any, false);
  assert.equal(connections.remove("ann2"), undefined);
});
