/**
 * The browser chat client: the page's parts made and wired together. The JSON messages of
 * protocol.ts go over a WebSocket (`connection.js`, under `session.js`); private messages and files
 * to people with keys are end-to-end encrypted (`common/e2e_keys.js`, shared with the terminal
 * client) with this browser's keys (`key_db.js`).
 *
 * @module
 */

import { Commands } from "./commands.js";
import { Composer } from "./composer.js";
import { Conversations } from "./conversations.js";
import { Devices } from "./devices.js";
import { Files } from "./files.js";
import { PageKeys } from "./keys.js";
import { EVERYONE, personId, sameName } from "./names.js";
import { People } from "./people.js";
import { Receiver } from "./receive.js";
import { Rooms } from "./rooms.js";
import { Session } from "./session.js";

// Each part is given the others it needs; they call each other only on events, once all are made.
const session = new Session({
  onMessage: (message) => receiver.receive(message),
  onWelcome: (first) => {
    if (first) {
      conversations.open(EVERYONE, "Everyone");
      conversations.show(EVERYONE);
      composer.focus();
    } else conversations.system("Connected again");
    send({ type: "list" });
  },
  onDrop: () => {
    files.endAll("the connection was lost");
    rooms.clear();
  },
  onLeave: () => {
    conversations.clear();
    devices.clear();
    rooms.clear();
  },
  system: (text) => conversations.system(text),
});
const send = (message) => session.send(message);
const isMe = (nickname) => sameName(nickname, session.nickname);
const conversations = new Conversations(isMe, () => rooms.render());
const people = new People({
  onPerson: (nickname) => {
    if (isMe(nickname)) return;
    conversations.open(personId(nickname), nickname);
    conversations.show(personId(nickname));
    composer.focus();
  },
  onRoom: (room) => send({ type: "join", room }),
  system: (text) => conversations.system(text),
});
const rooms = new Rooms({
  session,
  conversations,
  isOperator: () => people.isOperator(session.nickname),
  join: (room) => {
    send({ type: "join", room });
    composer.focus();
  },
});
const keys = new PageKeys({
  print: (text) => conversations.system(text),
  send,
  nickname: () => session.nickname,
});
const devices = new Devices({ client: () => keys.client, isMe });
const files = new Files(send, keys, conversations);
const composer = new Composer(session, conversations, keys, (line) => commands.run(line));
const commands = new Commands({ session, conversations, people, rooms, keys, files, composer });
const receiver = new Receiver({ session, conversations, people, rooms, keys, devices, files });
