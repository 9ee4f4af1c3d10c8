/**
 * What the client says and asks about accounts: passwords (from a file, or typed unseen),
 * the lines for account changes and for the end of a run of history.
 *
 * @module
 */

import { escapeControls } from "../common/text.ts";
import type { ClientUi, LineSource } from "./session.ts";
import { passwordProblem } from "../protocol/values.ts";

/**
 * The password to log in to `account` with: the first line of `file` when given (said when it
 * cannot be read), else the next line typed (unseen on a terminal); null at the end of input.
 */
export async function askLoginPassword(
  ui: ClientUi,
  input: LineSource,
  account: string,
  file?: string,
): Promise<string | null> {
  if (file !== undefined) {
    try {
      return (await Deno.readTextFile(file)).split(/\r?\n/)[0];
    } catch (error) {
      ui.print(
        `Cannot read the password file "${escapeControls(file)}": ${(error as Error).message}`,
      );
    }
  }
  const prompt = `Password for ${escapeControls(account)}: `;
  return input.secret === undefined ? input.next() : input.secret(prompt);
}

/**
 * A new password for `nickname`, typed twice on a terminal (once with piped input); undefined
 * (said why) when there is none to use.
 */
export async function askNewPassword(
  ui: ClientUi,
  input: LineSource,
  nickname: string,
): Promise<string | undefined> {
  const ask = (prompt: string) => input.secret === undefined ? input.next() : input.secret(prompt);
  const password = await ask(`New password for ${escapeControls(nickname)}: `);
  if (password === null) return undefined;
  const problem = passwordProblem(password);
  if (problem !== undefined) {
    ui.print(`${problem}: nothing changed`);
    return undefined;
  }
  if (input.interactive && await ask("Type it again: ") !== password) {
    ui.print("The two passwords differ: nothing changed");
    return undefined;
  }
  return password;
}

/** The notice of an account change done (escaped). */
export function accountNotice(action: string, nickname: string): string {
  const name = escapeControls(nickname);
  switch (action) {
    case "register":
      return `${name} is now your account: next time, log in with its password`;
    case "password":
      return `The password of ${name} is changed`;
    case "unregister":
      return `${name} is no longer an account`;
    default:
      return `${name}: account ${escapeControls(action)} done`;
  }
}

/** The line after a run of history: none, or how many more there are; undefined for none. */
export function historyEnd(count: number, earlier: number, room?: string): string | undefined {
  if (count + earlier === 0) {
    return `No history ${room === undefined ? "yet" : `in ${escapeControls(room)}`}`;
  }
  if (earlier === 0) return undefined;
  const where = room === undefined ? "" : `${escapeControls(room)} `;
  return `${earlier} earlier message${earlier === 1 ? "" : "s"}: /history ${where}${
    count + earlier
  }`;
}
