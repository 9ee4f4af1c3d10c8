import assert from "node:assert/strict";
import { FakeMember } from "../core/fakes.ts";
import { Identities } from "./identities.ts";

/** A fake member of another node. */
class RemoteFake extends FakeMember {
  readonly remote = true;
}

Deno.test("Identities: a connection renamed away from its account keeps it as its former account", () => {
  const identities = new Identities<FakeMember>(() => undefined);
  const bob = new FakeMember(1);
  bob.nickname = "Bob";
  bob.account = "bob";
  identities.registered(bob);
  assert.deepEqual(identities.of(bob), {
    account: "bob",
    nickKey: "bob",
    address: "192.0.2.7",
    guest: false,
  });
  bob.nickname = "Robert";
  bob.account = undefined;
  assert.deepEqual(identities.of(bob), {
    formerAccount: "bob",
    nickKey: "robert",
    address: "192.0.2.7",
    guest: true,
  });
  assert.equal(identities.addressOf("bob", [bob]), "192.0.2.7");
  assert.equal(identities.addressOf("carol", [bob]), undefined);
});

Deno.test("Identities: a guest that makes an account stays a guest for addresses; another node's user is its nickname's account", () => {
  const identities = new Identities<FakeMember>((nickname) =>
    nickname.toLowerCase() === "dave" ? "Dave" : undefined
  );
  const zed = new FakeMember(2);
  zed.nickname = "Zed";
  identities.registered(zed);
  zed.account = "zed";
  assert.equal(identities.of(zed).guest, true);
  const dave = new RemoteFake(3);
  dave.nickname = "DAVE";
  assert.deepEqual(identities.of(dave), {
    account: "dave",
    nickKey: "dave",
    address: "192.0.2.7",
    guest: false,
  });
  const eve = new RemoteFake(4);
  eve.nickname = "Eve";
  assert.equal(identities.of(eve).account, undefined);
  assert.equal(identities.addressOf("dave", [dave]), undefined, "its address is its node's");
});
