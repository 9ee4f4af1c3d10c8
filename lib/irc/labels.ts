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
  if (lines.length === 1) return encoder.encode(tagged(lines[0], tag) + "\r\n");
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
