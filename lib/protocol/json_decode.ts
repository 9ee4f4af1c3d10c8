/**
 * Decoding a JSON frame against a schema: each message type's fields, each with a kind (text, a
 * count, a flag, a list of texts, rooms, a key bundle, an end-to-end envelope, a user's devices)
 * that is checked and
 * copied, so that nothing a rule does not name is kept. `protocol.ts` holds the schemas.
 *
 * @module
 */

import { isWellFormedUtf8 } from "../common/utf8.ts";
import { isDeviceId, MAX_DEVICES } from "../../web/common/device_ids.js";

/** Most characters in a field of a key bundle (its base64 keys take 44, its signature 88). */
export const MAX_KEY_FIELD_CHARS = 128;

/** Longest excerpt of a bad frame quoted back in an error message, in characters. */
const QUOTE_CHARS = 40;

const utf8Decoder = new TextDecoder("utf-8");

type Fields = Record<string, unknown>;

/** The result of decoding one frame. */
export type Decoded<T> =
  | { kind: "message"; message: T }
  /** A well-formed object whose `type` this side does not know. */
  | { kind: "unknown"; type: string; error: string }
  | { kind: "invalid"; error: string };

/**
 * What a field holds: text, a count, a flag, a list of texts, rooms with their members, a key
 * bundle, an end-to-end envelope, a user's devices, a number from 0 (decimals allowed), or a list
 * of flat records (texts, numbers and flags only).
 */
export type FieldKind =
  | "string"
  | "count"
  | "flag"
  | "strings"
  | "rooms"
  | "bundle"
  | "e2e"
  | "devices"
  | "number"
  | "records";
/** A field's kind, and whether it must be there. */
export type FieldRule = readonly [FieldKind, boolean];
/** The rules of each message type's fields, by type. */
export type Schema = Record<string, Record<string, FieldRule>>;

/** Text that must be there. */
export const TEXT: FieldRule = ["string", true];
/** Text that may be left out. */
export const TEXT_OPTIONAL: FieldRule = ["string", false];
/** A whole number from 0 that must be there. */
export const COUNT: FieldRule = ["count", true];
/** A whole number from 0 that may be left out. */
export const COUNT_OPTIONAL: FieldRule = ["count", false];
/** True or false, or left out. */
export const FLAG_OPTIONAL: FieldRule = ["flag", false];
/** A key bundle, or left out. */
export const BUNDLE_OPTIONAL: FieldRule = ["bundle", false];
/** An end-to-end envelope, or left out. */
export const E2E_OPTIONAL: FieldRule = ["e2e", false];

/**
 * Decodes `frame` as one JSON object whose `type` is one of `schema`'s, keeping only the fields
 * its rules name, each checked; `aliases` names other spellings of a type's fields.
 */
export function decodeWith(
  frame: Uint8Array,
  schema: Schema,
  aliases: Record<string, Record<string, string>> = {},
): Decoded<Record<string, unknown>> {
  // Decoded without a fatal decoder, so that a refusal costs no exception: bad bytes become
  // U+FFFD, and only a frame that shows one needs the byte-by-byte check.
  const text = utf8Decoder.decode(frame);
  if (text.includes("\uFFFD") && !isWellFormedUtf8(frame)) {
    return { kind: "invalid", error: "Cannot decode frame: invalid UTF-8" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "invalid", error: `Cannot parse frame ${quote(text)}: invalid JSON` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "invalid", error: `Cannot parse frame ${quote(text)}: expected a JSON object` };
  }
  const fields = value as Fields;
  const type = fields.type;
  if (typeof type !== "string") {
    return {
      kind: "invalid",
      error: type === undefined
        ? `Cannot read message ${quote(text)}: missing field "type"`
        : `Cannot read message ${quote(text)}: field "type" must be a string`,
    };
  }
  if (!Object.hasOwn(schema, type)) {
    return { kind: "unknown", type, error: `Unknown message type ${quote(type)}` };
  }
  for (const [name, alias] of Object.entries(aliases[type] ?? {})) {
    if (fields[name] === undefined) fields[name] = fields[alias];
  }
  const message: Fields = { type };
  for (const [name, [kind, required]] of Object.entries(schema[type])) {
    const field = fields[name];
    if (field === undefined || field === null) {
      if (required) {
        return { kind: "invalid", error: `Invalid "${type}" message: missing field "${name}"` };
      }
    } else if (!FIELD_CHECKS[kind](field)) {
      return {
        kind: "invalid",
        error: `Invalid "${type}" message: field "${name}" must be ${FIELD_NAMES[kind]}`,
      };
    } else {
      message[name] = COPIES[kind]?.(field) ?? field;
    }
  }
  return { kind: "message", message };
}

const isText = (value: unknown) => typeof value === "string";
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
/** Text of at most `MAX_KEY_FIELD_CHARS` characters: a key, a nonce, a signature in base64. */
const isKeyText = (value: unknown) =>
  isText(value) && (value as string).length <= MAX_KEY_FIELD_CHARS;

