import assert from "node:assert/strict";
import { fingerprintOf, pemCertificates } from "../net/fingerprint.ts";
import { ReloadableTlsListener } from "../net/tls_listener.ts";
import { readTlsPair, TlsReload } from "./tls_reload.ts";

const read = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/${name}`, import.meta.url));
const FILES: Record<string, string> = {
  "signed.pem": read("server.pem"),
  "signed.key": read("server.key"),
  "self.pem": read("selfsigned.pem"),
  "self.key": read("selfsigned.key"),
  "chain.pem": read("server.pem") + read("ca.pem"),
  "text.pem": "not a certificate\n",
};
const readFile = (file: string) =>
  Object.hasOwn(FILES, file)
    ? Promise.resolve(FILES[file])
    : Promise.reject(new Deno.errors.NotFound(`No such file or directory (os error 2)`));
const fingerprint = (file: string) => fingerprintOf(pemCertificates(FILES[file])[0]);
const NOW = () => new Date(2026, 10, 22, 3, 30, 33);

Deno.test("readTlsPair() reads a certificate and its key, and names the chain's first certificate", async () => {
  const reading = await readTlsPair({ certFile: "chain.pem", keyFile: "signed.key" }, readFile);
  assert.ok(reading.ok);
  assert.equal(reading.fingerprint, await fingerprint("signed.pem"));
  assert.equal(reading.pair.cert, FILES["chain.pem"]);
});

Deno.test("readTlsPair() says what is wrong with files that cannot serve TLS", async () => {
  const problem = async (certFile: string, keyFile: string) => {
    const reading = await readTlsPair({ certFile, keyFile }, readFile);
    assert.ok(!reading.ok);
    return reading.error;
  };
  assert.equal(
    await problem("gone.pem", "signed.key"),
    'cannot read TLS certificate "gone.pem": No such file or directory (os error 2)',
  );
  assert.equal(
    await problem("signed.pem", "gone.key"),
    'cannot read TLS key "gone.key": No such file or directory (os error 2)',
  );
  assert.equal(await problem("text.pem", "signed.key"), 'no PEM certificate in "text.pem"');
  assert.equal(await problem("signed.pem", "signed.pem"), 'no PEM private key in "signed.pem"');
  assert.equal(
    await problem("signed.pem", "self.key"),
    'the key in "self.key" is not the key of the certificate in "signed.pem"',
  );
});

Deno.test("TlsReload serves the files read again on every listener, or says why not and keeps the old", async () => {
  const listeners = [0, 1].map(() =>
    new ReloadableTlsListener({ hostname: "127.0.0.1", port: 0 }, {
      cert: FILES["signed.pem"],
      key: FILES["signed.key"],
    })
  );
  const files = { certFile: "self.pem", keyFile: "self.key" };
  const lines: string[] = [];
  const reload = new TlsReload({
    files,
    listeners,
    fingerprint: await fingerprint("signed.pem"),
    log: (event) => lines.push(event.text),
    now: NOW,
    read: readFile,
  });
  const ports = listeners.map((listener) => listener.addr.port).join(", ");
  const self = await fingerprint("self.pem");

  await reload.reload();
  assert.deepEqual(lines, [
    `2026-11-22 03:30:33 :: TLS certificate reloaded: ${self} on ports ${ports}`,
  ]);
  assert.equal(reload.fingerprint, self);
  for (const listener of listeners) assert.equal(listener.pair.cert, FILES["self.pem"]);

  // A key that is not the certificate's: refused, the certificate before still served.
  lines.length = 0;
  files.keyFile = "signed.key";
  await reload.reload();
  assert.deepEqual(lines, [
    `2026-11-22 03:30:33 :: TLS certificate not reloaded: the key in "signed.key" is not the key ` +
    `of the certificate in "self.pem"; still serving ${self}`,
  ]);
  for (const listener of listeners) assert.equal(listener.pair.key, FILES["self.key"]);

  // Asked twice at once: one after the other.
  lines.length = 0;
  files.keyFile = "self.key";
  await Promise.all([reload.reload(), reload.reload()]);
  const same = `2026-11-22 03:30:33 :: TLS certificate reloaded: ${self} (the same as before) ` +
    `on ports ${ports}`;
  assert.deepEqual(lines, [same, same]);

  // Once the listeners are closed (the server stopping), there is nothing to serve it on.
  lines.length = 0;
  for (const listener of listeners) listener.close();
  await reload.reload();
  assert.deepEqual(lines, []);
});
