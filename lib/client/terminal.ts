/**
 * The client's terminal: typed lines in, chat lines out. On a terminal it shows a prompt and
 * redraws it (with what is being typed) below each incoming line, so nothing gets garbled,
 * with status lines (a transfer's progress) kept between the chat and the prompt; with piped
 * input or redirected output it prints plain lines, and no prompt or status.
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
  /** Set while a password is typed: nothing typed is shown. */
  #muted = false;
  /** Status lines, shown above the prompt in the order they came. */
  readonly #statuses = new Map<string, string>();
  /** How many status lines are on the screen now. */
  #statusRows = 0;
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
    if (this.#interactive) this.#muteWhenAsked();
    this.#rl.on("line", (line) => this.#deliver(line));
    this.#rl.on("close", () => {
      this.#closed = true;
      this.#deliver(null);
    });
  }

  /** Whether a person types at a terminal. */
  get interactive(): boolean {
    return this.#interactive;
  }

  /** The next line, typed without being shown after `prompt` (on a terminal). */
  async secret(prompt: string): Promise<string | null> {
    if (!this.#interactive || this.#closed) return this.next();
    const before = this.#rl.getPrompt();
    this.#muted = true;
    this.#rl.setPrompt(prompt);
    try {
      const line = await this.next();
      // A password is not kept for the up arrow.
      const history = (this.#rl as unknown as { history?: string[] }).history;
      if (line !== null && history?.[0] === line) history.shift();
      return line;
    } finally {
      this.#muted = false;
      this.#rl.setPrompt(before);
    }
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

  /** Shows a line above the status lines and the prompt. */
  print(line: string): void {
    if (!this.#interactive) {
      process.stdout.write(line + "\n");
      return;
    }
    this.#redraw(line + "\n");
  }

  /** Sets, or removes with undefined, the status line `key` (on a terminal only). */
  status(key: string, line: string | undefined): void {
    if (!this.#interactive) return;
    if (line === undefined) {
      if (!this.#statuses.delete(key)) return;
    } else this.#statuses.set(key, line);
    this.#redraw("");
  }

  /**
   * Writes over the status lines and the prompt line: `text` (lines that scroll up), then the
   * status lines again, then the prompt with what is being typed.
   */
  #redraw(text: string): void {
    const out = process.stdout;
    readline.cursorTo(out, 0);
    if (this.#statusRows > 0) readline.moveCursor(out, 0, -this.#statusRows);
    readline.clearScreenDown(out);
    const width = Math.max(20, (out.columns ?? 80) - 1);
    const rows = [...this.#statuses.values()].map((row) => [...row].slice(0, width).join(""));
    out.write(text + rows.map((row) => row + "\n").join(""));
    this.#statusRows = rows.length;
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

  /** Makes readline show only the prompt, not what is typed, while `#muted`. */
  #muteWhenAsked(): void {
    const rl = this.#rl as unknown as { _writeToOutput?: (text: string) => void };
    const write = rl._writeToOutput?.bind(rl);
    if (write === undefined) return;
    rl._writeToOutput = (text: string) => {
      if (!this.#muted) write(text);
      else if (text.startsWith(this.#rl.getPrompt())) write(this.#rl.getPrompt());
      else if (text.endsWith("\n")) write("\r\n");
    };
  }

  #deliver(line: string | null): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting !== undefined) waiting(line);
    else if (line !== null) this.#lines.push(line);
  }
}
