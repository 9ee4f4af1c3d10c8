// @ts-self-types="./frames.d.ts"
/**
 * A WebSocket text frame as the messages it carries. The page offers the subprotocol
 * `chat-lines`: a server that takes it may put several JSON messages in one frame, each followed
 * by a newline, so that a burst costs it one write; a server that does not sends one JSON message
 * a frame.
 *
 * @module
 */

/** The subprotocol the page offers: frames of JSON messages, each followed by "\n". */
export const LINES_PROTOCOL = "chat-lines";

/**
 * The JSON objects in frame `data`, in order, read as subprotocol `protocol` says (the socket's
 * `protocol`: `chat-lines`, or `""` for one message a frame). What is not JSON, or not an object
 * (an array, a number...), is skipped; so is a frame that is not text.
 */
export function messagesOf(data, protocol) {
  if (typeof data !== "string") return [];
  const pieces = protocol === LINES_PROTOCOL ? data.split("\n") : [data];
  const messages = [];
  for (const piece of pieces) {
    if (piece === "") continue;
    let message;
    try {
      message = JSON.parse(piece);
    } catch {
      continue;
    }
    if (message !== null && typeof message === "object" && !Array.isArray(message)) {
      messages.push(message);
    }
  }
  return messages;
}
