import assert from "node:assert/strict";
import { eventKind } from "../common/log_event.ts";
import { RECEIVED, ROOM_MESSAGE } from "../core/console_lines.ts";
import { formatterOf, jsonLine, textLine } from "./log_format.ts";
import {
  ACCEPT_FAILED,
  IRC_STARTED,
  REFUSED,
  SERVER_STARTED,
  START_FAILED,
  STATS,
  STORE_OPENED,
  STORE_WRITE_FAILED,
  TLS_STARTED,
  WEB_NOT_STARTED,
  WEB_STARTED,
} from "./server_events.ts";

/** 2024-03-21 10:30:44.007 local time, as the console's `<dt>` shows it. */
const AT = new Date(2024, 2, 21, 10, 30, 44, 7);
const DT = "2024-03-21 10:30:44";
const RFC_3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function receivedFrom(clientID: string) {
  return RECEIVED.at(AT, {
    ip: "192.0.2.7",
    port: 50_001,
    nickname: "Bob",
    client_id: clientID,
    size: 11,
    sent_at: AT,
  });
}
const received = receivedFrom("002");

Deno.test("the text format writes each server event as its line always read", () => {
  const lines = [
    SERVER_STARTED.at(AT, { ip: "192.0.2.1", port: 12_345 }),
    TLS_STARTED.at(AT, { port: 7001, fingerprint: "AB:CD" }),
    TLS_STARTED.at(AT, { port: 7001, fingerprint: undefined }),
    IRC_STARTED.at(AT, { port: 6667, tls: false, server_name: "chat.local" }),
    IRC_STARTED.at(AT, { port: 6697, tls: true, server_name: "chat.local" }),
    STORE_OPENED.at(AT, { description: "Store: chat-data/chat.db (SQLite)" }),
    WEB_STARTED.at(AT, { url: "http://192.0.2.1:8080/" }),
    WEB_NOT_STARTED.at(AT, { reason: "port 8080 is in use" }),
    START_FAILED.at(AT, { reason: "cannot create ChatServer socket using port number 80" }),
    REFUSED.at(AT, { ip: "192.0.2.9", port: 4000, nickname: undefined, reason: "Server full" }),
    REFUSED.at(AT, { ip: "192.0.2.9", port: 4000, nickname: "Eve", reason: "Banned" }),
    ACCEPT_FAILED.at(AT, { error: "Too many open files" }),
    STORE_WRITE_FAILED.at(AT, { error: "disk full" }),
    STATS.at(AT, { connections: 3, registered: 2, rss_bytes: 52_428_800, heap_bytes: 1_572_864 }),
  ].map(textLine);
  assert.deepEqual(lines, [
    "ChatServer started with server IP: 192.0.2.1, port: 12345 ...",
    "TLS on port 7001, certificate AB:CD",
    "TLS on port 7001",
    "IRC on port 6667 as chat.local",
    "IRC over TLS on port 6697 as chat.local",
    "Store: chat-data/chat.db (SQLite)",
    "Web client at http://192.0.2.1:8080/",
    "Web client not started: port 8080 is in use",
    "ERR - cannot create ChatServer socket using port number 80",
    `${DT} :: refused 192.0.2.9:4000: Server full`,
    `${DT} :: refused Eve: Banned`,
    "Accept failed: Too many open files; retrying",
    `${DT} :: store: cannot write: disk full`,
    `${DT} :: stats: connections 3, registered 2, rss 50.0 MiB, heap 1.5 MiB`,
  ]);
});

Deno.test("the JSON format writes time, level and event first, then the fields", () => {
  const line = jsonLine(received);
  assert.ok(line.startsWith(`{"time":"${AT.toISOString()}","level":"info","event":"received",`));
  assert.deepEqual(JSON.parse(line), {
    time: AT.toISOString(),
    level: "info",
    event: "received",
    ip: "192.0.2.7",
    port: 50_001,
    nickname: "Bob",
    client_id: "002",
    size: 11,
    sent_at: AT.toISOString(),
  });
  assert.match(JSON.parse(line).time, RFC_3339_UTC);
});

Deno.test("the JSON format leaves out undefined fields, and writes lists as arrays", () => {
  const refused = JSON.parse(
    jsonLine(REFUSED.at(AT, { ip: "::1", port: 1, nickname: undefined, reason: "Server full" })),
  );
  assert.equal("nickname" in refused, false);
  assert.equal(refused.level, "warn");
  const room = JSON.parse(jsonLine(ROOM_MESSAGE.at(AT, {
    nickname: "Ann",
    room: "#lab",
    size: 5,
    recipients: ["Bob", "Cy"],
    sent_at: AT,
  })));
  assert.deepEqual(room.recipients, ["Bob", "Cy"]);
  const bare = eventKind("bare", "error", () => "bare");
  assert.deepEqual(JSON.parse(jsonLine(bare.at(AT, {}))), {
    time: AT.toISOString(),
    level: "error",
    event: "bare",
  });
});

Deno.test("a JSON line is one line whatever its fields hold, and reads back as given", () => {
  const said = eventKind("said", "info", (f: { text: string }) => f.text);
  const text = 'a\nb\rc\x1bd\u2028e\u2029f"g\\h\u0000 😀\x7f\x85\x9b';
  const line = jsonLine(said.at(AT, { text }));
  assert.equal(/[\p{Cc}\u2028\u2029]/u.test(line), false, line);
  assert.equal(JSON.parse(line).text, text);
});

Deno.test("a client ID's control characters are escaped in the text line, kept in JSON", () => {
  const odd = receivedFrom("a\x1bb");
  assert.match(textLine(odd), /ClientID:a\\x1bb, /);
  assert.equal(JSON.parse(jsonLine(odd)).client_id, "a\x1bb");
});

Deno.test("formatterOf() gives the text line by default and JSON when asked", () => {
  assert.equal(formatterOf("text")(received), received.text);
  assert.equal(formatterOf("json")(received), jsonLine(received));
  assert.equal(
    textLine(received),
    `Received: IP:192.0.2.7, Port:50001, Client-Nickname:Bob, ClientID:002, ` +
      `Date/Time:${DT}, Msg-Size:11`,
  );
});
