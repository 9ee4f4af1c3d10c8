/**
 * Server operators: the accounts named by `--operator`, each an operator only while a client is
 * logged in to it, and the connections that proved one of those accounts' passwords (IRC's `OPER`)
 * for as long as they last. `operates` is the one answer to "is this user an operator?" that the
 * core, the rooms and the IRC listener ask. Operators may `/kill` a user (all of its connections,
 * with a reason), ban a user or an address from the whole server (`/serverban`, for some minutes or
 * until `/serverunban`), and announce something to everyone (`/wall`). Everyone else is refused,
 * with what is missing.
 *
 * A ban is kept in the store (so that it survives a restart and holds at every node of a cluster),
 * and refused at connect (an address, before registration) and at registration or login (a user:
 * an account's or a guest's nickname). A timed ban ends by itself: a timer wakes at the next end.
 * In a cluster the other nodes hear of each kill and ban (`OperatorNews`): the node of a user
 * killed there disconnects it, and every node enforces a ban on its own users.
 *
 * Every action is a console event (`operator_events.ts`): `Alice (operator): killed Bob: spamming`.
 *
 * It runs past 450 lines because each operator command sits with its refusals and its console
 * line, and the bans (`bans.ts`) are already a module of their own.
 *
 * @module
 */

import type { OperatorAction, ServerMessage } from "../../protocol.ts";
import type { Log } from "../common/log_event.ts";
import type { Member, OperatorCommand, Outbound } from "../core/types.ts";
import { nicknameKey, nicknameProblem, SERVER_NAME } from "../protocol/values.ts";
import type { ServerBan, Store } from "../store/store.ts";
import {
  addressBanKey,
  banEnd,
  banRefusal,
  looksLikeAddress,
  MAX_SERVER_BANS,
  normalAddress,
  ServerBans,
  userBanKey,
} from "./bans.ts";
import {
  BANS_STORE_ERROR,
  because,
  OPER_REFUSED,
  OPERATOR_ACTION,
  OPERATOR_UNREGISTERED,
  type OperatorActionFields,
  OPERED,
  SERVER_BAN_ENDED,
} from "./operator_events.ts";

/** The longest server ban, in seconds (ten years); longer is "until lifted". */
export const MAX_BAN_SECONDS = 10 * 365 * 24 * 60 * 60;

/** The longest wait of the timer that ends bans (setTimeout's limit). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the nodes of a cluster tell each other of operators' actions. */
export type OperatorNews =
  /** An operator at the sender's node killed `nickname` (a user of the receiving node, maybe). */
  | { kind: "kill"; nickname: string; by: string; reason?: string }
  /** A ban was set: every node enforces it on its own users. */
  | { kind: "ban"; ban: ServerBan }
  /** The ban of `key` was lifted. */
  | { kind: "unban"; key: string };

/** What the operators feature needs of the chat. */
export interface OperatorChat<M extends Member> {
  /** The user (a roster entry) that goes by `nickname`, of any node. */
  find(nickname: string): M | undefined;
  /** Every user, of every node. */
  members(): Iterable<M>;
  /** Every connection of `user`, the entry first. */
  connectionsOf(user: M): M[];
  /** The user `connection` is a connection of. */
  userOf(connection: M): M;
}

/** How the operators feature is set up. */
export interface OperatorsOptions<M extends Member> {
  /** The operator accounts, by nickname (any case). */
  operators: readonly string[];
  /** Where replies and announcements go (through the bus, in a cluster). */
  out: Outbound<M>;
  /** Where console events go. */
  log: Log;
  /** The clock, for bans' ends and the times sent. */
  now: () => Date;
  /** Where bans are kept; none: they last until the server stops. */
  store?: Store;
  /** The chat's users. */
  chat: OperatorChat<M>;
  /**
   * Disconnects `connection` (of this node): the others are told `reason`, the connection gets
   * `lastWord` first.
   */
  disconnect(connection: M, reason: string, lastWord: ServerMessage): void;
  /** Tells the other nodes of a cluster, when there is one. */
  publish?(news: OperatorNews): void;
  /** Whether `nickname` is an account's (a user of another node holding it is logged in). */
  isAccount?(nickname: string): boolean;
  /**
   * Checks an account's password for `connection`: undefined when right, else why not (throttled
   * as failed logins are). Without it, no connection can `oper`.
   */
  checkPassword?(connection: M, nickname: string, password: string): Promise<string | undefined>;
}

/** How an `oper` ended: made an operator, or refused because the name or the password. */
export type OperResult =
  | { ok: true }
  | { ok: false; problem: "not an operator" | "password"; message: string };

