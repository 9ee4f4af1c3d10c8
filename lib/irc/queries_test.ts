import assert from "node:assert/strict";
import { isupport, maskPattern, TARGMAX } from "./queries.ts";
import type { IrcView } from "./view.ts";
import type { Member } from "../core/types.ts";

Deno.test("a mask matches with * and ? regardless of case, and only whole names", () => {
  assert.ok(maskPattern("*").test("anyone"));
  assert.ok(maskPattern("*").test(""));
  assert.ok(maskPattern("al*").test("Alice"));
  assert.ok(maskPattern("a?ice").test("ALICE"));
  assert.ok(maskPattern("*!*@irc").test("ivy!~ivy@irc"));
  assert.ok(maskPattern("*li*e*").test("alice"));
  assert.ok(!maskPattern("al*").test("bob"));
  assert.ok(!maskPattern("a?").test("a"));
  assert.ok(!maskPattern("alice").test("alice2"));
  // Characters that a regular expression would read are plain characters here.
  assert.ok(maskPattern("a.b+(c)").test("a.b+(c)"));
  assert.ok(!maskPattern("a.b").test("axb"));
});

Deno.test("a mask of many *s that does not match is answered at once, not after ages of backtracking", () => {
  // As a regular expression, ^.*.*...b$ against 31 "a"s runs for longer than anyone waits.
  assert.ok(!maskPattern("*".repeat(200) + "b").test("a".repeat(31)));
  assert.ok(maskPattern("*".repeat(200) + "a").test("a".repeat(31)));
});

Deno.test("ISUPPORT's TARGMAX says the targets each command takes", () => {
  const view = { serverName: "chat.local" } as IrcView<Member>;
  const token = isupport(view).find((each) => each.startsWith("TARGMAX="));
  assert.equal(token, "TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:10,PART:10,NAMES:1,WHOIS:1,KICK:1");
  assert.equal(TARGMAX.PRIVMSG, 4);
});
