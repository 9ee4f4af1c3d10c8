/**
 * End-to-end encryption with real processes: key files, the server's key directory, and
 * fingerprints compared and pinned (issue 14).
 */

import assert from "node:assert/strict";
import { RawClient } from "../lib/tools/raw_client.ts";
import { fromBase64, toBase64 } from "../web/common/e2e.js";
import {
  line,
  processTest,
  Program,
  RecordingProxy,
  registeredClient,
  ServerProgram,
  tempDir,
} from "../lib/tools/testing.ts";

/** A client with its key file in `dir` (which it may read and write). */
function clientWithKeys(port: number, nickname: string, dir: string, more: string[] = []): Program {
  return new Program(
    "ChatClient.ts",
    ["127.0.0.1", `${port}`, nickname, "001", "--keys", `${dir}/${nickname}.json`, ...more],
    [`--allow-read=${dir}`, `--allow-write=${dir}`],
  );
}

/** A client with keys, once `server` has registered it (connected through `port`). */
async function withKeys(
  server: ServerProgram,
  nickname: string,
  dir: string,
  { port = server.port, more = [] as string[] } = {},
): Promise<Program> {
  const client = clientWithKeys(port, nickname, dir, more);
  await server.stdout.waitFor(line(`<dt> :: ${nickname}: connected.`));
  return client;
}

const FINGERPRINT = /(\d{5}(?: \d{5}){11})/;