/** The fields of kinds made of objects, copied so that nothing else of them is kept. */
const COPIES: Partial<Record<FieldKind, (value: unknown) => unknown>> = {
  rooms: (value) =>
    (value as Fields[]).map(({ room, members, topic }) =>
      typeof topic === "string" ? { room, members, topic } : { room, members }
    ),
  records: (value) => (value as Fields[]).map((record) => ({ ...record })),
  bundle: (value) => {
    const { v, dh, sign, sig } = value as Fields;
    return { v, dh, sign, sig };
  },
  e2e: (value) => {
    const { v, sid, n, t, iv, ct, key, keys, bundle } = value as Fields;
    const envelope: Fields = { v, sid, n, t, iv, ct };
    if (keys !== undefined) {
      envelope.keys = Object.fromEntries(
        Object.entries(keys as Fields).map(([id, sealed]) => [id, copySealed(sealed)]),
      );
    }
    if (key !== undefined) envelope.key = copySealed(key);
    if (bundle !== undefined) envelope.bundle = COPIES.bundle!(bundle);
    return envelope;
  },
  devices: (value) =>
    (value as Fields[]).map(({ id, name, bundle, approved, by, sig, added }) => {
      const device: Fields = { id, name, bundle: COPIES.bundle!(bundle), approved };
      if (by !== undefined) device.by = by;
      if (sig !== undefined) device.sig = sig;
      if (added !== undefined) device.added = added;
      return device;
    }),
};

function copySealed(value: unknown): Fields {
  const { v, sid, eph, iv, key, sig } = value as Fields;
  return { v, sid, eph, iv, key, sig };
}

/** A session key sealed for one device: `{v, sid, eph, iv, key, sig}`. */
const isSealed = (value: unknown) =>
  isObject(value) && Number.isSafeInteger(value.v) &&
  [value.sid, value.eph, value.iv, value.key, value.sig].every(isKeyText);

/** Sealed keys by device id, for at most `MAX_DEVICES` twice over (the recipient's and one's own). */
const isSealedKeys = (value: unknown) =>
  isObject(value) && Object.keys(value).length <= 2 * MAX_DEVICES &&
  Object.entries(value).every(([id, sealed]) => isDeviceId(id) && isSealed(sealed));

const isDevice = (value: unknown) =>
  isObject(value) && isDeviceId(value.id) && isText(value.name) &&
  FIELD_CHECKS.bundle(value.bundle) &&
  typeof value.approved === "boolean" &&
  (value.by === undefined || isKeyText(value.by)) &&
  (value.sig === undefined || isKeyText(value.sig)) &&
  (value.added === undefined || isText(value.added));

/** Most records in a `records` field. */
const MAX_RECORDS = 1000;

/** A flat record: texts, numbers and flags only. */
const isFlatRecord = (value: unknown) =>
  isObject(value) &&
  Object.values(value).every((field) =>
    typeof field === "string" || typeof field === "boolean" ||
    (typeof field === "number" && Number.isFinite(field))
  );

const isTexts = (value: unknown) => Array.isArray(value) && value.every(isText);

const FIELD_CHECKS: Record<FieldKind, (value: unknown) => boolean> = {
  string: isText,
  count: (value) => Number.isSafeInteger(value) && (value as number) >= 0,
  flag: (value) => typeof value === "boolean",
  strings: isTexts,
  rooms: (value) =>
    Array.isArray(value) &&
    value.every((room) =>
      typeof room === "object" && room !== null && isText(room.room) && isTexts(room.members)
    ),
  bundle: (value) =>
    isObject(value) && Number.isSafeInteger(value.v) &&
    [value.dh, value.sign, value.sig].every(isKeyText),
  e2e: (value) =>
    isObject(value) && Number.isSafeInteger(value.v) && Number.isSafeInteger(value.n) &&
    (value.n as number) >= 1 && [value.sid, value.t, value.iv].every(isKeyText) &&
    isText(value.ct) && (value.key === undefined) !== (value.keys === undefined) &&
    (value.key === undefined || isSealed(value.key)) &&
    (value.keys === undefined || isSealedKeys(value.keys)) &&
    (value.bundle === undefined || FIELD_CHECKS.bundle(value.bundle)),
  devices: (value) => Array.isArray(value) && value.length <= MAX_DEVICES && value.every(isDevice),
  number: (value) => typeof value === "number" && Number.isFinite(value) && value >= 0,
  records: (value) =>
    Array.isArray(value) && value.length <= MAX_RECORDS && value.every(isFlatRecord),
};

const FIELD_NAMES: Record<FieldKind, string> = {
  string: "a string",
  count: "a whole number from 0",
  flag: "true or false",
  strings: "a list of strings",
  rooms: 'a list of {"room", "members"} objects',
  bundle:
    `a key bundle: {"v", "dh", "sign", "sig"}, each text at most ${MAX_KEY_FIELD_CHARS} characters`,
  e2e: 'an end-to-end envelope: {"v", "sid", "n", "t", "iv", "ct", "keys"}',
  devices: `a list of at most ${MAX_DEVICES} devices: {"id", "name", "bundle", "approved"}`,
  number: "a number from 0",
  records: `a list of at most ${MAX_RECORDS} objects of texts, numbers and flags`,
};

/** Quotes a value for an error message, cut to a readable length. */
function quote(text: string): string {
  const cut = [...text.slice(0, QUOTE_CHARS * 2)];
  const shown = cut.length > QUOTE_CHARS ? cut.slice(0, QUOTE_CHARS).join("") + "…" : text;
  return JSON.stringify(shown);
}
