/**
 * IRC messages as lines (RFC 1459 framing with IRCv3 message tags): reading a client's line into
 * its tags, source, command and parameters, and writing a server's line, within IRC's limits.
 *
 * @module
 */

/** Most bytes of a line without its tags, its CR LF included (RFC 1459). */
export const MAX_LINE_BYTES = 512;
/** Most bytes of a client's tags, the leading `@` and the space after them included (IRCv3). */
export const MAX_CLIENT_TAG_BYTES = 4094;
/** Most bytes the frame reader takes for one line: tags and the rest, with room to spare. */
export const MAX_FRAME_BYTES: number = MAX_CLIENT_TAG_BYTES + MAX_LINE_BYTES + 2;
/** Most parameters of a message (RFC 1459: 15). */
export const MAX_PARAMS = 15;

/** One IRC message. */
export interface IrcMessage {
  /** Its tags, by key; a tag without a value has `""`. */
  tags: Record<string, string>;
  /** Who it is from (`nick!user@host` or a server), when given. */
  source?: string;
  /** The command or numeric, as sent (the parser upper-cases commands). */
  command: string;
  /** Its parameters, the trailing one last. */
  params: string[];
}

/** A line that could not be read, and why. */
export type ParseProblem = "empty" | "tags too long" | "line too long";

const TAG_UNESCAPES: Record<string, string> = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

/** A tag's value as sent (IRCv3 escapes), as text. */
export function unescapeTag(value: string): string {
  if (!value.includes("\\")) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char !== "\\") out += char;
    else if (i + 1 < value.length) out += TAG_UNESCAPES[value[++i]] ?? value[i];
  }
  return out;
}

/** A tag's value escaped for the wire (IRCv3). */
export function escapeTag(value: string): string {
  return value.replace(
    /[\\; \r\n]/g,
    (char) =>
      char === ";"
        ? "\\:"
        : char === " "
        ? "\\s"
        : char === "\r"
        ? "\\r"
        : char === "\n"
        ? "\\n"
        : "\\\\",
  );
}

const encoder = new TextEncoder();

/**
 * Reads one line (without its line ending) as an IRC message, or says why it cannot: an empty
 * line, tags over `MAX_CLIENT_TAG_BYTES`, or the rest over `MAX_LINE_BYTES` with its CR LF.
 */
export function parseLine(line: string): IrcMessage | ParseProblem {
  let rest = line;
  const tags: Record<string, string> = {};
  if (rest.startsWith("@")) {
    const end = rest.indexOf(" ");
    const raw = end === -1 ? rest : rest.slice(0, end);
    if (encoder.encode(raw).length + 1 > MAX_CLIENT_TAG_BYTES) return "tags too long";
    for (const tag of raw.slice(1).split(";")) {
      if (tag === "") continue;
      const equals = tag.indexOf("=");
      if (equals === -1) tags[tag] = "";
      else tags[tag.slice(0, equals)] = unescapeTag(tag.slice(equals + 1));
    }
    rest = end === -1 ? "" : rest.slice(end + 1);
  }
  rest = rest.replace(/^ +/, "");
  if (encoder.encode(rest).length + 2 > MAX_LINE_BYTES) return "line too long";
  let source: string | undefined;
  if (rest.startsWith(":")) {
    const end = rest.indexOf(" ");
    source = end === -1 ? rest.slice(1) : rest.slice(1, end);
    rest = end === -1 ? "" : rest.slice(end + 1).replace(/^ +/, "");
  }
  const params: string[] = [];
  let command = "";
  while (rest !== "") {
    if (command !== "" && rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const end = rest.indexOf(" ");
    const word = end === -1 ? rest : rest.slice(0, end);
    if (command === "") command = word.toUpperCase();
    else params.push(word);
    rest = end === -1 ? "" : rest.slice(end + 1).replace(/^ +/, "");
  }
  if (command === "") return "empty";
  return source === undefined ? { tags, command, params } : { tags, source, command, params };
}

/** Tags as written before a line (`@a=1;b `), or `""` when there are none. */
export function formatTags(tags: Record<string, string | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (value === undefined) continue;
    parts.push(value === "" ? key : `${key}=${escapeTag(value)}`);
  }
  return parts.length === 0 ? "" : `@${parts.join(";")} `;
}

/**
 * A line (without CR LF): `source`, `command` and `params`, the last one written as a trailing
 * parameter when it must be (empty, starting with `:`, or holding a space) or when `trailing`.
 * Line breaks and NULs in parameters become spaces: one message stays one line. A parameter
 * before the last cannot be empty, start with `:` or hold a space (what a client sent may be
 * echoed there, such as `WHOIS ::x`): it is written `*`, or with `_` for each space, so that the
 * parameters after it stay where they are.
 */
export function formatLine(
  source: string | undefined,
  command: string,
  params: readonly string[],
  trailing = false,
): string {
  let line = source === undefined ? command : `:${source} ${command}`;
  params.forEach((param, index) => {
    const clean = param.replace(/[\r\n\0]/g, " ");
    const last = index === params.length - 1;
    if (last && (trailing || clean === "" || clean.startsWith(":") || clean.includes(" "))) {
      line += ` :${clean}`;
    } else if (last) line += ` ${clean}`;
    else line += clean === "" || clean.startsWith(":") ? " *" : ` ${clean.replaceAll(" ", "_")}`;
  });
  return line;
}

/**
 * `text` cut into pieces of at most `maxBytes` UTF-8 bytes each, at code point boundaries (at a
 * space when one is near the end), so that a long message goes as several lines. Line breaks
 * also cut: each line of the text is a piece of its own. An empty text is one empty piece.
 */
export function splitText(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    let rest = line;
    while (encoder.encode(rest).length > maxBytes) {
      let bytes = 0;
      let cut = 0;
      for (const char of rest) {
        const size = encoder.encode(char).length;
        if (bytes + size > maxBytes) break;
        bytes += size;
        cut += char.length;
      }
      const space = rest.lastIndexOf(" ", cut);
      if (space > cut * 0.75) cut = space + 1;
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    pieces.push(rest);
  }
  const kept = pieces.filter((piece) => piece !== "");
  return kept.length === 0 ? [""] : kept;
}
