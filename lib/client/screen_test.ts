import assert from "node:assert/strict";
import { formatChatLine, formatNotice, formatSummary } from "./screen.ts";

Deno.test("formatChatLine() writes <dt> :: <nickname>: <message>", () => {
  assert.equal(
    formatChatLine(new Date(2024, 2, 21, 10, 30, 44), "John", "Hello everybody"),
    "2024-03-21 10:30:44 :: John: Hello everybody",
  );
  assert.equal(
    formatChatLine(new Date(2024, 2, 21, 10, 30, 44), "Eve", "\x1b[31mred"),
    "2024-03-21 10:30:44 :: Eve: \\x1b[31mred",
  );
});

Deno.test("formatChatLine() tags room and private lines, and formatNotice() marks notices", () => {
  const date = new Date(2024, 2, 21, 10, 30, 44);
  assert.equal(
    formatChatLine(date, "Bob", "hi all", "#lab"),
    "2024-03-21 10:30:44 :: [#lab] Bob: hi all",
  );
  assert.equal(
    formatChatLine(date, "Bob", "psst", "private"),
    "2024-03-21 10:30:44 :: [private] Bob: psst",
  );
  assert.equal(
    formatNotice(date, "Bob joined the chat"),
    "2024-03-21 10:30:44 :: * Bob joined the chat",
  );
});

Deno.test("formatSummary() writes the spec's summary line", () => {
  const stats = {
    start: new Date(2024, 2, 21, 10, 30, 43),
    messagesSent: 2,
    messagesReceived: 5,
    charsSent: 23,
    charsReceived: 104,
  };
  assert.equal(
    formatSummary(stats, new Date(2024, 2, 21, 10, 30, 47)),
    "Summary: start:2024-03-21 10:30:43, end:2024-03-21 10:30:47, msg sent:2, msg rcv:5, " +
      "char sent:23, char rcv:104",
  );
});
