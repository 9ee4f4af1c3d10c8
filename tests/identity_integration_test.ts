/**
 * One identity per account on every address, node and device (issue 22), with real processes:
 * each user's client runs with a home folder of its own (as on a machine of its own) and keeps its
 * keys where `deno task client` keeps them; a server restarted on another port, a cluster on a
 * real redis-server, and several devices of one account connected at once.
 */

import assert from "node:assert/strict";
import { legacyKeyFile, openKeyFile } from "../lib/client/keys/key_store.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import {
  line,
  processTest,
  Program,
  RecordingProxy,
  ServerProgram,
  tempDir,
} from "../lib/tools/testing.ts";

const FINGERPRINT = /(\d{5}(?: \d{5}){11})/;

/** A user's own machine: a home folder, and clients started from it. */
class Machine implements Disposable {
  readonly #home = tempDir();

  /** The folder the client keeps its keys in. */
  get keys(): string {
    return `${this.#home.path}/config/chat/keys`;
  }

  /**
   * The chat client `deno task client` would run here: `nickname` at `host:port`, logging in
   * with `password` when given.
   */
  client(host: string, port: number, nickname: string, password?: string): Program {
    const args = [host, `${port}`, nickname, "001"];
    if (password !== undefined) {
      const file = `${this.#home.path}/password.txt`;
      Deno.writeTextFileSync(file, `${password}\n`);
      args.push("--password-file", file);
    }
    return new Program(
      "ChatClient.ts",
      args,
      [
        "--allow-env=HOME,XDG_CONFIG_HOME",
        `--allow-read=${this.#home.path}`,
        `--allow-write=${this.#home.path}`,
      ],
      [],
      { XDG_CONFIG_HOME: `${this.#home.path}/config`, HOME: this.#home.path },
    );
  }

  /** The key files kept here. */
  keyFiles(): string[] {
    return [...Deno.readDirSync(this.keys)].map((entry) => entry.name)
      .filter((name) => name.endsWith(".json") && !name.endsWith(".peers.json")).sort();
  }

  [Symbol.dispose](): void {
    this.#home[Symbol.dispose]();
  }
}

/** `client`'s own fingerprint, as `/fingerprint` shows it. */
async function fingerprintOf(client: Program): Promise<string> {
  const from = client.stdout.lines.length;
  await client.type("/fingerprint");
  const shown = await client.stdout.waitFor(/^Your fingerprint: /, { from });
  return FINGERPRINT.exec(shown.line)![1];
}

/** No line of `client`'s says a key changed, or warns of anything. */
function assertNoWarning(client: Program): void {
  const warned = client.stdout.lines.filter((l) => l.startsWith("Warning") || /changed/.test(l));
  assert.deepEqual(warned, [], "no warning where nothing changed");
}

/** Makes `nickname` an account with `password`, from a client on `machine`, then leaves. */
async function register(
  server: ServerProgram,
  machine: Machine,
  nickname: string,
  password: string,
): Promise<void> {
  await using client = machine.client("127.0.0.1", server.port, nickname);
  await server.stdout.waitFor(line(`<dt> :: ${nickname}: connected.`));
  await client.type("/register");
  await client.type(password);
  await client.stdout.waitFor(line(`<dt> :: * ${nickname} is now your account: <any>`));
  await client.type("/exit");
  assert.equal(await client.exitCode(), 0);
  await server.stdout.waitFor(line(`<dt> :: ${nickname}: disconnected.`));
}

processTest(
  "the same nickname reached as 127.0.0.1 and as localhost uses the same keys, with no warning",
  async () => {
    await using server = await ServerProgram.start();
    using aliceHome = new Machine();
    using bobHome = new Machine();
    // Bob's client of before kept a key file per address: it is taken over.
    const old = await openKeyFile(legacyKeyFile(bobHome.keys, "Bob", "127.0.0.1", server.port), {
      name: "terminal",
    });
    await using alice = aliceHome.client("127.0.0.1", server.port, "Alice");
    await fingerprintOf(alice);
    let first: string;
    {
      await using bob = bobHome.client("127.0.0.1", server.port, "Bob");
      await server.stdout.waitFor(line("<dt> :: Bob: connected."));
      first = await fingerprintOf(bob);
      assert.equal(first, await old.ownFingerprint(), "the key file of before, taken over");
      await bob.type("/whisper Alice over 127.0.0.1");
      await alice.stdout.waitFor(line("<dt> :: [private, end-to-end] Bob: over 127.0.0.1"));
      await bob.type("/exit");
      assert.equal(await bob.exitCode(), 0);
    }
    await server.stdout.waitFor(line("<dt> :: Bob: disconnected."));
    await using bob = bobHome.client("localhost", server.port, "Bob");
    await server.stdout.waitFor(line("<dt> :: Bob: connected."));
    assert.equal(await fingerprintOf(bob), first);
    await bob.type("/whisper Alice over localhost");
    await alice.stdout.waitFor(line("<dt> :: [private, end-to-end] Bob: over localhost"));
    await alice.type("/whisper Bob both ways");
    await bob.stdout.waitFor(line("<dt> :: [private, end-to-end] Alice: both ways"));
    assertNoWarning(alice);
    assertNoWarning(bob);
    // One key file for the chat (beside the one of before), whatever the address.
    const files = bobHome.keyFiles();
    assert.equal(files.length, 2, files.join(", "));
    assert.ok(files.some((name) => /^bob@[A-Za-z0-9_-]{22}\.json$/.test(name)));
  },
);

processTest(
  "a message kept for an account is read after the server restarts on another port",
  async () => {
    using data = tempDir();
    using aliceHome = new Machine();
    using bobHome = new Machine();
    const storeFlags = [`--allow-read=${data.path}`, `--allow-write=${data.path}`];
    const secret = "the boat leaves at six";
    let firstPort: number;
    {
      await using server = await ServerProgram.start(["--data", data.path], storeFlags);
      firstPort = server.port;
      await register(server, bobHome, "Bob", "bob's long password");
      await using proxy = new RecordingProxy(server.port);
      await using alice = aliceHome.client("127.0.0.1", proxy.port, "Alice");
      await server.stdout.waitFor(line("<dt> :: Alice: connected."));
      await alice.type(`/whisper Bob ${secret}`);
      await alice.stdout.waitFor("Bob is offline: your message will be delivered when they return");
      assert.equal(proxy.text.includes(secret), false, "no text of a whisper on the wire");
      await alice.type("/exit");
      assert.equal(await alice.exitCode(), 0);
    }
    await using server = await ServerProgram.start(["--data", data.path], storeFlags);
    assert.notEqual(server.port, firstPort);
    await using bob = bobHome.client("127.0.0.1", server.port, "Bob", "bob's long password");
    await bob.stdout.waitFor(
      line(`<dt> :: [private, end-to-end, while you were away] Alice: ${secret}`),
    );
    await using alice = aliceHome.client("localhost", server.port, "Alice");
    await fingerprintOf(alice); // Her keys are out: a whisper to her is sealed.
    await bob.type("/whisper Alice got it");
    await alice.stdout.waitFor(line("<dt> :: [private, end-to-end] Bob: got it"));
    assertNoWarning(alice);
    assertNoWarning(bob);
  },
);

processTest(
  "an account away reads at another node of a cluster what was kept for it at the first",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    const node = () => ServerProgram.startNode(redis.url);
    await using a = await node();
    await using b = await node();
    using aliceHome = new Machine();
    using bobHome = new Machine();
    await register(a, bobHome, "Bob", "bob's long password");
    await using alice = aliceHome.client("127.0.0.1", a.port, "Alice");
    await a.stdout.waitFor(line("<dt> :: Alice: connected."));
    await alice.type("/whisper Bob kept at node A");
    await alice.stdout.waitFor("Bob is offline: your message will be delivered when they return");
    await using bob = bobHome.client("127.0.0.1", b.port, "Bob", "bob's long password");
    await bob.stdout.waitFor(
      line("<dt> :: [private, end-to-end, while you were away] Alice: kept at node A"),
    );
    await bob.type("/whisper Alice read at node B");
    await alice.stdout.waitFor(line("<dt> :: [private, end-to-end] Bob: read at node B"));
    assertNoWarning(alice);
    assertNoWarning(bob);
    // Both nodes name the same chat: one key file.
    assert.equal(bobHome.keyFiles().length, 1);
  },
);

