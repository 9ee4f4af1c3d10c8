/** Types of `operator_commands.js` (a plain module, as the web page loads it unchanged). */

/** The `operator` message an operator command sends. */
export interface OperatorCommandMessage {
  /** The message type. */
  type: "operator";
  /** The command, without its slash. */
  action: "kill" | "serverban" | "serverunban" | "wall";
  /** The user or address acted on; absent for `wall`. */
  target?: string;
  /** How long a `serverban` lasts, in whole seconds; absent: until lifted. */
  seconds?: number;
  /** Why, for `kill` and `serverban`. */
  reason?: string;
  /** The announcement of `wall`. */
  message?: string;
}

/**
 * The `operator` message an operator command asks for, given its name (`/kill`, `/serverban`,
 * `/serverunban` or `/wall`, in any case) and all its words as typed; or how to use it.
 * `/serverban`'s minutes may be fractional (`0.5` is 30 seconds); they go as whole seconds.
 */
export function operatorRequest(
  name: string,
  rest: string,
): { message: OperatorCommandMessage } | { usage: string };
