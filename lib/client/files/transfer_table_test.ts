import assert from "node:assert/strict";
import { type IncomingTransfer, percent, TransferTable } from "./transfer_table.ts";

function offer(table: TransferTable, id: string, size = 1000): IncomingTransfer {
  return table.add<IncomingTransfer>({
    id,
    outgoing: false,
    peer: "Bob",
    name: `${id}.txt`,
    size,
    sha256: "",
    queued: [],
    writing: Promise.resolve(),
  });
}

Deno.test("TransferTable numbers transfers from 1 and never gives a number twice", () => {
  const table = new TransferTable(() => {});
  const first = offer(table, "a");
  table.delete(first);
  assert.equal(first.n, 1);
  assert.equal(offer(table, "b").n, 2);
  assert.equal(table.byId("b")?.n, 2);
  assert.equal(table.has(first), false);
});

Deno.test("TransferTable finds a transfer by number or the latest that fits, and says when none does", () => {
  const printed: string[] = [];
  const table = new TransferTable((line) => printed.push(line));
  const [a, b] = [offer(table, "a"), offer(table, "b")];
  b.active = true;
  assert.equal(table.find(undefined, (t) => !t.active), a);
  assert.equal(table.find(2, () => true), b);
  assert.equal(table.find(2, (t) => !t.active), undefined);
  table.delete(a);
  assert.equal(table.find(undefined, (t) => !t.active), undefined);
  assert.deepEqual(printed, [
    "No transfer 2 to do that with: /transfers lists them",
    "No such transfer: /transfers lists them",
  ]);
});

Deno.test("TransferTable lists offers and transfers with their numbers and progress", () => {
  const printed: string[] = [];
  const table = new TransferTable((line) => printed.push(line));
  table.list();
  const moving = offer(table, "a");
  offer(table, "b", 0);
  Object.assign(moving, { active: true, done: 250 });
  table.list();
  assert.deepEqual(printed, [
    "No transfers (/send <user> <path> offers a file)",
    "  1  a.txt (1.0 kB) from Bob: 25%, 250 B of 1.0 kB",
    "  2  b.txt (0 B) from Bob: offered: /accept 2 or /reject 2",
  ]);
  assert.equal(percent(table.byId("b")!), "100%");
});
