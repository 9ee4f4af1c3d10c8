/**
 * The message box: a chat line goes to the conversation open (lines are sent in the order typed,
 * a private one sealed end to end when it can be), a line starting with "/" is a command, and
 * after `/register` or `/password` the next line is the password, typed unseen.
 *
 * @module
 */

import { EVERYONE, personId } from "./names.js";

const $ = (id) => document.getElementById(id);
const PLACEHOLDER = "Type a message, or /help";

/** The message box and what is sent from it. */
export class Composer {
  #session;
  #conversations;
  #keys;
  #run;
  /** What is sent is sent in order, and a private message may wait on keys. */
  #sending = Promise.resolve();
  /** The account action the next line is the password for, if any. */
  #secret;

  /**
   * Takes the compose form; `session` sends and knows the nickname, `conversations` shows what is
   * sent, `keys` is the page's encryption and `run(line)` carries out a command.
   */
  constructor(session, conversations, keys, run) {
    this.#session = session;
    this.#conversations = conversations;
    this.#keys = keys;
    this.#run = run;
    $("compose").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("message");
      if (this.#secret !== undefined) this.#password(input.value);
      else this.#submit(input.value);
      input.value = "";
    });
  }

  /** Puts the cursor in the message box. */
  focus() {
    $("message").focus();
  }

  /** Makes the next line typed a password for `action` (the box hides it meanwhile). */
  askSecret(action) {
    const input = $("message");
    this.#secret = action;
    input.type = "password";
    input.placeholder = action === "register"
      ? `New password for ${this.#session.nickname}`
      : "New password";
    input.focus();
  }

  /** Sends `text` to `to`, end to end when it can be, and shows it in their conversation. */
  whisper(to, text) {
    const id = personId(to);
    this.#conversations.open(id, to);
    this.#sending = this.#sending.then(async () => {
      const e2e = this.#keys.client;
      const message = e2e === undefined
        ? { type: "private", to, message: text }
        : await e2e.seal(to, text);
      if (message === undefined) return;
      this.#session.send({ ...message, timestamp: new Date().toISOString() });
      const mark = message.e2e ? "end-to-end" : "";
      this.#conversations.say(id, new Date(), this.#session.nickname, text, mark, to);
    }).catch(console.error);
  }

  #submit(text) {
    if (text.trim() === "") return;
    if (text.startsWith("/") && !text.startsWith("//")) {
      this.#run(text.trim());
      return;
    }
    const body = text.startsWith("//") ? text.slice(1) : text;
    const stamp = new Date().toISOString();
    const active = this.#conversations.active;
    const nickname = this.#session.nickname;
    if (active === EVERYONE) {
      this.#sendInOrder({ type: "message", nickname, message: body, timestamp: stamp });
      this.#conversations.say(EVERYONE, new Date(), nickname, body, "");
    } else if (active.startsWith("#")) {
      const room = this.#conversations.titleOf(active);
      this.#sendInOrder({ type: "room", room, message: body, timestamp: stamp });
      this.#conversations.say(active, new Date(), nickname, body, "", room);
    } else this.whisper(this.#conversations.titleOf(active), body);
  }

  #password(password) {
    const action = this.#secret;
    this.#secret = undefined;
    const input = $("message");
    input.type = "text";
    input.placeholder = PLACEHOLDER;
    if ([...password].length < 8) {
      this.#conversations.system("A password must be 8 to 1024 characters: nothing changed");
      return;
    }
    this.#session.send({ type: "account", action, password });
    if (action === "register" || action === "password") this.#session.rememberPassword(password);
  }

  /** Sends `message` once the private messages typed before it are sent. */
  #sendInOrder(message) {
    this.#sending = this.#sending.then(() => this.#session.send(message));
  }
}
