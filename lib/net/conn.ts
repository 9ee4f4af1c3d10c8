/**
 * Connections and addresses: what a connection needs of its transport, and this machine's address.
 *
 * @module
 */

/**
 * What a connection needs of its transport: a TCP or TLS `Deno.Conn`, a WebSocket made to look
 * like one (`lib/web/websocket_conn.ts`), or Node's TLS socket for a pinned certificate
 * (`tls_pinned.ts`).
 */
export interface ByteConn {
  /** The address of the other end. */
  readonly remoteAddr: Deno.Addr;
  /** Reads into `buffer`: the number of bytes read, or null once the other end has closed. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `bytes`: the number written, which may be fewer. */
  write(bytes: Uint8Array): Promise<number>;
  /** Ends the writing, so the other end reads the end of the stream (a WebSocket closes). */
  closeWrite(): Promise<void>;
  /** Closes the connection at once. */
  close(): void;
}

/**
 * The machine's address as the server reports it: its first non-internal IPv4 address, or
 * 127.0.0.1 where there is none. Listing interfaces needs `--allow-sys=networkInterfaces`;
 * without it (plain `--allow-net`) the answer is 127.0.0.1 and nobody is prompted.
 */
export function machineAddress(): string {
  const permission = Deno.permissions.querySync({ name: "sys", kind: "networkInterfaces" });
  if (permission.state !== "granted") return "127.0.0.1";
  const external = Deno.networkInterfaces().find((nic) =>
    nic.family === "IPv4" && !nic.address.startsWith("127.")
  );
  return external?.address ?? "127.0.0.1";
}

/**
 * Bytes that arrive by events (a WebSocket's messages, a Node socket's data) kept until read, so
 * that such a source reads like a `Deno.Conn`: `read` fills a buffer from them, waiting when there
 * are none, and answers null once the source has ended and all is read.
 */
export class IncomingBytes {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  #waiting: (() => void) | undefined;
  #ended = false;

  /** Bytes received and not read yet. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keeps `chunk` (not copied) to be read after what came before it. */
  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    this.#wake();
  }

  /** Marks the end of the source: reads answer null once all is read. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** Reads what has arrived into `buffer`; null once the source has ended and all is read. */
  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#waiting = resolve);
    }
    const head = this.#chunks[0];
    const n = Math.min(head.length, buffer.length);
    buffer.set(head.subarray(0, n));
    if (n === head.length) this.#chunks.shift();
    else this.#chunks[0] = head.subarray(n);
    this.#bytes -= n;
    return n;
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.();
  }
}
