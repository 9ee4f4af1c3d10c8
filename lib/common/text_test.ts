import assert from "node:assert/strict";
import { escapeControls, formatBytes, formatDateTime, hasControls } from "./text.ts";

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

Deno.test("formatBytes() writes sizes as people read them", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1000), "1.0 kB");
  assert.equal(formatBytes(2_400_000), "2.4 MB");
  assert.equal(formatBytes(104_857_600), "104.9 MB");
  assert.equal(formatBytes(999_960), "1.0 MB");
  assert.equal(formatBytes(3.2e12), "3.2 TB");
});

Deno.test("hasControls() finds control characters, line separators and direction overrides", () => {
  assert.equal(hasControls("Homework 3 — due Friday 😀"), false);
  for (const text of ["a\nb", "\x1b[2J", "tab\there", "a\u2028b", "evil\u202egnp", "\x85"]) {
    assert.equal(hasControls(text), true, JSON.stringify(text));
  }
});
