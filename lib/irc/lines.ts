/**
 * Writing the lines of one encoding: each with the tags its reader negotiated (`server-time`,
 * `account-tag`, `batch`), as IRC text ending in CR LF.
 *
 * @module
 */

import { parseTimestamp } from "../protocol/values.ts";
import { formatLine, formatTags, MAX_LINE_BYTES, splitText } from "./message.ts";
import type { FlavorCap } from "./session.ts";

/**
 * Most bytes of a piece of a long message's text in one line: 512 less CR LF, the command, the
 * target and a long `nick!user@host`, with room to spare.
 */
export const TEXT_BYTES = 350;
/**
 * Most bytes of a text sent whole in one line: what an IRC client may send in one line goes on
 * as it came (a few bytes past 512 with its sender's mask), never cut.
 */
export const WHOLE_TEXT_BYTES = 510;

const encoder = new TextEncoder();

/** Tags for one line: its time and its sender's account, when the reader takes them. */
export interface LineTags {
  /** ISO 8601 time of the event (any form `parseTimestamp` reads). */
  time?: string;
  /** The sender's account. */
  account?: string;
  /** The batch the line belongs to. */
  batch?: string;
  /** The label the client gave the command this answers. */
  label?: string;
  /** Set when the sender is a bot (user mode `+B`). */
  bot?: boolean;
}

/** Lines being written for readers with the capabilities `caps`. */
export class Lines {
  readonly #caps: ReadonlySet<FlavorCap>;
  readonly #labels: boolean;
  #text = "";

  /** Lines for readers with `caps`; `labels`: the reader negotiated `labeled-response`. */
  constructor(caps: ReadonlySet<FlavorCap>, labels = false) {
    this.#caps = caps;
    this.#labels = labels;
  }

  /** Whether the readers negotiated `cap`. */
  has(cap: FlavorCap): boolean {
    return this.#caps.has(cap);
  }

  /**
   * Adds one line, its last parameter cut (at a code point) when the line would pass IRC's 512
   * bytes (its tags aside): a reason, a topic or a real name from elsewhere is never a longer line.
   */
  add(
    source: string | undefined,
    command: string,
    params: readonly string[],
    tags: LineTags = {},
    trailing = false,
  ): void {
    this.#add(source, command, params, tags, trailing, true);
  }

  #add(
    source: string | undefined,
    command: string,
    params: readonly string[],
    tags: LineTags,
    trailing: boolean,
    fit: boolean,
  ): void {
    const written: Record<string, string | undefined> = {};
    if (tags.batch !== undefined && this.#caps.has("batch")) written.batch = tags.batch;
    if (tags.label !== undefined && this.#labels) written.label = tags.label;
    if (tags.time !== undefined && this.#caps.has("server-time")) {
      written.time = (parseTimestamp(tags.time) ?? new Date()).toISOString();
    }
    if (tags.account !== undefined && this.#caps.has("account-tag")) {
      written.account = tags.account;
    }
    if (tags.bot === true && this.#caps.has("message-tags")) written.bot = "";
    const line = formatLine(source, command, params, trailing);
    this.#text += formatTags(written) + (fit ? fitted(line) : line) + "\r\n";
  }

  /** Adds `text` as one line or more, each `command [target] :piece`. */
  addText(
    source: string,
    command: string,
    target: string | undefined,
    text: string,
    tags: LineTags = {},
  ): void {
    const whole = text.length <= WHOLE_TEXT_BYTES &&
      encoder.encode(text).length <= WHOLE_TEXT_BYTES;
    // Cut already: what a client said in one line goes on whole, its sender's mask before it.
    for (const piece of splitText(text, whole ? WHOLE_TEXT_BYTES : TEXT_BYTES)) {
      this.#add(
        source,
        command,
        target === undefined ? [piece] : [target, piece],
        tags,
        true,
        false,
      );
    }
  }

  /**
   * Adds `items` joined by `separator` as the trailing parameter after `params`, in as many lines
   * as it takes for each to stay within IRC's 512 bytes (a list of many nicknames or channels).
   */
  addList(
    source: string | undefined,
    command: string,
    params: readonly string[],
    items: readonly string[],
    separator = " ",
  ): void {
    const head = formatLine(source, command, [...params, ""]);
    const budget = MAX_LINE_BYTES - 2 - encoder.encode(head).length;
    let batch: string[] = [];
    let bytes = 0;
    for (const item of items) {
      const size = encoder.encode(item).length + (batch.length === 0 ? 0 : separator.length);
      if (batch.length > 0 && bytes + size > budget) {
        this.add(source, command, [...params, batch.join(separator)], {}, true);
        batch = [];
        bytes = 0;
      }
      batch.push(item);
      bytes += size;
    }
    if (batch.length > 0) this.add(source, command, [...params, batch.join(separator)], {}, true);
  }

  /** Whether nothing was written. */
  get empty(): boolean {
    return this.#text === "";
  }

  /** The lines written. */
  get text(): string {
    return this.#text;
  }
}

/** `line` (without CR LF) cut at a code point to fit IRC's 512 bytes with its CR LF. */
function fitted(line: string): string {
  if (line.length <= (MAX_LINE_BYTES - 2) / 3) return line;
  const bytes = encoder.encode(line);
  if (bytes.length <= MAX_LINE_BYTES - 2) return line;
  let end = MAX_LINE_BYTES - 2;
  // Not inside a character: back to the first byte of the one cut.
  while ((bytes[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}
