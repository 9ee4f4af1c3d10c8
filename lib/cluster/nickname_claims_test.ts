import assert from "node:assert/strict";
import { type Claimant, NicknameClaims } from "./nickname_claims.ts";

/** A connection as the claims see it. */
class FakePeer implements Claimant {
  nickname: string | undefined;
  closing = false;
}

Deno.test("NicknameClaims.moved(): the connection that takes a user's place holds its name", async () => {
  const released: string[] = [];
  const claims = new NicknameClaims<FakePeer>({
    link: {
      up: true,
      claim: () => Promise.resolve("taken"),
      release: (key, holder) => {
        released.push(`${key}:${holder}`);
        return Promise.resolve();
      },
    },
    handle: (peer, command) => peer.nickname = command.nickname,
    refuse: () => {},
    took: () => {},
    log: () => {},
  });
  const [first, second] = [new FakePeer(), new FakePeer()];
  claims.handle(first, { kind: "register", nickname: "Ann" });
  await claims.pending(first);
  second.nickname = "Ann";
  claims.moved(first, second);
  claims.left(first);
  assert.deepEqual(released, [], "the name stays held");
  claims.left(second);
  assert.deepEqual(released, ["ann:1"], "freed with the last, as the first claimed it");
});
