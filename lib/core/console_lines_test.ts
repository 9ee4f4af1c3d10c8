import assert from "node:assert/strict";
import {
  BROADCASTED,
  CONNECTED,
  DISCONNECTED,
  eventLine,
  JOINED,
  LEFT,
  PRIVATE_MESSAGE,
  PUT_OUT,
  RECEIVED,
  REJOINED,
  RENAMED,
  ROOM_MESSAGE,
  STORE_ERROR,
} from "./console_lines.ts";

const AT = new Date(2024, 2, 21, 10, 30, 44);
const LATER = new Date(2024, 2, 21, 10, 31, 0);

function received(nickname: string, clientID: string | undefined, size = 1) {
  return RECEIVED.at(LATER, {
    ip: "192.0.2.7",
    port: 50_001,
    nickname,
    client_id: clientID,
    size,
    sent_at: AT,
  });
}

Deno.test("the received and broadcasted events read as the specification's lines", () => {
  assert.equal(
    received("Bob", "002", 11).text,
    "Received: IP:192.0.2.7, Port:50001, Client-Nickname:Bob, ClientID:002, " +
      "Date/Time:2024-03-21 10:30:44, Msg-Size:11",
  );
  // No client ID (CHAT/1.0) shows as "-"; a control character in one is escaped.
  assert.match(received("Cy", undefined).text, /ClientID:-, /);
  assert.match(received("Di", "a\x1bb").text, /ClientID:a\\x1bb, /);
  assert.equal(
    BROADCASTED.at(AT, { nickname: "Cy", recipients: ["Ann", "Bob"] }).text,
    "Broadcasted: Ann, Bob",
  );
});

Deno.test("a message's line shows its own time, the event keeps the clock's", () => {
  const event = received("Bob", "002");
  assert.equal(event.time, LATER);
  assert.equal(event.fields.sent_at, AT);
  assert.match(event.text, /Date\/Time:2024-03-21 10:30:44,/);
});

Deno.test("each other event is one <dt> :: line, without the message's text", () => {
  assert.equal(eventLine(AT, "Ann: connected."), "2024-03-21 10:30:44 :: Ann: connected.");
  const whisper = { nickname: "Ann", to: "Bob", away: false, size: 5, e2e: false, sent_at: AT };
  assert.equal(
    PRIVATE_MESSAGE.at(LATER, whisper).text,
    "2024-03-21 10:30:44 :: Ann: private message to Bob, Msg-Size:5",
  );
  assert.equal(
    PRIVATE_MESSAGE.at(LATER, { ...whisper, away: true, size: 44, e2e: true }).text,
    "2024-03-21 10:30:44 :: Ann: private message to Bob (away, kept), Msg-Size:44, end-to-end",
  );
  assert.equal(
    ROOM_MESSAGE.at(LATER, {
      nickname: "Ann",
      room: "#lab",
      size: 5,
      recipients: ["Bob", "Cy"],
      sent_at: AT,
    }).text,
    "2024-03-21 10:30:44 :: Ann: message to #lab, Msg-Size:5, delivered to: Bob, Cy",
  );
});

Deno.test("the events of comings and goings read as they always have", () => {
  const lines = [
    CONNECTED.at(AT, { nickname: "Ann", ip: "192.0.2.7", port: 1 }),
    CONNECTED.at(AT, { nickname: "Ann", ip: "192.0.2.7", port: 2, places: 2 }),
    DISCONNECTED.at(AT, { nickname: "Ann", places: 1 }),
    DISCONNECTED.at(AT, { nickname: "Ann", places: 3 }),
    DISCONNECTED.at(AT, { nickname: "Ann" }),
    JOINED.at(AT, { nickname: "Ann", room: "#lab" }),
    REJOINED.at(AT, { nickname: "Ann", room: "#lab" }),
    LEFT.at(AT, { nickname: "Ann", room: "#lab" }),
    PUT_OUT.at(AT, { nickname: "Ann", room: "#lab" }),
    RENAMED.at(AT, { old: "Ann", nickname: "Anna" }),
  ].map((event) => event.text.slice("2024-03-21 10:30:44 :: ".length));
  assert.deepEqual(lines, [
    "Ann: connected.",
    "Ann: connected (now from 2 places).",
    "Ann: disconnected (still connected from 1 place).",
    "Ann: disconnected (still connected from 3 places).",
    "Ann: disconnected.",
    "Ann: joined #lab.",
    "Ann: back in #lab.",
    "Ann: left #lab.",
    "Ann: put out of #lab.",
    "Ann: changed nickname to Anna.",
  ]);
  assert.equal(
    STORE_ERROR.at(AT, { action: "keep room #lab", error: "disk full" }).text,
    "Store: cannot keep room #lab: disk full",
  );
});

Deno.test("an event has its kind's name and level, and its fields as given", () => {
  const event = JOINED.at(AT, { nickname: "Ann", room: "#lab" });
  assert.deepEqual(
    [event.event, event.level, event.time, event.fields],
    ["joined", "info", AT, { nickname: "Ann", room: "#lab" }],
  );
  assert.equal(STORE_ERROR.level, "error");
});
