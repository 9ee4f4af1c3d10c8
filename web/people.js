// @ts-self-types="./people.d.ts"
/**
 * Who is here and the rooms, as the page lists them: a button for each person (to talk privately)
 * and for each room (to join it), behind a button of their own on a narrow screen.
 *
 * @module
 */

import { sameName } from "./names.js";

const $ = (id) => document.getElementById(id);

/** The people and the rooms, as the server last told them. */
export class People {
  #users = [];
  #rooms = [];
  /** Those of the users who are server operators, as the last list said. */
  #operators = [];
  #hooks;

  /**
   * Takes the lists and their button; `hooks.onPerson(nickname)` runs when a person is clicked,
   * `hooks.onRoom(room)` when a room is, and `hooks.system(text)` shows a line of the page's.
   */
  constructor(hooks) {
    this.#hooks = hooks;
    $("people-toggle").addEventListener("click", () => {
      const open = $("people").classList.toggle("open");
      $("people-toggle").setAttribute("aria-expanded", String(open));
    });
  }

  /** Says who is connected, in the order they came (`/list`). */
  tellUsers() {
    this.#hooks.system(`Here: ${this.#users.map((user) => this.#shown(user)).join(", ")}`);
  }

  /** Says which rooms there are, and their members (`/rooms`). */
  tellRooms() {
    this.#hooks.system(
      this.#rooms.length === 0
        ? "No rooms yet: /join <#room> makes one"
        : `Rooms: ${
          this.#rooms.map(({ room, members }) => `${room} (${members.join(", ")})`).join(", ")
        }`,
    );
  }

  /** Both lists, as a `list` reply gives them, with the server operators among the users. */
  update(users, rooms, operators = []) {
    this.#users = users;
    this.#rooms = rooms;
    this.#operators = operators;
    this.#render();
  }

  /** Whether `nickname` is a server operator, as the last list said. */
  isOperator(nickname) {
    return this.#operators.some((name) => sameName(name, nickname));
  }

  /** A user as the lists show it: marked when a server operator. */
  #shown(user) {
    return this.isOperator(user) ? `${user} (operator)` : user;
  }

  /** `nickname` joined the chat. */
  add(nickname) {
    if (!this.#users.some((user) => sameName(user, nickname))) this.#users.push(nickname);
    this.#render();
  }

  /** `nickname` left the chat. */
  remove(nickname) {
    this.#users = this.#users.filter((user) => !sameName(user, nickname));
    this.#render();
  }

  /** `old` is now known as `nickname`. */
  rename(old, nickname) {
    this.#users = this.#users.map((user) => sameName(user, old) ? nickname : user);
    this.#render();
  }

  #render() {
    $("users").replaceChildren(...this.#users.map((user) => {
      const button = item(this.#shown(user), `Talk privately with ${user}`);
      button.onclick = () => this.#hooks.onPerson(user);
      return button.parentElement;
    }));
    $("rooms").replaceChildren(...this.#rooms.map(({ room, members, topic }) => {
      const button = item(
        `${room} (${members.length})`,
        `Join ${room}${topic ? `: ${topic}` : ""}`,
      );
      button.onclick = () => this.#hooks.onRoom(room);
      return button.parentElement;
    }));
  }
}

/** A list item holding a button showing `text` (as text) with the tooltip `title`. */
function item(text, title) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  button.title = title;
  item.append(button);
  return button;
}
