import assert from "node:assert/strict";
import { Commands } from "./commands.js";
import { COMMANDS } from "./common/commands.js";

/** The page's commands over a page that records what they ask of it. */
function page(active = "*") {
  const calls: string[] = [];
  const record = (part: string) =>
    new Proxy({}, {
      get: (_, method) => (...args: unknown[]) =>
        calls.push(`${part}.${String(method)}${JSON.stringify(args)}`),
    });
  const conversations = {
    active,
    titleOf: (id: string) => id === "#lab" ? "#Lab" : undefined,
    show: (id: string) => calls.push(`conversations.show["${id}"]`),
    system: (text: string) => calls.push(`system: ${text}`),
  };
  const commands = new Commands({
    session: record("session"),
    conversations,
    people: record("people"),
    rooms: record("rooms"),
    keys: { client: record("keys") },
    files: record("files"),
    composer: record("composer"),
  });
  return { commands, calls };
}

Deno.test("the page has an action for each command and alias the shared list gives it", () => {
  const web = COMMANDS.filter((c) => (c.clients as readonly string[]).includes("web"));
  for (const name of web.flatMap((c) => [c.name, ...c.aliases])) {
    const { commands, calls } = page();
    commands.run(`${name} someone something`);
    assert.ok(calls.length > 0, name);
    assert.ok(!calls.some((call) => call.startsWith("system: Unknown command")), name);
  }
});

Deno.test("the page refuses a command of the terminal client only, and an unknown one", () => {
  for (const line of ["q!", "/dance now"]) {
    const { commands, calls } = page();
    commands.run(line);
    assert.deepEqual(calls, [
      `system: Unknown command "${line.split(" ")[0]}": /help lists the commands`,
    ]);
  }
});

Deno.test("the page's /help lists its own commands from the shared list, one a line", () => {
  const { commands, calls } = page();
  commands.run("/HELP");
  assert.equal(calls[0], "system: Commands:");
  assert.ok(
    calls.includes(
      "system: /whisper, /msg, /w <user> <message>: send a private message to one user",
    ),
  );
  assert.ok(
    calls.includes("system: /send <user>: offer a file to a connected user; you pick it next"),
  );
  assert.ok(calls.includes("system: /exit, /quit: leave the chat"));
  assert.equal(calls.at(-1), "system: //text: send a line that starts with /");
  assert.equal(calls.length, 40);
});

Deno.test("the page's commands ask the part of the page they are for", () => {
  const { commands, calls } = page();
  for (
    const line of ["/w Bob see you  there", "/join lab", "/accept", "/exit", "/history #lab 5"]
  ) {
    commands.run(line);
  }
  assert.deepEqual(calls, [
    'composer.whisper["Bob","see you  there"]',
    'session.send[{"type":"join","room":"#lab"}]',
    'files.answerLatest["accept"]',
    "session.leave[]",
    'session.send[{"type":"history","room":"#lab","count":5}]',
  ]);
});

Deno.test("the page's room commands go to the room named, or to the room shown", () => {
  const { commands, calls } = page("#lab");
  for (const line of ["/kick Bob spam", "/topic #den Homework", "/room #lab private", "/ban"]) {
    commands.run(line);
  }
  assert.deepEqual(calls, [
    'rooms.send[{"type":"moderate","action":"kick","nickname":"Bob","reason":"spam","room":"#Lab"}]',
    'rooms.send[{"type":"topic","topic":"Homework","room":"#den"}]',
    'rooms.send[{"type":"settings","setting":"private","room":"#lab"}]',
    "system: Usage: /ban <user> [<#room>] [<minutes>] [<reason>]",
  ]);
  const everyone = page();
  everyone.commands.run("/mute Bob");
  assert.deepEqual(everyone.calls, ["system: You are not talking in a room: name one (#room)"]);
});