processTest(
  "both sides show the same fingerprint; a changed key warns and waits for /trust",
  async () => {
    await using server = await ServerProgram.start();
    using aliceKeys = tempDir();
    using bobKeys = tempDir();
    await using alice = await withKeys(server, "Alice", aliceKeys.path);
    const bobFingerprint = await (async () => {
      await using bob = await withKeys(server, "Bob", bobKeys.path);
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
    await using impostor = await withKeys(server, "Bob", otherKeys.path);
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
    await using alice = await withKeys(server, "Alice", keys.path);
    // The spec's command: network only, so no key file.
    await using plain = await registeredClient(server, "Plain", "002");
    await plain.type("/fingerprint");
    await plain.stdout.waitFor(
      /^End-to-end encryption is off: it keeps your keys under your config folder, and may not read \$HOME/,
    );
    await alice.type("/fingerprint Plain");
    await alice.stdout.waitFor(
      "Plain has no key: private messages and files to Plain are not end-to-end encrypted",
    );
  },
);

/** What an end-to-end message must never look like on the wire: the text, in base64 or hex. */
function forms(text: string): string[] {
  const bytes = new TextEncoder().encode(text);
  return [text, btoa(text), [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")];
}

processTest(
  "a whisper between two clients with keys is end to end: the wire and the server never see it",
  async () => {
    await using server = await ServerProgram.start();
    using keys = tempDir();
    await using bob = await withKeys(server, "Bob", keys.path);
    await using proxy = new RecordingProxy(server.port);
    await using alice = await withKeys(server, "Alice", keys.path, { port: proxy.port });
    const secret = "the launch code is 0451";
    await alice.type(`/whisper Bob ${secret}`);
    await bob.stdout.waitFor(line(`<dt> :: [private, end-to-end] Alice: ${secret}`));
    await alice.type(`/whisper Bob ${secret}`);
    await bob.stdout.waitFor(line(`<dt> :: [private, end-to-end] Alice: ${secret}`), {
      from: bob.stdout.lines.findIndex((l) => l.includes(secret)) + 1,
    });
    await server.stdout.waitFor(/Alice: private message to Bob, Msg-Size:\d+, end-to-end$/);
    for (const form of forms(secret)) {
      assert.equal(proxy.text.includes(form), false, `"${form}" crossed the wire`);
      assert.equal(server.stdout.lines.some((l) => l.includes(form)), false, "in the console");
    }
    // The same text twice looks different.
    const sent = proxy.text.split("\n").filter((l) => l.includes('"e2e"'))
      .map((l) => JSON.parse(l.slice(l.indexOf("{"))).e2e.ct);
    assert.equal(sent.length, 2);
    assert.notEqual(sent[0], sent[1]);
  },
);

processTest(
  "to a client without keys a whisper goes in the clear, with a warning each time",
  async () => {
    await using server = await ServerProgram.start();
    using keys = tempDir();
    await using alice = await withKeys(server, "Alice", keys.path);
    await using plain = await registeredClient(server, "Plain", "002");
    for (const text of ["first", "second"]) {
      await alice.type(`/whisper Plain ${text}`);
      await plain.stdout.waitFor(line(`<dt> :: [private] Alice: ${text}`));
    }
    const warnings = alice.stdout.lines.filter((l) =>
      l === "Plain has no key: private messages and files to Plain are not end-to-end encrypted"
    );
    assert.equal(warnings.length, 2);
  },
);

processTest(
  "a replayed or forged end-to-end message shows one line saying so, also after a restart",
  async () => {
    await using server = await ServerProgram.start();
    using keys = tempDir();
    await using bob = await withKeys(server, "Bob", keys.path);
    await using proxy = new RecordingProxy(server.port);
    const envelope = await (async () => {
      await using alice = await withKeys(server, "Alice", keys.path, { port: proxy.port });
      await alice.type("/whisper Bob meet at the north gate");
      await bob.stdout.waitFor(line("<dt> :: [private, end-to-end] Alice: meet at the north gate"));
      const sent = proxy.text.split("\n").find((l) => l.includes('"e2e"'))!;
      return JSON.parse(sent.slice(sent.indexOf("{"))).e2e;
    })();
    await server.stdout.waitFor(line("<dt> :: Alice: disconnected."));
    // Someone else takes the name and sends the captured message again, then a changed copy.
    await using mallory = await RawClient.registered(server.port, "Alice");
    await mallory.sendMessage({ type: "private", to: "Bob", e2e: envelope });
    await bob.stdout.waitFor(
      "A private message from Alice could not be opened on this device: it was received before (a replay)",
    );
    const ct = Uint8Array.from(atob(envelope.ct), (c) => c.charCodeAt(0));
    ct[0] ^= 0x01;
    const changed = { ...envelope, n: envelope.n + 1, ct: btoa(String.fromCharCode(...ct)) };
    await mallory.sendMessage({ type: "private", to: "Bob", e2e: changed });
    await bob.stdout.waitFor(
      "A private message from Alice could not be opened on this device: the message was changed, or made with another key",
    );
    assert.equal(bob.stdout.lines.filter((l) => l.includes("north gate")).length, 1);
    // The session goes on.
    await mallory.sendMessage({ type: "message", message: "still here" });
    await bob.stdout.waitFor(line("<dt> :: Alice: still here"));
    // Bob starts again with the same key file: the message is still known as read.
    await bob.type("/exit");
    assert.equal(await bob.exitCode(), 0);
    await server.stdout.waitFor(line("<dt> :: Bob: disconnected."));
    const from = server.stdout.lines.length;
    await using bobAgain = clientWithKeys(server.port, "Bob", keys.path);
    await server.stdout.waitFor(line("<dt> :: Bob: connected."), { from });
    await mallory.sendMessage({ type: "private", to: "Bob", e2e: envelope });
    await bobAgain.stdout.waitFor(
      "A private message from Alice could not be opened on this device: it was received before (a replay)",
    );
  },
);

processTest(
  "an end-to-end message to an account that is away is kept as ciphertext and read after a restart",
  async () => {
    using data = tempDir();
    using keys = tempDir();
    const storeFlags = [`--allow-read=${data.path}`, `--allow-write=${data.path}`];
    const passwords = `${keys.path}/bob-password.txt`;
    Deno.writeTextFileSync(passwords, "bob's long password\n");
    const bob = (port: number) =>
      new Program(
        "ChatClient.ts",
        [
          "127.0.0.1",
          `${port}`,
          "Bob",
          "002",
          "--keys",
          `${keys.path}/Bob.json`,
          "--password-file",
          passwords,
        ],
        [`--allow-read=${keys.path}`, `--allow-write=${keys.path}`],
      );
    const secret = "the spare key is under the third flowerpot";
    {
      await using server = await ServerProgram.start(["--data", data.path], storeFlags);
      {
        await using first = bob(server.port);
        await server.stdout.waitFor(line("<dt> :: Bob: connected."));
        await first.type("/register");
        await first.type("bob's long password");
        await first.stdout.waitFor(/Bob is now your account/);
        await first.type("/exit");
        assert.equal(await first.exitCode(), 0);
      }
      await using alice = await withKeys(server, "Alice", keys.path);
      await alice.type(`/whisper Bob ${secret}`);
      await alice.stdout.waitFor(/Bob is offline: your message will be delivered/);
      await alice.type("/exit");
      assert.equal(await alice.exitCode(), 0);
    }
    // The store holds the envelope, never the text.
    for (const name of Deno.readDirSync(data.path)) {
      const bytes = new TextDecoder("latin1").decode(
        Deno.readFileSync(`${data.path}/${name.name}`),
      );
      for (const form of forms(secret)) {
        assert.equal(bytes.includes(form), false, `${name.name}: ${form}`);
      }
    }
    await using server = await ServerProgram.start(["--data", data.path], storeFlags);
    await using again = bob(server.port);
    await again.stdout.waitFor(
      line(`<dt> :: [private, end-to-end, while you were away] Alice: ${secret}`),
    );
  },
);

processTest("with --e2e-only a whisper to a client without keys is refused, not sent", async () => {
  await using server = await ServerProgram.start();
  using keys = tempDir();
  await using alice = await withKeys(server, "Alice", keys.path, { more: ["--e2e-only"] });
  await using plain = await registeredClient(server, "Plain", "002");
  await alice.type("/whisper Plain are you there?");
  await alice.stdout.waitFor(
    "Not sent: Plain cannot read an encrypted message, and --e2e-only is on",
  );
  await alice.type("said to everyone");
  await plain.stdout.waitFor(line("<dt> :: Alice: said to everyone"));
  assert.equal(plain.stdout.lines.some((l) => l.includes("are you there")), false);
  assert.equal(server.stdout.lines.some((l) => l.includes("private message")), false);
});

processTest(
  "a whisper whose ciphertext a proxy changes shows one line saying so, and the next ones arrive",
  async () => {
    await using server = await ServerProgram.start();
    using keys = tempDir();
    await using bob = await withKeys(server, "Bob", keys.path);
    let whispers = 0;
    await using proxy = new RecordingProxy(server.port, {
      alter: (frame) => {
        if (!frame.includes('"e2e"') || ++whispers !== 2) return frame;
        const message = JSON.parse(frame);
        const ct = fromBase64(message.e2e.ct);
        ct[0] ^= 0x01;
        message.e2e.ct = toBase64(ct);
        return JSON.stringify(message);
      },
    });
    await using alice = await withKeys(server, "Alice", keys.path, { port: proxy.port });
    for (const text of ["first word", "second word", "third word"]) {
      await alice.type(`/whisper Bob ${text}`);
    }
    await bob.stdout.waitFor(line("<dt> :: [private, end-to-end] Alice: first word"));
    await bob.stdout.waitFor(
      "A private message from Alice could not be opened on this device: the message was changed, or made with another key",
    );
    await bob.stdout.waitFor(line("<dt> :: [private, end-to-end] Alice: third word"));
    assert.equal(bob.stdout.lines.some((l) => l.includes("second")), false);
  },
);

/** Clients Alice (through `proxy`, when given) and Bob, with keys and downloads in `dir`. */
async function fileClients(server: ServerProgram, dir: string, proxy?: RecordingProxy) {
  const more = ["--downloads", `${dir}/downloads`];
  const bob = await withKeys(server, "Bob", dir, { more });
  const alice = await withKeys(server, "Alice", dir, { port: proxy?.port, more });
  return { alice, bob };
}

/** A file of `count` copies of `text`, written to `path`. */
function writeRepeated(path: string, text: string, count: number): Uint8Array {
  const bytes = new TextEncoder().encode(text.repeat(count));
  Deno.writeFileSync(path, bytes);
  return bytes;
}

processTest(
  "a file between two clients with keys is end to end: neither its name nor its bytes cross the wire",
  async () => {
    await using server = await ServerProgram.start();
    using dir = tempDir();
    // 24 characters, so that its base64 would show whole in the base64 of the file.
    const secret = "the quarterly figures!! ";
    const payload = writeRepeated(`${dir.path}/figures-q3.txt`, secret, 5000);
    await using proxy = new RecordingProxy(server.port);
    const { alice: a, bob: b } = await fileClients(server, dir.path, proxy);
    await using alice = a;
    await using bob = b;
    await alice.type(`/send Bob ${dir.path}/figures-q3.txt`);
    await alice.stdout.waitFor(line(
      "Offering figures-q3.txt (120.0 kB) to Bob, end-to-end encrypted: waiting for an answer " +
        "(/cancel 1 withdraws it)",
    ));
    await bob.stdout.waitFor(line(
      "<dt> :: * Alice offers figures-q3.txt (120.0 kB), end-to-end encrypted: /accept 1 or " +
        "/reject 1",
    ));
    // Three chunks, each 16 bytes longer.
    await server.stdout.waitFor(
      line("<dt> :: Alice: offers encrypted-file (120048 bytes) to Bob."),
    );
    await bob.type("/accept");
    await bob.stdout.waitFor(line(
      `Received figures-q3.txt (120.0 kB) from Alice in <any> s: ${dir.path}/downloads/figures-q3.txt`,
    ));
    await alice.stdout.waitFor(line("Sent figures-q3.txt (120.0 kB) to Bob in <any> s"));
    assert.deepEqual(Deno.readFileSync(`${dir.path}/downloads/figures-q3.txt`), payload);
    for (const form of [...forms(secret), "figures-q3"]) {
      assert.equal(proxy.text.includes(form), false, `"${form}" crossed the wire`);
      assert.equal(server.stdout.lines.some((l) => l.includes(form)), false, "in the console");
    }
  },
);

processTest(
  "a file chunk that a proxy changes fails the transfer on both sides, and nothing is kept",
  async () => {
    await using server = await ServerProgram.start();
    using dir = tempDir();
    writeRepeated(`${dir.path}/figures.txt`, "0123456789", 10_000);
    await using proxy = new RecordingProxy(server.port, {
      alter: (frame) => {
        if (!frame.includes('"chunk"') || !frame.includes('"seq":1,')) return frame;
        const message = JSON.parse(frame);
        const data = fromBase64(message.data);
        data[100] ^= 0x80;
        message.data = toBase64(data);
        return JSON.stringify(message);
      },
    });
    const { alice: a, bob: b } = await fileClients(server, dir.path, proxy);
    await using alice = a;
    await using bob = b;
    await alice.type(`/send Bob ${dir.path}/figures.txt`);
    await bob.stdout.waitFor(/offers figures\.txt \(100\.0 kB\), end-to-end encrypted: /);
    await bob.type("/accept");
    const reason = "chunk 1 was changed, or made with another key";
    await bob.stdout.waitFor(`Transfer of figures.txt from Alice failed: ${reason}`);
    await alice.stdout.waitFor(`Transfer of figures.txt to Bob failed: ${reason}`);
    assert.deepEqual([...Deno.readDirSync(`${dir.path}/downloads`)], []);
  },
);
