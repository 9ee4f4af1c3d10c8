/**
 * The IRC listener's edge: each IRC connection's session, its lines read (within IRC's limits,
 * UTF-8 only) and handed to the registration or command handlers, what they ask of the chat
 * handed on to the server as core commands, the wires (one per set of capabilities), and the
 * keepalive (`PING`, and the timeout of a client that stopped answering).
 *
 * It runs past 450 lines because it is the one place that holds the sessions: what the command
 * modules (`registration.ts`, `commands.ts`, `talk.ts`, `queries.ts`, `modes.ts`) ask of a
 * session or of the chat goes through it (`IrcHost`), and the replies rendered go out through it.
 *
 * @module
 */

import { EXTENSION_TYPES } from "../../protocol.ts";
import type { Command, ErrorReason, Member } from "../core/types.ts";
import { isWellFormedUtf8 } from "../common/utf8.ts";
import type { FrameEvent } from "../protocol/frame_reader.ts";
import { handleCommand } from "./commands.ts";
import { IrcWire } from "./irc_wire.ts";
import { Lines } from "./lines.ts";
import { type IrcMessage, parseLine } from "./message.ts";
import { ERR, RPL } from "./numerics.ts";
import { handleRegistration, REGISTRATION_COMMANDS } from "./registration.ts";
import { IrcReplies } from "./replies.ts";
import { Monitors } from "./monitor.ts";
import { Whowas } from "./whowas.ts";
import { labelled } from "./labels.ts";
import { ReadMarkers } from "./read_markers.ts";
import { hostOf, maskOf, userOf } from "./view.ts";
import { Renderer } from "./render.ts";
import { type Context, flavorCaps, IrcSession } from "./session.ts";
import type { IrcHost, OperOutcome } from "./host.ts";
import type { IrcView } from "./view.ts";

/** Default time a client may be silent before it is sent a `PING`, in milliseconds. */
export const DEFAULT_PING_MS = 90_000;
/** Default time a client has to answer a `PING` before it is cut off, in milliseconds. */
export const DEFAULT_PING_TIMEOUT_MS = 60_000;
/**
 * Most lines a connection may send while one of its commands waits for a password check: past
 * them, it is cut off as a flood.
 */
export const MAX_HELD_LINES = 100;
/**
 * Most labelled `CHATHISTORY` commands of one connection whose answers are awaited: past them, the
 * oldest label is forgotten (its answer comes unlabelled).
 */
const MAX_PENDING_HISTORY = 16;

/** The chat's side of the IRC listener: what it reads, and what it does. */
export interface IrcEdgeOptions<M extends Member> {
  /** What the listener reads of the chat (all but the IRC sessions, which are its own). */
  chat: Omit<IrcView<M>, "session" | "unregistered" | "peak" | "readMarker">;
  /** Hands `command` of `member` to the chat, as the server hands a decoded frame. */
  dispatch(member: M, command: Command): void;
  /** Queues bytes for `member` (within its sendq). */
  send(member: M, bytes: Uint8Array): void;
  /**
   * Starts (`on`) gathering what is queued for `member` instead of queuing it, or stops and
   * returns what was gathered (for IRCv3 `labeled-response`).
   */
  gather?(member: M, on: boolean): Uint8Array[] | undefined;
  /** Delivers what the chat holds back to deliver together (one sender's lines to everyone). */
  flush?(): void;
  /** Closes `member`'s connection after `lastWord`, the others told `reason`. */
  drop(member: M, reason: string, lastWord: Uint8Array): void;
  /**
   * Checks an account's password for SASL: undefined when right, else why not (the accounts
   * feature's throttle applies). Without it, there are no accounts to log in to.
   */
  checkPassword?(member: M, nickname: string, password: string): Promise<string | undefined>;
  /** Whether `nickname` is an account's. */
  isAccount(nickname: string): boolean;
  /**
   * Makes `member` a server operator when `account` is an operator account and `password` its
   * password (throttled as failed logins are). Without it, `OPER` gets `491`.
   */
  oper?(member: M, account: string, password: string): Promise<OperOutcome>;
  /** Time a client may be silent before it is sent a `PING` (ms). */
  pingMs?: number;
  /** Time it has to answer (ms). */
  pingTimeoutMs?: number;
  /** The clock (ms since the epoch). */
  now?: () => number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The IRC listener's edge, for the members `M` of one server. */
export class IrcEdge<M extends Member> implements IrcHost<M> {
  readonly view: IrcView<M>;
  readonly accounts: boolean;
  readonly #options: IrcEdgeOptions<M>;
  readonly #sessions = new Map<M, IrcSession>();
  readonly #wires = new Map<number, IrcWire<M>>();
  readonly #renderer: Renderer<M>;
  readonly #monitors: Monitors<M>;
  readonly #whowas = new Whowas();
  readonly #markers = new ReadMarkers<M>();
  #batches = 0;
  /** The most users seen at once. */
  #peak = 0;
  readonly #pingMs: number;
  readonly #pingTimeoutMs: number;
  readonly #now: () => number;

