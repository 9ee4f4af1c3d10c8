import assert from "node:assert/strict";
import {
  addressBanKey,
  banRefusal,
  looksLikeAddress,
  MAX_SERVER_BANS,
  ServerBans,
  userBanKey,
} from "./bans.ts";

const T = Date.UTC(2026, 10, 30, 9, 0, 0);

Deno.test("ServerBans: a timed ban ends by the clock it is given, one until lifted does not", () => {
  let now = T;
  const bans = new ServerBans(() => now);
  bans.add({ key: userBanKey("Bob"), target: "Bob", by: "Alice", at: T, until: T + 60_000 });
  bans.add({ key: addressBanKey("::ffff:192.0.2.9"), target: "192.0.2.9", by: "Alice", at: T });
  assert.equal(bans.user("BOB")?.target, "Bob", "a nickname in any case");
  assert.equal(bans.address("192.0.2.9")?.target, "192.0.2.9", "an IPv4-mapped address too");
  assert.equal(bans.nextEnd(), T + 60_000);
  now = T + 59_999;
  assert.deepEqual(bans.expire(), []);
  now = T + 60_000;
  assert.deepEqual(bans.expire().map((ban) => ban.target), ["Bob"]);
  assert.equal(bans.user("Bob"), undefined);
  assert.equal(bans.nextEnd(), undefined);
  assert.notEqual(bans.address("192.0.2.9"), undefined);
});

Deno.test("ServerBans: a ban that ended is not found, and bans that ended are not loaded", () => {
  let now = T;
  const bans = new ServerBans(() => now);
  const ended = bans.load([
    { key: "user:old", target: "old", by: "Alice", at: T - 2, until: T - 1 },
    { key: "user:new", target: "new", by: "Alice", at: T, until: T + 1000 },
  ]);
  assert.deepEqual(ended.map((ban) => ban.key), ["user:old"]);
  assert.equal(bans.size, 1);
  now = T + 1000;
  assert.equal(bans.find("user:new"), undefined);
  assert.equal(bans.size, 0);
});

Deno.test("ServerBans are bounded: a new key past the bound is refused, a known one replaced", () => {
  const bans = new ServerBans(() => T);
  for (let i = 0; i < MAX_SERVER_BANS; i++) {
    assert.equal(bans.add({ key: `user:u${i}`, target: `u${i}`, by: "A", at: T }), true);
  }
  assert.equal(bans.add({ key: "user:one-more", target: "one-more", by: "A", at: T }), false);
  assert.equal(bans.add({ key: "user:u1", target: "u1", by: "A", at: T, reason: "again" }), true);
  assert.equal(bans.find("user:u1")?.reason, "again");
});

Deno.test("Addresses are told from nicknames; a refusal says who, until when and why", () => {
  for (const ip of ["127.0.0.1", "192.0.2.255", "::1", "2001:db8::7", "::ffff:10.0.0.1"]) {
    assert.equal(looksLikeAddress(ip), true, ip);
  }
  for (const name of ["Bob", "1.2.3", "300.1.1.1", "a:b", "café"]) {
    assert.equal(looksLikeAddress(name), false, name);
  }
  assert.match(
    banRefusal({ key: "user:bob", target: "Bob", by: "Alice", at: T, until: T, reason: "spam" }),
    /^Banned from this server by an operator \(Alice\) until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: spam$/,
  );
  assert.equal(
    banRefusal({ key: "user:bob", target: "Bob", by: "Alice", at: T }),
    "Banned from this server by an operator (Alice) until lifted",
  );
});
