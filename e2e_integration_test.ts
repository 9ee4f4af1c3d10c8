/**
 * End-to-end encryption with real processes: key files, the server's key directory, and
 * fingerprints compared and pinned (issue 14).
 */

import assert from "node:assert/strict";
import { line, processTest, Program, ServerProgram, startClient, tempDir } from "./lib/testing.ts";

/** A client with its key file in `dir` (which it may read and write). */
function clientWithKeys(port: number, nickname: string, dir: string): Program {
  return new Program(
    "ChatClient.ts",
    ["127.0.0.1", `${port}`, nickname, "001", "--keys", `${dir}/${nickname}.json`],
    [`--allow-read=${dir}`, `--allow-write=${dir}`],
  );
}

const FINGERPRINT = /(\d{5}(?: \d{5}){11})/;

processTest(
  "both sides show the same fingerprint; a changed key warns and waits for /trust",
  async () => {
    await using server = await ServerProgram.start();
    using aliceKeys = tempDir();
    using bobKeys = tempDir();
    await using alice = clientWithKeys(server.port, "Alice", aliceKeys.path);
    await server.stdout.waitFor(line("<dt> :: Alice: connected."));
    const bobFingerprint = await (async () => {
      await using bob = clientWithKeys(server.port, "Bob", bobKeys.path);
      await server.stdout.waitFor(line("<dt> :: Bob: connected."));
      await bob.type("/fingerprint");
      const own = await bob.stdout.waitFor(/^Your fingerprint: .* \(key file .*Bob\.json\)$/);
      const digits = FINGERPRINT.exec(own.line)![1];
      await alice.type("/fingerprint Bob");
      await alice.stdout.waitFor(
        `Bob's fingerprint: ${digits} (first seen: now pinned; compare it with what Bob's ` +
          "/fingerprint shows)",
      );
      await alice.type("/fingerprint bob");
      await alice.stdout.waitFor(`bob's fingerprint: ${digits} (pinned)`);
      await bob.type("/exit");
      assert.equal(await bob.exitCode(), 0);
      return digits;
    })();
    await server.stdout.waitFor(line("<dt> :: Bob: disconnected."));

    // Someone else takes the name Bob, with another key.
    using otherKeys = tempDir();
    await using impostor = clientWithKeys(server.port, "Bob", otherKeys.path);
    await server.stdout.waitFor(line("<dt> :: Bob: connected."));
    await impostor.type("/fingerprint");
    const newDigits = FINGERPRINT.exec(
      (await impostor.stdout.waitFor(/^Your fingerprint: /)).line,
    )![1];
    assert.notEqual(newDigits, bobFingerprint);
    await alice.type("/fingerprint Bob");
    await alice.stdout.waitFor(
      `Warning: Bob's key has changed. Pinned: ${bobFingerprint}; shown now: ${newDigits}. ` +
        "Nothing is encrypted to the new key until you check it with Bob and type /trust Bob",
    );
    await alice.type("/trust Bob");
    await alice.stdout.waitFor(`You now trust Bob's new key: ${newDigits}`);
    await alice.type("/trust Bob");
    await alice.stdout.waitFor(/^Nothing to trust: no new key of Bob's is waiting/);
    await alice.type("/fingerprint Bob");
    await alice.stdout.waitFor(`Bob's fingerprint: ${newDigits} (pinned)`);
    // The key file holds private keys: only its owner may read it.
    assert.equal(Deno.statSync(`${aliceKeys.path}/Alice.json`).mode! & 0o777, 0o600);
  },
);

processTest(
  "a client without a key file says why end-to-end encryption is off; others see it has no key",
  async () => {
    await using server = await ServerProgram.start();
    using keys = tempDir();
    await using alice = clientWithKeys(server.port, "Alice", keys.path);
    await server.stdout.waitFor(line("<dt> :: Alice: connected."));
    // The spec's command: network only, so no key file.
    await using plain = startClient(server.port, "Plain", "002");
    await server.stdout.waitFor(line("<dt> :: Plain: connected."));
    await plain.type("/fingerprint");
    await plain.stdout.waitFor(
      /^End-to-end encryption is off: it keeps your keys under your config folder, and may not read \$HOME/,
    );
    await alice.type("/fingerprint Plain");
    await alice.stdout.waitFor(
      "Plain has no key: private messages to Plain are not end-to-end encrypted",
    );
  },
);
