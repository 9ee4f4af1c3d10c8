/**
 * What each command typed in the page does. Which commands the page has, with their names,
 * aliases and help, is the list it shares with the terminal client (`common/commands.js`).
 *
 * @module
 */

import { COMMANDS, SLASH_LINE } from "./common/commands.js";
import { operatorRequest } from "./common/operator_commands.js";
import { parseRoomCommand, ROOM_COMMAND_NAMES, roomRequest } from "./common/room_commands.js";
import { EVERYONE } from "./names.js";

/** The page's commands, in the order `/help` lists them. */
const PAGE_COMMANDS = COMMANDS.filter((command) => command.clients.includes("web"));

/** The page's commands at work. */
export class Commands {
  #page;

  /**
   * Takes the parts of the page the commands act on: `session`, `conversations`, `people`,
   * `rooms`, `keys`, `files` and `composer`.
   */
  constructor(page) {
    this.#page = page;
  }

  /** Carries out `line`, a command (its name, then its words). */
  run(line) {
    const [name, ...words] = line.split(/\s+/);
    const typed = name.toLowerCase();
    const command = PAGE_COMMANDS.find((c) => c.name === typed || c.aliases.includes(typed));
    if (command === undefined) {
      this.#system(`Unknown command "${name}": /help lists the commands`);
      return;
    }
    this.#actions[command.name](words, line.slice(name.length).trim(), name);
  }

  /** What each command does, by its name: given its words, all of them as typed, and its name. */
  #actions = {
    "/help": () => {
      this.#system("Commands:");
      for (const c of PAGE_COMMANDS) {
        this.#system(`${`${[c.name, ...c.aliases].join(", ")} ${c.args}`.trimEnd()}: ${c.help}`);
      }
      this.#system(`${SLASH_LINE.usage}: ${SLASH_LINE.help}`);
    },
    "/list": () => {
      this.#page.people.tellUsers();
      this.#send({ type: "list" });
    },
    "/whisper": (words, rest, name) => {
      const to = words[0];
      const text = to === undefined ? "" : rest.slice(to.length).trim();
      if (!to || !text) this.#system(`Usage: ${name} <user> <message>`);
      else this.#page.composer.whisper(to, text);
    },
    "/nick": (words) => {
      if (words.length === 1) this.#send({ type: "nick", nickname: words[0] });
      else this.#system("Usage: /nick <nickname>");
    },
    "/join": ([room]) => {
      if (room) this.#send({ type: "join", room: room.startsWith("#") ? room : `#${room}` });
      else this.#system("Usage: /join <#room>");
    },
    "/leave": ([named]) => {
      const { active } = this.#page.conversations;
      const room = named ??
        (active.startsWith("#") ? this.#page.conversations.titleOf(active) : undefined);
      if (room) this.#send({ type: "leave", room: room.startsWith("#") ? room : `#${room}` });
      else this.#system("Usage: /leave <#room>");
    },
    "/rooms": () => this.#page.people.tellRooms(),
    "/all": () => this.#page.conversations.show(EVERYONE),
    "/history": (words) => {
      const room = words.find((word) => word.startsWith("#"));
      const count = words.find((word) => /^\d+$/.test(word));
      this.#send({ type: "history", room, count: count === undefined ? undefined : Number(count) });
    },
    "/register": () => this.#page.composer.askSecret("register"),
    "/send": ([to]) => {
      if (to) this.#page.files.pick(to);
      else this.#system("Usage: /send <user>, then pick the file");
    },
    "/accept": () => this.#page.files.answerLatest("accept"),
    "/reject": () => this.#page.files.answerLatest("reject"),
    "/cancel": () => this.#page.files.cancelLatest(),
    "/transfers": () => this.#page.files.tell(),
    "/fingerprint": (words) => {
      if (words.length > 1) this.#system("Usage: /fingerprint [<user>]");
      else this.#page.keys.client?.fingerprint(words[0]);
    },
    "/trust": (words) => {
      if (words.length !== 1) this.#system("Usage: /trust <user>");
      else this.#page.keys.client?.trust(words[0]);
    },
    "/devices": (words) => {
      if (words.length > 0) this.#system("Usage: /devices");
      else this.#page.keys.client?.devices();
    },
    "/approve": (words) => this.#numbered("approve", words),
    "/revoke": (words) => this.#numbered("revoke", words),
    "/password": () => this.#page.composer.askSecret("password"),
    "/unregister": () => this.#send({ type: "account", action: "unregister" }),
    "/kill": (_words, rest, name) => this.#operator(name, rest),
    "/serverban": (_words, rest, name) => this.#operator(name, rest),
    "/serverunban": (_words, rest, name) => this.#operator(name, rest),
    "/wall": (_words, rest, name) => this.#operator(name, rest),
    ...Object.fromEntries(
      ROOM_COMMAND_NAMES.map((command) => [
        command,
        (words, rest, name) => this.#room(name, words, rest),
      ]),
    ),
    "/exit": () => this.#page.session.leave(),
  };

  /** A server operator's command: sent, or how to use it. */
  #operator(name, rest) {
    const request = operatorRequest(name, rest);
    if ("usage" in request) this.#system(request.usage);
    else this.#send(request.message);
  }

  /** A kept room's command: sent, for the room it names or the one shown; or how to use it. */
  #room(name, words, rest) {
    const command = parseRoomCommand(name, words, rest);
    if (command.kind === "usage") {
      this.#system(command.usage);
      return;
    }
    const { active } = this.#page.conversations;
    const room = command.room ??
      (active.startsWith("#") ? this.#page.conversations.titleOf(active) : undefined);
    if (room === undefined) this.#system("You are not talking in a room: name one (#room)");
    else this.#page.rooms.send(roomRequest(command, room));
  }

  #send(message) {
    this.#page.session.send(message);
  }

  /** `/approve n` or `/revoke n` (`kind`), given `words`. */
  #numbered(kind, words) {
    if (words.length !== 1 || !/^\d{1,2}$/.test(words[0]) || Number(words[0]) < 1) {
      this.#system(`Usage: /${kind} <n>`);
    } else this.#page.keys.client?.[kind](Number(words[0]));
  }

  #system(text) {
    this.#page.conversations.system(text);
  }
}
