import assert from "node:assert/strict";
import type { HistoryEntry, KeptMessage } from "../store/store.ts";
import { historyRun, keptRun } from "./replies.ts";

function kept(id: number, text: string): KeptMessage {
  return { id, from: "Ann", text, timestamp: `2024-03-21T10:00:0${id}.000Z`, at: id };
}

function said(text: string, room?: string): HistoryEntry {
  return {
    target: room ?? "*",
    room,
    nickname: "Bob",
    text,
    timestamp: "2024-03-21T10:00:00.000Z",
    at: 0,
  };
}

Deno.test("keptRun() sends kept messages within the budget, at least one, the rest after its ack", () => {
  const messages = [kept(1, "a".repeat(100)), kept(2, "b".repeat(100)), kept(3, "c")];
  const first = keptRun(messages, 500);
  assert.deepEqual(first.messages.map((m) => m.type === "private" && m.id), [1, 2]);
  assert.deepEqual(first.messages[0], {
    type: "private",
    nickname: "Ann",
    message: "a".repeat(100),
    timestamp: "2024-03-21T10:00:01.000Z",
    offline: true,
    id: 1,
  });
  assert.equal(first.rest?.through, 2);
  assert.deepEqual(first.rest?.rest, [messages[2]]);
  // One message bigger than the budget still goes, alone.
  assert.deepEqual(keptRun([kept(9, "x".repeat(10_000))], 100).messages.length, 1);
  assert.deepEqual(keptRun([], 100), { messages: [] });
});

Deno.test("keptRun() passes an end-to-end message on as it was kept", () => {
  const secret = { ...kept(4, ""), e2e: '{"v":1,"ct":"…"}' };
  const [message] = keptRun([secret], 1000).messages;
  assert.deepEqual(message.type === "private" && message.e2e, { v: 1, ct: "…" });
  assert.equal("message" in message, false);
});

Deno.test("historyRun() sends the newest entries that fit, marked as history, then their end", () => {
  const page = { entries: [said("old".repeat(100)), said("new", "#lab")], earlier: 5 };
  const messages = historyRun(page, "#lab", 100);
  assert.deepEqual(messages, [
    {
      type: "room",
      room: "#lab",
      nickname: "Bob",
      message: "new",
      timestamp: "2024-03-21T10:00:00.000Z",
      history: true,
    },
    { type: "history", count: 1, earlier: 6, room: "#lab" },
  ]);
  const everything = historyRun(page, undefined, 10_000);
  assert.equal(everything.length, 3);
  assert.deepEqual(everything.at(-1), { type: "history", count: 2, earlier: 5 });
});
