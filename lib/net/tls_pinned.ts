/**
 * A TLS connection that trusts exactly the certificates it is given by fingerprint, whoever
 * signed them: how a client talks to a server whose certificate is its own authority (as
 * `openssl req -x509` makes one), which Deno's own TLS refuses as `CaUsedAsEndEntity` and offers
 * no hook to accept. It uses Node's `tls` (loaded only when needed: it costs memory), turns off
 * the usual chain check, and compares the server's certificate with the pins before anything is
 * sent; a certificate that matches none is refused. As with SSH's known hosts, a pinned
 * certificate is trusted for any name and until it is replaced.
 *
 * @module
 */

import type { TLSSocket } from "node:tls";
import { type ByteConn, IncomingBytes } from "./conn.ts";
import { fingerprintOf } from "./fingerprint.ts";

/** Bytes received and not read yet past which the socket stops reading. */
const INCOMING_HIGH_WATER = 256 * 1024;

/** The server's certificate matched none of the pins. */
export class PinMismatchError extends Error {
  /** The fingerprint of the certificate the server showed. */
  readonly actual: string;

  /** Says that the server showed `actual`, which is not among `pins`. */
  constructor(actual: string, pins: readonly string[]) {
    super(
      `the server's certificate is ${actual}, not the one trusted (${pins.join(", ")})`,
    );
    this.name = "PinMismatchError";
    this.actual = actual;
  }
}

/** Where a pinned connection goes and what it trusts. */
export interface PinnedOptions {
  /** The server's IP address. */
  address: string;
  /** The server's port. */
  port: number;
  /** The name the user gave for the server, sent as SNI when it is not an address. */
  serverName: string;
  /** Fingerprints (`sha256:…`, as `fingerprintOf` writes them) of the certificates trusted. */
  pins: readonly string[];
}

/**
 * Connects with TLS and resolves once the server has shown a certificate whose fingerprint is one
 * of the pins; rejects with `PinMismatchError` otherwise, or with the connection's error.
 */
export async function connectPinned(options: PinnedOptions): Promise<ByteConn> {
  const { address, port, serverName, pins } = options;
  const tls = await import("node:tls");
  const { isIP } = await import("node:net");
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const socket = tls.connect({
      host: address,
      port,
      // SNI takes names only.
      servername: isIP(serverName) === 0 ? serverName : undefined,
      // The pin below is the check, in place of the chain.
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => resolve(socket));
    socket.once("error", reject);
  });
  const der = socket.getPeerCertificate().raw;
  const actual = der === undefined ? "no certificate" : await fingerprintOf(new Uint8Array(der));
  if (!pins.includes(actual)) {
    socket.destroy();
    throw new PinMismatchError(actual, pins);
  }
  return new NodeTlsConn(socket);
}

/** Node's TLS socket as a byte stream that reads into a buffer and writes with a promise. */
class NodeTlsConn implements ByteConn {
  readonly remoteAddr: Deno.NetAddr;
  readonly #socket: TLSSocket;
  readonly #incoming = new IncomingBytes();
  #ended = false;

  constructor(socket: TLSSocket) {
    this.#socket = socket;
    this.remoteAddr = {
      transport: "tcp",
      hostname: socket.remoteAddress ?? "",
      port: socket.remotePort ?? 0,
    };
    socket.on("data", (chunk: Uint8Array) => {
      this.#incoming.push(chunk);
      if (this.#incoming.bytes > INCOMING_HIGH_WATER) socket.pause();
    });
    socket.on("end", () => this.#end());
    socket.on("close", () => this.#end());
    // A reset: the read that follows sees the end.
    socket.on("error", () => this.#end());
  }

  /** Reads what has arrived into `buffer`; null once the socket has ended and all is read. */
  async read(buffer: Uint8Array): Promise<number | null> {
    const n = await this.#incoming.read(buffer);
    if (this.#incoming.bytes <= INCOMING_HIGH_WATER) this.#socket.resume();
    return n;
  }

  /** Writes all of `bytes`; resolves once the socket has taken them. */
  write(bytes: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#ended) {
        reject(new Deno.errors.BrokenPipe("The connection is closed"));
        return;
      }
      this.#socket.write(bytes, (error) => error ? reject(error) : resolve(bytes.length));
    });
  }

  /** Sends TLS's close notice and the end of our side. */
  closeWrite(): Promise<void> {
    return new Promise((resolve) => this.#socket.end(resolve));
  }

  /** Closes the connection at once. */
  close(): void {
    this.#socket.destroy();
    this.#end();
  }

  #end(): void {
    this.#ended = true;
    this.#incoming.end();
  }
}

/**
 * The fingerprint of the certificate a new TLS connection to 127.0.0.1:`port` is shown (what a
 * test reads to tell which certificate a port serves), asked for by the name `serverName`.
 */
export async function certificateShownAt(port: number, serverName = "localhost"): Promise<string> {
  try {
    const conn = await connectPinned({ address: "127.0.0.1", port, serverName, pins: [] });
    conn.close();
    return "a certificate matching no pin";
  } catch (error) {
    if (error instanceof PinMismatchError) return error.actual;
    throw error;
  }
}
