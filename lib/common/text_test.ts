import assert from "node:assert/strict";
import {
  escapeControls,
  formatBytes,
  formatChatLine,
  formatDateTime,
  formatNotice,
  formatSummary,
} from "./text.ts";

Deno.test("formatDateTime() writes local time as YYYY-MM-DD HH:mm:ss", () => {
  assert.equal(formatDateTime(new Date(2024, 2, 21, 10, 30, 44, 999)), "2024-03-21 10:30:44");
  assert.equal(formatDateTime(new Date(2025, 0, 2, 3, 4, 5)), "2025-01-02 03:04:05");
  assert.equal(formatDateTime(new Date(1999, 11, 31, 23, 59, 59)), "1999-12-31 23:59:59");
});

Deno.test("escapeControls() shows control characters as escapes and keeps everything else", () => {
  assert.equal(escapeControls("plain text, tab\tand 😀"), "plain text, tab\tand 😀");
  assert.equal(escapeControls("\x1b[2J\r\n\x00\x7f"), "\\x1b[2J\\x0d\\x0a\\x00\\x7f");
  assert.equal(escapeControls("a\u2028b\x85"), "a\\u2028b\\x85");
});

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

Deno.test("formatBytes() writes sizes as people read them", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1000), "1.0 kB");
  assert.equal(formatBytes(2_400_000), "2.4 MB");
  assert.equal(formatBytes(104_857_600), "104.9 MB");
  assert.equal(formatBytes(999_960), "1.0 MB");
  assert.equal(formatBytes(3.2e12), "3.2 TB");
});