processTest(
  "two devices of one account: approval, both reading a whisper and a kept message, revocation",
  async () => {
    using data = tempDir();
    const storeFlags = [`--allow-read=${data.path}`, `--allow-write=${data.path}`];
    await using server = await ServerProgram.start(["--data", data.path], storeFlags);
    using aliceHome = new Machine();
    using laptop = new Machine();
    using phone = new Machine();
    const password = "bob's long password";
    await register(server, laptop, "Bob", password);
    await using alice = aliceHome.client("127.0.0.1", server.port, "Alice");
    await server.stdout.waitFor(line("<dt> :: Alice: connected."));
    await alice.type("/fingerprint Bob");
    await alice.stdout.waitFor(/^Bob's fingerprint: [\d ]+ \(first seen: now pinned/);

    await using first = laptop.client("127.0.0.1", server.port, "Bob", password);
    await server.stdout.waitFor(line("<dt> :: Bob: connected."));
    await using second = phone.client("127.0.0.1", server.port, "Bob", password);
    await second.stdout.waitFor(/^This device is not approved yet: /);
    await first.stdout.waitFor(/^A device of your account is not approved: terminal \(/);

    // Not yet approved: nothing is sealed to it, and both ends are told.
    await alice.type("/whisper Bob before the approval");
    await alice.stdout.waitFor(/^Warning: Bob has a device that is not approved: terminal /);
    await first.stdout.waitFor(line("<dt> :: [private, end-to-end] Alice: before the approval"));
    await second.stdout.waitFor(
      /^A private message from Alice could not be opened on this device: it was sealed before this device was approved/,
    );
    await alice.stdout.waitFor(
      /^Bob could not open your private message of .* on their device "terminal": it was sealed before this device was approved/,
    );

    await first.type("/devices");
    await first.stdout.waitFor(/^ {2}1\. terminal: [\d ]+ \(approved, this device\)$/);
    await first.stdout.waitFor(/^ {2}2\. terminal: [\d ]+ \(not approved: \/approve 2\)$/);
    await first.type("/approve 2");
    await first.stdout.waitFor(/^Approved device 2 \(terminal\): [\d ]+$/);

    await alice.type("/whisper Bob to both devices");
    await alice.stdout.waitFor("Bob added a device (terminal)");
    for (const device of [first, second]) {
      await device.stdout.waitFor(line("<dt> :: [private, end-to-end] Alice: to both devices"));
    }
    // What one device sends shows on the other as sent.
    await second.type("/whisper Alice from the phone");
    await alice.stdout.waitFor(line("<dt> :: [private, end-to-end] Bob: from the phone"));
    await first.stdout.waitFor(
      line("<dt> :: [private, end-to-end, to Alice] Bob: from the phone"),
    );

    // Kept while both are away: each reads it when it comes back.
    for (const device of [first, second]) {
      await device.type("/exit");
      assert.equal(await device.exitCode(), 0);
    }
    await server.stdout.waitFor(line("<dt> :: Bob: disconnected."));
    await alice.type("/whisper Bob kept for both");
    await alice.stdout.waitFor("Bob is offline: your message will be delivered when they return");
    for (const machine of [laptop, phone]) {
      const from = server.stdout.lines.length;
      await using device = machine.client("127.0.0.1", server.port, "Bob", password);
      await device.stdout.waitFor(
        line("<dt> :: [private, end-to-end, while you were away] Alice: kept for both"),
      );
      await device.type("/exit");
      assert.equal(await device.exitCode(), 0);
      await server.stdout.waitFor(line("<dt> :: Bob: disconnected."), { from });
    }

    // Revoked: nothing is sealed to it any more, and peers are told.
    const from = server.stdout.lines.length;
    await using again = laptop.client("127.0.0.1", server.port, "Bob", password);
    await server.stdout.waitFor(line("<dt> :: Bob: connected."), { from });
    await again.type("/devices");
    await again.stdout.waitFor(/^ {2}2\. terminal: /);
    await again.type("/revoke 2");
    await again.stdout.waitFor("Removed device 2 (terminal): nothing is sealed to it now");
    await alice.type("/whisper Bob after the revocation");
    await alice.stdout.waitFor("Bob removed a device (terminal)");
    await again.stdout.waitFor(line("<dt> :: [private, end-to-end] Alice: after the revocation"));
    const sent = alice.stdout.lines.filter((l) => l.startsWith("Warning"));
    assert.deepEqual(sent.map((l) => l.includes("has a device that is not approved")), [true]);
    assert.equal(alice.stdout.lines.some((l) => /key has changed/.test(l)), false);
  },
);

processTest(
  "a sender who was away is told at its next login that a device could not open its message",
  async () => {
    using data = tempDir();
    const storeFlags = [`--allow-read=${data.path}`, `--allow-write=${data.path}`];
    await using server = await ServerProgram.start(["--data", data.path], storeFlags);
    using aliceHome = new Machine();
    using laptop = new Machine();
    using phone = new Machine();
    await register(server, aliceHome, "Alice", "alice's long password");
    await register(server, laptop, "Bob", "bob's long password");
    /** Runs `machine`'s client as `nickname` until it shows `shows`, then leaves. */
    const visit = async (machine: Machine, nickname: string, password: string, shows: RegExp) => {
      const from = server.stdout.lines.length;
      await using client = machine.client("127.0.0.1", server.port, nickname, password);
      await client.stdout.waitFor(shows);
      await client.type("/exit");
      assert.equal(await client.exitCode(), 0);
      await server.stdout.waitFor(line(`<dt> :: ${nickname}: disconnected.`), { from });
      return client;
    };
    // The phone comes once (unapproved) and leaves; Alice whispers while both are away.
    await visit(phone, "Bob", "bob's long password", /^This device is not approved yet/);
    {
      await using alice = aliceHome.client(
        "127.0.0.1",
        server.port,
        "Alice",
        "alice's long password",
      );
      await alice.type("/whisper Bob sealed for the laptop only");
      await alice.stdout.waitFor("Bob is offline: your message will be delivered when they return");
      await alice.type("/exit");
      assert.equal(await alice.exitCode(), 0);
    }
    await visit(
      phone,
      "Bob",
      "bob's long password",
      /^A private message from Alice could not be opened on this device: it was sealed before/,
    );
    await visit(
      aliceHome,
      "Alice",
      "alice's long password",
      /^Bob could not open your private message of .* on their device "terminal": it was sealed before this device was approved$/,
    );
    await visit(
      laptop,
      "Bob",
      "bob's long password",
      line("<dt> :: [private, end-to-end, while you were away] Alice: sealed for the laptop only"),
    );
  },
);
