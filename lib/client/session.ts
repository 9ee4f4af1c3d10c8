/**
 * What every client session shares, whatever wire it speaks: the connection (and a new one
 * when the server closed it after a refusal), its outbox, reading frames from the server, the
 * counts for the summary, and the end of the session (the user leaves, the server goes, or the
 * connection drops, whichever comes first).
 *
 * @module
 */

import { codePointLength } from "../common/utf8.ts";
import type { SessionStats } from "./screen.ts";
import { FrameReader, type FrameReaderOptions } from "../protocol/frame_reader.ts";
import { Outbox } from "../net/outbox.ts";
import type { ByteConn } from "../net/conn.ts";

/** The client only queues what its user types: this cap is never reached in practice. */
const CLIENT_SENDQ_BYTES = 16 * 1024 * 1024;
/** Bytes read at a time: a file's chunk (a frame of about 60 KiB) in one read. */
const READ_BUFFER_BYTES = 64 * 1024;

/** Where the session shows things. */
export interface ClientUi {
  /** Shows one line. */
  print(line: string): void;
  /** Shows a line meant for a person at a terminal only (hints), not for piped output. */
  hint(line: string): void;
  /** Shows what the next typed line is for (a terminal prompt). */
  setPrompt(prompt: string): void;
  /** Sets (or, with undefined, removes) a status line kept above the prompt (terminal only). */
  status?(key: string, line: string | undefined): void;
  /** Whether a person watches a terminal. */
  readonly interactive?: boolean;
}

/** Where typed lines come from. */
export interface LineSource {
  /** The next line, or null at the end of input. */
  next(): Promise<string | null>;
  /**
   * The next line, not echoed, after showing `prompt` (on a terminal; elsewhere just the next
   * line). Without it, `next` serves.
   */
  secret?(prompt: string): Promise<string | null>;
  /** Whether a person types at a terminal (a new password is then asked twice). */
  readonly interactive?: boolean;
}

/** Why a session ended. */
export type SessionEnd =
  /** The user left (a quit command, end of input or Ctrl-C). */
  | "disconnected"
  /** The server said it is shutting down. */
  | "shutdown"
  /** The connection closed or failed unannounced. */
  | "lost"
  /** The server refused the registration, and the protocol ends the session there. */
  | "refused";

/** A resolvable promise. */
export class Signal<T> {
  /** Settles with the value given to `resolve`. */
  readonly promise: Promise<T>;
  /** Settles `promise` with `value` (later calls do nothing). */
  resolve!: (value: T) => void;
  /** A signal not yet resolved. */
  constructor() {
    this.promise = new Promise<T>((resolve) => this.resolve = resolve);
  }
}

/** Resolves to `promise`'s value, or to "timeout" after `ms`. */
export async function orTimeout<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) =>
    timer = setTimeout(() => resolve("timeout"), ms)
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How a session is set up. */
export interface SessionOptions {
  /** Where the session shows things. */
  ui: ClientUi;
  /** The time now (default: the clock's). */
  now?: () => Date;
  /** Opens a new connection to the same server (to register again after a refusal). */
  connect?: () => Promise<ByteConn>;
}

/** One connection of a session. */
interface Link {
  conn: ByteConn;
  outbox: Outbox;
  /** Set once its end (of reading, or a failed write) has been handled. */
  ended: boolean;
}

/** A client's session with a server: subclasses speak a wire. */
export abstract class Session {
  /** Where the session shows things. */
  protected readonly ui: ClientUi;
  /** The time now. */
  protected readonly now: () => Date;
  /** Resolves when the session ends other than by the user's choice. */
  protected readonly ended = new Signal<SessionEnd>();
  readonly #stats: SessionStats;
  readonly #interrupted = new Signal<void>();
  readonly #connect: (() => Promise<ByteConn>) | undefined;
  readonly #framing: FrameReaderOptions;
  readonly #maxFrameBytes: number;
  #link: Link;

