/**
 * The load generator's IRC clients (`LoadDialect` of `bench/load.ts`): they register with `NICK`
 * and `USER`, join one channel (or find themselves in it, as in our server's `&chat`), and send
 * every message to it with `PRIVMSG`. No capabilities are asked for, so deliveries carry no tags.
 *
 * @module
 */

import type { LoadDialect } from "./load.ts";

/** What the clients of `ircDialect` do. */
export interface IrcDialectOptions {
  /** The channel they talk in. */
  channel: string;
  /** Whether they `JOIN` it after the welcome (not for a channel a server puts everyone in). */
  join: boolean;
}

/**
 * IRC clients talking in `options.channel`: registered when the server ends that channel's names
 * (`366`), which comes after the `JOIN`, and answering every `PING`.
 */
export function ircDialect(options: IrcDialectOptions): LoadDialect {
  const channel = options.channel.toLowerCase();
  return {
    register: (nickname, index) => `NICK ${nickname}\r\nUSER ${nickname} 0 * :bench ${index}\r\n`,
    registering: (line) => {
      const pong = answerPing(line);
      if (pong !== undefined) return { registered: false, answer: pong };
      const [, command, , target] = words(line);
      if (command === "001" && options.join) {
        return { registered: false, answer: `JOIN ${options.channel}\r\n` };
      }
      return { registered: command === "366" && target?.toLowerCase() === channel };
    },
    marker: " :b:",
    frame: (_nickname, text) => `PRIVMSG ${options.channel} :${text}\r\n`,
    answer: answerPing,
  };
}

/** The `PONG` that answers `line` when it is a `PING`. */
function answerPing(line: string): string | undefined {
  const match = /^(?::\S+ )?PING( [^\r]*)?\r?$/.exec(line);
  return match === null ? undefined : `PONG${match[1] ?? ""}\r\n`;
}

/** A line's first four words, its source (or "") first. */
function words(line: string): string[] {
  const parts = line.trimEnd().split(" ", 4);
  return line.startsWith(":") ? parts : ["", ...parts.slice(0, 3)];
}
