import assert from "node:assert/strict";
import { Lines } from "./lines.ts";
import { MAX_LINE_BYTES, parseLine } from "./message.ts";

Deno.test("a long list goes in as many lines as it takes, each within 512 bytes", () => {
  const lines = new Lines(new Set());
  const names = Array.from({ length: 100 }, (_, i) => `N${String(i).padStart(30, "0")}`);
  lines.addList("chat.local", "732", ["mon"], names, ",");
  const written = lines.text.split("\r\n").filter((line) => line !== "");
  assert.ok(written.length > 1);
  const listed: string[] = [];
  for (const line of written) {
    assert.ok(new TextEncoder().encode(line).length + 2 <= MAX_LINE_BYTES, line);
    const message = parseLine(line);
    assert.ok(typeof message === "object");
    assert.deepEqual(message.params.slice(0, 1), ["mon"]);
    listed.push(...message.params[1].split(","));
  }
  assert.deepEqual(listed, names);
});

Deno.test("an empty list writes no line", () => {
  const lines = new Lines(new Set());
  lines.addList("chat.local", "319", ["me", "bob"], []);
  assert.equal(lines.empty, true);
});
