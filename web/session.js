// @ts-self-types="./session.d.ts"
/**
 * Who this page is in the chat, and whether it is in: the join form (and the password of a
 * nickname that is an account), the header once in, joining again when the connection drops, and
 * leaving.
 *
 * @module
 */

import { EXTENSION_TYPES } from "./common/protocol.js";
import { Connection } from "./connection.js";
import { sameName } from "./names.js";

const $ = (id) => document.getElementById(id);

/** This page's stay in the chat, over one connection at a time. */
export class Session {
  #nickname = "";
  #password = "";
  #joined = false;
  #leaving = false;
  #hooks;
  #connection;

  /** Takes the join form and the Leave button; `hooks` are what the rest of the page does. */
  constructor(hooks) {
    this.#hooks = hooks;
    this.#connection = new Connection({
      onOpen: () => this.#hello(),
      onMessage: hooks.onMessage,
      onClose: () => this.#closed(),
    });
    $("join").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#nickname = $("nickname").value.trim();
      this.#password = $("password").value;
      this.#leaving = false;
      $("join-error").textContent = "";
      if (this.#nickname !== "") this.#connection.open();
    });
    $("leave").addEventListener("click", () => this.leave());
  }

  /** This user's nickname, as the server knows it now. */
  get nickname() {
    return this.#nickname;
  }

  /** Sends `message` to the server, when connected. */
  send(message) {
    this.#connection.send(message);
  }

  /** The server let this page in (again, after a drop): the chat is shown. */
  welcomed() {
    const first = !this.#joined;
    this.#joined = true;
    $("join").hidden = true;
    $("chat").hidden = false;
    $("me").textContent = this.#nickname;
    this.#status("Connected");
    this.#hooks.onWelcome(first);
  }

  /**
   * The server asks for the password of `nickname`, an account: sent if known (with this
   * device's id, when it has keys), else asked.
   */
  login(nickname, device) {
    if (this.#password === "") this.#askPassword(nickname);
    else if (device === undefined) this.send({ type: "login", password: this.#password });
    else this.send({ type: "login", password: this.#password, device });
  }

  /** The server's error `text`: before joining the join form says it and the page stays out. */
  error(text) {
    if (this.#joined) {
      this.#hooks.system(`Error: ${text}`);
      return;
    }
    this.#password = "";
    this.#showJoinError(text);
    this.#leaving = true;
    this.#connection.close();
  }

  /** Someone's nickname changed from `old` to `nickname`: this user's own, maybe. */
  renamed(old, nickname) {
    if (!sameName(old, this.#nickname)) return;
    this.#nickname = nickname;
    $("me").textContent = nickname;
  }

  /** Keeps `password`, the account's now, for joining again after a drop. */
  rememberPassword(password) {
    this.#password = password;
  }

  /** Leaves the chat, back to the join form. */
  leave() {
    this.#leaving = true;
    this.send({ type: "disconnect", nickname: this.#nickname });
    this.#joined = false;
    this.#hooks.onLeave();
    this.#showJoinError("You left the chat");
  }

  #hello() {
    this.send({
      type: "nickname",
      nickname: this.#nickname,
      clientID: "web",
      timestamp: new Date().toISOString(),
      extensions: EXTENSION_TYPES,
    });
  }

  #closed() {
    this.#hooks.onDrop();
    if (this.#leaving || !this.#joined) {
      if (!this.#joined && !this.#leaving) this.#showJoinError("Cannot reach the chat server");
      return;
    }
    this.#connection.reconnect((seconds) => {
      this.#status(`Connection lost: reconnecting in ${seconds} s`);
      this.#hooks.system(`Connection lost: reconnecting in ${seconds} s`);
    });
  }

  #askPassword(nickname) {
    $("password-row").hidden = false;
    this.#showJoinError(`${nickname} is registered: enter its password`);
    $("password").focus();
    this.#leaving = true;
    this.#connection.close();
  }

  #showJoinError(text) {
    $("join-error").textContent = text;
    $("join").hidden = false;
    $("chat").hidden = true;
  }

  #status(text) {
    $("status").textContent = text;
  }
}
