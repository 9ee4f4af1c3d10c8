/**
 * Passwords' storage as a salted slow hash (PBKDF2-SHA-256
 * through WebCrypto, 600,000 iterations), compared in constant time. A password is never
 * stored, logged or echoed. The rules a password follows are `protocol/values.ts`'s, which the
 * client checks too.
 *
 * @module
 */

/** PBKDF2 iterations for a new hash (OWASP's figure for PBKDF2-HMAC-SHA-256). */
export const PBKDF2_ITERATIONS = 600_000;

const SCHEME = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BITS = 256;
const encoder = new TextEncoder();

/** The stored form of `password`: `pbkdf2-sha256$<iterations>$<salt>$<hash>`, in base64. */
export async function hashPassword(
  password: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return [SCHEME, iterations, toBase64(salt), toBase64(hash)].join("$");
}

/** Whether `password` is the one `stored` was made from (false for a malformed `stored`). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterationsText, saltText, hashText] = stored.split("$");
  const iterations = Number(iterationsText);
  if (scheme !== SCHEME || !Number.isSafeInteger(iterations) || iterations < 1) return false;
  const salt = fromBase64(saltText ?? "");
  const expected = fromBase64(hashText ?? "");
  if (salt === undefined || expected === undefined) return false;
  return constantTimeEqual(await derive(password, salt, iterations), expected);
}

/** Whether two byte arrays are equal, taking the same time wherever they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ (b[i % Math.max(b.length, 1)] ?? 0);
  return difference === 0;
}

async function derive(password: string, salt: Uint8Array, iterations: number) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}