  /** The edge of the chat `options.chat`. */
  constructor(options: IrcEdgeOptions<M>) {
    this.#options = options;
    this.accounts = options.checkPassword !== undefined;
    this.#pingMs = options.pingMs ?? DEFAULT_PING_MS;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    const chat = options.chat;
    this.view = Object.create(chat, {
      session: { value: (member: M) => this.#sessions.get(member) },
      peak: { value: () => this.#peak = Math.max(this.#peak, chat.size) },
      readMarker: { value: (member: M, target: string) => this.#markers.get(member, target) },
      unregistered: {
        value: () =>
          [...this.#sessions.keys()].filter((each) => each.nickname === undefined).length,
      },
      // A user leaving is out of the chat before its QUIT is written: its session still tells.
      find: { value: (nickname: string) => chat.find(nickname) ?? this.#leaving(nickname) },
    }) as IrcView<M>;
    this.#monitors = new Monitors(this.view, (member, write) => this.reply(member, write));
    this.#renderer = new Renderer(
      this.view,
      new IrcReplies(this.view, {
        kept: (member, id) => queueMicrotask(() => this.#run(member, { kind: "ack", id })),
        offered: (member, id) =>
          queueMicrotask(() =>
            this.#run(member, {
              kind: "transfer",
              request: { type: "cancel", id, reason: `${member.nickname} is on IRC: no files` },
            })
          ),
        loginAsked: (member) => this.#login(member),
        seen: (event, nickname, online, old) => {
          if (old !== undefined || !online) this.#noteWas(event, nickname, old ?? nickname);
          if (old !== undefined) this.#monitors.renamed(old, nickname, event);
          else if (online) {
            this.view.peak();
            this.#monitors.arrived(nickname, event);
          } else this.#monitors.departed(nickname, event);
        },
      }),
    );
  }

  /** The wire a new IRC connection starts with (no capabilities). */
  get wire(): IrcWire<M> {
    return this.#wire(0);
  }

  /** Takes `member`, a new connection of the IRC listener. */
  open(member: M): void {
    this.#sessions.set(member, new IrcSession(this.#now()));
  }

  /** Whether `member` is an IRC connection. */
  owns(member: M): boolean {
    return this.#sessions.has(member);
  }

  /** Forgets `member`, which left. */
  left(member: M): void {
    this.#monitors.left(member);
    this.#sessions.delete(member);
  }

  /** Reads one frame of `member`: a line, or a line over the limit. */
  frame(member: M, event: FrameEvent): void {
    const session = this.#sessions.get(member);
    if (session === undefined) return;
    session.lastHeard = this.#now();
    session.pingSent = undefined;
    if (event.kind === "oversize") {
      this.reply(member, (lines) => this.#tooLong(lines, member));
      return;
    }
    if (!isWellFormedUtf8(event.bytes)) {
      const command = decoder.decode(event.bytes).replace(/^@\S* /, "").replace(/^:\S* /, "")
        .split(" ")[0].toUpperCase().replace(/[^A-Z0-9]/g, "") || "*";
      this.reply(
        member,
        (lines) =>
          lines.add(this.view.serverName, "FAIL", [command, "INVALID_UTF8", "Not UTF-8"], {}, true),
      );
      return;
    }
    const parsed = parseLine(decoder.decode(event.bytes));
    if (parsed === "empty") return;
    if (parsed === "tags too long" || parsed === "line too long") {
      this.reply(member, (lines) => this.#tooLong(lines, member));
      return;
    }
    if (session.held === undefined) return this.#handle(member, session, parsed);
    if (session.held.length >= MAX_HELD_LINES) {
      return this.close(member, "Excess flood: too many lines while a password was checked");
    }
    session.held.push(parsed);
  }

  hold(member: M, work: Promise<unknown>): void {
    const session = this.#sessions.get(member);
    if (session === undefined) return;
    session.held ??= [];
    work.finally(() => {
      const held = session.held ?? [];
      session.held = undefined;
      for (const [index, message] of held.entries()) {
        if (member.closing || !this.#sessions.has(member)) return;
        this.#handle(member, session, message);
        // A command that waits in turn holds the rest again.
        const again = session.held as IrcMessage[] | undefined;
        if (again !== undefined) {
          again.push(...held.slice(index + 1));
          return;
        }
      }
    });
  }

  #handle(member: M, session: IrcSession, message: IrcMessage): void {
    session.claim = undefined;
    const label = message.tags.label;
    if (
      label === undefined || member.nickname === undefined || !session.has("labeled-response") ||
      !this.#options.gather || message.command === "QUIT"
    ) {
      this.#command(member, session, message);
      return;
    }
    // What the command brings is gathered, to go back with its label.
    this.#options.gather(member, true);
    try {
      this.#command(member, session, message);
      this.#options.flush?.();
    } finally {
      const gathered = this.#options.gather(member, false) ?? [];
      if (gathered.length === 0 && message.command === "CHATHISTORY") {
        // Its answer comes later, from the store, and takes the label then (`irc_wire.ts`).
        session.historyLabels.push(label);
        if (session.historyLabels.length > MAX_PENDING_HISTORY) session.historyLabels.shift();
      } else {
        this.#options.send(
          member,
          labelled(gathered, label, this.view.serverName, `l${++this.#batches}`),
        );
      }
    }
  }

  #command(member: M, session: IrcSession, message: IrcMessage): void {
    if (member.nickname === undefined || REGISTRATION_COMMANDS.has(message.command)) {
      if (handleRegistration(this, member, session, message)) return;
    }
    if (member.nickname === undefined) {
      this.reply(member, (lines) =>
        lines.add(this.view.serverName, ERR.NOTREGISTERED, [
          session.nick ?? "*",
          "You have not registered",
        ]));
      return;
    }
    handleCommand(this, member, session, message);
  }

  #tooLong(lines: Lines, member: M): void {
    const nick = member.nickname ?? this.#sessions.get(member)?.nick ?? "*";
    lines.add(this.view.serverName, ERR.INPUTTOOLONG, [nick, "Input line was too long"]);
  }

  /** Sends a `PING` to the silent, and cuts off those that did not answer one in time. */
  sweep(): void {
    const now = this.#now();
    for (const [member, session] of this.#sessions) {
      if (member.nickname === undefined || member.closing) continue;
      if (session.pingSent !== undefined) {
        if (now - session.pingSent > this.#pingTimeoutMs) {
          this.close(
            member,
            `Ping timeout: ${Math.round((now - session.lastHeard) / 1000)} seconds`,
          );
        }
      } else if (now - session.lastHeard > this.#pingMs) {
        session.pingSent = now;
        this.reply(member, (lines) => lines.add(undefined, "PING", [this.view.serverName]));
      }
    }
  }

  // --- IrcHost ---

  session(member: M): IrcSession {
    return this.#sessions.get(member)!;
  }

  reply(member: M, write: (lines: Lines) => void): void {
    const session = this.#sessions.get(member);
    const lines = new Lines(flavorCaps(session?.flavor ?? 0));
    write(lines);
    if (!lines.empty) this.#options.send(member, encoder.encode(lines.text));
  }

  dispatch(member: M, command: Command, context: Context): void {
    const session = this.#sessions.get(member);
    if (session === undefined) return;
    session.context = context;
    if (command.kind === "nick" || command.kind === "register") session.claim = context;
    this.#renderer.actor = member.nickname;
    const notice = context.command === "NOTICE";
    if (notice) this.#renderer.notice = true;
    try {
      this.#options.dispatch(member, command);
      // A NOTICE to everyone goes out now, while it is known to be one.
      if (notice) this.#options.flush?.();
    } finally {
      session.context = undefined;
      this.#renderer.actor = undefined;
      this.#renderer.notice = false;
    }
  }

  recaps(member: M): void {
    const session = this.#sessions.get(member);
    if (session !== undefined) {
      (member as unknown as { wire: unknown }).wire = this.#wire(session.flavor);
    }
  }

  close(member: M, why: string, numeric?: string): void {
    const lines = new Lines(new Set());
    if (numeric !== undefined) {
      const nick = member.nickname ?? this.#sessions.get(member)?.nick ?? "*";
      lines.add(this.view.serverName, numeric, [nick, why]);
    }
    lines.add(undefined, "ERROR", [why], {}, true);
    this.#options.drop(member, `removed (${why})`, encoder.encode(lines.text));
  }

  register(member: M): void {
    const session = this.#sessions.get(member);
    if (session === undefined || member.nickname !== undefined || session.registering) return;
    if (session.nick === undefined || session.user === undefined || session.capHold) return;
    if (session.sasl.step === "checking") return;
    const nickname = session.saslAccount?.nickname ?? session.nick;
    const password = session.saslAccount?.password ?? session.pass;
    session.registering = true;
    this.dispatch(member, {
      kind: "register",
      nickname,
      extensions: [...IRC_EXTENSIONS, ...(password === undefined ? [] : ["login"])],
    }, { command: "NICK", target: nickname });
    if (member.nickname === undefined && session.loginAsked !== true) session.registering = false;
  }

  checkPassword(member: M, nickname: string, password: string): Promise<string | undefined> {
    return this.#options.checkPassword?.(member, nickname, password) ??
      Promise.resolve("This server keeps no accounts");
  }

  isAccount(nickname: string): boolean {
    return this.#options.isAccount(nickname);
  }

  tellOthers(member: M, cap: string, line: (lines: Lines) => void): void {
    for (const [other, session] of this.#sessions) {
      if (other === member || other.nickname === undefined || !session.has(cap)) continue;
      this.reply(other, line);
    }
  }

  now(): number {
    return this.#now();
  }

  markRead(member: M, target: string, time?: string): void {
    const now = time === undefined
      ? this.#markers.get(member, target)
      : this.#markers.set(member, target, time);
    const line = (lines: Lines) =>
      lines.add(this.view.serverName, "MARKREAD", [
        target,
        now === undefined ? "*" : `timestamp=${now}`,
      ]);
    this.reply(member, line);
    // The account's other IRC connections follow.
    if (time === undefined || member.account === undefined) return;
    for (const [other, session] of this.#sessions) {
      if (
        other !== member && other.account === member.account && session.has("draft/read-marker")
      ) {
        this.reply(other, line);
      }
    }
  }

  oper(member: M, account: string, password: string): void {
    const oper = this.#options.oper;
    const numeric = (code: string, text: string) =>
      this.reply(
        member,
        (lines) => lines.add(this.view.serverName, code, [member.nickname!, text]),
      );
    if (oper === undefined) return numeric(ERR.NOOPERHOST, "No operator accounts here");
    // The lines after it wait for its replies.
    this.hold(
      member,
      oper(member, account, password).then((outcome) => {
        if (member.closing || member.nickname === undefined || !this.#sessions.has(member)) return;
        if (!outcome.ok) {
          const code = outcome.problem === "password" ? ERR.PASSWDMISMATCH : ERR.NOOPERHOST;
          return numeric(code, outcome.message);
        }
        numeric(RPL.YOUREOPER, "You are now an IRC operator");
        const nick = member.nickname;
        this.reply(member, (lines) => lines.add(maskOf(this.view, nick), "MODE", [nick, "+o"]));
      }),
    );
  }

  monitor(member: M, sub: string, targets: string | undefined): void {
    this.#monitors.handle(member, sub, targets);
  }

  whowas(member: M, nick: string, count: number): void {
    this.reply(
      member,
      (lines) => this.#whowas.reply(lines, this.view.serverName, member.nickname!, nick, count),
    );
  }

  // --- Helpers ---

  /** Notes for `WHOWAS` that the user now going by `nickname` left `old` (`event` tells it). */
  #noteWas(event: object, nickname: string, old: string): void {
    const member = this.view.find(nickname);
    const realname = (member && this.#sessions.get(member)?.realname) || old;
    this.#whowas.note(
      event,
      old,
      userOf(this.view, member, old),
      hostOf(this.view, member),
      realname,
    );
  }

  /** The IRC connection going by `nickname` that the chat no longer has (it is leaving). */
  #leaving(nickname: string): M | undefined {
    const key = nickname.toLowerCase();
    for (const member of this.#sessions.keys()) {
      if (member.nickname?.toLowerCase() === key) return member;
    }
    return undefined;
  }

  #wire(flavor: number): IrcWire<M> {
    let wire = this.#wires.get(flavor);
    if (wire === undefined) {
      wire = new IrcWire(
        flavor,
        this.#renderer,
        this.view,
        (member, message, reason) => this.#refused(member as M, message, reason),
      );
      this.#wires.set(flavor, wire);
    }
    return wire;
  }

