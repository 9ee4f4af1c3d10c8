/**
 * Certificate fingerprints: the SHA-256 of a certificate's DER bytes, written as OpenSSL writes
 * it (`openssl x509 -noout -fingerprint -sha256`), so that a person can compare the two by eye.
 *
 * @module
 */

/** The prefix our fingerprints carry, naming the hash. */
export const FINGERPRINT_PREFIX = "sha256:";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;
const SHA256_HEX_LENGTH = 64;

/** The DER bytes of each certificate in `pem`, in order (none if it holds none). */
export function pemCertificates(pem: string): Uint8Array[] {
  return [...pem.matchAll(PEM_CERTIFICATE)].map((match) =>
    Uint8Array.from(atob(match[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0))
  );
}

/** `sha256:` and the bytes of `digest` as colon-separated pairs of upper-case hex digits. */
export function formatFingerprint(digest: Uint8Array): string {
  return FINGERPRINT_PREFIX + [...digest].map((b) => b.toString(16).padStart(2, "0"))
    .join(":").toUpperCase();
}

/** The fingerprint of a certificate given as DER bytes. */
export async function fingerprintOf(der: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", der as Uint8Array<ArrayBuffer>);
  return formatFingerprint(new Uint8Array(digest));
}

/**
 * Reads a fingerprint as a person may paste it: ours (`sha256:AB:CD:…`), OpenSSL's
 * (`sha256 Fingerprint=AB:CD:…`), or the 64 hex digits bare, with or without colons, in either
 * case. Returns it in our form, or undefined when it is not a SHA-256 fingerprint.
 */
export function parseFingerprint(text: string): string | undefined {
  const hex = text.trim().replace(/^sha-?256(\s*fingerprint\s*=\s*|:)?/i, "").replace(/:/g, "");
  if (hex.length !== SHA256_HEX_LENGTH || !/^[0-9a-f]+$/i.test(hex)) return undefined;
  return formatFingerprint(Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16)));
}
