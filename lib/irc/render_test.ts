import assert from "node:assert/strict";
import type { ServerMessage } from "../../protocol.ts";
import type { Member } from "../core/types.ts";
import type { Identity } from "../rooms/room_record.ts";
import { Lines } from "./lines.ts";
import { Renderer, type Replies } from "./render.ts";
import type { IrcView } from "./view.ts";

/** A user of the view below: no IRC session, so shown as `nick!nick@chat`. */
function member(nickname: string, account?: string): Member {
  return {
    nickname,
    clientID: undefined,
    ip: "",
    port: 0,
    extensions: new Set(),
    account,
    closing: false,
  };
}

/** A view of `members` on a clock moved by hand. */
function viewOf(members: Member[], clock: { now: number }): IrcView<Member> {
  return {
    serverName: "irc.test",
    everyone: "&chat",
    find: (nickname: string) =>
      members.find((each) => each.nickname?.toLowerCase() === nickname.toLowerCase()),
    session: () => undefined,
    record: () => undefined,
    identity: (each: Member): Identity => ({
      ...(each.account === undefined ? {} : { account: each.account }),
      nickKey: each.nickname!.toLowerCase(),
      address: "",
      guest: each.account === undefined,
    }),
    now: () => clock.now,
  } as unknown as IrcView<Member>;
}

const replies = { seen: () => {} } as unknown as Replies<Member>;

/** The lines `messages` become for a reader without capabilities. */
function render(renderer: Renderer<Member>, ...messages: ServerMessage[]): string[] {
  const lines = new Lines(new Set());
  renderer.render(lines, messages);
  return lines.text.split("\r\n").filter((line) => line !== "");
}

/** The next macrotask: a cluster's leaving comes in a later one than the moderator's notice. */
const later = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a kicked user's leaving heard later (from its own node) is not written again", async () => {
  const clock = { now: 1_000_000 };
  const renderer = new Renderer(viewOf([member("Olga", "olga"), member("Jay")], clock), replies);
  const kick: ServerMessage = {
    type: "moderated",
    room: "#lab",
    action: "kick",
    nickname: "Jay",
    by: "Olga",
    reason: "enough",
  };
  assert.deepEqual(render(renderer, kick), [":Olga!Olga@chat KICK #lab Jay :enough"]);
  await later();
  const left: ServerMessage = { type: "left", nickname: "Jay", room: "#lab" };
  assert.deepEqual(render(renderer, left), []);
  // Every reader of that leaving is spared it, but the next leaving is a PART again.
  assert.deepEqual(render(renderer, left), []);
  assert.deepEqual(render(renderer, { type: "left", nickname: "Jay", room: "#lab" }), [
    ":Jay!Jay@chat PART #lab",
  ]);
});

Deno.test("a banned user's leaving heard later reads as a KICK, but not once it is stale", async () => {
  const clock = { now: 1_000_000 };
  const renderer = new Renderer(viewOf([member("Olga", "olga"), member("Kit")], clock), replies);
  const ban = (nickname: string): ServerMessage => ({
    type: "moderated",
    room: "#lab",
    action: "ban",
    nickname,
    by: "Olga",
  });
  assert.deepEqual(render(renderer, ban("Kit")), [":Olga!Olga@chat MODE #lab +b Kit!*@*"]);
  await later();
  assert.deepEqual(render(renderer, { type: "left", nickname: "Kit", room: "#lab" }), [
    ":Olga!Olga@chat KICK #lab Kit :Banned",
  ]);
  // A leaving that never came is not waited for for ever, nor once the user is back.
  render(renderer, ban("Kit"));
  clock.now += 60_000;
  assert.deepEqual(render(renderer, { type: "left", nickname: "Kit", room: "#lab" }), [
    ":Kit!Kit@chat PART #lab",
  ]);
  render(renderer, ban("Kit"));
  render(renderer, { type: "joined", nickname: "Kit", room: "#lab" });
  assert.deepEqual(render(renderer, { type: "left", nickname: "Kit", room: "#lab" }), [
    ":Kit!Kit@chat PART #lab",
  ]);
});

Deno.test("a renamed user's NICK line shows its former nickname as user, and its account", () => {
  const clock = { now: 1_000_000 };
  const remote = { ...member("Jay2"), remote: true };
  const view = viewOf([remote], clock);
  // Another node's user going by an account's name is logged in to it.
  (view as { identity: IrcView<Member>["identity"] }).identity = () => ({
    account: "jay2",
    nickKey: "jay2",
    address: "",
    guest: false,
  });
  const renderer = new Renderer(view, replies);
  assert.deepEqual(render(renderer, { type: "nick", old: "Jay", nickname: "Jay2" }), [
    ":Jay!Jay@chat NICK Jay2",
  ]);
  const lines = new Lines(new Set(["account-tag"]));
  renderer.render(lines, [{ type: "broadcast", nickname: "Jay2", message: "hi" }]);
  assert.equal(lines.text, "@account=Jay2 :Jay2!Jay2@chat PRIVMSG &chat :hi\r\n");
});
