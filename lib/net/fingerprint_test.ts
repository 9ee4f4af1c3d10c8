import assert from "node:assert/strict";
import {
  fingerprintOf,
  formatFingerprint,
  parseFingerprint,
  pemCertificates,
} from "./fingerprint.ts";

/** `openssl x509 -in testdata/selfsigned.pem -noout -fingerprint -sha256`, pasted. */
const SELF_SIGNED_OPENSSL =
  "sha256 Fingerprint=D7:6D:18:E3:56:7E:AC:D1:62:25:1A:21:01:A6:B4:91:CE:6A:5E:97:E6:AF:7A:F2:FE:AA:7E:11:A1:18:CD:94";
const SELF_SIGNED =
  "sha256:D7:6D:18:E3:56:7E:AC:D1:62:25:1A:21:01:A6:B4:91:CE:6A:5E:97:E6:AF:7A:F2:FE:AA:7E:11:A1:18:CD:94";

Deno.test("fingerprintOf() gives the SHA-256 that openssl prints for the certificate", async () => {
  const pem = Deno.readTextFileSync(new URL("../../testdata/selfsigned.pem", import.meta.url));
  const certificates = pemCertificates(pem);
  assert.equal(certificates.length, 1);
  assert.equal(await fingerprintOf(certificates[0]), SELF_SIGNED);
});

Deno.test("pemCertificates() finds each certificate of a chain and ignores keys", () => {
  const ca = Deno.readTextFileSync(new URL("../../testdata/ca.pem", import.meta.url));
  const server = Deno.readTextFileSync(new URL("../../testdata/server.pem", import.meta.url));
  const key = Deno.readTextFileSync(new URL("../../testdata/server.key", import.meta.url));
  const found = pemCertificates(`${server}\n${ca}\n${key}`);
  assert.equal(found.length, 2);
  assert.deepEqual(found[1], pemCertificates(ca)[0]);
  assert.deepEqual(pemCertificates(key), []);
});

Deno.test("formatFingerprint() writes pairs of upper-case hex digits after sha256:", () => {
  assert.equal(formatFingerprint(new Uint8Array([0, 0xab, 0x0f])), "sha256:00:AB:0F");
});

Deno.test("parseFingerprint() reads ours, OpenSSL's and bare hex, and nothing else", () => {
  const bare = SELF_SIGNED.slice("sha256:".length).replaceAll(":", "");
  for (
    const text of [SELF_SIGNED, SELF_SIGNED_OPENSSL, bare, bare.toLowerCase(), ` ${SELF_SIGNED} `]
  ) {
    assert.equal(parseFingerprint(text), SELF_SIGNED, text);
  }
  for (
    const text of ["", "sha256:", bare.slice(2), `${bare}00`, `md5:${bare}`, bare.replace("D", "G")]
  ) {
    assert.equal(parseFingerprint(text), undefined, text);
  }
});
