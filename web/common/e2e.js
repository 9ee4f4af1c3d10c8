// @ts-self-types="./e2e.d.ts"
/**
 * End-to-end encryption of private messages, shared by the terminal client (which imports this
 * file) and the web page (which the server serves it to): one copy of the crypto, so that both
 * speak it alike. WebCrypto only (`crypto.subtle`), no crypto of our own.
 *
 * - An identity is an X25519 key pair (agreement) and an Ed25519 key pair that signs its public
 *   half; the public bundle is both public keys and that signature.
 * - A conversation's session key (AES-256-GCM, random) goes to the peer sealed: an ephemeral
 *   X25519 key agreed with the peer's, HKDF-SHA-256 into a wrapping key, AES-GCM over the session
 *   key, and the sender's Ed25519 signature over all of it and both names.
 * - Each message is AES-256-GCM with a fresh random nonce; the sender, recipient, time, session
 *   and counter are bound in as associated data.
 *
 * @module
 */

/** The version of this scheme, in bundles and sealed keys. */
export const E2E_VERSION = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BUNDLE_CONTEXT = "chat e2e bundle v1";
const SEAL_CONTEXT = "chat e2e seal v1";
const MESSAGE_CONTEXT = "chat e2e message v1";
const FILE_CONTEXT = "chat e2e file v1";
const NONCE_BYTES = 12;
const KEY_BYTES = 32;
const SESSION_ID_BYTES = 9;
const FINGERPRINT_GROUPS = 12;
const FINGERPRINT_GROUP_DIGITS = 5;

/** Bytes as standard base64. */
export function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** Standard base64 as bytes; throws on anything else. */
export function fromBase64(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new Error("Expected base64");
  }
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function base64url(bytes) {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(padded + "=".repeat((4 - padded.length % 4) % 4));
}

function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Length-prefixed fields, so that no two different lists encode alike. */
function fields(...values) {
  return concatBytes(...values.flatMap((value) => {
    const bytes = typeof value === "string" ? encoder.encode(value) : value;
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, bytes.length);
    return [length, bytes];
  }));
}

/** Makes a new identity; its private keys can be exported only when `extractable`. */
export async function generateIdentity(extractable = false) {
  const agreement = await crypto.subtle.generateKey({ name: "X25519" }, extractable, [
    "deriveBits",
  ]);
  const signing = await crypto.subtle.generateKey({ name: "Ed25519" }, extractable, [
    "sign",
    "verify",
  ]);
  return { agreement, signing };
}

/** An identity's keys as JSON (private halves included): for a key file, never for the wire. */
export async function exportIdentity(identity) {
  return {
    v: E2E_VERSION,
    agreement: await crypto.subtle.exportKey("jwk", identity.agreement.privateKey),
    signing: await crypto.subtle.exportKey("jwk", identity.signing.privateKey),
  };
}

/** The identity kept by `exportIdentity`; throws if it is not one. */
export async function importIdentity(saved, extractable = false) {
  if (saved?.v !== E2E_VERSION) throw new Error("Not a key file of this version");
  const pair = async (jwk, name, usages) => {
    if (jwk?.kty !== "OKP" || jwk.crv !== name || typeof jwk.d !== "string") {
      throw new Error(`Expected an ${name} private key`);
    }
    const { d: _d, key_ops: _ops, ext: _ext, ...publicJwk } = jwk;
    return {
      privateKey: await crypto.subtle.importKey(
        "jwk",
        { ...jwk, key_ops: usages[0] },
        name,
        extractable,
        usages[0],
      ),
      publicKey: await crypto.subtle.importKey(
        "jwk",
        { ...publicJwk, key_ops: usages[1] },
        name,
        true,
        usages[1],
      ),
    };
  };
  return {
    agreement: await pair(saved.agreement, "X25519", [["deriveBits"], []]),
    signing: await pair(saved.signing, "Ed25519", [["sign"], ["verify"]]),
  };
}

/** The public half of `identity` as the server keeps and hands out: `{v, dh, sign, sig}`. */
export async function publicBundle(identity) {
  const dh = new Uint8Array(await crypto.subtle.exportKey("raw", identity.agreement.publicKey));
  const sign = new Uint8Array(await crypto.subtle.exportKey("raw", identity.signing.publicKey));
  const sig = new Uint8Array(
    await crypto.subtle.sign(
      "Ed25519",
      identity.signing.privateKey,
      fields(BUNDLE_CONTEXT, dh, sign),
    ),
  );
  return { v: E2E_VERSION, dh: toBase64(dh), sign: toBase64(sign), sig: toBase64(sig) };
}

