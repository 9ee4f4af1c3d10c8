import assert from "node:assert/strict";
import {
  CHUNK_OVERHEAD,
  decryptFileHeader,
  decryptText,
  encryptedSize,
  encryptFileHeader,
  encryptText,
  exportIdentity,
  fileChunks,
  fingerprint,
  fromBase64,
  generateIdentity,
  importIdentity,
  internals,
  newSession,
  openBundle,
  openSession,
  publicBundle,
  sealSession,
  toBase64,
} from "./e2e.js";

function hex(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16));
}

function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const { base64url } = internals;

/** A private key of `curve` from its hex private (`d`) and public (`x`) halves. */
function importPrivate(
  curve: "X25519" | "Ed25519",
  d: string,
  x: string,
  usages: KeyUsage[],
): Promise<CryptoKey> {
  const jwk = { kty: "OKP", crv: curve, d: base64url(hex(d)), x: base64url(hex(x)) };
  return crypto.subtle.importKey("jwk", jwk, curve, false, usages);
}

Deno.test("X25519 agreement gives RFC 7748's shared secret (section 6.1)", async () => {
  const alice = await importPrivate(
    "X25519",
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
    ["deriveBits"],
  );
  const bob = await crypto.subtle.importKey(
    "raw",
    hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
    "X25519",
    true,
    [],
  );
  const shared = await crypto.subtle.deriveBits({ name: "X25519", public: bob }, alice, 256);
  assert.equal(toHex(shared), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
});

Deno.test("Ed25519 signing gives RFC 8032's signature (test 1)", async () => {
  const key = await importPrivate(
    "Ed25519",
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    ["sign"],
  );
  const signature = await crypto.subtle.sign("Ed25519", key, new Uint8Array());
  assert.equal(
    toHex(signature),
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  );
});

Deno.test("HKDF-SHA-256 gives RFC 5869's output (test case 1)", async () => {
  const material = await crypto.subtle.importKey("raw", hex("0b".repeat(22)), "HKDF", false, [
    "deriveBits",
  ]);
  const okm = await crypto.subtle.deriveBits(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: hex("000102030405060708090a0b0c"),
      info: hex("f0f1f2f3f4f5f6f7f8f9"),
    },
    material,
    42 * 8,
  );
  assert.equal(
    toHex(okm),
    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
  );
});

Deno.test("AES-256-GCM gives the GCM specification's test case 14", async () => {
  const key = await crypto.subtle.importKey("raw", new Uint8Array(32), "AES-GCM", false, [
    "encrypt",
  ]);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: new Uint8Array(12) },
    key,
    new Uint8Array(16),
  );
  assert.equal(toHex(sealed), "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
});

Deno.test("toBase64() and fromBase64() round-trip, and fromBase64() refuses other text", () => {
  const bytes = crypto.getRandomValues(new Uint8Array(60_000));
  assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  assert.throws(() => fromBase64("not base64!"), /Expected base64/);
});

Deno.test("a bundle verifies, and one with a changed key or signature does not", async () => {
  const identity = await generateIdentity();
  const bundle = await publicBundle(identity);
  await openBundle(bundle);
  const other = await publicBundle(await generateIdentity());
  await assert.rejects(openBundle({ ...bundle, dh: other.dh }), /does not verify/);
  await assert.rejects(openBundle({ ...bundle, sig: other.sig }), /does not verify/);
  await assert.rejects(openBundle({ ...bundle, v: 2 }), /Unknown key bundle version/);
  await assert.rejects(openBundle({ ...bundle, dh: "AAAA" }), /Malformed/);
});

Deno.test("fingerprint() is 12 groups of 5 digits, the same for anyone, different per key", async () => {
  const bundle = await publicBundle(await generateIdentity());
  const digits = await fingerprint(bundle);
  assert.match(digits, /^\d{5}( \d{5}){11}$/);
  assert.equal(await fingerprint(structuredClone(bundle)), digits);
  assert.notEqual(await fingerprint(await publicBundle(await generateIdentity())), digits);
});

Deno.test("an identity saved and loaded again has the same bundle and can still sign", async () => {
  const identity = await generateIdentity(true);
  const saved = JSON.parse(JSON.stringify(await exportIdentity(identity)));
  const loaded = await importIdentity(saved);
  const bundle = await publicBundle(loaded);
  assert.equal(bundle.dh, (await publicBundle(identity)).dh);
  assert.equal(bundle.sign, (await publicBundle(identity)).sign);
  await openBundle(bundle);
  await assert.rejects(importIdentity({ v: 1, agreement: {}, signing: {} }), /X25519/);
});

/** Alice and Bob, with a session of Alice's opened by Bob. */
async function pair() {
  const alice = await generateIdentity();
  const bob = await generateIdentity();
  const aliceBundle = await publicBundle(alice);
  const bobBundle = await publicBundle(bob);
  const session = await newSession();
  const sealed = await sealSession(alice, "Alice", "Bob", bobBundle, session);
  return { alice, bob, aliceBundle, bobBundle, session, sealed };
}

Deno.test("a sealed session opens for its recipient with the same key", async () => {
  const { bob, aliceBundle, bobBundle, session, sealed } = await pair();
  const opened = await openSession(bob, "Alice", "Bob", aliceBundle, bobBundle, sealed);
  assert.equal(opened.id, session.id);
  assert.deepEqual(opened.raw, session.raw);
  assert.equal(JSON.stringify(sealed).includes(toBase64(session.raw)), false);
});

