import assert from "node:assert/strict";
import { constantTimeEqual, hashPassword, PBKDF2_ITERATIONS, verifyPassword } from "./passwords.ts";

Deno.test("hashPassword() salts a slow hash that verifyPassword() checks", async () => {
  const stored = await hashPassword("correct horse", 1000);
  assert.match(stored, /^pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  assert.doesNotMatch(stored, /correct horse/);
  assert.notEqual(await hashPassword("correct horse", 1000), stored);
  assert.equal(await verifyPassword("correct horse", stored), true);
  assert.equal(await verifyPassword("correct horsf", stored), false);
  assert.equal(await verifyPassword("correct horse", "md5$abc"), false);
  assert.equal(await verifyPassword("correct horse", "pbkdf2-sha256$1000$%%%$%%%"), false);
});

Deno.test("hashPassword() uses 600,000 iterations by default", async () => {
  assert.equal(PBKDF2_ITERATIONS, 600_000);
  assert.match(await hashPassword("correct horse"), /^pbkdf2-sha256\$600000\$/);
});

Deno.test("constantTimeEqual() compares every byte and the length", () => {
  const bytes = (...values: number[]) => new Uint8Array(values);
  assert.equal(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 3)), true);
  assert.equal(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 4)), false);
  assert.equal(constantTimeEqual(bytes(1, 2), bytes(1, 2, 3)), false);
  assert.equal(constantTimeEqual(bytes(), bytes()), true);
});
