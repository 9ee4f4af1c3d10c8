/** Types of `frames.js` (a plain module, as the page loads it unchanged). */

/** The subprotocol the page offers: frames of JSON messages, each followed by "\n". */
export const LINES_PROTOCOL: "chat-lines";

/**
 * The JSON objects in frame `data`, in order, read as subprotocol `protocol` says (the socket's
 * `protocol`: `chat-lines`, or `""` for one message a frame). What is not JSON, or not an object
 * (an array, a number...), is skipped; so is a frame that is not text.
 */
export function messagesOf(data: unknown, protocol: string): Record<string, unknown>[];
