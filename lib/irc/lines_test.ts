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

Deno.test("a line past 512 bytes has its last parameter cut at a code point; text a client sent goes whole", () => {
  const lines = new Lines(new Set(["server-time"]));
  // An operator's reason from the JSON wire may run to 64 KiB.
  lines.add("Jay!Jay@chat", "QUIT", ["removed by an operator: " + "é".repeat(2000)], {
    time: "2024-03-21T10:30:44.000Z",
  }, true);
  const said = "a".repeat(480);
  lines.addText("Ivy!~ivy@irc", "PRIVMSG", "&chat", said);
  const [quit, privmsg] = lines.text.split("\r\n");
  const bare = quit.replace(/^@\S+ /, "");
  assert.ok(quit.startsWith("@time=2024-03-21T10:30:44.000Z :Jay!Jay@chat QUIT :removed by"));
  assert.ok(new TextEncoder().encode(bare).length <= MAX_LINE_BYTES - 2);
  assert.ok(new TextEncoder().encode(bare).length >= MAX_LINE_BYTES - 3);
  assert.ok(bare.endsWith("é"));
  assert.equal(privmsg, `:Ivy!~ivy@irc PRIVMSG &chat :${said}`);
});
