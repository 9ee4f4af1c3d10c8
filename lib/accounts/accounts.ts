/**
 * The accounts feature of the server: logging in to an account's nickname, registering,
 * changing and giving up accounts, private messages kept for accounts that are away (offline
 * delivery, acknowledged by the client), and history. It sits beside the chat core, which asks
 * it through `AccountHooks`; it keeps everything in a `Store`.
 *
 * Whole at some 500 lines: its parts share the logins (which connection is which account and
 * device decides what is kept, delivered and acknowledged, and a password checked before a
 * client registers, as IRC's SASL does, is not checked again at its login); what it sends is
 * built by `replies.ts`, and the rules of passwords and the throttle are modules of their own.
 *
 * @module
 */

import {
  type AccountAction,
  isDeviceId,
  type PrivateMessage,
  type ServerMessage,
} from "../../protocol.ts";
import { nicknameKey, passwordProblem, roomKey } from "../protocol/values.ts";
import type {
  AccountCommand,
  AccountHooks,
  ErrorReason,
  Member,
  Outbound,
  RegisterCommand,
} from "../core/types.ts";
import { type EventKind, eventKind, type Log } from "../common/log_event.ts";
import { eventLine, STORE_ERROR } from "../core/console_lines.ts";
import { EVERYONE, type HistoryPage, type KeptMessage, type Store } from "../store/store.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { historyRun, keptRun, type Unsent } from "./replies.ts";
import { Throttle } from "./throttle.ts";

/** A login as `nickname` from `ip`:`port` failed (its password is never logged). */
export const LOGIN_FAILED: EventKind<{ nickname: string; ip: string; port: number }> = eventKind(
  "login_failed",
  "warn",
  (f, time) => eventLine(time, `failed login as ${f.nickname} from IP:${f.ip}, Port:${f.port}`),
);

/** What each account action did, as the console says it. */
const ACCOUNT_DONE: Record<AccountAction, string> = {
  register: "registered",
  password: "changed the password of",
  unregister: "gave up",
};

/** `nickname` registered its account, changed its password, or gave it up (`action`). */
export const ACCOUNT_CHANGED: EventKind<{ nickname: string; action: AccountAction }> = eventKind(
  "account_changed",
  "info",
  (f, time) => eventLine(time, `${f.nickname}: ${ACCOUNT_DONE[f.action]} the account.`),
);

/** Messages of history shown on logging in, at most. */
export const HISTORY_ON_LOGIN = 100;
/** Messages `/history` shows when no number is given. */
export const DEFAULT_HISTORY_COUNT = 20;

/** What the feature needs of the chat core. */
export interface AccountChat<M extends Member> {
  /** Carries out a registration (the core checks it again). */
  handle(member: M, command: RegisterCommand): void;
  /** The registered client that goes by `nickname`, if any. */
  find(nickname: string): M | undefined;
  /** The name of `room` when `member` is in it. */
  roomOf(member: M, room: string): string | undefined;
}

/** How the feature is set up. */
export interface AccountsOptions<M extends Member> {
  /** Where accounts, kept messages and history are kept. */
  store: Store;
  /** Where replies go. */
  out: Outbound<M>;
  /** Where console events go. */
  log: Log;
  /** Most messages `/history` may ask for (the history bound). */
  historyMax: number;
  /** Most bytes of kept messages or history sent to a client at once (well under its sendq). */
  replyBytes: number;
  /** The wall clock. */
  now?: () => Date;
  /** Failed logins, per account and per IP address. */
  logins?: Throttle;
  /** Account changes that hash a password (each costs a tenth of a second of CPU), per connection. */
  changes?: Throttle;
  /** Told when `member` has made its nickname an account (before it is told). */
  onRegistered?: (member: M) => Promise<void>;
  /** Told when an account is made (with its nickname) or given up (a cluster passes it on). */
  onChanged?: (key: string, nickname: string | undefined) => void;
  /** Why account `key` may not be given up now (it owns rooms, say), or undefined. */
  unregisterProblem?: (key: string) => string | undefined;
  /** This chat's id (kept in the store), sent in every login prompt. */
  chat?: string;
}

