/**
 * The JSON Lines wire of spec part C as a `Wire`: `protocol.ts` decodes and encodes, this maps
 * its messages to the core's commands.
 *
 * @module
 */

import {
  ACCOUNT_ACTIONS,
  type AccountAction,
  type ClientMessage,
  decodeClientMessage,
  encodeMessage,
  OPERATOR_ACTIONS,
  type OperatorAction,
  type OperatorRequest,
  type ServerMessage,
} from "../../protocol.ts";
import { concat } from "../common/bytes.ts";
import type { Command } from "../core/types.ts";
import { FrameReader } from "../protocol/frame_reader.ts";
import type { Wire } from "./wire.ts";

/** Most characters of a key lookup's `ref`, the client's name for it. */
const MAX_REF_CHARS = 64;

/** The core command a JSON client message asks for. */
export function jsonCommand(message: ClientMessage): Command {
  switch (message.type) {
    case "nickname":
      return {
        kind: "register",
        nickname: message.nickname,
        clientID: message.clientID,
        extensions: message.extensions,
      };
    case "message":
      return { kind: "say", text: message.message, timestamp: message.timestamp };
    case "disconnect":
      return { kind: "disconnect" };
    case "private": {
      const whisper = { to: message.to, text: message.message ?? "", timestamp: message.timestamp };
      return message.e2e === undefined
        ? { kind: "whisper", ...whisper }
        : { kind: "whisper", ...whisper, e2e: message.e2e };
    }
    case "room":
      return {
        kind: "room",
        room: message.room,
        text: message.message,
        timestamp: message.timestamp,
      };
    case "join":
      return { kind: "join", room: message.room };
    case "leave":
      return { kind: "leave", room: message.room };
    case "nick":
      return { kind: "nick", nickname: message.nickname };
    case "list":
      return { kind: "list" };
    case "login":
      return message.device === undefined
        ? { kind: "login", password: message.password }
        : { kind: "login", password: message.password, device: message.device };
    case "account":
      if (!(ACCOUNT_ACTIONS as readonly string[]).includes(message.action)) {
        return {
          kind: "invalid",
          error: `Invalid "account" message: field "action" must be one of ` +
            ACCOUNT_ACTIONS.map((action) => `"${action}"`).join(", "),
        };
      }
      return {
        kind: "account",
        action: message.action as AccountAction,
        password: message.password,
      };
    case "history":
      return { kind: "history", room: message.room, count: message.count };
    case "ack":
      return { kind: "ack", id: message.id };
    case "operator":
      return operatorCommand(message);
    case "keys":
      if ((message.bundle === undefined) === (message.nickname === undefined)) {
        return {
          kind: "invalid",
          error: `Invalid "keys" message: give "bundle" to publish your key bundle, or ` +
            `"nickname" to ask for someone's`,
        };
      }
      if (message.ref !== undefined && message.ref.length > MAX_REF_CHARS) {
        return {
          kind: "invalid",
          error: `Invalid "keys" message: "ref" has at most ${MAX_REF_CHARS} characters`,
        };
      }
      if (message.bundle === undefined) {
        return message.ref === undefined
          ? { kind: "keys", nickname: message.nickname! }
          : { kind: "keys", nickname: message.nickname!, ref: message.ref };
      }
      return message.device === undefined
        ? { kind: "keys", bundle: message.bundle }
        : { kind: "keys", bundle: message.bundle, device: message.device };
    case "topic":
      return message.topic === undefined
        ? { kind: "topic", room: message.room }
        : { kind: "topic", room: message.room, topic: message.topic };
    case "invite":
      return { kind: "invite", room: message.room, nickname: message.nickname };
    case "moderate": {
      const { room, action, nickname, minutes, reason } = message;
      return {
        kind: "moderate",
        room,
        action,
        nickname,
        ...(minutes === undefined ? {} : { minutes }),
        ...(reason === undefined ? {} : { reason }),
      };
    }
    case "settings":
      return message.value === undefined
        ? { kind: "settings", room: message.room, setting: message.setting }
        : { kind: "settings", room: message.room, setting: message.setting, value: message.value };
    case "bans":
      return { kind: "bans", room: message.room };
    case "approve":
      return { kind: "approve", device: message.device, by: message.by, sig: message.sig };
    case "revoke":
      return { kind: "revoke", device: message.device };
    case "unread": {
      const { to, t, reason, device } = message;
      return device === undefined
        ? { kind: "unread", to, t, reason }
        : { kind: "unread", to, t, reason, device };
    }
    default:
      // Every other type belongs to a file transfer.
      return { kind: "transfer", request: message };
  }
}

/** The operator command an `operator` message asks for, or why it is not one. */
function operatorCommand(message: OperatorRequest): Command {
  if (!(OPERATOR_ACTIONS as readonly string[]).includes(message.action)) {
    return {
      kind: "invalid",
      error: `Invalid "operator" message: field "action" must be one of ` +
        OPERATOR_ACTIONS.map((action) => `"${action}"`).join(", "),
    };
  }
  const command: Command = { kind: "operator", action: message.action as OperatorAction };
  if (message.target !== undefined) command.target = message.target;
  if (message.seconds !== undefined) command.seconds = message.seconds;
  if (message.reason !== undefined) command.reason = message.reason;
  if (message.message !== undefined) command.text = message.message;
  return command;
}

/** Encodes `messages` as JSON lines, one after another. */
function encodeAll(messages: readonly ServerMessage[]): Uint8Array {
  if (messages.length === 1) return encodeMessage(messages[0]);
  const frames = messages.map(encodeMessage);
  return concat(frames, frames.reduce((sum, frame) => sum + frame.length, 0));
}

/** JSON Lines (spec part C): every server message is carried, each as one line. */
export const JSON_WIRE: Wire = {
  name: "JSON",
  reader: (maxBytes) => new FrameReader(maxBytes),
  decode(frame) {
    const decoded = decodeClientMessage(frame);
    return decoded.kind === "message"
      ? jsonCommand(decoded.message)
      : { kind: "invalid", error: decoded.error };
  },
  encode: encodeAll,
  encodeError: (message) => encodeMessage({ type: "error", message }),
};
