/** Types of `e2e_keys.js` (a plain module, as the web page loads it unchanged). */

import type {
  ClientMessage,
  E2eEnvelope,
  ErrorMessage,
  KeysReply,
  OfferNotice,
  PrivateMessage,
  PrivateRequest,
} from "../../protocol.ts";

import type { FileChunks, FileHeader } from "./e2e.js";
import type { KeyRing } from "./key_ring.js";
import type { DeviceReview } from "./peer_devices.js";
import type { ListedDevice } from "./own_devices.js";

export { KeyRing, REMEMBERED_SESSIONS } from "./key_ring.js";
export type { KnownPeer } from "./key_ring.js";

export { KEY_LOOKUP_MS } from "./key_lookups.js";
/** Messages sent in one session before its key is renewed. */
export const SESSION_MESSAGES: number;

/** What a client's end-to-end encryption needs. */
export interface E2eClientOptions {
  /** The keys, or undefined with `unavailable` saying why there are none. */
  ring?: KeyRing;
  /** Why there are no keys, said to the user; undefined when there are. */
  unavailable?: string;
  /** Shows a line to the user. */
  print: (line: string) => void;
  /** Sends a message to the server. */
  send: (message: ClientMessage) => void;
  /** This user's nickname, as the server knows it now. */
  nickname: () => string;
  /** The time now (for the time bound into a message). */
  now: () => Date;
  /** Refuse rather than send a private message or file in the clear. */
  e2eOnly?: boolean;
}

export { describeFailure, describeUnread } from "./opening.js";

/** The key commands a client carries out through `E2eClient.perform`. */
export type KeyCommand =
  | { kind: "fingerprint"; nickname?: string }
  | { kind: "trust"; nickname: string }
  | { kind: "devices" }
  | { kind: "approve"; number: number }
  | { kind: "revoke"; number: number };

/** A private message or offer with an end-to-end envelope. */
export type Sealed<T> = T & { e2e: E2eEnvelope };

/** A client's end-to-end encryption. */
export class E2eClient {
  /** Sends nothing until `start`. */
  constructor(options: E2eClientOptions);
  /** The keys, when this client has them. */
  readonly ring: KeyRing | undefined;
  /** Uses `keys` from now on: `{ring}`, or `{unavailable}` saying why there are none. */
  useKeys(keys: { ring: KeyRing } | { unavailable: string }): void;
  /** Publishes this client's bundle. */
  start(): void;
  /** Handles a `keys` message from the server. */
  onKeys(message: KeysReply | ErrorMessage): void;
  /** Ends the lookups still waiting. */
  close(): void;
  /** Looks up and reviews `nickname`'s devices; undefined (said) when there are none. */
  lookUp(nickname: string): Promise<DeviceReview | undefined>;
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
  /** Carries out `/fingerprint`, `/trust`, `/devices`, `/approve` or `/revoke`. */
  perform(command: KeyCommand): Promise<void>;
  /** `/fingerprint [nickname]`. */
  fingerprint(nickname: string | undefined): Promise<void>;
  /** `/trust nickname`. */
  trust(nickname: string): Promise<void>;
  /** `/devices`: this account's devices, numbered. */
  devices(): Promise<void>;
  /** This account's devices as `/devices` numbers them (for a menu); undefined when none. */
  deviceList(): Promise<ListedDevice[] | undefined>;
  /** `/approve n`: approves device `n` of `/devices`. */
  approve(which: number | string): Promise<void>;
  /** `/revoke n`: removes device `n` of `/devices`. */
  revoke(which: number | string): Promise<void>;
}