  /** Hands `command` to the chat outside any IRC command (an acknowledgement, a login). */
  #run(member: M, command: Command): void {
    if (member.closing || !this.#sessions.has(member)) return;
    this.#options.dispatch(member, command);
  }

  /** The chat asked `member` for its account's password: the one it gave is sent. */
  #login(member: M): void {
    const session = this.#sessions.get(member);
    if (session === undefined) return;
    const password = session.saslAccount?.password ?? session.pass;
    if (password === undefined) return;
    session.loginAsked = true;
    queueMicrotask(() => this.#run(member, { kind: "login", password }));
  }

  /** The chat refused something of `member`'s: a refused registration may be tried again. */
  #refused(member: M, message: string, reason: ErrorReason | undefined): void {
    const session = this.#sessions.get(member);
    if (session === undefined || member.nickname !== undefined) return;
    session.registering = false;
    session.loginAsked = false;
    if (reason === "taken" && /^Wrong password|^Too many failed logins/.test(message)) {
      queueMicrotask(() => this.close(member, message, ERR.PASSWDMISMATCH));
    }
  }
}

/**
 * The chat's message types an IRC connection takes: all it can show, which is every extension but
 * `login` (IRC logs in by SASL or `PASS`, never by a prompt) and `unread` (IRC opens no end-to-end
 * message, so it has nothing to be told of one).
 */
export const IRC_EXTENSIONS: readonly string[] = EXTENSION_TYPES.filter((type) =>
  type !== "login" && type !== "unread"
);
