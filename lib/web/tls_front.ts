/**
 * The web port's TLS, in front of the page's server, so that its certificate can be replaced
 * without closing the page's WebSockets. `Deno.serve` keeps the certificate it was started with,
 * and stopping it to start another (`shutdown`) closes every WebSocket it upgraded. So with TLS the
 * page's server listens in plain HTTP on a loopback port only, and the web port is a TLS listener
 * (a `ReloadableTlsListener`, whose certificate can be replaced) whose connections this relays to
 * it, byte for byte, each over a loopback connection of its own.
 *
 * The page's server sees every relayed connection come from loopback: `clientOf` gives the address
 * the browser connected from instead, found by the loopback connection's local port, for as long
 * as the relay lasts. Anything read of a request's address must go through it (the web server
 * does so once, for every request).
 *
 * @module
 */

/** Bytes a relay reads at once while its connection is quiet (a pending read holds them). */
const IDLE_READ_BYTES = 1024;
/** Bytes a relay reads at once while its connection is busy. */
const BUSY_READ_BYTES = 16 * 1024;

/** The TLS front of the page's server: see the module's comment. */
export class TlsFront {
  readonly #listener: Deno.TlsListener;
  readonly #target: Deno.NetAddr;
  /** The browser's address of each relay, by the local port of its loopback connection. */
  readonly #clients = new Map<number, Deno.NetAddr>();
  /** Each relay's connections, to close at the end. */
  readonly #relays = new Set<Deno.Conn>();
  readonly #relaying = new Set<Promise<void>>();
  #serving: Promise<void> | undefined;
  #closed = false;

  /** Relays the TLS connections of `listener` to the plain HTTP server at `target`. */
  constructor(listener: Deno.TlsListener, target: Deno.NetAddr) {
    this.#listener = listener;
    this.#target = target;
  }

  /** Accepts and relays connections until `close`. */
  serve(): Promise<void> {
    this.#serving ??= this.#accept();
    return this.#serving;
  }

  /**
   * The address the browser connected from, for `addr` as the page's server sees a request come
   * from; `addr` itself when it is not one of the relays'.
   */
  clientOf(addr: Deno.NetAddr): Deno.NetAddr {
    return this.#clients.get(addr.port) ?? addr;
  }

  /** Stops accepting and closes every relay; resolves once they have ended. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listener.close();
    await this.#serving;
    for (const conn of this.#relays) close(conn);
    await Promise.all(this.#relaying);
  }

  async #accept(): Promise<void> {
    while (!this.#closed) {
      let client: Deno.TlsConn;
      try {
        client = await this.#listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        // Such as "too many open files": the next accept may do.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const relay = this.#relay(client);
      this.#relaying.add(relay);
      relay.finally(() => this.#relaying.delete(relay));
    }
  }

  async #relay(client: Deno.TlsConn): Promise<void> {
    this.#relays.add(client);
    let page: Deno.Conn | undefined;
    let port = 0;
    try {
      // Only a client that completes the handshake costs a connection to the page's server.
      await client.handshake();
      page = await Deno.connect({ hostname: this.#target.hostname, port: this.#target.port });
      this.#relays.add(page);
      port = (page.localAddr as Deno.NetAddr).port;
      this.#clients.set(port, client.remoteAddr);
      if (this.#closed) return;
      const both = [client, page];
      const fail = () => both.forEach(close);
      await Promise.all([copy(client, page).catch(fail), copy(page, client).catch(fail)]);
    } catch {
      // A failed handshake, or the page's server is gone: the relay ends.
    } finally {
      this.#clients.delete(port);
      for (const conn of [client, page]) {
        if (conn === undefined) continue;
        close(conn);
        this.#relays.delete(conn);
      }
    }
  }
}

/** Copies what `from` says to `to`, then ends `to`'s writing; throws when either fails. */
async function copy(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  let buffer = new Uint8Array(IDLE_READ_BYTES);
  for (let n; (n = await from.read(buffer)) !== null;) {
    for (let at = 0; at < n;) at += await to.write(buffer.subarray(at, n));
    if (n === buffer.length && n < BUSY_READ_BYTES) buffer = new Uint8Array(BUSY_READ_BYTES);
    else if (n < IDLE_READ_BYTES && buffer.length > IDLE_READ_BYTES) {
      buffer = new Uint8Array(IDLE_READ_BYTES);
    }
  }
  await to.closeWrite();
}

/** Closes `conn` if it is still open. */
function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