/** A login asked for: the registration it completes. */
interface PendingLogin {
  command: RegisterCommand;
  checking: boolean;
}

/** What waits for an account as it logs in: read before it joins, sent once it has. */
interface Arrivals {
  kept: KeptMessage[];
  history: HistoryPage;
}

/** Accounts, offline messages and history, for the chat core. */
export class Accounts<M extends Member> implements AccountHooks<M> {
  readonly #store: Store;
  readonly #out: Outbound<M>;
  readonly #log: Log;
  readonly #now: () => Date;
  readonly #logins: Throttle;
  readonly #changes: Throttle;
  readonly #historyMax: number;
  readonly #replyBytes: number;
  /** Every account's nickname, by key. */
  readonly #names = new Map<string, string>();
  readonly #pending = new WeakMap<M, PendingLogin>();
  readonly #arrivals = new WeakMap<M, Arrivals>();
  readonly #unsent = new WeakMap<M, Unsent>();
  /** Passwords checked before registering (IRC's SASL), not checked again at the login. */
  readonly #checked = new WeakMap<M, { key: string; password: string }>();
  /** The device each member logged in from, when it said: kept messages are per device. */
  readonly #deviceOf = new WeakMap<M, string>();
  #chat: AccountChat<M> | undefined;

  readonly #onRegistered: ((member: M) => Promise<void>) | undefined;
  readonly #onChanged: AccountsOptions<M>["onChanged"];
  readonly #unregisterProblem: AccountsOptions<M>["unregisterProblem"];
  readonly #chatId: string | undefined;

  /** Creates the feature on `options.store`; `load` reads the accounts it holds. */
  constructor(options: AccountsOptions<M>) {
    this.#store = options.store;
    this.#out = options.out;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    this.#logins = options.logins ?? new Throttle();
    this.#changes = options.changes ?? new Throttle();
    this.#historyMax = options.historyMax;
    this.#replyBytes = options.replyBytes;
    this.#onRegistered = options.onRegistered;
    this.#onChanged = options.onChanged;
    this.#unregisterProblem = options.unregisterProblem;
    this.#chatId = options.chat;
  }

