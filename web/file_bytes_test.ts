import assert from "node:assert/strict";
import { CHUNK_OVERHEAD, encryptedSize, fileChunks, newSession } from "./common/e2e.js";
import { CHUNK_BYTES } from "./common/protocol.js";
import { randomId, sealChunks, sha256Hex } from "./file_bytes.js";

Deno.test("sha256Hex() gives the SHA-256 of the bytes in hex", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("randomId() gives 8 random bytes in hex, a new one each time", () => {
  assert.match(randomId(), /^[0-9a-f]{16}$/);
  assert.notEqual(randomId(), randomId());
});

Deno.test("sealChunks() seals each piece into a chunk of CHUNK_BYTES that opens in turn", async () => {
  const chunks = await fileChunks(await newSession(), "t1");
  const piece = CHUNK_BYTES - CHUNK_OVERHEAD;
  const plain = new Uint8Array(2 * piece + 10).map((_, i) => i % 251);
  const sealed = await sealChunks(plain, chunks);
  assert.equal(sealed.length, encryptedSize(plain.length, CHUNK_BYTES));
  const opened = [];
  for (let seq = 0; seq * CHUNK_BYTES < sealed.length; seq++) {
    const chunk = sealed.subarray(seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES);
    opened.push(...await chunks.decrypt(seq, chunk));
  }
  assert.deepEqual(new Uint8Array(opened), plain);
});
