/**
 * A TLS listener whose certificate can be replaced while it serves. Deno's TLS listener keeps the
 * certificate it was opened with and has no way to take another, so `replace` closes the port's
 * socket and opens it again with the new certificate and key; connections already accepted belong
 * to no listener and go on with the certificate they met. The accept under way lets go of the port
 * only on the event loop's next turn, so the port is closed for that long: a client that connects
 * in that instant is refused (and one the system had queued but not yet handed over is reset), as
 * when a server restarts, but for under a millisecond. Callers of `accept` see none of it: an
 * accept that the swap interrupts goes on with the new socket.
 *
 * Opening the new socket beside the old one first (`SO_REUSEPORT`) would close even that instant,
 * but every socket on the port would need the option from the start, and a second server started
 * on the same port would then share it silently instead of being told the port is in use.
 *
 * @module
 */

import { setImmediate } from "node:timers";

/** A certificate chain and its private key, in PEM. */
export interface TlsPair {
  /** The certificate chain, the server's own first. */
  cert: string;
  /** The private key of the first certificate. */
  key: string;
}

/** Where a reloadable listener listens. */
export interface TlsListenOptions {
  /** The address to listen on (`0.0.0.0`: every IPv4 address). */
  hostname: string;
  /** The port; 0: a free one, kept when the certificate is replaced. */
  port: number;
  /** Connections the system may queue before they are accepted. */
  tcpBacklog?: number;
}

/** How long `replace` waits for the old socket to let go of the port (ms). */
const REBIND_MS = 1000;

/** One turn of the event loop, I/O included (a timer would wait a millisecond or more). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Why `pair` cannot serve TLS, or undefined when it can: no certificate, no key, a key that is not
 * the certificate's (rustls, under Deno's TLS, checks the pair when a listener opens). It opens and
 * closes a listener on a free loopback port, so it needs `--allow-net` for `127.0.0.1`.
 */
export function tlsPairProblem(pair: TlsPair): string | undefined {
  try {
    Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...pair }).close();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A TLS listener whose certificate can be replaced: see the module's comment. */
export class ReloadableTlsListener implements Deno.TlsListener {
  /** The address it listens on (the port stays the same across replacements). */
  readonly addr: Deno.NetAddr;
  readonly #options: Required<TlsListenOptions>;
  #listener: Deno.TlsListener;
  #pair: TlsPair;
  /** Settles once a replacement under way has opened the port again (or given up). */
  #replacing: Promise<void> | undefined;
  /** The replacements asked for, one after the other. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  #referenced = true;

  /** Listens as `options` say with `pair`; throws as `Deno.listenTls` does (`AddrInUse`...). */
  constructor(options: TlsListenOptions, pair: TlsPair) {
    this.#listener = Deno.listenTls({ tcpBacklog: 511, ...options, ...pair });
    this.addr = this.#listener.addr;
    this.#options = { tcpBacklog: 511, ...options, port: this.addr.port };
    this.#pair = pair;
  }

  /** Whether it is closed: by `close`, or by a replacement that lost the port. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The certificate and key new connections get. */
  get pair(): TlsPair {
    return this.#pair;
  }

  /**
   * Serves `pair` to the connections accepted from now on, the port opened again with it; the
   * connections accepted before keep theirs. Replacements run one after the other. Throws when
   * the port cannot be opened again with `pair` (check it first with `tlsPairProblem`): the
   * listener then serves the old pair if it can have the port back, and is closed if not.
   */
  replace(pair: TlsPair): Promise<void> {
    const swap = this.#queue.then(() => this.#swap(pair));
    this.#queue = swap.catch(() => {});
    return swap;
  }

  /** Waits for the next connection, across replacements; rejects once the listener is closed. */
  async accept(): Promise<Deno.TlsConn> {
    while (true) {
      const listener = this.#listener;
      try {
        return await listener.accept();
      } catch (error) {
        await this.#replacing;
        if (this.#closed || listener === this.#listener) throw error;
      }
    }
  }

  /** Stops listening: an accept under way rejects (`BadResource`); accepted connections stay. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed by a replacement that failed.
    }
  }

  /** Makes the listener keep the program running (the default). */
  ref(): void {
    this.#referenced = true;
    this.#listener.ref();
  }

  /** Makes the listener not keep the program running. */
  unref(): void {
    this.#referenced = false;
    this.#listener.unref();
  }

  /** The connections accepted, until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncIterableIterator<Deno.TlsConn> {
    while (true) {
      try {
        yield await this.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource) return;
        throw error;
      }
    }
  }

  /** Closes the listener. */
  [Symbol.dispose](): void {
    this.close();
  }

  async #swap(pair: TlsPair): Promise<void> {
    if (this.#closed) throw new Deno.errors.BadResource("The listener is closed");
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#replacing = promise;
    try {
      this.#listener.close();
      let failure: unknown;
      let opened: Deno.TlsListener | undefined;
      try {
        opened = await this.#reopen(pair);
        this.#pair = pair;
      } catch (error) {
        failure = error;
        // Refused after all: the old pair takes the port back, if it can.
        opened = await this.#reopen(this.#pair).catch(() => undefined);
      }
      if (opened !== undefined && !this.#closed) {
        this.#listener = opened;
      } else {
        opened?.close();
        this.#closed = true;
      }
      if (failure !== undefined) throw failure;
    } finally {
      this.#replacing = undefined;
      resolve();
    }
  }

  /** Opens the port with `pair` once the old socket has let go of it. */
  async #reopen(pair: TlsPair): Promise<Deno.TlsListener> {
    const deadline = Date.now() + REBIND_MS;
    while (true) {
      try {
        const listener = Deno.listenTls({ ...this.#options, ...pair });
        if (!this.#referenced) listener.unref();
        return listener;
      } catch (error) {
        if (!(error instanceof Deno.errors.AddrInUse) || Date.now() > deadline) throw error;
      }
      await nextTurn();
    }
  }
}