  /** Reads the names of the accounts in the store (before any client registers). */
  async load(): Promise<void> {
    for (const name of await this.#store.accountNames()) this.#names.set(nicknameKey(name), name);
  }

  /** How many accounts there are. */
  get count(): number {
    return this.#names.size;
  }

  /** Another node of the cluster made the account `key` (`nickname`) or gave it up (undefined). */
  learn(key: string, nickname: string | undefined): void {
    if (nickname === undefined) this.#names.delete(key);
    else this.#names.set(key, nickname);
  }

  /** Connects the feature to the chat core it serves. */
  attach(chat: AccountChat<M>): void {
    this.#chat = chat;
  }

  isAccount(nickname: string): boolean {
    return this.#names.has(nicknameKey(nickname));
  }

  /** The nickname of the account `nickname` is (in any case, as it was made), if it is one. */
  accountName(nickname: string): string | undefined {
    return this.#names.get(nicknameKey(nickname));
  }

  askLogin(member: M, command: RegisterCommand): void {
    this.#pending.set(member, { command, checking: false });
    const nickname = this.#names.get(nicknameKey(command.nickname))!;
    this.#send(
      member,
      this.#chatId === undefined
        ? { type: "login", nickname }
        : { type: "login", nickname, chat: this.#chatId },
    );
  }

  registered(member: M): void {
    const arrivals = this.#arrivals.get(member);
    if (arrivals === undefined) return;
    this.#arrivals.delete(member);
    if (member.extensions.has("private")) this.#sendKept(member, arrivals.kept);
    const { history } = arrivals;
    if (member.extensions.has("history") && history.entries.length + history.earlier > 0) {
      this.#sendHistory(member, undefined, history);
    }
  }

  keep(sender: M, to: string, message: PrivateMessage): void {
    const key = nicknameKey(to);
    const name = this.#names.get(key) ?? to;
    const kept: Omit<KeptMessage, "id"> = {
      from: message.nickname,
      text: message.message ?? "",
      timestamp: message.timestamp!,
      at: this.#now().getTime(),
    };
    // Kept as relayed: the server cannot read it.
    if (message.e2e !== undefined) kept.e2e = JSON.stringify(message.e2e);
    this.#store.keep(key, kept).then(
      (result) => {
        if (sender.closing) return;
        if (result.ok) {
          this.#send(sender, { type: "queued", to: name, timestamp: message.timestamp });
        } else {
          this.#refuse(
            sender,
            `${name} is away with too many messages waiting: yours was not kept`,
          );
        }
      },
      (error: Error) =>
        this.#refuse(sender, `Cannot keep your message for ${name}: ${error.message}`),
    );
  }

  relayed(message: Extract<ServerMessage, { type: "broadcast" | "room" }>): void {
    this.#store.remember({
      target: message.type === "room" ? roomKey(message.room) : EVERYONE,
      room: message.type === "room" ? message.room : undefined,
      nickname: message.nickname,
      text: message.message,
      timestamp: message.timestamp!,
      at: this.#now().getTime(),
    });
  }

  loggedOut(member: M): void {
    const key = member.account!;
    member.account = undefined;
    this.#unsent.delete(member);
    this.#deviceOf.delete(member);
    this.#store.seen(key, this.#now().getTime()).catch((error: Error) =>
      this.#log(
        STORE_ERROR.at(this.#now(), {
          action: `note when ${key} was last seen`,
          error: error.message,
        }),
      )
    );
  }

  /** Carries out an account command (its replies may come later: the store is asked). */
  handle(member: M, command: AccountCommand): void {
    if (command.kind === "login") {
      this.#login(member, command.password, command.device);
      return;
    }
    if (member.nickname === undefined) {
      this.#refuse(member, 'Not registered: send a "nickname" message first', "unregistered");
      return;
    }
    switch (command.kind) {
      case "account":
        this.#account(member, command.action, command.password);
        break;
      case "history":
        this.#history(member, command.room, command.count);
        break;
      case "ack":
        this.#acknowledge(member, command.id);
        break;
    }
  }

  /**
   * Checks `password` for the account `nickname` before `member` registers (IRC's SASL):
   * undefined when right, else why not, throttled as logins are. Once right, `member`'s login
   * to that account with that password is not checked again.
   */
  async checkPassword(member: M, nickname: string, password: string): Promise<string | undefined> {
    const key = nicknameKey(nickname);
    const name = this.#names.get(key) ?? nickname;
    const now = this.#now().getTime();
    const keys = [`account:${key}`, `ip:${member.ip}`];
    const wait = this.#logins.wait(keys, now);
    if (wait > 0) {
      return `Too many failed logins for ${name}: try again in ${Math.ceil(wait / 1000)} s`;
    }
    try {
      const account = await this.#store.account(key);
      const right = account !== undefined && passwordProblem(password) === undefined &&
        await verifyPassword(password, account.passwordHash);
      if (!right) {
        this.#logins.count(keys, now);
        this.#loginFailed(name, member);
        return account === undefined
          ? `No account ${JSON.stringify(name)}`
          : `Wrong password for ${name}`;
      }
      this.#logins.clear(keys[0]);
      this.#checked.set(member, { key, password });
      return undefined;
    } catch (error) {
      return `Cannot log in now: ${(error as Error).message}`;
    }
  }

  #loginFailed(nickname: string, member: M): void {
    this.#log(LOGIN_FAILED.at(this.#now(), { nickname, ip: member.ip, port: member.port }));
  }

  async #login(member: M, password: string, device: string | undefined): Promise<void> {
    const pending = this.#pending.get(member);
    if (pending === undefined || member.nickname !== undefined) {
      this.#refuse(member, 'No login was asked for: send a "nickname" message first');
      return;
    }
    if (device !== undefined && !isDeviceId(device)) {
      this.#refuse(member, `Invalid device id ${JSON.stringify(String(device).slice(0, 40))}`);
      return;
    }
    if (pending.checking) {
      this.#refuse(member, "A login is being checked already");
      return;
    }
    const { command } = pending;
    const key = nicknameKey(command.nickname);
    const name = this.#names.get(key) ?? command.nickname;
    const now = this.#now().getTime();
    const keys = [`account:${key}`, `ip:${member.ip}`];
    const wait = this.#logins.wait(keys, now);
    if (wait > 0) {
      this.#pending.delete(member);
      this.#refuse(
        member,
        `Too many failed logins for ${name}: try again in ${Math.ceil(wait / 1000)} s`,
        "taken",
      );
      return;
    }
    pending.checking = true;
    try {
      const account = await this.#store.account(key);
      const checked = this.#checked.get(member);
      this.#checked.delete(member);
      // A password no account can have is wrong without the cost of hashing it.
      const right = account !== undefined && passwordProblem(password) === undefined &&
        ((checked?.key === key && checked.password === password) ||
          await verifyPassword(password, account.passwordHash));
      if (member.closing || this.#pending.get(member) !== pending) return;
      this.#pending.delete(member);
      if (account === undefined) {
        // Given up meanwhile: the nickname is anyone's.
        this.#chat!.handle(member, command);
        return;
      }
      if (!right) {
        this.#logins.count(keys, now);
        this.#loginFailed(name, member);
        this.#refuse(member, `Wrong password for ${name}`, "taken");
        return;
      }
      this.#logins.clear(keys[0]);
      // What waited for the account is read before it joins, so that nothing new comes first.
      const kept = await this.#store.waiting(key, now, device);
      const history = await this.#store.history(EVERYONE, HISTORY_ON_LOGIN, now, account.lastSeen);
      if (member.closing) return;
      // Taken meanwhile, unless by this account (then this is another of its connections).
      const holder = this.#chat!.find(command.nickname);
      if (holder !== undefined && holder.account !== key) {
        this.#refuse(member, "Nickname already in use", "taken");
        return;
      }
      member.account = key;
      this.#arrivals.set(member, { kept, history });
      if (device !== undefined) this.#deviceOf.set(member, device);
      this.#chat!.handle(member, command);
      if (member.nickname === undefined) {
        member.account = undefined;
        this.#arrivals.delete(member);
        this.#deviceOf.delete(member);
      }
    } catch (error) {
      this.#pending.delete(member);
      this.#refuse(member, `Cannot log in now: ${(error as Error).message}`);
    }
  }

  async #account(member: M, action: AccountAction, password: string | undefined): Promise<void> {
    const nickname = member.nickname!;
    const key = nicknameKey(nickname);
    if (action === "register" && member.account !== undefined) {
      this.#refuse(member, `You are logged in to the account ${this.#names.get(member.account)}`);
      return;
    }
    if (action !== "register" && member.account === undefined) {
      this.#refuse(member, `${nickname} is not an account you are logged in to: /register first`);
      return;
    }
    const kept = action === "unregister" ? this.#unregisterProblem?.(member.account!) : undefined;
    if (kept !== undefined) {
      this.#refuse(member, kept);
      return;
    }
    if (action !== "unregister") {
      const problem = password === undefined ? "A password is needed" : passwordProblem(password);
      if (problem !== undefined) {
        this.#refuse(member, problem);
        return;
      }
      const now = this.#now().getTime();
      const keys = [`connection:${member.ip}:${member.port}`];
      const wait = this.#changes.wait(keys, now);
      if (wait > 0) {
        this.#refuse(member, `Too many password changes: try again in ${Math.ceil(wait / 1000)} s`);
        return;
      }
      this.#changes.count(keys, now);
    }
    try {
      const hash = action === "unregister" ? "" : await hashPassword(password!);
      if (member.closing) return;
      if (action === "register") {
        if (member.nickname === undefined || nicknameKey(member.nickname) !== key) {
          this.#refuse(member, "Your nickname changed meanwhile: nothing was registered");
          return;
        }
        const now = this.#now().getTime();
        const account = { nickname, passwordHash: hash, created: now, lastSeen: now };
        if (!await this.#store.createAccount(key, account)) {
          this.#refuse(member, `${nickname} is an account already`);
          return;
        }
        this.#names.set(key, nickname);
        this.#onChanged?.(key, nickname);
        member.account = key;
        await this.#onRegistered?.(member);
      } else if (action === "password") {
        await this.#store.setPassword(member.account!, hash);
      } else {
        const account = member.account!;
        await this.#store.deleteAccount(account);
        this.#names.delete(account);
        this.#onChanged?.(account, undefined);
        member.account = undefined;
        this.#unsent.delete(member);
        this.#deviceOf.delete(member);
      }
    } catch (error) {
      this.#refuse(member, `Cannot change the account now: ${(error as Error).message}`);
      return;
    }
    this.#log(ACCOUNT_CHANGED.at(this.#now(), { nickname, action }));
    if (!member.closing) {
      this.#send(member, {
        type: "account",
        action,
        nickname,
        timestamp: this.#now().toISOString(),
      });
    }
  }

  async #history(member: M, room: string | undefined, count = DEFAULT_HISTORY_COUNT) {
    if (count < 1 || count > this.#historyMax) {
      this.#refuse(
        member,
        `History goes back at most ${this.#historyMax} messages: ask for 1 to ${this.#historyMax}`,
      );
      return;
    }
    let name: string | undefined;
    if (room !== undefined) {
      name = this.#chat!.roomOf(member, room);
      if (name === undefined) {
        this.#refuse(member, `Not in room ${JSON.stringify(room)}: join it for its history`);
        return;
      }
    }
    const target = name === undefined ? EVERYONE : roomKey(name);
    try {
      const page = await this.#store.history(target, count, this.#now().getTime());
      if (!member.closing) this.#sendHistory(member, name, page);
    } catch (error) {
      this.#refuse(member, `Cannot read the history now: ${(error as Error).message}`);
    }
  }

  async #acknowledge(member: M, id: number): Promise<void> {
    const key = member.account;
    if (key === undefined) {
      this.#refuse(member, "Not logged in to an account: there is nothing to acknowledge");
      return;
    }
    try {
      // From a device, its cursor moves; without one, only an account without devices forgets.
      await this.#store.acknowledge(key, id, this.#deviceOf.get(member));
    } catch (error) {
      this.#log(
        STORE_ERROR.at(this.#now(), {
          action: `note what ${key} received`,
          error: (error as Error).message,
        }),
      );
      return;
    }
    const unsent = this.#unsent.get(member);
    if (unsent !== undefined && id >= unsent.through && !member.closing) {
      this.#unsent.delete(member);
      this.#sendKept(member, unsent.rest);
    }
  }

  /** Sends kept messages, as many as fit the reply budget; the rest once these are acknowledged. */
  #sendKept(member: M, kept: KeptMessage[]): void {
    const run = keptRun(kept, this.#replyBytes);
    if (run.rest !== undefined) this.#unsent.set(member, run.rest);
    if (run.messages.length > 0) this.#out.deliver([member], run.messages);
  }

  /** Sends a run of history (the newest that fit the reply budget), then its end. */
  #sendHistory(member: M, room: string | undefined, page: HistoryPage): void {
    this.#out.deliver([member], historyRun(page, room, this.#replyBytes));
  }

  #send(member: M, message: ServerMessage): void {
    this.#out.deliver([member], [message]);
  }

  #refuse(member: M, message: string, reason?: ErrorReason): void {
    if (!member.closing) this.#out.refuse(member, message, reason);
  }
}
