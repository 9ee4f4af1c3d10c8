/**
 * Registering a nickname in JSON: the registration sent and its outcome awaited (a reply, or
 * silence taken as yes, for servers that acknowledge nothing), another nickname asked for after a
 * refusal, the password when the nickname is an account's, and a new connection when the server
 * closed the old one after refusing.
 *
 * @module
 */

import { type ClientMessage, EXTENSION_TYPES } from "../../protocol.ts";
import { escapeControls } from "../common/text.ts";
import { nicknameProblem } from "../protocol/values.ts";
import { askLoginPassword } from "./accounts.ts";
import { type ClientUi, type LineSource, Signal } from "./session.ts";

/** How long to wait for any reply to a registration before assuming it was accepted (ms). */
export const REGISTRATION_REPLY_MS = 2000;
/** How long to wait for the reply to a login (a server that asked for one replies) (ms). */
export const LOGIN_REPLY_MS = 15_000;

/** How a registration ends. */
type Outcome =
  | { accepted: true }
  | { accepted: false; reason: string }
  /** The nickname is an account's: log in to `account` with its password. */
  | { accepted: false; login: string }
  /** The server closed the connection under a registration, after refusing one: try again. */
  | { accepted: false; retry: true };

/** How a registration is set up. */
export interface RegistrationOptions {
  /** Where lines and the prompt go. */
  ui: ClientUi;
  /** The time now (stamped on the registration). */
  now: () => Date;
  /** Who registers: its nickname changes when the user picks another. */
  me: { nickname: string };
  /** The client's id, sent with the nickname. */
  clientID: string;
  /** A file whose first line is the password, for logging in to an account (used once). */
  passwordFile?: string;
  /** How long to wait for a reply before taking silence as yes (ms). */
  replyMs?: number;
  /** Sends a message to the server. */
  send(message: ClientMessage): void;
  /** Replaces the connection with a new one to the same server; false (said) if that fails. */
  reconnect(): Promise<boolean>;
  /**
   * The id of this device's keys, sent with the login (messages kept for the account go to each
   * device once); undefined without keys.
   */
  loginDevice?(): Promise<string | undefined>;
}

/** One session's registration, and what the server's replies mean for it. */
export class Registration {
  readonly #options: RegistrationOptions;
  readonly #replyMs: number;
  /** The password file, until it has been used once. */
  #passwordFile: string | undefined;
  /** Set while a registration waits for its reply. */
  #waiting: Signal<Outcome> | undefined;
  /** Whether the server refused a nickname on this connection (and so may close it). */
  #refusedHere = false;
  /** Whether the server closed the connection after a refusal: register on a new one. */
  #mustReconnect = false;

  /** Prepares the registration; nothing is sent until `run`. */
  constructor(options: RegistrationOptions) {
    this.#options = options;
    this.#replyMs = options.replyMs ?? REGISTRATION_REPLY_MS;
    this.#passwordFile = options.passwordFile;
  }

  /**
   * Registers, asking `input` for another nickname or a password when needed: "registered";
   * "lost" when no new connection could be made; "stopped" when the input ended first.
   */
  async run(input: LineSource): Promise<"registered" | "lost" | "stopped"> {
    const { ui, me } = this.#options;
    while (true) {
      if (this.#mustReconnect) {
        this.#mustReconnect = false;
        this.#refusedHere = false;
        if (!await this.#options.reconnect()) return "lost";
      }
      let outcome = await this.#register();
      if ("login" in outcome) {
        const file = this.#passwordFile;
        this.#passwordFile = undefined;
        const password = await askLoginPassword(ui, input, outcome.login, file);
        if (password === null) return "stopped";
        const device = await this.#options.loginDevice?.();
        outcome = await this.#awaitReply(
          () =>
            this.#options.send(
              device === undefined
                ? { type: "login", password }
                : { type: "login", password, device },
            ),
          LOGIN_REPLY_MS,
          { accepted: false, reason: "The server did not answer the login" },
        );
      }
      if (outcome.accepted) break;
      if ("retry" in outcome || "login" in outcome) continue;
      ui.print(
        `Nickname "${escapeControls(me.nickname)}" refused: ${escapeControls(outcome.reason)}`,
      );
      const next = await this.#askNickname(input);
      if (next === null) return "stopped";
      me.nickname = next;
    }
    this.#refusedHere = false;
    return "registered";
  }

  /** Whether a registration (or a login) waits for the server's reply. */
  get waiting(): boolean {
    return this.#waiting !== undefined;
  }

  /** The server took the registration (it welcomed, or sent what only registered clients get). */
  accepted(): void {
    this.#settle({ accepted: true });
  }

  /** The server refused the registration waiting, saying `reason`. */
  refused(reason: string): void {
    // Some servers close the connection right after refusing a nickname.
    this.#refusedHere = true;
    this.#settle({ accepted: false, reason });
  }

  /** The nickname is that of `account`: the registration waiting goes on with its password. */
  loginAsked(account: string): void {
    this.#settle({ accepted: false, login: account });
  }

  /**
   * The connection ended: true when that followed a refusal, and registering goes on on a new
   * connection; false when the session is over.
   */
  connectionEnded(): boolean {
    if (this.#refusedHere) {
      this.#mustReconnect = true;
      this.#settle({ accepted: false, retry: true });
      return true;
    }
    this.#settle({ accepted: true });
    return false;
  }

  /** Sends the registration and waits for its outcome (a reply, or silence taken as yes). */
  #register(): Promise<Outcome> {
    return this.#awaitReply(
      () =>
        this.#options.send({
          type: "nickname",
          nickname: this.#options.me.nickname,
          clientID: this.#options.clientID,
          timestamp: this.#options.now().toISOString(),
          extensions: [...EXTENSION_TYPES],
        }),
      this.#replyMs,
      { accepted: true },
    );
  }

  /** Sends what `send` sends and waits for the registration's outcome, or `silence` after `ms`. */
  #awaitReply(send: () => void, ms: number, silence: Outcome): Promise<Outcome> {
    const waiting = new Signal<Outcome>();
    this.#waiting = waiting;
    const timer = setTimeout(() => this.#settle(silence), ms);
    send();
    return waiting.promise.finally(() => clearTimeout(timer));
  }

  /** Ends the wait for a registration reply at once, so later replies are not taken for it. */
  #settle(outcome: Outcome): void {
    this.#waiting?.resolve(outcome);
    this.#waiting = undefined;
  }

  async #askNickname(input: LineSource): Promise<string | null> {
    while (true) {
      this.#options.ui.setPrompt("Choose another nickname: ");
      const line = await input.next();
      if (line === null) return null;
      const problem = nicknameProblem(line.trim());
      if (problem === undefined) return line.trim();
      this.#options.ui.print(problem);
    }
  }
}
