/**
 * What the IRC listener knows of one IRC connection beyond what the chat core knows of every
 * client: how far its registration is, the capabilities it negotiated, its user name and real
 * name, its away message, its SASL exchange, and the command being carried out (so that a
 * refusal becomes that command's numeric), and the lines held while a password is checked.
 *
 * @module
 */

import type { IrcMessage } from "./message.ts";

/** The IRCv3 capabilities offered, with their values (`CAP LS 302` shows them). */
export const CAPABILITIES: Readonly<Record<string, string>> = {
  "account-tag": "",
  "away-notify": "",
  batch: "",
  "cap-notify": "",
  "draft/chathistory": "",
  "draft/read-marker": "",
  "echo-message": "",
  "labeled-response": "",
  "message-tags": "",
  "multi-prefix": "",
  sasl: "PLAIN",
  "server-time": "",
  setname: "",
  "userhost-in-names": "",
};

/** The capabilities that change how a message to many is written (one wire per set of them). */
export const FLAVOR_CAPS = ["server-time", "message-tags", "account-tag", "batch"] as const;

/** One of `FLAVOR_CAPS`. */
export type FlavorCap = typeof FLAVOR_CAPS[number];

/** Where a SASL exchange stands. */
export type SaslState =
  | { step: "idle" }
  /** `AUTHENTICATE PLAIN` was asked: the client's base64 comes next, in pieces of 400. */
  | { step: "plain"; data: string }
  /** The password is being checked. */
  | { step: "checking" };

/** The command being carried out, while it is: its refusals become its numerics. */
export interface Context {
  /** The IRC command, upper case. */
  command: string;
  /** Its target (a channel or nickname), when it has one. */
  target?: string;
  /** A nickname it is about (KICK's, INVITE's, MODE's), when it has one. */
  about?: string;
  /** Set when a refusal was sent while carrying it out. */
  refused?: boolean;
  /** The client's `label` tag, when it gave one. */
  label?: string;
}

/** Most bytes of a SASL PLAIN message (base64), beyond which it is refused. */
export const MAX_SASL_BYTES = 1200;

/** One IRC connection's own state. */
export class IrcSession {
  /** The nickname asked for with `NICK`, before registering. */
  nick: string | undefined;
  /** The user name given with `USER`. */
  user: string | undefined;
  /** The real name given with `USER`. */
  realname = "";
  /** The password given with `PASS`, for an account's nickname. */
  pass: string | undefined;
  /** The capabilities negotiated. */
  readonly caps = new Set<string>();
  /** Set while `CAP LS` or `CAP REQ` holds registration back, until `CAP END`. */
  capHold = false;
  /** The `CAP LS` version the client asked for (302 shows values). */
  capVersion = 0;
  /** The SASL exchange. */
  sasl: SaslState = { step: "idle" };
  /** The account SASL logged in to (its nickname) and the password it gave. */
  saslAccount: { nickname: string; password: string } | undefined;
  /** Set by user mode `+B`: a bot (IRCv3 bot mode), shown in WHOIS, WHO and a `bot` tag. */
  bot = false;
  /**
   * User mode `+w`, on from registration: operators' announcements (`/wall`, IRC's `WALLOPS`)
   * reach this user; `MODE <nick> -w` turns them off.
   */
  wallops = true;
  /** Set once the registration was handed to the chat (waiting for its answer). */
  registering = false;
  /** Set once the chat asked for the account's password (and was given it). */
  loginAsked = false;
  /** The away message, when away. */
  away: string | undefined;
  /** When the client last sent anything (ms since the epoch). */
  lastHeard: number;
  /** When the client last said something to others (ms since the epoch), for WHOIS. */
  lastSpoke: number;
  /** When a keepalive `PING` was sent and not answered yet (ms since the epoch). */
  pingSent: number | undefined;
  /** The command being carried out. */
  context: Context | undefined;
  /**
   * The labels of this connection's `CHATHISTORY` commands whose answers are still to come (from
   * the store), oldest first: each goes on its answer's batch (IRCv3 `labeled-response`).
   */
  readonly historyLabels: string[] = [];
  /**
   * The last `NICK` (or registration), until the next command: in a cluster its nickname is
   * claimed from the other nodes after the command, and a refusal then is still its `433`.
   */
  claim: Context | undefined;
  /** Set once the connection is registered and its welcome burst was sent. */
  welcomed = false;
  /**
   * The lines that came while a command of this connection waits (a password being checked):
   * they are carried out after it, in order. Undefined when nothing waits.
   */
  held: IrcMessage[] | undefined;

  /** A session for a connection made at `now` (ms since the epoch). */
  constructor(now: number) {
    this.lastHeard = now;
    this.lastSpoke = now;
  }

  /** The key of the wire for this session's capabilities (see `FLAVOR_CAPS`). */
  get flavor(): number {
    let key = 0;
    FLAVOR_CAPS.forEach((cap, bit) => {
      if (this.caps.has(cap)) key |= 1 << bit;
    });
    return key;
  }

  /** Whether `cap` was negotiated. */
  has(cap: string): boolean {
    return this.caps.has(cap);
  }
}

/** The set of `FLAVOR_CAPS` a flavor key stands for. */
export function flavorCaps(flavor: number): Set<FlavorCap> {
  return new Set(FLAVOR_CAPS.filter((_, bit) => (flavor & (1 << bit)) !== 0));
}
