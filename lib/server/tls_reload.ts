/**
 * Certificate reload, as `SIGHUP` asks for it: the `--tls-cert` and `--tls-key` files read again,
 * checked (readable, PEM, the key the certificate's), and served by every TLS port — the chat's,
 * IRC's and the web's — to the connections made from then on (`ReloadableTlsListener`), those
 * already made going on untouched. A pair that fails a check is refused with a console line, and
 * the ports go on with the certificate they had. Each reload says which certificate is served, by
 * its fingerprint, as the start line does. Reloads asked for while one runs follow it, in order.
 *
 * The operator list (`--operator`) is given by flags, not read from a file, so a reload leaves it
 * as it was at start.
 *
 * @module
 */

import { type EventKind, eventKind, type Log } from "../common/log_event.ts";
import { eventLine } from "../core/console_lines.ts";
import { fingerprintOf, pemCertificates } from "../net/fingerprint.ts";
import { type ReloadableTlsListener, type TlsPair, tlsPairProblem } from "../net/tls_listener.ts";

/** The certificate read again is served on `ports` (`same`: it had not changed). */
export const TLS_RELOADED: EventKind<{ fingerprint: string; same: boolean; ports: string[] }> =
  eventKind("tls_reloaded", "info", (f, time) =>
    eventLine(
      time,
      `TLS certificate reloaded: ${f.fingerprint}${f.same ? " (the same as before)" : ""} on ` +
        `port${f.ports.length === 1 ? "" : "s"} ${f.ports.join(", ")}`,
    ));

/** The files read again were refused for `reason`; `fingerprint`'s certificate is still served. */
export const TLS_NOT_RELOADED: EventKind<{ reason: string; fingerprint?: string }> = eventKind(
  "tls_not_reloaded",
  "error",
  (f, time) =>
    eventLine(
      time,
      `TLS certificate not reloaded: ${f.reason}` +
        (f.fingerprint === undefined ? "" : `; still serving ${f.fingerprint}`),
    ),
);

/** One TLS port could not take the new certificate, for `reason`; `state` says what it serves. */
export const TLS_PORT_NOT_RELOADED: EventKind<{ port: number; reason: string; state: string }> =
  eventKind(
    "tls_port_not_reloaded",
    "error",
    (f, time) => eventLine(time, `TLS port ${f.port} not reloaded: ${f.reason}; ${f.state}`),
  );

/** SIGHUP came to a server without TLS: nothing to reload. */
export const NOTHING_TO_RELOAD: EventKind<Record<string, never>> = eventKind(
  "nothing_to_reload",
  "info",
  (_, time) => eventLine(time, "SIGHUP: no certificate to reload"),
);

/** Where the certificate and key are. */
export interface TlsFiles {
  /** The certificate chain's PEM file (`--tls-cert`). */
  certFile: string;
  /** The private key's PEM file (`--tls-key`). */
  keyFile: string;
}

/** A certificate and key read and checked, or why not. */
export type PairReading =
  | { ok: true; pair: TlsPair; fingerprint: string }
  | { ok: false; error: string };

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/**
 * Reads the certificate and key of `files` and checks that they can serve TLS: the fingerprint of
 * the certificate (the chain's first) with them, or a sentence saying what is wrong.
 */
export async function readTlsPair(
  files: TlsFiles,
  read: (file: string) => Promise<string> = Deno.readTextFile,
): Promise<PairReading> {
  const texts: string[] = [];
  for (const [file, what] of [[files.certFile, "certificate"], [files.keyFile, "key"]]) {
    try {
      texts.push(await read(file));
    } catch (error) {
      return { ok: false, error: `cannot read TLS ${what} "${file}": ${(error as Error).message}` };
    }
  }
  const [cert, key] = texts;
  const [leaf] = pemCertificates(cert);
  if (leaf === undefined) {
    return { ok: false, error: `no PEM certificate in "${files.certFile}"` };
  }
  if (!PEM_PRIVATE_KEY.test(key)) {
    return { ok: false, error: `no PEM private key in "${files.keyFile}"` };
  }
  const problem = tlsPairProblem({ cert, key });
  if (problem !== undefined) {
    const error = /KeyMismatch/.test(problem)
      ? `the key in "${files.keyFile}" is not the key of the certificate in "${files.certFile}"`
      : `cannot serve "${files.certFile}" with "${files.keyFile}": ${problem}`;
    return { ok: false, error };
  }
  return { ok: true, pair: { cert, key }, fingerprint: await fingerprintOf(leaf) };
}

/** How certificate reload is set up. */
export interface TlsReloadOptions {
  /** The files to read again. */
  files: TlsFiles;
  /** Every TLS listener of the server. */
  listeners: readonly ReloadableTlsListener[];
  /** The fingerprint of the certificate served at start. */
  fingerprint: string;
  /** Where console events go. */
  log: Log;
  /** The clock, for the lines' times. */
  now?: () => Date;
  /** Reads a file (tests give their own). */
  read?: (file: string) => Promise<string>;
}

/** Certificate reload: see the module's comment. */
export class TlsReload {
  readonly #options: TlsReloadOptions;
  #fingerprint: string;
  #last: Promise<void> = Promise.resolve();

  /** Reloads into `options.listeners`, which serve `options.fingerprint`'s certificate now. */
  constructor(options: TlsReloadOptions) {
    this.#options = options;
    this.#fingerprint = options.fingerprint;
  }

  /** The fingerprint of the certificate new connections get. */
  get fingerprint(): string {
    return this.#fingerprint;
  }

  /** Reads the files again and serves them, or refuses them; resolves once said. */
  reload(): Promise<void> {
    this.#last = this.#last.then(() => this.#reload()).catch((error) =>
      // Unforeseen: said, and the next reload may still be made.
      this.#options.log(TLS_NOT_RELOADED.at(this.#now(), { reason: (error as Error).message }))
    );
    return this.#last;
  }

  async #reload(): Promise<void> {
    const reading = await readTlsPair(this.#options.files, this.#options.read);
    if (!reading.ok) {
      this.#options.log(
        TLS_NOT_RELOADED.at(this.#now(), { reason: reading.error, fingerprint: this.#fingerprint }),
      );
      return;
    }
    const ports: number[] = [];
    for (const listener of this.#options.listeners) {
      try {
        await listener.replace(reading.pair);
        ports.push(listener.addr.port);
      } catch (error) {
        if (error instanceof Deno.errors.BadResource) continue; // Closed: the server is stopping.
        const now = listener.closed ? "it is closed" : `still serving ${this.#fingerprint} there`;
        this.#options.log(TLS_PORT_NOT_RELOADED.at(this.#now(), {
          port: listener.addr.port,
          reason: (error as Error).message,
          state: now,
        }));
      }
    }
    if (ports.length === 0) return;
    const same = reading.fingerprint === this.#fingerprint;
    this.#fingerprint = reading.fingerprint;
    this.#options.log(TLS_RELOADED.at(this.#now(), {
      fingerprint: reading.fingerprint,
      same,
      ports: ports.map(String),
    }));
  }

  #now(): Date {
    return (this.#options.now ?? (() => new Date()))();
  }
}
