/** Types of `e2e.js` (a plain module, as the web page loads it unchanged). */

import type { KeyBundle, SealedKey } from "../../protocol.ts";

/** The version of this scheme, in bundles and sealed keys. */
export const E2E_VERSION: 1;

/** One's own keys: X25519 for agreement, Ed25519 to sign. */
export interface Identity {
  /** The X25519 pair, for key agreement. */
  agreement: CryptoKeyPair;
  /** The Ed25519 pair, which signs the bundle and each sealed session key. */
  signing: CryptoKeyPair;
}

/** An identity as a key file keeps it (private halves included). */
export interface SavedIdentity {
  /** The scheme's version. */
  v: 1;
  /** The X25519 private key, as a JWK. */
  agreement: JsonWebKey;
  /** The Ed25519 private key, as a JWK. */
  signing: JsonWebKey;
}

/** The public half of an identity, signed: what the server keeps and hands out. */
export type Bundle = KeyBundle;

/** A conversation's session: its AES-256-GCM key, its id and the count of messages sent. */
export interface Session {
  /** Its id, base64 of 9 random bytes: the `sid` of its messages. */
  id: string;
  /** The key's 32 bytes, as sealed for the recipient. */
  raw: Uint8Array;
  /** The same key, for AES-GCM. */
  key: CryptoKey;
  /** Messages numbered in it so far; the next one is one more (0 for a session opened). */
  sent: number;
}

/** A session key sealed for one recipient by one sender. */
export type SealedSession = SealedKey;

/** An encrypted message of a session. */
export interface EncryptedText {
  /** The session's id. */
  sid: string;
  /** The message's number in its session, from 1. */
  n: number;
  /** The AES-GCM nonce, in base64. */
  iv: string;
  /** The ciphertext, in base64. */
  ct: string;
}

/** Bytes as standard base64. */
export function toBase64(bytes: Uint8Array): string;
/** Standard base64 as bytes; throws on anything else. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer>;
/** Makes a new identity; its private keys can be exported only when `extractable`. */
export function generateIdentity(extractable?: boolean): Promise<Identity>;
/** An identity's keys as JSON (private halves included): for a key file, never for the wire. */
export function exportIdentity(identity: Identity): Promise<SavedIdentity>;
/** The identity kept by `exportIdentity`; throws if it is not one. */
export function importIdentity(saved: unknown, extractable?: boolean): Promise<Identity>;
/** The public half of `identity`, signed. */
export function publicBundle(identity: Identity): Promise<Bundle>;
/** The keys of a bundle whose signature checks out; throws, saying why, otherwise. */
export function openBundle(bundle: unknown): Promise<{ dhKey: CryptoKey; signKey: CryptoKey }>;
/** A bundle's fingerprint: 60 digits in 12 groups of 5. */
export function fingerprint(bundle: Bundle): Promise<string>;
/** A new session with a random key. */
export function newSession(): Promise<Session>;
/** Seals `session`'s key for `to` from `from`. */
export function sealSession(
  identity: Identity,
  from: string,
  to: string,
  toBundle: Bundle,
  session: Session,
): Promise<SealedSession>;
/** Opens a session sealed by `from` for `to`; throws if it was not. */
export function openSession(
  identity: Identity,
  from: string,
  to: string,
  fromBundle: Bundle,
  toBundle: Bundle,
  sealed: unknown,
): Promise<Session>;
/** Encrypts `text` in `session`, numbering it. */
export function encryptText(
  session: Session,
  from: string,
  to: string,
  time: string,
  text: string,
): Promise<EncryptedText>;
/** Decrypts a message made by `encryptText` with the same header; throws if changed. */
export function decryptText(
  session: Session,
  from: string,
  to: string,
  time: string,
  payload: unknown,
): Promise<string>;

/** What an offered file's encrypted header holds. */
export interface FileHeader {
  /** The file's real name. */
  name: string;
  /** The plain file's size, in bytes. */
  size: number;
  /** The SHA-256 of the plain file, in hex. */
  sha256: string;
}

/** The chunk cipher of one transfer. */
export interface FileChunks {
  /** Chunk `seq` encrypted (`CHUNK_OVERHEAD` bytes longer). */
  encrypt(seq: number, bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>>;
  /** Chunk `seq` decrypted; throws if it was changed or moved. */
  decrypt(seq: number, bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>>;
}

/** Bytes an encrypted file chunk has more than its plain data (the AES-GCM tag). */
export const CHUNK_OVERHEAD: 16;
/** The name an end-to-end encrypted file goes by on the server (its own is sealed). */
export const SEALED_FILE_NAME: "encrypted-file";
/** The size, as it crosses the server, of a file of `size` bytes sent end to end encrypted. */
export function encryptedSize(size: number, chunkBytes: number): number;
/** Encrypts the header of a file offered in `session`, bound to the transfer's `id`. */
export function encryptFileHeader(
  session: Session,
  from: string,
  to: string,
  time: string,
  id: string,
  header: FileHeader,
): Promise<EncryptedText>;
/** The header made by `encryptFileHeader`; throws if anything of it or its context changed. */
export function decryptFileHeader(
  session: Session,
  from: string,
  to: string,
  time: string,
  id: string,
  payload: unknown,
): Promise<FileHeader>;
/** The chunk cipher of transfer `id` in `session`. */
export function fileChunks(session: Session, id: string): Promise<FileChunks>;

/** Exposed for tests against published vectors. */
export const internals: {
  base64url(bytes: Uint8Array): string;
  fromBase64url(text: string): Uint8Array<ArrayBuffer>;
  fields(...values: (string | Uint8Array)[]): Uint8Array<ArrayBuffer>;
  deriveKey(secret: Uint8Array, salt: Uint8Array, info: string): Promise<CryptoKey>;
};
