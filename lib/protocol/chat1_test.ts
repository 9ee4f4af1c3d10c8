import assert from "node:assert/strict";
import {
  CHAT1_SHUTDOWN,
  CHAT1_TAKEN,
  chat1Chat,
  chat1Disconnect,
  chat1Register,
  parseChat1Reply,
  parseChat1Request,
} from "./chat1.ts";

Deno.test("parseChat1Request() reads REGISTER, DISCONNECT and chat lines", () => {
  assert.deepEqual(parseChat1Request("REGISTER carol CHAT/1.0"), {
    kind: "register",
    username: "carol",
  });
  assert.deepEqual(parseChat1Request("DISCONNECT carol CHAT/1.0"), {
    kind: "disconnect",
    username: "carol",
  });
  assert.deepEqual(parseChat1Request("DISCONNECT CHAT/1.0"), { kind: "disconnect" });
  assert.deepEqual(parseChat1Request("@carol: hello there"), {
    kind: "chat",
    username: "carol",
    text: "hello there",
  });
  assert.deepEqual(parseChat1Request("@carol:  two spaces"), {
    kind: "chat",
    username: "carol",
    text: " two spaces",
  });
  assert.deepEqual(parseChat1Request("@a:b: colon in a name"), {
    kind: "chat",
    username: "a:b",
    text: "colon in a name",
  });
});

Deno.test("parseChat1Request() takes a line without the prefix as text, and skips blanks", () => {
  assert.deepEqual(parseChat1Request("just text"), { kind: "chat", text: "just text" });
  assert.deepEqual(parseChat1Request("@bob:no space"), { kind: "chat", text: "@bob:no space" });
  assert.deepEqual(parseChat1Request("DISCONNECT now please"), {
    kind: "chat",
    text: "DISCONNECT now please",
  });
  assert.deepEqual(parseChat1Request(""), { kind: "blank" });
  assert.deepEqual(parseChat1Request("   "), { kind: "blank" });
  assert.deepEqual(parseChat1Request("@carol: "), { kind: "blank" });
  assert.deepEqual(parseChat1Request("@carol:"), { kind: "blank" });
});

Deno.test("parseChat1Request() refuses malformed registrations", () => {
  for (
    const line of [
      "REGISTER",
      "REGISTER carol",
      "REGISTER carol CHAT/2.0",
      "REGISTER carol chat/1.0",
      "REGISTER two words CHAT/1.0",
      "REGISTER carol CHAT/1.0 extra",
    ]
  ) {
    assert.deepEqual(parseChat1Request(line), { kind: "bad-register" }, line);
  }
  // Not a REGISTER line at all: "REGISTERED" is another word.
  assert.deepEqual(parseChat1Request("REGISTERED x"), { kind: "chat", text: "REGISTERED x" });
});

Deno.test("parseChat1Reply() reads chat lines, status lines and the server's DISCONNECT", () => {
  assert.deepEqual(parseChat1Reply("@bob: hi"), { kind: "chat", username: "bob", text: "hi" });
  assert.deepEqual(parseChat1Reply(CHAT1_SHUTDOWN), { kind: "disconnect" });
  assert.deepEqual(parseChat1Reply("200 OK"), { kind: "status", code: 200, text: "OK" });
  assert.deepEqual(parseChat1Reply("200"), { kind: "status", code: 200, text: "" });
  assert.deepEqual(parseChat1Reply(CHAT1_TAKEN), {
    kind: "status",
    code: 401,
    text: "Client already registered",
  });
  assert.deepEqual(parseChat1Reply("Welcome!"), { kind: "other", line: "Welcome!" });
});

Deno.test("chat1 line builders write the lines of S1", () => {
  assert.equal(chat1Register("carol"), "REGISTER carol CHAT/1.0");
  assert.equal(chat1Disconnect("carol"), "DISCONNECT carol CHAT/1.0");
  assert.equal(chat1Chat("bob", "hi"), "@bob: hi");
  // A line break (which JSON can carry) never starts a line of its own.
  assert.equal(chat1Chat("bob", "a\nb\r\nc\rd\u2028e"), "@bob: a b c d e");
  assert.equal(chat1Chat("bob", "hi\n@alice: fake\n200 OK"), "@bob: hi @alice: fake 200 OK");
});
