/**
 * The seam between the transports and the chat core: a wire adapter cuts a connection's bytes
 * into frames, decodes each frame into a core command and encodes the core's messages as that
 * wire's bytes. It holds no chat state.
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import type { Command, ErrorReason, Member } from "../core/types.ts";
import type { FrameReader } from "../protocol/frame_reader.ts";

/** One wire protocol, as the server speaks it. */
export interface Wire {
  /** Its name, as operators read it (`JSON`, `CHAT/1.0`). */
  readonly name: string;
  /** A frame reader for one connection, refusing frames over `maxBytes`. */
  reader(maxBytes: number): FrameReader;
  /**
   * What one frame asks (`registered`: whether the connection has registered); undefined when
   * it asks nothing (a blank line).
   */
  decode(frame: Uint8Array, registered: boolean): Command | undefined;
  /** `messages` as this wire's bytes, in order; undefined when it carries none of them. */
  encode(messages: readonly ServerMessage[]): Uint8Array | undefined;
  /**
   * Whether `messages` must be encoded for `to` alone, as `encodeFor` does (a wire whose lines
   * name their reader, such as IRC's replies); when absent, never.
   */
  personal?(messages: readonly ServerMessage[], to: Member): boolean;
  /**
   * Whether `personal` may hold for some reader of `messages`: when false, no reader is asked
   * (asked once for all readers); when absent, every reader is.
   */
  personalToSome?(messages: readonly ServerMessage[]): boolean;
  /** `messages` as this wire's bytes for `to` alone (see `personal`). */
  encodeFor?(messages: readonly ServerMessage[], to: Member): Uint8Array | undefined;
  /**
   * An error reply as this wire's bytes: a reply to `to` when given, else the last word before
   * its connection closes (the same bytes, on the wires whose errors name nobody).
   */
  encodeError(message: string, reason?: ErrorReason, to?: Member): Uint8Array;
}
