/** Types of `e2e_keys.js` (a plain module, as the web page loads it unchanged). */

import type {
  E2eEnvelope,
  KeysReply,
  KeysRequest,
  OfferNotice,
  PrivateMessage,
  PrivateRequest,
} from "../../protocol.ts";

import type { Bundle, FileChunks, FileHeader, Identity } from "./e2e.js";

/** How long a key lookup waits for the server's answer (ms). */
export const KEY_LOOKUP_MS: number;
/** Messages sent in one session before its key is renewed. */
export const SESSION_MESSAGES: number;
/** Sessions remembered per peer, against replays (those forgotten are known by their time). */
export const REMEMBERED_SESSIONS: number;

/** What the client knows of a peer's key. */
export type PeerKeyStatus =
  /** Seen for the first time: now pinned. */
  | { kind: "new"; fingerprint: string }
  /** The key pinned before. */
  | { kind: "known"; fingerprint: string }
  /** Another key than the one pinned: not trusted until `/trust`. */
  | { kind: "changed"; fingerprint: string; pinned: string };

/** One pinned peer, as a key ring's `save` keeps it. */
export interface KnownPeer {
  /** The peer's nickname, as first seen. */
  nickname: string;
  /** The pinned key. */
  bundle: Bundle;
  /** The pinned key's fingerprint. */
  fingerprint: string;
  /** A newer key the peer showed, waiting for the user's `/trust`. */
  pending?: { bundle: Bundle; fingerprint: string };
  /** The sessions the peer used last, the latest last: the last message's number and time. */
  sessions?: { sid: string; n: number; t: string }[];
  /** The time of the latest message of the sessions forgotten. */
  forgotten?: string;
}

/** One's identity and the peers one has met, pinned on first use. */
export class KeyRing {
  /** One's own keys. */
  readonly identity: Identity;
  /** The public half of `identity`, signed. */
  readonly bundle: Bundle;
  /** Where the keys are, for people. */
  readonly place: string;
  /**
   * `identity` and its `bundle`; `peers` as `save` last kept them; `place` says where the keys
   * are, for people (`key file ~/x.json`, `kept in this browser`).
   */
  constructor(options: {
    identity: Identity;
    bundle: Bundle;
    peers: readonly KnownPeer[];
    save: (peers: KnownPeer[]) => Promise<void>;
    place: string;
  });
  /** This client's own fingerprint. */
  ownFingerprint(): Promise<string>;
  /** The key to encrypt to for `nickname`: the pinned one, or undefined while none is trusted. */
  trusted(nickname: string): Bundle | undefined;
  /** Records that `nickname` showed `bundle` (already verified). */
  saw(nickname: string, bundle: Bundle): Promise<PeerKeyStatus>;
  /** Trusts the changed key `nickname` showed last; its fingerprint, or undefined if none. */
  trust(nickname: string): Promise<string | undefined>;
  /** Whether message `n` of session `sid` from `nickname`, written at `time`, is new (remembered). */
  accept(nickname: string, sid: string, n: number, time: string): Promise<boolean>;
  /** The pinned peers, as `save` keeps them. */
  readonly peers: KnownPeer[];
}

/** A peer's verified bundle and what the client knows of it. */
export interface PeerKey {
  /** The bundle, its signature checked. */
  bundle: Bundle;
  /** Whether it is new, the one pinned, or another. */
  status: PeerKeyStatus;
}

/** What a client's end-to-end encryption needs. */
export interface E2eClientOptions {
  /** The keys, or undefined with `unavailable` saying why there are none. */
  ring?: KeyRing;
  /** Why there are no keys, said to the user; undefined when there are. */
  unavailable?: string;
  /** Shows a line to the user. */
  print: (line: string) => void;
  /** Sends a message to the server. */
  send: (message: KeysRequest) => void;
  /** This user's nickname, as the server knows it now. */
  nickname: () => string;
  /** The time now (for the time bound into a message). */
  now: () => Date;
  /** Refuse rather than send a private message or file in the clear. */
  e2eOnly?: boolean;
}

/** A private message or offer with an end-to-end envelope. */
export type Sealed<T> = T & { e2e: E2eEnvelope };

/** A client's end-to-end encryption. */
export class E2eClient {
  /** Sends nothing until `start`. */
  constructor(options: E2eClientOptions);
  /** The keys, when this client has them. */
  readonly ring: KeyRing | undefined;
  /** Publishes this client's bundle. */
  start(): void;
  /** Handles a `keys` message from the server. */
  onKeys(message: KeysReply): void;
  /** Ends the lookups still waiting. */
  close(): void;
  /** Looks up, verifies and pins `nickname`'s key; undefined (said) when there is none. */
  lookUp(nickname: string): Promise<PeerKey | undefined>;
  /** The private message to send for `text` to `to`, or undefined (said) when refused. */
  seal(to: string, text: string): Promise<PrivateRequest | undefined>;
  /** The text and time of an end-to-end private message; throws saying why not. */
  open(message: Sealed<PrivateMessage>): Promise<{ text: string; time: Date }>;
  /** The envelope and chunk cipher for a file offered to `to`; "clear" or undefined (said). */
  sealFile(
    to: string,
    id: string,
    header: FileHeader,
  ): Promise<{ e2e: E2eEnvelope; chunks: FileChunks } | "clear" | undefined>;
  /** The header and chunk cipher of an end-to-end offer; throws saying why not. */
  openFile(offer: Sealed<OfferNotice>): Promise<{ header: FileHeader; chunks: FileChunks }>;
  /** Carries out `/fingerprint [nickname]` or `/trust nickname`. */
  perform(
    command: { kind: "fingerprint"; nickname?: string } | { kind: "trust"; nickname: string },
  ): Promise<void>;
  /** `/fingerprint [nickname]`. */
  fingerprint(nickname: string | undefined): Promise<void>;
  /** `/trust nickname`. */
  trust(nickname: string): Promise<void>;
}
