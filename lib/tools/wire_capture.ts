/**
 * A TCP relay on 127.0.0.1 that records everything passing through, both ways: the tests' window
 * on the wire (what a network or a proxy would see), and a tool to watch it by hand:
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 lib/tools/wire_capture.ts 12350 12345   # then connect clients to 12350
 * ```
 *
 * prints every line a client sends (`→`) and the server sends back (`←`).
 *
 * @module
 */

import { concat } from "../common/bytes.ts";

/** How a `RecordingProxy` is set up. */
export interface RecordingProxyOptions {
  /** The port to listen on (0, the default: a free one). */
  port?: number;
  /** Passes each line from a client to the server through it first (as an attacker would). */
  alter?: (line: string) => string;
  /** Called with each whole line relayed, and its direction. */
  onLine?: (line: string, toServer: boolean) => void;
}

/** A TCP relay on 127.0.0.1 that records every byte passing through, both ways. */
export class RecordingProxy {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #target: number;
  readonly #options: RecordingProxyOptions;
  readonly #chunks: Uint8Array[] = [];
  readonly #pipes: Promise<void>[] = [];
  readonly #conns: Deno.Conn[] = [];

  /** Relays connections to 127.0.0.1:`target`. */
  constructor(target: number, options: RecordingProxyOptions = {}) {
    this.#target = target;
    this.#options = options;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: options.port ?? 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#pipes.push(this.#accept());
  }

  /** How many bytes were relayed. */
  get bytes(): number {
    return this.#chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** Everything relayed so far, decoded leniently as text. */
  get text(): string {
    return new TextDecoder().decode(concat(this.#chunks, this.bytes));
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        const server = await Deno.connect({ hostname: "127.0.0.1", port: this.#target });
        this.#conns.push(client, server);
        this.#pipes.push(this.#pipe(client, server, true), this.#pipe(server, client, false));
      }
    } catch {
      // Closed.
    }
  }

  async #pipe(from: Deno.Conn, to: Deno.Conn, toServer: boolean): Promise<void> {
    const { onLine } = this.#options;
    const alter = toServer ? this.#options.alter : undefined;
    const buffer = new Uint8Array(16 * 1024);
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for (let n = await from.read(buffer); n !== null; n = await from.read(buffer)) {
        let bytes = buffer.slice(0, n);
        if (alter !== undefined || onLine !== undefined) {
          const lines = (partial + decoder.decode(bytes, { stream: true })).split("\n");
          partial = lines.pop()!;
          for (const line of lines) onLine?.(line, toServer);
          if (alter !== undefined) {
            bytes = encoder.encode(lines.map((line) => alter(line) + "\n").join(""));
          }
        }
        this.#chunks.push(bytes);
        let written = 0;
        while (written < bytes.length) written += await to.write(bytes.subarray(written));
      }
      await to.closeWrite();
    } catch {
      // One side went away.
    }
  }

  /** Closes the proxy and every connection through it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    closeAll(this.#conns);
    await Promise.all(this.#pipes);
  }
}

/** Closes every connection of `conns` that is still open. */
export function closeAll(conns: Iterable<Deno.Conn>): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

if (import.meta.main) {
  const [listen, target] = Deno.args.map(Number);
  if (!Number.isInteger(listen) || !Number.isInteger(target)) {
    console.error(
      "Usage: deno run --allow-net=127.0.0.1 lib/tools/wire_capture.ts <port> <server port>",
    );
    Deno.exit(2);
  }
  const proxy = new RecordingProxy(target, {
    port: listen,
    onLine: (line, toServer) => console.log(`${toServer ? "→" : "←"} ${line}`),
  });
  console.log(`Relaying 127.0.0.1:${proxy.port} to 127.0.0.1:${target}; Ctrl-C stops`);
}
