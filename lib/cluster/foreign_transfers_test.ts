import assert from "node:assert/strict";
import { ForeignTransfers } from "./foreign_transfers.ts";

const offer = {
  type: "offer" as const,
  id: "t1",
  from: "Alice",
  name: "a.txt",
  size: 1,
  sha256: "0".repeat(64),
};

Deno.test("ForeignTransfers knows which node runs a transfer offered here, until it ends", () => {
  const transfers = new ForeignTransfers<string>();
  transfers.note("nodeA", ["bob"], offer);
  assert.equal(transfers.nodeFor("bob", { type: "accept", id: "t1" }), "nodeA");
  assert.equal(transfers.nodeFor("carol", { type: "accept", id: "t1" }), undefined);
  assert.equal(transfers.nodeFor("bob", { type: "received", id: "t1", seq: 0 }), "nodeA");
  // The recipient's own end is passed on, then forgotten.
  assert.equal(transfers.nodeFor("bob", { type: "complete", id: "t1" }), "nodeA");
  assert.equal(transfers.nodeFor("bob", { type: "received", id: "t1", seq: 1 }), undefined);
  // The sender's end, delivered here, forgets it too; so does the recipient leaving.
  transfers.note("nodeA", ["bob"], offer);
  transfers.note("nodeA", ["bob"], { type: "cancel", id: "t1" });
  assert.equal(transfers.nodeFor("bob", { type: "accept", id: "t1" }), undefined);
  transfers.note("nodeA", ["bob"], offer);
  transfers.forget("bob");
  assert.equal(transfers.nodeFor("bob", { type: "accept", id: "t1" }), undefined);
});