/** The operators feature: see the module's comment. */
export class Operators<M extends Member> {
  readonly #options: OperatorsOptions<M>;
  readonly #accounts: ReadonlySet<string>;
  readonly #bans: ServerBans;
  /** The connections made operators by `oper`, for as long as they last. */
  readonly #opered = new WeakSet<M>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** Creates the feature; `load` reads the bans kept. */
  constructor(options: OperatorsOptions<M>) {
    this.#options = options;
    this.#accounts = new Set(options.operators.map(nicknameKey));
    this.#bans = new ServerBans(() => options.now().getTime());
  }

  /** Whether account `account` (a nickname key) is an operator's. */
  isOperator(account: string): boolean {
    return this.#accounts.has(account);
  }

  /**
   * Whether `member` (a connection, or a user's roster entry) is a server operator: logged in to
   * an operator account; a user of another node holding an operator account's nickname (only a
   * login holds one); or a user one of whose connections proved an operator's password (`oper`).
   */
  operates(member: M): boolean {
    if (member.account !== undefined && this.isOperator(member.account)) return true;
    if (member.remote) {
      return member.nickname !== undefined && this.isOperator(nicknameKey(member.nickname)) &&
        this.#options.isAccount?.(member.nickname) === true;
    }
    if (this.#opered.has(member)) return true;
    const { chat } = this.#options;
    return member.nickname !== undefined &&
      chat.connectionsOf(chat.userOf(member)).some((each) => this.#opered.has(each));
  }

  /**
   * Makes `connection` a server operator for as long as it lasts, when `account` is an operator
   * account and `password` its password; each attempt is a console line.
   */
  async oper(connection: M, account: string, password: string): Promise<OperResult> {
    const name = connection.nickname ?? "-";
    const check = this.#options.checkPassword;
    if (!this.isOperator(nicknameKey(account)) || check === undefined) {
      this.#options.log(OPER_REFUSED.at(this.#options.now(), {
        nickname: connection.nickname,
        ip: connection.ip,
        port: connection.port,
        account,
      }));
      return { ok: false, problem: "not an operator", message: "No operator account by that name" };
    }
    const problem = await check(connection, account, password);
    if (problem !== undefined) return { ok: false, problem: "password", message: problem };
    if (connection.closing) return { ok: false, problem: "password", message: "Connection closed" };
    this.#opered.add(connection);
    this.#options.log(OPERED.at(this.#options.now(), {
      nickname: connection.nickname ?? name,
      account: nicknameKey(account),
    }));
    return { ok: true };
  }

  /**
   * Reads the bans kept (those that ended are forgotten) and starts ending timed ones; says on the
   * console which operator accounts are not made yet (whoever registers one first is an operator).
   */
  async load(): Promise<void> {
    const store = this.#options.store;
    if (store === undefined) return;
    for (const ban of this.#bans.load(await store.serverBans())) this.#forget(ban.key);
    this.#schedule();
    for (const name of this.#options.operators) {
      if (await store.account(nicknameKey(name)) !== undefined) continue;
      this.#options.log(OPERATOR_UNREGISTERED.at(this.#options.now(), { nickname: name }));
    }
  }

  /** Stops the timer that ends bans. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Why a connection from `ip` is refused (a ban of its address), or undefined. */
  addressProblem(ip: string): string | undefined {
    const ban = this.#bans.address(ip);
    return ban === undefined ? undefined : banRefusal(ban);
  }

  /**
   * Why a client from `ip` may not register as (or log in to, or rename itself to) `nickname`:
   * a ban of the user or of its address; undefined when it may.
   */
  registrationProblem(nickname: string, ip: string): string | undefined {
    const ban = this.#bans.user(nickname) ?? (ip === "" ? undefined : this.#bans.address(ip));
    return ban === undefined ? undefined : banRefusal(ban);
  }

  /** Carries out `command` of `member`, refused unless it is a logged-in operator. */
  handle(member: M, command: OperatorCommand): void {
    if (member.nickname === undefined) {
      this.#options.out.refuse(member, 'Not registered: send a "nickname" message first');
      return;
    }
    if (!this.operates(member)) {
      this.#options.out.refuse(member, `Only a server operator can /${command.action}`);
      return;
    }
    const reason = command.reason?.trim() || undefined;
    switch (command.action) {
      case "kill":
        return this.#kill(member, command.target, reason);
      case "serverban":
        return this.#ban(member, command.target, command.seconds, reason);
      case "serverunban":
        return this.#unban(member, command.target);
      case "wall":
        return this.#wall(member, command.text);
    }
  }

  /** What another node said of an operator's action. */
  heard(news: OperatorNews): void {
    switch (news.kind) {
      case "kill": {
        const user = this.#options.chat.find(String(news.nickname));
        if (user === undefined || user.remote) return;
        this.#removeUser(user, killed(String(news.by), news.reason));
        break;
      }
      case "ban": {
        const ban = news.ban;
        if (typeof ban?.key !== "string" || typeof ban.by !== "string") throw new Error("no ban");
        if (!this.#bans.add(ban)) return;
        this.#enforce(ban);
        this.#schedule();
        break;
      }
      case "unban":
        this.#bans.remove(String(news.key));
        break;
      default:
        throw new Error("unknown operator news");
    }
  }

  #kill(operator: M, target: string | undefined, reason: string | undefined): void {
    if (target === undefined || target.trim() === "") {
      return this.#refuse(operator, "Usage: /kill <user> [<reason>]");
    }
    const user = this.#options.chat.find(target);
    if (user === undefined) return this.#refuse(operator, `No such user ${JSON.stringify(target)}`);
    if (user === this.#options.chat.userOf(operator)) {
      return this.#refuse(operator, "Cannot /kill yourself: /exit leaves");
    }
    const name = user.nickname!, by = operator.nickname!;
    this.#logAction({ nickname: by, action: "kill", target: name, reason });
    if (user.remote) this.#options.publish?.({ kind: "kill", nickname: name, by, reason });
    else this.#removeUser(user, killed(by, reason));
    this.#reply(operator, "kill", name, `${name} was disconnected${because(reason)}`);
  }

  #ban(
    operator: M,
    target: string | undefined,
    seconds: number | undefined,
    reason: string | undefined,
  ): void {
    if (target === undefined || target.trim() === "") {
      return this.#refuse(operator, "Usage: /serverban <user or address> [<minutes>] [<reason>]");
    }
    const what = this.#target(target);
    if (what === undefined) {
      return this.#refuse(
        operator,
        `Cannot ban ${JSON.stringify(target)}: it is neither a nickname nor an address`,
      );
    }
    if (what.key === userBanKey(operator.nickname!)) {
      return this.#refuse(operator, "Cannot ban yourself");
    }
    if (seconds !== undefined && (seconds < 1 || seconds > MAX_BAN_SECONDS)) {
      return this.#refuse(
        operator,
        `A ban lasts from 1 second to ${MAX_BAN_SECONDS / 60} minutes; none for until lifted`,
      );
    }
    const at = this.#options.now().getTime();
    const ban: ServerBan = { key: what.key, target: what.shown, by: operator.nickname!, at };
    if (reason !== undefined) ban.reason = reason;
    if (seconds !== undefined) ban.until = at + seconds * 1000;
    if (!this.#bans.add(ban)) {
      return this.#refuse(
        operator,
        `Too many server bans: ${MAX_SERVER_BANS} are in force; lift one first`,
      );
    }
    this.#options.store?.putServerBan(ban).catch((error: Error) => this.#storeFailed(error));
    this.#options.publish?.({ kind: "ban", ban });
    this.#logAction({
      nickname: ban.by,
      action: "serverban",
      target: ban.target,
      reason,
      until: ban.until === undefined ? undefined : new Date(ban.until),
    });
    this.#enforce(ban);
    this.#schedule();
    this.#reply(
      operator,
      "serverban",
      ban.target,
      `${ban.target} is banned from this server ${banEnd(ban)}${because(reason)}`,
    );
  }

  #unban(operator: M, target: string | undefined): void {
    if (target === undefined || target.trim() === "") {
      return this.#refuse(operator, "Usage: /serverunban <user or address>");
    }
    const keys = [userBanKey(target)];
    if (looksLikeAddress(target)) keys.push(addressBanKey(target));
    const key = keys.find((each) => this.#bans.find(each) !== undefined);
    const ban = key === undefined ? undefined : this.#bans.remove(key);
    if (ban === undefined) {
      return this.#refuse(operator, `No server ban on ${JSON.stringify(target)}`);
    }
    this.#forget(ban.key);
    this.#options.publish?.({ kind: "unban", key: ban.key });
    this.#logAction({ nickname: operator.nickname!, action: "serverunban", target: ban.target });
    this.#reply(operator, "serverunban", ban.target, `${ban.target} is no longer banned`);
  }

  #wall(operator: M, text: string | undefined): void {
    if (text === undefined || text.trim() === "") {
      return this.#refuse(operator, "Usage: /wall <text>");
    }
    const { out, chat } = this.#options;
    const by = operator.nickname!, timestamp = this.#options.now().toISOString();
    const announcement: ServerMessage = {
      type: "announcement",
      nickname: by,
      message: text,
      timestamp,
    };
    const plain: ServerMessage = {
      type: "broadcast",
      nickname: SERVER_NAME,
      message: `Announcement from ${by}: ${text}`,
      timestamp,
    };
    const limit = out.tooLong(plain);
    if (limit !== undefined) {
      return this.#refuse(operator, `Message too long: a frame may take ${limit} bytes`);
    }
    const marked: M[] = [], others: M[] = [];
    for (const user of chat.members()) {
      for (const connection of chat.connectionsOf(user)) {
        (connection.extensions.has("announcement") ? marked : others).push(connection);
      }
    }
    if (marked.length > 0) out.deliver(marked, [announcement]);
    if (others.length > 0) out.deliver(others, [plain]);
    this.#logAction({ nickname: by, action: "wall", text });
  }

  /** What `target` of a ban is: a user connected, an address, or a nickname; undefined if none. */
  #target(target: string): { key: string; shown: string } | undefined {
    const user = this.#options.chat.find(target);
    if (user !== undefined) return { key: userBanKey(user.nickname!), shown: user.nickname! };
    if (looksLikeAddress(target)) {
      return { key: addressBanKey(target), shown: normalAddress(target) };
    }
    if (nicknameProblem(target) !== undefined) return undefined;
    return { key: userBanKey(target), shown: target };
  }

  /**
   * Disconnects this node's users that `ban` holds: a banned user's every connection, and the
   * connections from a banned address (but an operator's).
   */
  #enforce(ban: ServerBan): void {
    const { chat } = this.#options;
    const removal = banned(ban);
    for (const user of [...chat.members()]) {
      if (user.remote) continue;
      if (userBanKey(user.nickname!) === ban.key) {
        this.#removeUser(user, removal);
        continue;
      }
      for (const connection of chat.connectionsOf(user)) {
        if (
          !this.operates(connection) && addressBanKey(connection.ip) === ban.key
        ) {
          this.#options.disconnect(connection, removal.reason, removal.lastWord);
        }
      }
    }
  }

  /** Disconnects every connection of `user` (of this node). */
  #removeUser(user: M, removal: Removal): void {
    for (const connection of [...this.#options.chat.connectionsOf(user)]) {
      this.#options.disconnect(connection, removal.reason, removal.lastWord);
    }
  }

  /** Sets the timer for the next ban to end. */
  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = this.#bans.nextEnd();
    if (next === undefined || this.#stopped) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, next - this.#options.now().getTime()));
    this.#timer = setTimeout(() => this.expire(), wait);
  }

  /** Ends the bans whose time is up (the timer calls it), saying so on the console. */
  expire(): void {
    for (const ban of this.#bans.expire()) {
      this.#options.log(SERVER_BAN_ENDED.at(this.#options.now(), { target: ban.target }));
      this.#forget(ban.key);
    }
    this.#schedule();
  }

  #forget(key: string): void {
    this.#options.store?.removeServerBan(key).catch((error: Error) => this.#storeFailed(error));
  }

  #storeFailed(error: Error): void {
    this.#options.log(BANS_STORE_ERROR.at(this.#options.now(), { error: error.message }));
  }

  #logAction(fields: OperatorActionFields): void {
    this.#options.log(OPERATOR_ACTION.at(this.#options.now(), fields));
  }

  #reply(operator: M, action: OperatorAction, target: string, message: string): void {
    this.#options.out.deliver([operator], [{
      type: "operator",
      action,
      target,
      message,
      timestamp: this.#options.now().toISOString(),
    }]);
  }

  #refuse(member: M, message: string): void {
    this.#options.out.refuse(member, message);
  }
}

/** How a user is removed: why, as the others are told, and what it is told first. */
interface Removal {
  reason: string;
  lastWord: ServerMessage;
}

/** The removal of a user killed by operator `by`. */
function killed(by: string, reason: string | undefined): Removal {
  return {
    reason: `removed by an operator (${by})${because(reason)}`,
    lastWord: {
      type: "error",
      message: `You were disconnected by an operator (${by})${because(reason)}`,
    },
  };
}

/** The removal of a user (or connection) that `ban` holds. */
function banned(ban: ServerBan): Removal {
  return {
    reason: `banned by an operator (${ban.by})${because(ban.reason)}`,
    lastWord: { type: "error", message: banRefusal(ban) },
  };
}
