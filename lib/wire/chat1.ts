/**
 * CHAT/1.0 as the server's `Wire`: a client's lines into core commands, and the core's messages
 * (those CHAT/1.0 carries) into lines. The lines themselves are `lib/protocol/chat1.ts`'s.
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import { isWellFormedUtf8 } from "../common/utf8.ts";
import type { Command, ErrorReason } from "../core/types.ts";
import {
  CHAT1_INVALID,
  CHAT1_REGISTERED,
  CHAT1_SHUTDOWN,
  CHAT1_TAKEN,
  CHAT1_VERSION,
  chat1Chat,
  oneLine,
  parseChat1Request,
} from "../protocol/chat1.ts";
import { FrameReader } from "../protocol/frame_reader.ts";
import type { Wire } from "./wire.ts";

/** The reply line for an error, by its reason (a code where S1 names one, else `400 <text>`). */
export function chat1Error(message: string, reason?: ErrorReason): string {
  switch (reason) {
    case "taken":
    case "registered":
      return CHAT1_TAKEN;
    case "registration":
    case "unregistered":
      return CHAT1_INVALID;
    case "account":
      // A name held by an account: the code of a taken name, with the reason in words.
      return `401 ${oneLine(message)}`;
    default:
      return `400 ${oneLine(message)}`;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The command a client's line asks for; undefined for a blank line. */
function decode(frame: Uint8Array, registered: boolean): Command | undefined {
  if (!isWellFormedUtf8(frame)) {
    return { kind: "invalid", error: "Cannot decode line: invalid UTF-8" };
  }
  const line = decoder.decode(frame);
  const request = parseChat1Request(line);
  switch (request.kind) {
    case "register":
      return { kind: "register", nickname: request.username };
    case "bad-register":
      // Once registered, a line that merely starts with the word is something to say.
      return registered
        ? { kind: "say", text: line }
        : { kind: "invalid", error: "Invalid registration", reason: "registration" };
    case "disconnect":
      return { kind: "disconnect" };
    case "chat":
      // The sender is the registered name, whatever the prefix claims.
      return { kind: "say", text: request.text };
    case "blank":
      return undefined;
  }
}

/** The line a server message becomes, or undefined when CHAT/1.0 cannot carry it. */
function encodeLine(message: ServerMessage): string | undefined {
  switch (message.type) {
    case "broadcast":
      return chat1Chat(message.nickname, message.message);
    case "welcome":
      return CHAT1_REGISTERED;
    case "shutdown":
      return CHAT1_SHUTDOWN;
    case "error":
      return chat1Error(message.message);
    default:
      // Acknowledgements of leaving, notices, private and room messages: CHAT/1.0 has none.
      return undefined;
  }
}

/** CHAT/1.0: registration, chat lines and the server's disconnect; nothing else is carried. */
export const CHAT1_WIRE: Wire = {
  name: CHAT1_VERSION,
  reader: (maxBytes) => new FrameReader(maxBytes, { lines: true }),
  decode,
  encode(messages) {
    let text = "";
    for (const message of messages) {
      const line = encodeLine(message);
      if (line !== undefined) text += line + "\n";
    }
    return text === "" ? undefined : encoder.encode(text);
  },
  encodeError: (message, reason) => encoder.encode(chat1Error(message, reason) + "\n"),
};