  /** Creates a session on `conn`, reading frames of at most `maxFrameBytes` cut by `framing`. */
  constructor(
    conn: ByteConn,
    options: SessionOptions,
    maxFrameBytes: number,
    framing: FrameReaderOptions = {},
  ) {
    this.ui = options.ui;
    this.now = options.now ?? (() => new Date());
    this.#connect = options.connect;
    this.#framing = framing;
    this.#maxFrameBytes = maxFrameBytes;
    this.#stats = {
      start: this.now(),
      messagesSent: 0,
      messagesReceived: 0,
      charsSent: 0,
      charsReceived: 0,
    };
    this.#link = this.#open(conn);
  }

  /** The counts so far, for the summary. */
  get stats(): Readonly<SessionStats> {
    return this.#stats;
  }

  /** Asks the session to leave politely, as if the user had typed a quit command. */
  interrupt(): void {
    this.#interrupted.resolve();
  }

  /** Runs the conversation with `input` until the session ends; closes the connection. */
  async run(input: LineSource): Promise<SessionEnd> {
    this.#receive(this.#link);
    const user = this.converse(input).then(() => "done" as const);
    const first = await Promise.race([
      user,
      this.ended.promise,
      this.#interrupted.promise.then(() => "done" as const),
    ]);
    const end = first === "done" ? await this.leave() : first;
    this.#close(this.#link);
    await this.finish();
    return end;
  }

  /** Called once the session is over and its connection closed, to tidy up. */
  protected finish(): Promise<void> {
    return Promise.resolve();
  }

  /** Registration, then the user's lines, until a quit command or the end of input. */
  protected abstract converse(input: LineSource): Promise<void>;
  /** Tells the server the user leaves and waits (briefly) for it to be done. */
  protected abstract leave(): Promise<SessionEnd>;
  /** Handles one frame from the server. */
  protected abstract onFrame(frame: Uint8Array): void;

  /**
   * Called when the connection has ended; true when the session goes on (it will connect
   * again), false to end it as "lost".
   */
  protected onConnectionEnd(): boolean {
    return false;
  }

  /** Queues bytes for the server. */
  protected send(bytes: Uint8Array): void {
    this.#link.outbox.enqueue(bytes);
  }

  /** Queues bulk bytes (file data) for the server, behind everything else. */
  protected sendBulk(bytes: Uint8Array): void {
    this.#link.outbox.enqueueBulk(bytes);
  }

  /** Resolves once everything queued has been written (or writing failed). */
  protected drained(): Promise<void> {
    return this.#link.outbox.drained();
  }

  /** Counts a chat message sent, for the summary. */
  protected countSent(text: string): void {
    this.#stats.messagesSent++;
    this.#stats.charsSent += codePointLength(text);
  }

  /** Counts a chat message received, for the summary. */
  protected countReceived(text: string): void {
    this.#stats.messagesReceived++;
    this.#stats.charsReceived += codePointLength(text);
  }

  /** Replaces the connection with a new one to the same server; false (said) if that fails. */
  protected async reconnect(): Promise<boolean> {
    this.#close(this.#link);
    if (this.#connect === undefined) return false;
    try {
      this.#link = this.#open(await this.#connect());
    } catch (error) {
      this.ui.print(`Cannot connect again: ${(error as Error).message}`);
      return false;
    }
    this.#receive(this.#link);
    return true;
  }

  #open(conn: ByteConn): Link {
    const link: Link = {
      conn,
      outbox: new Outbox(conn, { capBytes: CLIENT_SENDQ_BYTES, onError: () => this.#ended(link) }),
      ended: false,
    };
    return link;
  }

  /** Handles the end of `link` (once): the session goes on only if the subclass says so. */
  #ended(link: Link): void {
    if (link !== this.#link || link.ended) return;
    link.ended = true;
    if (!this.onConnectionEnd()) this.ended.resolve("lost");
  }

  #close(link: Link): void {
    try {
      link.conn.close();
    } catch {
      // Already closed.
    }
  }

  /** Reads from the server until `link` ends. */
  async #receive(link: Link): Promise<void> {
    const frames = new FrameReader(this.#maxFrameBytes, this.#framing);
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    try {
      while (true) {
        const n = await link.conn.read(buffer);
        if (n === null) break;
        for (const event of frames.push(buffer.subarray(0, n))) {
          if (event.kind === "oversize") {
            this.ui.print(`Ignored a message from the server over ${event.limit} bytes`);
          } else {
            this.onFrame(event.bytes);
          }
        }
      }
    } catch {
      // A reset, or our own close: this connection is over either way.
    }
    this.#ended(link);
  }
}
