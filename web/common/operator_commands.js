// @ts-self-types="./operator_commands.d.ts"
/**
 * The server operators' commands as typed (`/kill`, `/serverban`, `/serverunban`, `/wall`), read
 * into the `operator` message they send: one reader for the terminal client and the page. Their
 * names and help are in `commands.js`'s list.
 *
 * @module
 */

/** Each operator command's arguments, as its usage shows them. */
const USAGES = {
  kill: "<user> [<reason>]",
  serverban: "<user or address> [<minutes>] [<reason>]",
  serverunban: "<user or address>",
  wall: "<text>",
};

/** The most minutes `/serverban` takes (ten years). */
const MAX_BAN_MINUTES = 10 * 365 * 24 * 60;

/**
 * The `operator` message an operator command asks for, given its name (`/kill`, `/serverban`,
 * `/serverunban` or `/wall`, in any case) and all its words as typed; or how to use it.
 * `/serverban`'s minutes may be fractional (`0.5` is 30 seconds); they go as whole seconds.
 */
export function operatorRequest(name, rest) {
  const action = /** @type {"kill" | "serverban" | "serverunban" | "wall"} */ (
    name.toLowerCase().slice(1)
  );
  const words = rest.trim() === "" ? [] : rest.trim().split(/\s+/);
  const after = (/** @type {number} */ count) => {
    let text = rest.trim();
    for (let i = 0; i < count; i++) text = text.slice(words[i].length).trim();
    return text;
  };
  const how = { usage: `Usage: /${action} ${USAGES[action]}`.trimEnd() };
  switch (action) {
    case "wall":
      return words.length === 0
        ? how
        : { message: { type: "operator", action, message: after(0) } };
    case "serverunban":
      return words.length !== 1 ? how : { message: { type: "operator", action, target: words[0] } };
    case "kill": {
      if (words.length === 0) return how;
      const reason = after(1);
      return {
        message: reason === ""
          ? { type: "operator", action, target: words[0] }
          : { type: "operator", action, target: words[0], reason },
      };
    }
    case "serverban": {
      if (words.length === 0) return how;
      const timed = words.length > 1 && /^\d{1,9}(\.\d+)?$/.test(words[1]);
      const minutes = timed ? Number(words[1]) : undefined;
      if (minutes !== undefined && (minutes * 60 < 1 || minutes > MAX_BAN_MINUTES)) {
        return { usage: `A ban lasts from 1 second (0.017) to ${MAX_BAN_MINUTES} minutes` };
      }
      const reason = after(timed ? 2 : 1);
      /** @type {{ type: "operator", action: "serverban", target: string, seconds?: number, reason?: string }} */
      const message = { type: "operator", action, target: words[0] };
      if (minutes !== undefined) message.seconds = Math.round(minutes * 60);
      if (reason !== "") message.reason = reason;
      return { message };
    }
  }
  return how;
}