Deno.test("a sealed session does not open for another, from another, or once changed", async () => {
  const { bob, aliceBundle, bobBundle, sealed } = await pair();
  const eve = await generateIdentity();
  const eveBundle = await publicBundle(eve);
  // Eve cannot open it, even claiming to be Bob.
  await assert.rejects(openSession(eve, "Alice", "Bob", aliceBundle, eveBundle, sealed));
  // Not signed by the claimed sender, or for another name.
  await assert.rejects(
    openSession(bob, "Eve", "Bob", eveBundle, bobBundle, sealed),
    /not signed by the sender's key/,
  );
  await assert.rejects(
    openSession(bob, "Alice", "Bobby", aliceBundle, bobBundle, sealed),
    /not signed/,
  );
  const key = fromBase64(sealed.key);
  key[0] ^= 1;
  await assert.rejects(
    openSession(bob, "Alice", "Bob", aliceBundle, bobBundle, { ...sealed, key: toBase64(key) }),
    /not signed/,
  );
});

Deno.test("a message decrypts with its header; the same text twice looks different", async () => {
  const { session } = await pair();
  const time = "2026-11-30T12:00:00.000Z";
  const first = await encryptText(session, "Alice", "Bob", time, "lunch at noon?");
  const second = await encryptText(session, "Alice", "Bob", time, "lunch at noon?");
  assert.equal(first.n, 1);
  assert.equal(second.n, 2);
  assert.notEqual(first.ct, second.ct);
  assert.notEqual(first.iv, second.iv);
  assert.equal(await decryptText(session, "Alice", "Bob", time, first), "lunch at noon?");
  assert.equal(await decryptText(session, "Alice", "Bob", time, second), "lunch at noon?");
});

Deno.test("a message with any byte or header field changed does not decrypt", async () => {
  const { session } = await pair();
  const time = "2026-11-30T12:00:00.000Z";
  const sealed = await encryptText(session, "Alice", "Bob", time, "the plan");
  const ct = fromBase64(sealed.ct);
  ct[3] ^= 0x40;
  const changed = /changed, or made with another key/;
  await assert.rejects(
    decryptText(session, "Alice", "Bob", time, { ...sealed, ct: toBase64(ct) }),
    changed,
  );
  await assert.rejects(decryptText(session, "Mallory", "Bob", time, sealed), changed);
  await assert.rejects(decryptText(session, "Alice", "Carol", time, sealed), changed);
  await assert.rejects(
    decryptText(session, "Alice", "Bob", "2026-11-30T12:00:01.000Z", sealed),
    changed,
  );
  await assert.rejects(decryptText(session, "Alice", "Bob", time, { ...sealed, n: 2 }), changed);
  const other = await newSession();
  await assert.rejects(
    decryptText(other, "Alice", "Bob", time, sealed),
    /not of this session/,
  );
  await assert.rejects(
    decryptText({ ...other, id: session.id }, "Alice", "Bob", time, sealed),
    changed,
  );
});

Deno.test("a file header decrypts only as the header of its own transfer", async () => {
  const session = await newSession();
  const header = { name: "report.pdf", size: 1234, sha256: "ab".repeat(32) };
  const t = "2026-11-30T12:00:00.000Z";
  const sealed = await encryptFileHeader(session, "alice", "bob", t, "id1", header);
  assert.deepEqual(await decryptFileHeader(session, "alice", "bob", t, "id1", sealed), header);
  await assert.rejects(decryptFileHeader(session, "alice", "bob", t, "id2", sealed), /changed/);
  // Nor does it pass for a message, nor a message for a header.
  await assert.rejects(decryptText(session, "alice", "bob", t, sealed), /changed/);
  const text = await encryptText(session, "alice", "bob", t, JSON.stringify(header));
  await assert.rejects(decryptFileHeader(session, "alice", "bob", t, "id1", text), /changed/);
});

Deno.test("file chunks decrypt in place only: a changed, moved or foreign chunk fails", async () => {
  const session = await newSession();
  const chunks = await fileChunks(session, "id1");
  const data = new TextEncoder().encode("the quarterly figures");
  const first = await chunks.encrypt(0, data);
  assert.equal(first.length, data.length + CHUNK_OVERHEAD);
  assert.deepEqual(await chunks.decrypt(0, first), data);
  // Another chunk number gives another ciphertext; each opens at its own number only.
  const second = await chunks.encrypt(1, data);
  assert.notDeepEqual(second, first);
  await assert.rejects(chunks.decrypt(1, first), /chunk 1 was changed/);
  const flipped = first.slice();
  flipped[3] ^= 1;
  await assert.rejects(chunks.decrypt(0, flipped), /chunk 0 was changed/);
  // Another transfer of the same session, or another session, cannot read it.
  await assert.rejects((await fileChunks(session, "id2")).decrypt(0, first), /changed/);
  await assert.rejects((await fileChunks(await newSession(), "id1")).decrypt(0, first), /changed/);
});

Deno.test("encryptedSize() adds one tag per chunk", () => {
  assert.equal(encryptedSize(0, 100), 0);
  assert.equal(encryptedSize(1, 100), 17);
  assert.equal(encryptedSize(84, 100), 100);
  assert.equal(encryptedSize(85, 100), 117);
});
