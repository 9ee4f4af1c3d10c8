import assert from "node:assert/strict";
import {
  nicknameKey,
  nicknameProblem,
  parseTimestamp,
  passwordProblem,
  roomKey,
  roomProblem,
} from "./values.ts";

Deno.test("roomProblem() takes # and 1 to 31 characters with no white space; roomKey() ignores case", () => {
  assert.equal(roomProblem("#lab"), undefined);
  assert.equal(roomProblem("#日本"), undefined);
  assert.equal(roomProblem("#" + "x".repeat(31)), undefined);
  assert.match(roomProblem("lab")!, /must be "#" and 1 to 31 more characters/);
  assert.match(roomProblem("#")!, /must be "#" and 1 to 31 more characters/);
  assert.match(roomProblem("#" + "x".repeat(32))!, /must be "#" and 1 to 31 more characters/);
  assert.match(roomProblem("#a b")!, /must not contain white space or control characters/);
  assert.match(roomProblem("#a\tb")!, /must not contain white space or control characters/);
  assert.equal(roomKey("#Lab"), roomKey("#lab"));
  assert.match(nicknameProblem("#alice")!, /must not start with "#"/);
});

Deno.test("roomProblem() and nicknameProblem() refuse invisible characters, which would make lookalikes", () => {
  assert.equal(
    roomProblem("#l\u200bab"),
    'Room name "#l\u200bab" must not contain invisible characters (U+200B)',
  );
  assert.equal(
    nicknameProblem("Alice\u2060"),
    'Nickname "Alice\u2060" must not contain invisible characters (U+2060)',
  );
  for (const sneaky of ["Ali\u00adce", "\u3164", "Bob\u034f", "Bob\ufe0f", "A\u200dlice"]) {
    assert.match(nicknameProblem(sneaky)!, /must not contain invisible characters \(U\+/, sneaky);
  }
  // An emoji keeps its joiners and its variation selector.
  for (const emoji of ["👩\u200d💻", "❤\ufe0f", "1\ufe0f\u20e3", "#🏳\ufe0f\u200d🌈"]) {
    assert.equal(roomProblem(`#${emoji}`.replace("##", "#")), undefined, emoji);
    assert.equal(nicknameProblem(emoji.replace("#", "")), undefined, emoji);
  }
});

Deno.test("nicknameProblem() and roomProblem() refuse what IRC reads as lists, masks, addresses and channels", () => {
  // "bob!x" would show on IRC as bob saying it; "vic,tim" as two users; "&chat" as a channel.
  for (const name of ["bob!x", "bob@home", "vic,tim", "b*", "what?", "&chat", "$all", ":x"]) {
    assert.match(nicknameProblem(name)!, /must not contain any of ,\*\?!@ nor start with/, name);
  }
  for (const name of ["a&b", "a$b", "a:b", "john.doe", "2pac", "[x]", "{x}", "~x"]) {
    assert.equal(nicknameProblem(name), undefined, name);
  }
  assert.match(nicknameProblem("*server*")!, /the server's own/);
  assert.match(roomProblem("#a,b")!, /must not contain ",", which IRC reads as a list/);
  assert.equal(roomProblem("#a:b!*"), undefined);
});

// ---------------------------------------------------------------------------
// Values

Deno.test("parseTimestamp() reads ISO 8601 with Z, an offset, or local time", () => {
  assert.equal(
    parseTimestamp("2024-03-21T10:30:44.000Z")?.toISOString(),
    "2024-03-21T10:30:44.000Z",
  );
  assert.equal(
    parseTimestamp("2024-03-21T12:30:44+02:00")?.toISOString(),
    "2024-03-21T10:30:44.000Z",
  );
  assert.equal(
    parseTimestamp("2024-03-21T12:30:44+0200")?.toISOString(),
    "2024-03-21T10:30:44.000Z",
  );
  assert.equal(parseTimestamp("2024-03-21T05:30:44-05")?.toISOString(), "2024-03-21T10:30:44.000Z");
  // Python's datetime.now().isoformat() and str(datetime.now()): local time, microseconds.
  const local = new Date(2024, 2, 21, 10, 30, 44, 123);
  assert.equal(parseTimestamp("2024-03-21T10:30:44.123456")?.getTime(), local.getTime());
  assert.equal(parseTimestamp("2024-03-21 10:30:44.123456")?.getTime(), local.getTime());
  assert.equal(
    parseTimestamp("2024-03-21T10:30")?.getTime(),
    new Date(2024, 2, 21, 10, 30).getTime(),
  );
});

Deno.test("parseTimestamp() gives undefined for what it cannot read", () => {
  for (
    const bad of [
      undefined,
      "",
      "now",
      "1",
      "2024-03-21",
      "2024-13-45T99:99:99Z",
      "21/03/2024 10:30",
    ]
  ) {
    assert.equal(parseTimestamp(bad), undefined, `timestamp ${bad}`);
  }
});

Deno.test("nicknameProblem() takes 1 to 32 characters with no white space or control characters", () => {
  assert.equal(nicknameProblem("Alice"), undefined);
  assert.equal(nicknameProblem("Zoë😀"), undefined);
  assert.equal(nicknameProblem("x".repeat(32)), undefined);
  assert.equal(nicknameProblem("日".repeat(32)), undefined, "characters, not bytes");
  assert.equal(nicknameProblem(""), 'Nickname "" must be 1 to 32 characters');
  assert.equal(
    nicknameProblem("x".repeat(33)),
    `Nickname "${"x".repeat(33)}" must be 1 to 32 characters`,
  );
  assert.equal(nicknameProblem("two words"), 'Nickname "two words" must not contain white space');
  assert.equal(nicknameProblem("nbsp\u00a0"), 'Nickname "nbsp\u00a0" must not contain white space');
  assert.equal(nicknameProblem("a\nb"), 'Nickname "a\\nb" must not contain control characters');
  assert.equal(
    nicknameProblem("nul\0"),
    'Nickname "nul\\u0000" must not contain control characters',
  );
  assert.match(nicknameProblem("\x1b[31mred")!, /must not contain control characters/);
  assert.match(nicknameProblem("evil\u202egnp.exe")!, /must not contain control characters/);
});

Deno.test("nicknameKey() makes nicknames that differ only in case the same", () => {
  assert.equal(nicknameKey("Bob"), nicknameKey("bob"));
  assert.equal(nicknameKey("ZOË"), nicknameKey("zoë"));
  assert.equal(nicknameKey("Zoe\u0308"), nicknameKey("zoë"), "composed and decomposed alike");
  assert.notEqual(nicknameKey("Bob"), nicknameKey("Rob"));
});

Deno.test("passwordProblem() takes 8 to 1,024 characters", () => {
  assert.match(passwordProblem("short")!, /8 to 1024 characters/);
  assert.equal(passwordProblem("eight ch"), undefined);
  assert.equal(passwordProblem("😀".repeat(8)), undefined);
  assert.equal(passwordProblem("x".repeat(1024)), undefined);
  assert.match(passwordProblem("x".repeat(1025))!, /8 to 1024/);
});
