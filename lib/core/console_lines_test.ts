import assert from "node:assert/strict";
import { FakeMember } from "./fakes.ts";
import {
  broadcastedLine,
  eventLine,
  privateLine,
  receivedLine,
  roomLine,
} from "./console_lines.ts";

const AT = new Date(2024, 2, 21, 10, 30, 44);

function member(nickname: string, port: number, clientID?: string): FakeMember {
  const made = new FakeMember(port);
  made.nickname = nickname;
  made.clientID = clientID;
  return made;
}

Deno.test("receivedLine() and broadcastedLine() write the specification's lines", () => {
  const bob = member("Bob", 50_001, "002");
  assert.equal(
    receivedLine(bob, AT, "héllo 😀"),
    "Received: IP:192.0.2.7, Port:50001, Client-Nickname:Bob, ClientID:002, " +
      "Date/Time:2024-03-21 10:30:44, Msg-Size:11",
  );
  // No client ID (CHAT/1.0) shows as "-"; a control character in one is escaped.
  assert.match(receivedLine(member("Cy", 1), AT, "x"), /ClientID:-, /);
  assert.match(receivedLine(member("Di", 1, "a\x1bb"), AT, "x"), /ClientID:a\\x1bb, /);
  assert.equal(broadcastedLine([member("Ann", 1), bob]), "Broadcasted: Ann, Bob");
});

Deno.test("each other event is one <dt> :: line, without the message's text", () => {
  const ann = member("Ann", 1);
  assert.equal(eventLine(AT, "Ann: connected."), "2024-03-21 10:30:44 :: Ann: connected.");
  assert.equal(
    privateLine(AT, ann, "Bob", "5"),
    "2024-03-21 10:30:44 :: Ann: private message to Bob, Msg-Size:5",
  );
  assert.equal(
    roomLine(AT, ann, "#lab", "hello", [member("Bob", 2), member("Cy", 3)]),
    "2024-03-21 10:30:44 :: Ann: message to #lab, Msg-Size:5, delivered to: Bob, Cy",
  );
});
