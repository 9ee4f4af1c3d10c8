import assert from "node:assert/strict";
import { digestOf, sameDigest } from "./digest.ts";

Deno.test("digestOf() says the same of the same users, in any order and case of room names", () => {
  const one = digestOf([
    { nickname: "Alice", rooms: ["#ops", "#lab"] },
    { nickname: "Bob", rooms: [], bundle: "sig" },
  ]);
  const other = digestOf([
    { nickname: "Bob", rooms: new Set<string>(), bundle: "sig" },
    { nickname: "Alice", rooms: ["#LAB", "#ops"] },
  ]);
  assert.ok(sameDigest(one, other));
  assert.equal(one.count, 2);
  assert.match(one.hash, /^[0-9a-f]{16}$/);
});

Deno.test("digestOf() differs when a user, a room, a bundle or a nickname's case differs", () => {
  const base = [{ nickname: "Alice", rooms: ["#ops"] }, { nickname: "Bob", rooms: [] }];
  const digest = digestOf(base);
  for (
    const changed of [
      [{ nickname: "Alice", rooms: ["#ops"] }],
      [{ nickname: "Alice", rooms: [] }, { nickname: "Bob", rooms: [] }],
      [{ nickname: "Alice", rooms: ["#ops"] }, { nickname: "Bob", rooms: ["#ops"] }],
      [{ nickname: "Alice", rooms: ["#ops"] }, { nickname: "Bob", rooms: [], bundle: "sig" }],
      [{ nickname: "alice", rooms: ["#ops"] }, { nickname: "Bob", rooms: [] }],
    ]
  ) {
    assert.ok(!sameDigest(digest, digestOf(changed)), JSON.stringify(changed));
  }
  assert.ok(sameDigest(digestOf([]), digestOf([])));
});
