import assert from "node:assert/strict";
import type { ServerMessage } from "../../protocol.ts";
import { CHAT1_INVALID, CHAT1_REGISTERED, CHAT1_SHUTDOWN, CHAT1_TAKEN } from "../protocol/chat1.ts";
import { FrameReader } from "../protocol/frame_reader.ts";
import { CHAT1_WIRE, chat1Error } from "./chat1.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);

Deno.test("chat1Error() answers 401 to a taken name, 400 Invalid registration to the rest", () => {
  assert.equal(chat1Error("Nickname already in use", "taken"), CHAT1_TAKEN);
  assert.equal(chat1Error('Already registered as "carol"', "registered"), CHAT1_TAKEN);
  assert.equal(chat1Error("Nickname must be 1 to 32 characters", "registration"), CHAT1_INVALID);
  assert.equal(chat1Error("Not registered", "unregistered"), CHAT1_INVALID);
  assert.equal(chat1Error("Slow down: past 20 messages"), "400 Slow down: past 20 messages");
  assert.equal(chat1Error("two\nlines"), "400 two lines");
});

Deno.test("CHAT1_WIRE decodes lines into commands; the prefix never names the sender", () => {
  assert.deepEqual(CHAT1_WIRE.decode(bytes("REGISTER carol CHAT/1.0"), false), {
    kind: "register",
    nickname: "carol",
  });
  assert.deepEqual(CHAT1_WIRE.decode(bytes("@mallory: spoof"), true), {
    kind: "say",
    text: "spoof",
  });
  assert.deepEqual(CHAT1_WIRE.decode(bytes("DISCONNECT carol CHAT/1.0"), true), {
    kind: "disconnect",
  });
  assert.equal(CHAT1_WIRE.decode(bytes(""), true), undefined);
  assert.deepEqual(CHAT1_WIRE.decode(bytes("REGISTER carol"), false), {
    kind: "invalid",
    error: "Invalid registration",
    reason: "registration",
  });
  // Once registered, a line that only starts with the word is something to say.
  assert.deepEqual(CHAT1_WIRE.decode(bytes("REGISTER opens at nine"), true), {
    kind: "say",
    text: "REGISTER opens at nine",
  });
  assert.deepEqual(CHAT1_WIRE.decode(new Uint8Array([0x40, 0xff, 0xfe]), true), {
    kind: "invalid",
    error: "Cannot decode line: invalid UTF-8",
  });
});

Deno.test("CHAT1_WIRE encodes what CHAT/1.0 carries and nothing else", () => {
  const at = "2024-03-21T10:30:44.000Z";
  const encode = (messages: ServerMessage[]) => {
    const encoded = CHAT1_WIRE.encode(messages);
    return encoded === undefined ? undefined : decoder.decode(encoded);
  };
  assert.equal(
    encode([{ type: "broadcast", nickname: "Alice", message: "Hi", timestamp: at }]),
    "@Alice: Hi\n",
  );
  assert.equal(encode([{ type: "welcome", nickname: "carol" }]), `${CHAT1_REGISTERED}\n`);
  assert.equal(encode([{ type: "shutdown", message: "bye" }]), `${CHAT1_SHUTDOWN}\n`);
  assert.equal(encode([{ type: "goodbye" }]), undefined, "DISCONNECT has no reply");
  assert.equal(encode([{ type: "joined", nickname: "Bob" }]), undefined);
  assert.equal(encode([{ type: "private", nickname: "Bob", message: "psst" }]), undefined);
  assert.equal(
    encode([
      { type: "broadcast", nickname: "Alice", message: "one" },
      { type: "left", nickname: "Bob" },
      { type: "broadcast", nickname: "Alice", message: "two" },
    ]),
    "@Alice: one\n@Alice: two\n",
  );
  assert.equal(
    decoder.decode(CHAT1_WIRE.encodeError("Nickname already in use", "taken")),
    `${CHAT1_TAKEN}\n`,
  );
});

Deno.test("CHAT1_WIRE's reader takes CRLF and LF lines, skips blank ones, keeps leading spaces", () => {
  const reader = CHAT1_WIRE.reader(1024);
  const events = reader.push(bytes("REGISTER carol CHAT/1.0\r\n\r\n\n  indented\n@carol: hi\r"));
  assert.deepEqual(
    events.map((event) => event.kind === "frame" ? decoder.decode(event.bytes) : event.kind),
    ["REGISTER carol CHAT/1.0", "  indented"],
  );
  // The rest of the last line, its CR in the chunk before.
  const rest = reader.push(bytes("\n{not json}\n"));
  assert.deepEqual(
    rest.map((event) => event.kind === "frame" ? decoder.decode(event.bytes) : event.kind),
    ["@carol: hi", "{not json}"],
  );
});

Deno.test("CHAT1_WIRE's reader refuses a line over the cap and goes on after it", () => {
  const reader = CHAT1_WIRE.reader(16);
  const events = [
    ...reader.push(bytes("@carol: " + "x".repeat(20))),
    ...reader.push(bytes("yyy\n@carol: ok\n")),
  ];
  assert.deepEqual(events[0], { kind: "oversize", limit: 16 });
  assert.equal(events.length, 2);
  assert.equal(events[1].kind === "frame" && decoder.decode(events[1].bytes), "@carol: ok");
  assert.ok(reader instanceof FrameReader);
});

Deno.test("CHAT1_WIRE survives seeded random streams: never throws, says only what it may", () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pieces = [
    "REGISTER ",
    "DISCONNECT ",
    "CHAT/1.0",
    "@",
    ":",
    " ",
    "\t",
    "carol",
    "é",
    "\r\n",
  ];
  let commands = 0;
  for (let i = 0; i < 2_000; i++) {
    let stream = "";
    const length = Math.floor(random() * 40);
    for (let k = 0; k < length; k++) {
      stream += random() < 0.7
        ? pieces[Math.floor(random() * pieces.length)]
        : String.fromCharCode(Math.floor(random() * 0x250));
    }
    const data = bytes(stream);
    const reader = CHAT1_WIRE.reader(64);
    const cut = Math.floor(random() * data.length);
    for (
      const event of [...reader.push(data.subarray(0, cut)), ...reader.push(data.subarray(cut))]
    ) {
      if (event.kind === "oversize") continue;
      assert.ok(event.bytes.length > 0 && event.bytes.length <= 64);
      assert.ok(!event.bytes.includes(0x0a), "a frame is one line");
      for (const registered of [false, true]) {
        const command = CHAT1_WIRE.decode(event.bytes, registered);
        if (command === undefined) continue;
        commands++;
        assert.ok(["register", "say", "disconnect", "invalid"].includes(command.kind));
        if (command.kind === "register") {
          assert.match(decoder.decode(event.bytes), /^REGISTER[ \t]+\S+[ \t]+CHAT\/1\.0[ \t]*$/);
        }
        if (command.kind === "say") assert.ok(command.text.trim() !== "");
      }
    }
  }
  assert.ok(commands > 1000, `commands: ${commands}`);
});
