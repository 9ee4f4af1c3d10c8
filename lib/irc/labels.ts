/**
 * IRCv3 `labeled-response`: the lines a labelled command brought, sent back with its label, as
 * one line, a `labeled-response` batch of several, or an `ACK` for none.
 *
 * @module
 */

import { concat } from "../common/bytes.ts";
import { escapeTag } from "./message.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Adds `tag` (already escaped: `key=value`) to one line's tags. */
function tagged(line: string, tag: string): string {
  return line.startsWith("@") ? `@${tag};${line.slice(1)}` : `@${tag} ${line}`;
}

/** The tags of `line` (`key=value` each, as written), and its command with its parameters. */
function parts(line: string): { tags: string[]; rest: string } {
  const tagged = line.startsWith("@");
  const afterTags = tagged ? line.slice(line.indexOf(" ") + 1) : line;
  const rest = afterTags.startsWith(":") ? afterTags.slice(afterTags.indexOf(" ") + 1) : afterTags;
  return { tags: tagged ? line.slice(1, line.indexOf(" ")).split(";") : [], rest };
}

/** Whether `lines` are one batch: its opening line, its lines, its closing line. */
function isOneBatch(lines: string[]): boolean {
  const id = /^BATCH \+(\S+)/.exec(parts(lines[0]).rest)?.[1];
  return id !== undefined && parts(lines.at(-1)!).rest === `BATCH -${id}` &&
    lines.slice(1, -1).every((line) => parts(line).tags.includes(`batch=${id}`));
}

/**
 * `gathered` (the bytes queued for the client while its command labelled `label` ran) with
 * the label: the one line labelled, several in a batch named `batch`, or an `ACK` from
 * `server` when there are none.
 */
export function labelled(
  gathered: Uint8Array[],
  label: string,
  server: string,
  batch: string,
): Uint8Array {
  const text = decoder.decode(concat(gathered, gathered.reduce((sum, b) => sum + b.length, 0)));
  const lines = text.split("\r\n").filter((line) => line !== "");
  const tag = `label=${escapeTag(label)}`;
  if (lines.length === 0) return encoder.encode(`@${tag} :${server} ACK\r\n`);
  if (lines.length === 1 || isOneBatch(lines)) {
    return encoder.encode([tagged(lines[0], tag), ...lines.slice(1)].join("\r\n") + "\r\n");
  }
  const inside = lines.map((line) =>
    line.includes("batch=") && line.startsWith("@") ? line : tagged(line, `batch=${batch}`)
  );
  return encoder.encode(
    [
      `@${tag} :${server} BATCH +${batch} labeled-response`,
      ...inside,
      `:${server} BATCH -${batch}`,
    ].join("\r\n") + "\r\n",
  );
}
