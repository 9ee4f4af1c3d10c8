import assert from "node:assert/strict";
import { fingerprintOf, pemCertificates } from "./fingerprint.ts";
import { ReloadableTlsListener, type TlsPair, tlsPairProblem } from "./tls_listener.ts";
import { certificateShownAt } from "./tls_pinned.ts";

const read = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/${name}`, import.meta.url));
const CA = read("ca.pem");
const SIGNED: TlsPair = { cert: read("server.pem"), key: read("server.key") };
const SELF_SIGNED: TlsPair = { cert: read("selfsigned.pem"), key: read("selfsigned.key") };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const fingerprint = (pair: TlsPair) => fingerprintOf(pemCertificates(pair.cert)[0]);

/** The fingerprint of the certificate a new connection to `port` is shown. */

/** Echoes what each accepted connection says, until the listener closes. */
function echo(listener: Deno.Listener): { done: Promise<void>; conns: Deno.Conn[] } {
  const conns: Deno.Conn[] = [];
  const serving: Promise<void>[] = [];
  const done = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      serving.push((async () => {
        const buffer = new Uint8Array(1024);
        try {
          for (let n; (n = await conn.read(buffer)) !== null;) {
            await conn.write(buffer.subarray(0, n));
          }
        } catch {
          // The test closed it.
        }
      })());
    }
    for (const conn of conns) conn.close();
    await Promise.all(serving);
  })();
  return { done, conns };
}

/** Says `text` on `conn` and returns what comes back. */
async function say(conn: Deno.Conn, text: string): Promise<string> {
  await conn.write(encoder.encode(text));
  const buffer = new Uint8Array(1024);
  const n = await conn.read(buffer);
  return decoder.decode(buffer.subarray(0, n ?? 0));
}

const LOOPBACK = { hostname: "127.0.0.1", port: 0 };

Deno.test("a replaced certificate is shown to new connections, and those accepted before go on", async () => {
  const listener = new ReloadableTlsListener(LOOPBACK, SIGNED);
  const { port } = listener.addr;
  const served = echo(listener);
  const before = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [CA] });
  assert.equal(await say(before, "hello"), "hello");
  assert.equal(await certificateShownAt(port), await fingerprint(SIGNED));

  await listener.replace(SELF_SIGNED);
  assert.equal(listener.addr.port, port);
  assert.equal(listener.pair, SELF_SIGNED);
  assert.equal(await certificateShownAt(port), await fingerprint(SELF_SIGNED));
  assert.equal(await say(before, "still here"), "still here");

  before.close();
  listener.close();
  await served.done;
});

Deno.test("an accept under way when the certificate is replaced takes the next connection", async () => {
  const listener = new ReloadableTlsListener(LOOPBACK, SIGNED);
  const accepting = listener.accept();
  await listener.replace(SELF_SIGNED);
  const fingerprinting = certificateShownAt(listener.addr.port);
  const conn = await accepting;
  await conn.handshake().catch(() => {});
  conn.close();
  assert.equal(await fingerprinting, await fingerprint(SELF_SIGNED));
  listener.close();
});

Deno.test("replacements asked for at once are made in order, the last one served", async () => {
  const listener = new ReloadableTlsListener(LOOPBACK, SIGNED);
  const served = echo(listener);
  await Promise.all([
    listener.replace(SELF_SIGNED),
    listener.replace(SIGNED),
    listener.replace(SELF_SIGNED),
  ]);
  assert.equal(await certificateShownAt(listener.addr.port), await fingerprint(SELF_SIGNED));
  listener.close();
  await served.done;
});

Deno.test("a pair the port refuses leaves the old certificate served", async () => {
  const listener = new ReloadableTlsListener(LOOPBACK, SIGNED);
  const served = echo(listener);
  await assert.rejects(
    () => listener.replace({ cert: SELF_SIGNED.cert, key: SIGNED.key }),
    /KeyMismatch/,
  );
  assert.equal(listener.pair, SIGNED);
  assert.equal(await certificateShownAt(listener.addr.port), await fingerprint(SIGNED));
  listener.close();
  await served.done;
  await assert.rejects(() => listener.replace(SELF_SIGNED), Deno.errors.BadResource);
});

Deno.test("a closed listener refuses connections and its accepts end with BadResource", async () => {
  const listener = new ReloadableTlsListener(LOOPBACK, SIGNED);
  const accepting = listener.accept();
  listener.close();
  await assert.rejects(() => accepting, Deno.errors.BadResource);
  await assert.rejects(() => Deno.connect({ ...LOOPBACK, port: listener.addr.port }));
});

Deno.test("tlsPairProblem() accepts a certificate with its key and names what is wrong otherwise", () => {
  assert.equal(tlsPairProblem(SIGNED), undefined);
  assert.equal(tlsPairProblem(SELF_SIGNED), undefined);
  assert.match(tlsPairProblem({ cert: SIGNED.cert, key: SELF_SIGNED.key })!, /KeyMismatch/);
  assert.match(tlsPairProblem({ cert: "not a certificate", key: SIGNED.key })!, /No certificates/);
  assert.match(tlsPairProblem({ cert: SIGNED.cert, key: SIGNED.cert })!, /No keys/);
});
