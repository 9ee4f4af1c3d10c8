/**
 * How the client opens its connection: plain TCP, or TLS verified in one of three ways — against
 * the system's authorities, against those in a `--ca` file, or by a certificate's fingerprint
 * (`--fingerprint`). A `--ca` file may also hold the server's own self-signed certificate (as
 * `openssl req -x509` makes one): Deno's TLS refuses that as a server certificate
 * (`CaUsedAsEndEntity`), so the client then trusts exactly the certificates in the file, by
 * fingerprint. Every failure is thrown as an error whose message is the lines to print.
 *
 * @module
 */

import type { ByteConn } from "./conn.ts";
import { explainTlsFailure } from "./tls_explain.ts";
import { fingerprintOf, pemCertificates } from "./fingerprint.ts";
import { connectPinned, PinMismatchError } from "./tls_pinned.ts";

/** Where the client connects and how. */
export interface ConnectOptions {
  /** The server's name as the user gave it (checked against its certificate). */
  host: string;
  /** The address `host` resolved to. */
  address: string;
  /** The server's port. */
  port: number;
  /** Whether to speak TLS; false: plain TCP. */
  tls: boolean;
  /** A PEM file of authorities (or of the server's own certificate) to trust. */
  caFile?: string;
  /** The fingerprint (`sha256:…`) of the server certificate to trust. */
  fingerprint?: string;
}

/** Opens the connection described by `options`, verified before anything is sent. */
export async function connectToServer(options: ConnectOptions): Promise<ByteConn> {
  const { host, address, port } = options;
  const where = `${host}:${port}`;
  const cannotConnect = (error: unknown) =>
    new Error(`ERR - cannot connect to ChatServer at ${where}: ${(error as Error).message}`);
  if (!options.tls) {
    return await Deno.connect({ hostname: address, port }).catch(throwing(cannotConnect));
  }
  if (options.fingerprint !== undefined) {
    return await pinned(options, [options.fingerprint], cannotConnect);
  }
  const ca = options.caFile === undefined ? undefined : readCaFile(options.caFile);
  const conn = await Deno.connectTls({
    hostname: host,
    port,
    caCerts: ca === undefined ? undefined : [ca],
  })
    .catch(throwing(cannotConnect));
  try {
    // Verify now, before anything is sent: never fall back to plain text.
    await conn.handshake();
    return conn;
  } catch (error) {
    conn.close();
    const message = (error as Error).message;
    if (ca !== undefined && /CaUsedAsEndEntity/.test(message)) {
      // The server's certificate is its own authority: trust it if it is one given with --ca.
      const pins = await Promise.all(pemCertificates(ca).map(fingerprintOf));
      try {
        return await pinned(options, pins, cannotConnect);
      } catch {
        // Not one of them: the first failure says what to do.
      }
    }
    throw new Error(explainTlsFailure(where, message));
  }
}

/** A connection trusting exactly `pins`, with errors put as the client prints them. */
async function pinned(
  options: ConnectOptions,
  pins: string[],
  cannotConnect: (error: unknown) => Error,
): Promise<ByteConn> {
  try {
    return await connectPinned({
      address: options.address,
      port: options.port,
      serverName: options.host,
      pins,
    });
  } catch (error) {
    if (!(error instanceof PinMismatchError)) throw cannotConnect(error);
    throw new Error(
      `ERR - TLS handshake with ${options.host}:${options.port} failed: ${error.message}\n` +
        "This is not the server you trusted, or its certificate was replaced: ask its operator " +
        "for the new fingerprint (the server prints it at start) before you trust it.",
    );
  }
}

/** The text of the `--ca` file, or an error saying why it cannot be read. */
function readCaFile(file: string): string {
  try {
    return Deno.readTextFileSync(file);
  } catch (error) {
    throw new Error(`ERR - cannot read CA file "${file}": ${(error as Error).message}`);
  }
}

/** A rejection handler that throws `make(error)` instead. */
function throwing(make: (error: unknown) => Error): (error: unknown) => never {
  return (error) => {
    throw make(error);
  };
}
