/**
 * What the chat core takes in and gives out, whatever wire a client speaks: the commands a wire
 * adapter decodes, what the core knows of a client, and the outbound side it delivers through.
 *
 * The core speaks in the message types of `protocol.ts` (the data model of spec part C and its
 * extensions); turning them into bytes is each wire adapter's job.
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";

/** What a client asks of the chat, decoded from any wire. */
export type Command =
  /** Registration; a wire without client IDs (CHAT/1.0) leaves `clientID` out. */
  | { kind: "register"; nickname: string; clientID?: string; extensions?: readonly string[] }
  /** A chat line to everyone; `timestamp` as the client sent it, if it did. */
  | { kind: "say"; text: string; timestamp?: string }
  | { kind: "whisper"; to: string; text: string; timestamp?: string }
  | { kind: "room"; room: string; text: string; timestamp?: string }
  | { kind: "join"; room: string }
  | { kind: "leave"; room: string }
  | { kind: "nick"; nickname: string }
  | { kind: "list" }
  /** Leaving: the connection's edge closes it (with the wire's acknowledgement, if any). */
  | { kind: "disconnect" }
  /** Input that could not be read: the error to reply with. */
  | { kind: "invalid"; error: string; reason?: ErrorReason };

/**
 * Why a request was refused, for wires whose replies are codes rather than text (CHAT/1.0
 * answers `401` to a taken name and `400 Invalid registration` to the registration problems).
 */
export type ErrorReason =
  /** The nickname is connected already (through any wire). */
  | "taken"
  /** This connection has registered already. */
  | "registered"
  /** A registration that breaks the rules (malformed, or a name that may not be used). */
  | "registration"
  /** A request that needs a registration first. */
  | "unregistered";

/** What the core knows of a client (a server connection implements it). */
export interface Member {
  /** Set once registered. */
  nickname: string | undefined;
  /** The client ID given at registration; undefined on wires without one. */
  clientID: string | undefined;
  readonly ip: string;
  readonly port: number;
  /** The extension message types (of `EXTENSION_TYPES`) the client understands. */
  extensions: ReadonlySet<string>;
}

/** Where the core's deliveries go: the transports, each message encoded once per wire. */
export interface Outbound<M extends Member> {
  /**
   * Queues `messages`, in order, for each of `recipients`; never waits. Returns those that took
   * them (a recipient whose outbox is full is dropped later, after the loop that found it).
   */
  deliver(recipients: Iterable<M>, messages: readonly ServerMessage[]): M[];
  /** Queues an error reply for `member`. */
  refuse(member: M, message: string, reason?: ErrorReason): void;
  /** The frame limit, in bytes, that `message` would pass on some wire; undefined if none. */
  tooLong(message: ServerMessage): number | undefined;
}