/** The keys of a bundle whose signature checks out; throws, saying why, otherwise. */
export async function openBundle(bundle) {
  if (bundle?.v !== E2E_VERSION) throw new Error("Unknown key bundle version");
  const dh = fromBase64(bundle.dh);
  const sign = fromBase64(bundle.sign);
  if (dh.length !== KEY_BYTES || sign.length !== KEY_BYTES) throw new Error("Malformed key bundle");
  const signKey = await crypto.subtle.importKey("raw", sign, "Ed25519", true, ["verify"]);
  const good = await crypto.subtle.verify(
    "Ed25519",
    signKey,
    fromBase64(bundle.sig),
    fields(BUNDLE_CONTEXT, dh, sign),
  );
  if (!good) throw new Error("The key bundle's signature does not verify");
  const dhKey = await crypto.subtle.importKey("raw", dh, "X25519", true, []);
  return { dhKey, signKey };
}

/**
 * A bundle's fingerprint as people compare it: 60 digits in 12 groups of 5, from SHA-256 of both
 * public keys (as Signal's safety numbers are made of digits). Both sides see the same digits.
 */
export async function fingerprint(bundle) {
  const digest = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-512",
      fields("chat e2e fingerprint v1", fromBase64(bundle.sign), fromBase64(bundle.dh)),
    ),
  );
  const groups = [];
  for (let i = 0; i < FINGERPRINT_GROUPS; i++) {
    // Five bytes give a number well past 10^5: the modulo bias is negligible.
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + digest[i * 5 + j];
    groups.push(
      String(value % 10 ** FINGERPRINT_GROUP_DIGITS).padStart(FINGERPRINT_GROUP_DIGITS, "0"),
    );
  }
  return groups.join(" ");
}

/** HKDF-SHA-256 of `secret` into an AES-256-GCM key. */
async function deriveKey(secret, salt, info) {
  const material = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
  return await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt, info: encoder.encode(info) },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** A new session: a random AES-256-GCM key, its id, and a counter of messages sent. */
export async function newSession() {
  const raw = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
  return {
    id: toBase64(crypto.getRandomValues(new Uint8Array(SESSION_ID_BYTES))),
    raw,
    key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
    sent: 0,
  };
}

/**
 * Seals `session`'s key for `to` (whose bundle is `toBundle`), from `from` (this `identity`):
 * `{v, sid, eph, iv, key, sig}`, all base64 but the version.
 */
export async function sealSession(identity, from, to, toBundle, session) {
  const { dhKey } = await openBundle(toBundle);
  const ephemeral = await crypto.subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
  const eph = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
  const shared = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "X25519", public: dhKey }, ephemeral.privateKey, 256),
  );
  const context = fields(SEAL_CONTEXT, from, to, session.id, eph, fromBase64(toBundle.dh));
  const wrapping = await deriveKey(shared, eph, SEAL_CONTEXT);
  const iv = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const key = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: context },
      wrapping,
      session.raw,
    ),
  );
  const sig = new Uint8Array(
    await crypto.subtle.sign("Ed25519", identity.signing.privateKey, fields(context, iv, key)),
  );
  return {
    v: E2E_VERSION,
    sid: session.id,
    eph: toBase64(eph),
    iv: toBase64(iv),
    key: toBase64(key),
    sig: toBase64(sig),
  };
}

/**
 * Opens a session sealed by `from` (whose bundle is `fromBundle`) for `to` (this `identity`, whose
 * bundle is `toBundle`); throws if it was not sealed by that sender for this recipient.
 */
export async function openSession(identity, from, to, fromBundle, toBundle, sealed) {
  if (sealed?.v !== E2E_VERSION) throw new Error("Unknown session key version");
  const { signKey } = await openBundle(fromBundle);
  const eph = fromBase64(sealed.eph);
  const iv = fromBase64(sealed.iv);
  const key = fromBase64(sealed.key);
  const context = fields(SEAL_CONTEXT, from, to, sealed.sid, eph, fromBase64(toBundle.dh));
  const signed = await crypto.subtle.verify(
    "Ed25519",
    signKey,
    fromBase64(sealed.sig),
    fields(context, iv, key),
  );
  if (!signed) throw new Error("the session key is not signed by the sender's key");
  const ephKey = await crypto.subtle.importKey("raw", eph, "X25519", true, []);
  const shared = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "X25519", public: ephKey },
      identity.agreement.privateKey,
      256,
    ),
  );
  const wrapping = await deriveKey(shared, eph, SEAL_CONTEXT);
  const raw = new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: context }, wrapping, key),
  );
  return {
    id: sealed.sid,
    raw,
    key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
    sent: 0,
  };
}

/** The associated data of a message: who, to whom, when, in which session, which number. */
function messageContext(header) {
  return fields(MESSAGE_CONTEXT, header.from, header.to, header.time, header.sid, String(header.n));
}

