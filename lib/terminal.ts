/**
 * The client's terminal: typed lines in, chat lines out. On a terminal it shows a prompt and
 * redraws it (with what is being typed) below each incoming line, so nothing gets garbled;
 * with piped input or redirected output it prints plain lines and no prompt.
 *
 * @module
 */

import process from "node:process";
import * as readline from "node:readline";
import type { ClientUi, LineSource } from "./session.ts";

/** Standard input and output as the chat client uses them. */
export class Terminal implements ClientUi, LineSource {
  readonly #rl: readline.Interface;
  readonly #interactive: boolean;
  readonly #lines: string[] = [];
  #waiting: ((line: string | null) => void) | undefined;
  #closed = false;
  #completer: ((line: string) => [string[], string]) | undefined;

  /** Opens standard input. */
  constructor() {
    this.#interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
    this.#rl = readline.createInterface({
      input: process.stdin,
      output: this.#interactive ? process.stdout : undefined,
      terminal: this.#interactive,
      completer: this.#interactive
        ? (line: string) => this.#completer?.(line) ?? [[], line]
        : undefined,
    });
    this.#rl.on("line", (line) => this.#deliver(line));
    this.#rl.on("close", () => {
      this.#closed = true;
      this.#deliver(null);
    });
  }

  /** Completes a partly typed line with Tab (on a terminal). */
  setCompleter(completer: (line: string) => [string[], string]): void {
    this.#completer = completer;
  }

  /** Shows a hint for a person at a terminal; with piped input or output, nothing. */
  hint(line: string): void {
    if (this.#interactive && !this.#closed) this.print(line);
  }

  /** Runs `handler` on Ctrl-C typed at the prompt (a terminal sends no signal then). */
  onInterrupt(handler: () => void): void {
    this.#rl.on("SIGINT", handler);
  }

  /** Shows a line above the prompt. */
  print(line: string): void {
    if (!this.#interactive) {
      process.stdout.write(line + "\n");
      return;
    }
    // Write over the prompt line, then draw the prompt and the typing again below.
    readline.clearLine(process.stdout, 0);
    readline.cursorTo(process.stdout, 0);
    process.stdout.write(line + "\n");
    if (!this.#closed) this.#rl.prompt(true);
  }

  /** Sets the prompt (shown on a terminal only). */
  setPrompt(prompt: string): void {
    if (!this.#interactive || this.#closed) return;
    this.#rl.setPrompt(prompt);
    this.#rl.prompt(true);
  }

  /** The next typed line, or null once input has ended. */
  next(): Promise<string | null> {
    if (this.#interactive && !this.#closed) this.#rl.prompt(true);
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiting = resolve);
  }

  /** Stops reading input and leaves the terminal as it was. */
  close(): void {
    if (this.#interactive && !this.#closed) {
      readline.clearLine(process.stdout, 0);
      readline.cursorTo(process.stdout, 0);
    }
    this.#rl.close();
  }

  #deliver(line: string | null): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting !== undefined) waiting(line);
    else if (line !== null) this.#lines.push(line);
  }
}
