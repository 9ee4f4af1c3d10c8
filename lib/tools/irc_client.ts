/**
 * An IRC client for tests: a TCP connection that sends IRC lines as written and reads the
 * server's lines one by one, parsed, waiting for a particular one within a time bound.
 *
 * @module
 */

import { type IrcMessage, parseLine } from "../irc/message.ts";
import { RawClient } from "./raw_client.ts";
import { WAIT_MS } from "./testing.ts";

/** One line from the server: as sent, and parsed. */
export interface IrcLine extends IrcMessage {
  /** The line as it came, without its CR LF. */
  raw: string;
}

/** A hand-driven IRC connection. */
export class IrcClient {
  /** The raw connection underneath. */
  readonly raw: RawClient;

  private constructor(raw: RawClient) {
    this.raw = raw;
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number): Promise<IrcClient> {
    return new IrcClient(await RawClient.connect(port));
  }

  /**
   * Connects and registers as `nick` (with the capabilities `caps`, when given), and waits for
   * the end of the welcome: its `366` for the everyone-chat.
   */
  static async registered(port: number, nick: string, caps: string[] = []): Promise<IrcClient> {
    const client = await IrcClient.connect(port);
    if (caps.length > 0) await client.send(`CAP LS 302`, `CAP REQ :${caps.join(" ")}`);
    await client.send(`NICK ${nick}`, `USER ${nick.toLowerCase()} 0 * :${nick} on IRC`);
    if (caps.length > 0) await client.send("CAP END");
    await client.waitFor((line) => line.command === "001");
    await client.waitFor((line) => line.command === "366");
    return client;
  }

  /** Sends each of `lines`, CR LF after each. */
  send(...lines: string[]): Promise<void> {
    return this.raw.send(lines.map((line) => line + "\r\n").join(""));
  }

  /** The next line from the server, parsed. */
  async next(ms = WAIT_MS): Promise<IrcLine> {
    const raw = (await this.raw.nextLine(ms)).replace(/\r$/, "");
    const parsed = parseLine(raw);
    if (typeof parsed === "string") throw new Error(`Unreadable line from the server: ${raw}`);
    return { ...parsed, raw };
  }

  /** The next line that `wanted` accepts (a predicate, or a pattern of the raw line). */
  async waitFor(wanted: RegExp | ((line: IrcLine) => boolean), ms = WAIT_MS): Promise<IrcLine> {
    const test = wanted instanceof RegExp ? (line: IrcLine) => wanted.test(line.raw) : wanted;
    const deadline = Date.now() + ms;
    while (true) {
      const line = await this.next(Math.max(1, deadline - Date.now()));
      if (test(line)) return line;
    }
  }

  /** Resolves once the server has closed the connection; returns the lines it sent before. */
  async closedByServer(ms = WAIT_MS): Promise<string[]> {
    return (await this.raw.lines(ms)).map((line) => line.replace(/\r$/, ""));
  }

  /** Closes the connection. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.raw.close();
  }
}