/**
 * Encrypts `text` from `from` to `to` at `time` (ISO 8601) in `session`, numbering it:
 * `{sid, n, iv, ct}` (base64 but the number).
 */
export async function encryptText(session, from, to, time, text) {
  const n = ++session.sent;
  const iv = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const additionalData = messageContext({ from, to, time, sid: session.id, n });
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData },
      session.key,
      encoder.encode(text),
    ),
  );
  return { sid: session.id, n, iv: toBase64(iv), ct: toBase64(ct) };
}

/**
 * Decrypts a message made by `encryptText` with the same header; throws if anything of it (or of
 * the header) was changed, or if the key is not the one it was made with.
 */
export async function decryptText(session, from, to, time, payload) {
  if (payload?.sid !== session.id || !Number.isSafeInteger(payload.n) || payload.n < 1) {
    throw new Error("the message is not of this session");
  }
  const additionalData = messageContext({ from, to, time, sid: session.id, n: payload.n });
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(payload.iv), additionalData },
      session.key,
      fromBase64(payload.ct),
    );
    return decoder.decode(plain);
  } catch {
    throw new Error("the message was changed, or made with another key");
  }
}

/** Bytes an encrypted file chunk has more than its plain data (the AES-GCM tag). */
export const CHUNK_OVERHEAD = 16;
/** The name an end-to-end encrypted file goes by on the server (its own is sealed). */
export const SEALED_FILE_NAME = "encrypted-file";

/**
 * The size, as it crosses the server, of a file of `size` bytes sent end to end encrypted in
 * chunks of at most `chunkBytes` (each holding `chunkBytes - CHUNK_OVERHEAD` bytes of the file).
 */
export function encryptedSize(size, chunkBytes) {
  return size + CHUNK_OVERHEAD * Math.ceil(size / (chunkBytes - CHUNK_OVERHEAD));
}

/**
 * Encrypts the header of a file offered from `from` to `to` at `time` (its name, size and
 * checksum, which the server never sees) in `session`, bound to the transfer's `id`: as
 * `encryptText`, but it cannot pass for a message nor for another transfer's header.
 */
export async function encryptFileHeader(session, from, to, time, id, header) {
  const n = ++session.sent;
  const iv = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const additionalData = fileContext({ from, to, time, sid: session.id, n, id });
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData },
      session.key,
      encoder.encode(JSON.stringify(header)),
    ),
  );
  return { sid: session.id, n, iv: toBase64(iv), ct: toBase64(ct) };
}

/** The header made by `encryptFileHeader`; throws if anything of it or its context changed. */
export async function decryptFileHeader(session, from, to, time, id, payload) {
  if (payload?.sid !== session.id || !Number.isSafeInteger(payload.n) || payload.n < 1) {
    throw new Error("the offer is not of this session");
  }
  const additionalData = fileContext({ from, to, time, sid: session.id, n: payload.n, id });
  let header;
  try {
    header = JSON.parse(decoder.decode(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(payload.iv), additionalData },
        session.key,
        fromBase64(payload.ct),
      ),
    ));
  } catch {
    throw new Error("the offer was changed, or made with another key");
  }
  const { name, size, sha256 } = header ?? {};
  if (
    typeof name !== "string" || !Number.isSafeInteger(size) || size < 0 ||
    typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)
  ) {
    throw new Error("the offer's header is not a file's name, size and checksum");
  }
  return { name, size, sha256 };
}

function fileContext(header) {
  return fields(
    FILE_CONTEXT,
    header.from,
    header.to,
    header.time,
    header.sid,
    String(header.n),
    header.id,
  );
}

/**
 * The chunk cipher of transfer `id` in `session` (a session per transfer): chunk `seq` is
 * AES-256-GCM under a key derived from the session's, with `seq` as its nonce and `id` and
 * `seq` as associated data, so that no chunk can be moved, dropped or swapped unseen.
 */
export async function fileChunks(session, id) {
  const key = await deriveKey(session.raw, encoder.encode(id), FILE_CONTEXT);
  const params = (seq) => {
    const iv = new Uint8Array(NONCE_BYTES);
    new DataView(iv.buffer).setBigUint64(NONCE_BYTES - 8, BigInt(seq));
    return { name: "AES-GCM", iv, additionalData: fields(FILE_CONTEXT, id, String(seq)) };
  };
  return {
    async encrypt(seq, bytes) {
      return new Uint8Array(await crypto.subtle.encrypt(params(seq), key, bytes));
    },
    async decrypt(seq, bytes) {
      try {
        return new Uint8Array(await crypto.subtle.decrypt(params(seq), key, bytes));
      } catch {
        throw new Error(`chunk ${seq} was changed, or made with another key`);
      }
    },
  };
}

/** Exposed for tests against published vectors. */
export const internals = { base64url, fromBase64url, fields, deriveKey };
