import assert from "node:assert/strict";
import {
  escapeTag,
  formatLine,
  formatTags,
  type IrcMessage,
  MAX_CLIENT_TAG_BYTES,
  parseLine,
  splitText,
  unescapeTag,
} from "./message.ts";

Deno.test("a line is read into tags, source, command and parameters", () => {
  assert.deepEqual(parseLine("@label=1;+draft/x=a\\sb :nick!u@h privmsg #lab :hello there"), {
    tags: { label: "1", "+draft/x": "a b" },
    source: "nick!u@h",
    command: "PRIVMSG",
    params: ["#lab", "hello there"],
  });
  assert.deepEqual(parseLine("NICK  alice"), { tags: {}, command: "NICK", params: ["alice"] });
  assert.deepEqual(parseLine("PRIVMSG #a ::)"), {
    tags: {},
    command: "PRIVMSG",
    params: ["#a", ":)"],
  });
  assert.deepEqual(parseLine("TOPIC #a :"), { tags: {}, command: "TOPIC", params: ["#a", ""] });
  assert.deepEqual(parseLine("@flag PING x"), {
    tags: { flag: "" },
    command: "PING",
    params: ["x"],
  });
});

Deno.test("an empty line, tags over 4094 bytes and a line over 512 bytes are refused", () => {
  assert.equal(parseLine(""), "empty");
  assert.equal(parseLine(":source-only"), "empty");
  assert.equal(parseLine("@a=b "), "empty");
  const tags = `@a=${"x".repeat(MAX_CLIENT_TAG_BYTES - 3)}`;
  assert.equal(parseLine(`${tags} PING x`), "tags too long");
  assert.notEqual(parseLine(`${tags.slice(0, -1)} PING x`), "tags too long");
  const text = "PRIVMSG #a :";
  assert.equal(typeof parseLine(text + "x".repeat(510 - text.length)), "object");
  assert.equal(parseLine(text + "x".repeat(511 - text.length)), "line too long");
  // Bytes are counted, not characters.
  assert.equal(parseLine(text + "é".repeat(250)), "line too long");
});

Deno.test("tag values are escaped and unescaped as IRCv3 says", () => {
  const value = "a;b c\\d\r\ne";
  assert.equal(escapeTag(value), "a\\:b\\sc\\\\d\\r\\ne");
  assert.equal(unescapeTag(escapeTag(value)), value);
  assert.equal(unescapeTag("end\\"), "end");
  assert.equal(unescapeTag("\\x"), "x");
  assert.equal(formatTags({ time: "t", bot: "", none: undefined }), "@time=t;bot ");
  assert.equal(formatTags({}), "");
});

Deno.test("a line is written with a trailing parameter where it must have one", () => {
  assert.equal(formatLine("srv", "001", ["alice", "Welcome"]), ":srv 001 alice Welcome");
  assert.equal(formatLine("srv", "001", ["alice", "Welcome home"]), ":srv 001 alice :Welcome home");
  assert.equal(formatLine(undefined, "PING", [""]), "PING :");
  assert.equal(formatLine(undefined, "PART", [":)"]), "PART ::)");
  assert.equal(formatLine("a", "PRIVMSG", ["#x", "hi"], true), ":a PRIVMSG #x :hi");
  // One message stays one line, whatever its text holds.
  assert.equal(formatLine("a", "PRIVMSG", ["#x", "one\r\ntwo\0"]), ":a PRIVMSG #x :one  two ");
});

Deno.test("a parameter before the last that a client made empty, spaced or starting with : keeps the others in place", () => {
  // What a client sent is echoed in numerics: a lone CR in `NICK a\rUSER`, `WHOIS ::x`, `a,,b`.
  const echoed = (param: string) =>
    parseLine(formatLine("srv", "432", ["*", param, "Erroneous nickname"])) as IrcMessage;
  assert.deepEqual(echoed("a\rUSER").params, ["*", "a_USER", "Erroneous nickname"]);
  assert.deepEqual(echoed(":x").params, ["*", "*", "Erroneous nickname"]);
  assert.deepEqual(echoed("").params, ["*", "*", "Erroneous nickname"]);
});

Deno.test("long text is cut into pieces within the bytes, at code points and line breaks", () => {
  assert.deepEqual(splitText("", 10), [""]);
  assert.deepEqual(splitText("one\ntwo", 10), ["one", "two"]);
  const pieces = splitText("😀".repeat(10), 10);
  assert.deepEqual(pieces, ["😀😀", "😀😀", "😀😀", "😀😀", "😀😀"]);
  const words = splitText("aaaa bbbb cccc dddd", 11);
  assert.deepEqual(words, ["aaaa bbbb ", "cccc dddd"]);
  for (const piece of splitText("x".repeat(1000) + "é".repeat(300), 100)) {
    assert.ok(new TextEncoder().encode(piece).length <= 100);
  }
});

Deno.test("seeded random lines never throw, and what is read keeps IRC's shape", () => {
  let seed = 24;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = "@:; =\\#&!*abcXYZ019\u00e9\u{1F600}\r\0";
  const chars = [...alphabet];
  for (let i = 0; i < 20_000; i++) {
    const length = Math.floor(random() * 80);
    let line = "";
    for (let j = 0; j < length; j++) line += chars[Math.floor(random() * chars.length)];
    const parsed = parseLine(line);
    if (typeof parsed === "string") continue;
    assert.match(parsed.command, /^[^ ]+$/);
    assert.ok(parsed.params.length <= line.length);
    for (const param of parsed.params.slice(0, -1)) assert.ok(!param.includes(" "));
  }
});
