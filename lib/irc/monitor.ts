/**
 * IRCv3 `MONITOR`: IRC users watching nicknames, told when a user of any wire takes one
 * (`730`) or leaves it (`731`), by nickname only (no masks, so nobody is followed across
 * renames).
 *
 * @module
 */

import type { Member } from "../core/types.ts";
import { nicknameKey } from "../protocol/values.ts";
import type { Lines } from "./lines.ts";
import { ERR } from "./numerics.ts";
import { ircNickProblem } from "./registration.ts";
import { type IrcView, maskOf } from "./view.ts";

/** Most nicknames one connection may watch (ISUPPORT `MONITOR`). */
export const MAX_MONITORED = 100;

/** Monitor replies, by name. */
const RPL_MONONLINE = "730";
const RPL_MONOFFLINE = "731";
const RPL_MONLIST = "732";
const RPL_ENDOFMONLIST = "733";
const ERR_MONLISTFULL = "734";

/** `names` joined by commas, as many of them as make at most 300 bytes (one at least). */
function listWithin(names: string[]): string {
  let joined = names[0];
  for (const name of names.slice(1)) {
    if (new TextEncoder().encode(`${joined},${name}`).length > 300) break;
    joined += `,${name}`;
  }
  return joined;
}

/** Writes lines to one connection. */
export type Reply<M> = (member: M, write: (lines: Lines) => void) => void;

/** Who watches which nicknames, for one listener. */
export class Monitors<M extends Member> {
  readonly #view: IrcView<M>;
  readonly #reply: Reply<M>;
  /** Each connection's watched nicknames, by key, as it wrote them. */
  readonly #lists = new Map<M, Map<string, string>>();
  /** The connections watching each nickname key. */
  readonly #watchers = new Map<string, Set<M>>();
  /** The arrivals and departures told already (a message is written once per wire). */
  readonly #told = new WeakSet<object>();

  /** Monitors reading `view`, writing with `reply`. */
  constructor(view: IrcView<M>, reply: Reply<M>) {
    this.#view = view;
    this.#reply = reply;
  }

  /** Carries out `MONITOR <sub> [targets]` for `member`. */
  handle(member: M, sub: string, targets: string | undefined): void {
    const view = this.#view;
    const nick = member.nickname!;
    const server = view.serverName;
    const list = this.#lists.get(member) ?? new Map<string, string>();
    const names = (targets ?? "").split(",").filter((name) => name !== "");
    switch (sub.toUpperCase()) {
      case "+": {
        const online: string[] = [];
        const offline: string[] = [];
        const refused: string[] = [];
        for (const [index, name] of names.entries()) {
          if (ircNickProblem(name) !== undefined) {
            refused.push(name);
            continue;
          }
          const key = nicknameKey(name);
          if (!list.has(key) && list.size >= MAX_MONITORED) {
            this.#reply(member, (lines) =>
              lines.add(server, ERR_MONLISTFULL, [
                nick,
                `${MAX_MONITORED}`,
                // The ones not added (as many as keep the line within 512 bytes).
                listWithin(names.slice(index)),
                "Monitor list is full",
              ]));
            break;
          }
          list.set(key, name);
          let watchers = this.#watchers.get(key);
          if (watchers === undefined) this.#watchers.set(key, watchers = new Set());
          watchers.add(member);
          const here = view.find(name);
          if (here === undefined) offline.push(name);
          else online.push(maskOf(view, here.nickname!));
        }
        this.#lists.set(member, list);
        this.#reply(member, (lines) => {
          for (const name of refused) {
            lines.add(server, ERR.ERRONEUSNICKNAME, [nick, name, "Erroneous nickname"]);
          }
          lines.addList(server, RPL_MONONLINE, [nick], online, ",");
          lines.addList(server, RPL_MONOFFLINE, [nick], offline, ",");
        });
        return;
      }
      case "-":
        for (const name of names) this.#unwatch(member, list, nicknameKey(name));
        return;
      case "C":
        for (const key of [...list.keys()]) this.#unwatch(member, list, key);
        return;
      case "L":
        this.#reply(member, (lines) => {
          lines.addList(server, RPL_MONLIST, [nick], [...list.values()], ",");
          lines.add(server, RPL_ENDOFMONLIST, [nick, "End of MONITOR list"]);
        });
        return;
      case "S":
        this.#reply(member, (lines) => {
          const online = [...list.values()].flatMap((name) => {
            const here = view.find(name);
            return here === undefined ? [] : [maskOf(view, here.nickname!)];
          });
          const offline = [...list.values()].filter((name) => view.find(name) === undefined);
          lines.addList(server, RPL_MONONLINE, [nick], online, ",");
          lines.addList(server, RPL_MONOFFLINE, [nick], offline, ",");
        });
        return;
    }
  }

  /** `nickname` was taken (a user came, or renamed itself to it); `event` tells it once. */
  arrived(nickname: string, event: object): void {
    if (this.#once(event)) this.#tell(nickname, true);
  }

  /** `nickname` was left (its user went, or renamed itself); `event` tells it once. */
  departed(nickname: string, event: object): void {
    if (this.#once(event)) this.#tell(nickname, false);
  }

  /** `old` became `nickname`; `event` tells it once. */
  renamed(old: string, nickname: string, event: object): void {
    if (!this.#once(event)) return;
    if (nicknameKey(old) === nicknameKey(nickname)) return;
    this.#tell(old, false);
    this.#tell(nickname, true);
  }

  /** Forgets `member`, which left. */
  left(member: M): void {
    const list = this.#lists.get(member);
    if (list === undefined) return;
    for (const key of [...list.keys()]) this.#unwatch(member, list, key);
    this.#lists.delete(member);
  }

  #once(event: object): boolean {
    if (this.#told.has(event)) return false;
    this.#told.add(event);
    return true;
  }

  #tell(nickname: string, online: boolean): void {
    const watchers = this.#watchers.get(nicknameKey(nickname));
    if (watchers === undefined) return;
    const server = this.#view.serverName;
    const shown = online ? maskOf(this.#view, nickname) : nickname;
    for (const watcher of watchers) {
      if (watcher.nickname === undefined || watcher.closing) continue;
      this.#reply(
        watcher,
        (lines) =>
          lines.add(
            server,
            online ? RPL_MONONLINE : RPL_MONOFFLINE,
            [watcher.nickname!, shown],
            {},
            true,
          ),
      );
    }
  }

  #unwatch(member: M, list: Map<string, string>, key: string): void {
    list.delete(key);
    const watchers = this.#watchers.get(key);
    watchers?.delete(member);
    if (watchers?.size === 0) this.#watchers.delete(key);
  }
}
