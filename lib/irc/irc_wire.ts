/**
 * IRC as the server's `Wire`: one wire for each set of capabilities that changes how a message
 * to many is written (`FLAVOR_CAPS`), so that such a message is encoded once per set in use; a
 * message that names its reader is encoded for that reader alone. Reading is the listener's
 * (`irc_edge.ts`): IRC's registration and queries need more than one line to one command.
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import type { Command, ErrorReason, Member } from "../core/types.ts";
import { FrameReader } from "../protocol/frame_reader.ts";
import type { Wire } from "../wire/wire.ts";
import { writeRefusal } from "./errors.ts";
import { labelled } from "./labels.ts";
import { Lines } from "./lines.ts";
import { MAX_FRAME_BYTES } from "./message.ts";
import type { Renderer } from "./render.ts";
import { type FlavorCap, flavorCaps } from "./session.ts";
import type { IrcView } from "./view.ts";

const encoder = new TextEncoder();

/** The IRC wire for readers of one set of capabilities. */
export class IrcWire<M extends Member> implements Wire {
  /** Its name, as operators read it. */
  readonly name = "IRC";
  /** The set of capabilities it writes for (`FLAVOR_CAPS` as bits). */
  readonly flavor: number;
  readonly #caps: ReadonlySet<FlavorCap>;
  readonly #renderer: Renderer<M>;
  readonly #view: IrcView<M>;
  /** Batches of labelled answers opened here (their ids are `L1`, `L2`, ...). */
  #labels = 0;
  readonly #refused: (to: Member, message: string, reason: ErrorReason | undefined) => void;

  /**
   * The wire of `flavor`, writing with `renderer`, reading `view`; `refused` is told of each
   * refusal written for a reader.
   */
  constructor(
    flavor: number,
    renderer: Renderer<M>,
    view: IrcView<M>,
    refused: (to: Member, message: string, reason: ErrorReason | undefined) => void,
  ) {
    this.flavor = flavor;
    this.#caps = flavorCaps(flavor);
    this.#renderer = renderer;
    this.#view = view;
    this.#refused = refused;
  }

  /** Lines of IRC, each within the tags' and the line's limits (the reader checks them). */
  reader(): FrameReader {
    return new FrameReader(MAX_FRAME_BYTES, { lines: true });
  }

  /** Nothing: the IRC listener reads lines itself. */
  decode(): Command | undefined {
    return undefined;
  }

  /** `messages` written once for every reader of this wire. */
  encode(messages: readonly ServerMessage[]): Uint8Array | undefined {
    const lines = new Lines(this.#caps);
    this.#renderer.render(lines, messages);
    return lines.empty ? undefined : encoder.encode(lines.text);
  }

  /** Whether `messages` name `to`, and so are written for it alone. */
  personal(messages: readonly ServerMessage[], to: Member): boolean {
    return this.#renderer.personal(messages, to);
  }

  /** Whether `messages` may name some reader (else `personal` is false for all). */
  personalToSome(messages: readonly ServerMessage[]): boolean {
    return this.#renderer.personalToSome(messages);
  }

  /**
   * `messages` written for `to` alone. The answer of a labelled `CHATHISTORY` (its end is a
   * `history` message) goes with the oldest label awaiting one.
   */
  encodeFor(messages: readonly ServerMessage[], to: Member): Uint8Array | undefined {
    const lines = new Lines(this.#caps);
    this.#renderer.render(lines, messages, to as M);
    const bytes = lines.empty ? undefined : encoder.encode(lines.text);
    const waiting = this.#view.session(to as M)?.historyLabels;
    if (!waiting?.length || !messages.some((message) => message.type === "history")) return bytes;
    const server = this.#view.serverName;
    return labelled(
      bytes === undefined ? [] : [bytes],
      waiting.shift()!,
      server,
      `L${++this.#labels}`,
    );
  }

  /**
   * A refusal for `to`, as the numeric of the command it is carrying out (or a `NOTICE`); with
   * no reader, the `ERROR` that ends its connection.
   */
  encodeError(message: string, reason?: ErrorReason, to?: Member): Uint8Array {
    const lines = new Lines(this.#caps);
    const session = to === undefined ? undefined : this.#view.session(to as M);
    // A nickname refused after its command (claimed from the other nodes) is still its refusal.
    const context = session?.context ?? (reason === "taken" ? session?.claim : undefined);
    if (context !== undefined) context.refused = true;
    const nick = to === undefined ? undefined : to.nickname ?? session?.nick ?? "*";
    writeRefusal(lines, this.#view.serverName, nick, context, message, reason);
    if (to !== undefined) this.#refused(to, message, reason);
    return encoder.encode(lines.text);
  }
}
