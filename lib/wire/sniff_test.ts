import assert from "node:assert/strict";
import { httpRefusal, sniff } from "./sniff.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);

Deno.test("sniff() tells CHAT/1.0 by a first line starting with REGISTER or DISCONNECT", () => {
  assert.equal(sniff(bytes("REGISTER carol CHAT/1.0\n")), "chat1");
  assert.equal(sniff(bytes("DISCONNECT carol CHAT/1.0\r\n")), "chat1");
  assert.equal(sniff(bytes("REGISTER ")), "chat1");
});

Deno.test("sniff() takes anything else for JSON, even broken input", () => {
  assert.equal(sniff(bytes('{"type":"nickname"}')), "json");
  assert.equal(sniff(bytes("\n{")), "json");
  assert.equal(sniff(bytes("hello\n")), "json");
  assert.equal(sniff(bytes("REGISTERED\n")), "json");
  assert.equal(sniff(bytes("register carol CHAT/1.0\n")), "json", "the words are upper case");
  assert.equal(sniff(new Uint8Array([0x16, 0x01])), "json");
});

Deno.test("sniff() waits while the first bytes could still open another protocol", () => {
  assert.equal(sniff(new Uint8Array()), undefined);
  assert.equal(sniff(bytes("R")), undefined);
  assert.equal(sniff(bytes("REGISTER")), undefined);
  assert.equal(sniff(bytes("DISCONN")), undefined);
  assert.equal(sniff(bytes("GET")), undefined);
  assert.equal(sniff(bytes("GET ")), undefined);
  assert.equal(sniff(new Uint8Array([0x16])), undefined);
  // A line that has ended can wait no longer.
  assert.equal(sniff(bytes("REG\n")), "json");
});

Deno.test("sniff() recognises a TLS handshake and an HTTP request", () => {
  assert.equal(sniff(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00])), "tls");
  assert.equal(sniff(bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), "http");
  assert.equal(sniff(bytes("POST /chat HTTP/1.1\r\n")), "http");
  assert.equal(sniff(bytes("GET  two spaces")), "json");
});

Deno.test("httpRefusal() is a well-formed 400 saying what the port speaks", () => {
  const reply = decoder.decode(httpRefusal());
  assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const [head, body] = reply.split("\r\n\r\n");
  assert.match(head, new RegExp(`Content-Length: ${encoder.encode(body).length}`));
  assert.match(body, /JSON Lines and CHAT\/1\.0/);
});
