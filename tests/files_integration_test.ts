/**
 * End-to-end tests of file transfer (spec part B, S2): real ChatServer and ChatClient
 * processes, and raw clients that send what a well-behaved client would not.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { EXTENSION_TYPES } from "../protocol.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { line, processTest, Program, ServerProgram, tempDir } from "../lib/tools/testing.ts";

/** A ChatClient that may read `dir` and save files in `dir`/downloads. */
function clientIn(dir: string, port: number, nickname: string): Program {
  return new Program(
    "ChatClient.ts",
    ["127.0.0.1", `${port}`, nickname, "001", "--downloads", `${dir}/downloads`],
    [`--allow-read=${dir}`, `--allow-write=${dir}`],
  );
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65536, length)));
  }
  return bytes;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Entries of `dir`, sorted. */
function list(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

processTest(
  "a file of a few MiB arrives identical, under a new name when one is taken, while chat goes on",
  async () => {
    using data = tempDir();
    const payload = randomBytes(3 * 1024 * 1024 + 17);
    Deno.writeFileSync(`${data.path}/photo.jpg`, payload);
    Deno.mkdirSync(`${data.path}/downloads`);
    Deno.writeTextFileSync(`${data.path}/downloads/photo.jpg`, "already here");
    await using server = await ServerProgram.start();
    await using bob = clientIn(data.path, server.port, "Bob");
    await server.stdout.waitFor(line("<dt> :: Bob: connected."));
    await using alice = clientIn(data.path, server.port, "Alice");
    await bob.stdout.waitFor(line("<dt> :: * Alice joined the chat"));

    await alice.type(`/send bob ${data.path}/photo.jpg`);
    await alice.stdout.waitFor(
      line("Offering photo.jpg (3.1 MB) to bob: waiting for an answer (/cancel 1 withdraws it)"),
    );
    await bob.stdout.waitFor(
      line("<dt> :: * Alice offers photo.jpg (3.1 MB): /accept 1 or /reject 1"),
    );
    await server.stdout.waitFor(line("<dt> :: Alice: offers photo.jpg (3145745 bytes) to Bob."));
    await bob.type("/transfers");
    await bob.stdout.waitFor(
      line("  1  photo.jpg (3.1 MB) from Alice: offered: /accept 1 or /reject 1"),
    );
    await bob.type("/accept");
    await alice.type("still chatting");
    await bob.stdout.waitFor(line("<dt> :: Alice: still chatting"));
    await bob.stdout.waitFor(line("Receiving photo.jpg (3.1 MB) from Alice"));
    const received = await bob.stdout.waitFor(
      line(
        `Received photo.jpg (3.1 MB) from Alice in <any> s: ${data.path}/downloads/photo (1).jpg`,
      ),
    );
    assert.ok(received);
    await alice.stdout.waitFor(line("Sending photo.jpg (3.1 MB) to bob"));
    await alice.stdout.waitFor(line("Sent photo.jpg (3.1 MB) to bob in <any> s"));
    await server.stdout.waitFor(line("<dt> :: Bob: accepted photo.jpg from Alice."));
    await server.stdout.waitFor(
      line("<dt> :: transfer of photo.jpg (3145745 bytes) from Alice to Bob finished in <any> s."),
    );
    assert.equal(
      sha256(Deno.readFileSync(`${data.path}/downloads/photo (1).jpg`)),
      sha256(payload),
    );
    assert.equal(Deno.readTextFileSync(`${data.path}/downloads/photo.jpg`), "already here");
    assert.deepEqual(list(`${data.path}/downloads`), ["photo (1).jpg", "photo.jpg"]);
    assert.doesNotMatch(server.stdout.lines.join("\n"), /still chatting.*photo|[A-Za-z0-9+/]{200}/);
  },
);

processTest("a rejected offer, and offers withdrawn or cancelled from either side", async () => {
  using data = tempDir();
  Deno.writeFileSync(`${data.path}/a.txt`, randomBytes(1000));
  await using server = await ServerProgram.start();
  await using bob = clientIn(data.path, server.port, "Bob");
  await server.stdout.waitFor(line("<dt> :: Bob: connected."));
  await using alice = clientIn(data.path, server.port, "Alice");
  await bob.stdout.waitFor(line("<dt> :: * Alice joined the chat"));

  await alice.type(`/send Bob ${data.path}/a.txt`);
  await bob.stdout.waitFor(line("<dt> :: * Alice offers a.txt (1.0 kB): /accept 1 or /reject 1"));
  await bob.type("/reject 1");
  await bob.stdout.waitFor(line("Rejected a.txt from Alice"));
  await alice.stdout.waitFor(line("Bob rejected a.txt"));

  await alice.type(`/send Bob ${data.path}/a.txt`);
  await bob.stdout.waitFor(line("<dt> :: * Alice offers a.txt (1.0 kB): /accept 2 or /reject 2"));
  await alice.type("/cancel");
  await alice.stdout.waitFor(line("Transfer of a.txt to Bob failed: cancelled"));
  await bob.stdout.waitFor(line("Transfer of a.txt from Alice failed: cancelled by the user"));

  await alice.type(`/send Bob ${data.path}/a.txt`);
  await bob.stdout.waitFor(line("<dt> :: * Alice offers a.txt (1.0 kB): /accept 3 or /reject 3"));
  await bob.type("/cancel 3");
  await bob.stdout.waitFor(line("Transfer of a.txt from Alice failed: cancelled"));
  await alice.stdout.waitFor(line("Transfer of a.txt to Bob failed: cancelled by the user"));
  await server.stdout.waitFor(
    line("<dt> :: transfer of a.txt (1000 bytes) from Alice to Bob rejected by Bob."),
  );
  const cancelled = line(
    "<dt> :: transfer of a.txt (1000 bytes) from Alice to Bob failed: cancelled by the user.",
  );
  const first = await server.stdout.waitFor(cancelled);
  await server.stdout.waitFor(cancelled, { from: first.index + 1 });
  await bob.type("/transfers");
  await bob.stdout.waitFor(line("No transfers (/send <user> <path> offers a file)"));
  assert.deepEqual(list(data.path), ["a.txt"], "nothing is written before /accept");
});

/** A raw client that has offered Bob `size` bytes and waits for the answer. */
async function rawOffer(port: number, size: number, sha: string): Promise<RawClient> {
  const sender = await RawClient.registered(port, "Raw", EXTENSION_TYPES);
  await sender.sendMessage({
    type: "offer",
    id: "raw1",
    to: "Bob",
    name: "r.bin",
    size,
    sha256: sha,
  });
  return sender;
}

processTest(
  "the recipient cancelling or leaving mid-transfer leaves no .part file behind",
  async () => {
    using data = tempDir();
    await using server = await ServerProgram.start();
    const bob = clientIn(data.path, server.port, "Bob");
    await server.stdout.waitFor(line("<dt> :: Bob: connected."));
    const chunk = randomBytes(1000);
    await using sender = await rawOffer(server.port, 5000, "00".repeat(32));
    await bob.stdout.waitFor(line("<dt> :: * Raw offers r.bin (5.0 kB): /accept 1 or /reject 1"));
    await bob.type("/accept");
    assert.deepEqual(await sender.nextOfType("accept"), { type: "accept", id: "raw1" });
    await sender.sendMessage({ type: "chunk", id: "raw1", seq: 0, data: chunk.toBase64() });
    assert.deepEqual(await sender.nextOfType("received"), { type: "received", id: "raw1", seq: 0 });
    assert.deepEqual(list(`${data.path}/downloads`), ["r.bin.part"]);
    // Chat goes on while the transfer is under way.
    await sender.sendMessage({ type: "message", message: "half way there" });
    await bob.stdout.waitFor(line("<dt> :: Raw: half way there"));
    await bob.type("/exit");
    assert.equal(await bob.exitCode(), 0);
    assert.deepEqual(await sender.nextOfType("cancel"), {
      type: "cancel",
      id: "raw1",
      reason: "Bob left",
    });
    assert.deepEqual(list(`${data.path}/downloads`), []);
    await bob[Symbol.asyncDispose]();

    await using again = clientIn(data.path, server.port, "Bob");
    await server.stdout.waitFor(line("<dt> :: Bob: connected."), { from: 4 });
    await sender.sendMessage({
      type: "offer",
      id: "raw2",
      to: "Bob",
      name: "r.bin",
      size: 5000,
      sha256: "00".repeat(32),
    });
    await again.stdout.waitFor(line("<dt> :: * Raw offers r.bin (5.0 kB): /accept 1 or /reject 1"));
    await again.type("/accept");
    await sender.nextOfType("accept");
    await sender.sendMessage({ type: "chunk", id: "raw2", seq: 0, data: chunk.toBase64() });
    await sender.nextOfType("received");
    await again.type("/cancel");
    await again.stdout.waitFor(line("Transfer of r.bin from Raw failed: cancelled"));
    assert.deepEqual(await sender.nextOfType("cancel"), {
      type: "cancel",
      id: "raw2",
      reason: "cancelled by the user",
    });
    await again.type("/transfers");
    await again.stdout.waitFor(line("No transfers (/send <user> <path> offers a file)"));
    assert.deepEqual(list(`${data.path}/downloads`), []);
  },
);

processTest("a file that does not match its checksum fails, and nothing is kept", async () => {
  using data = tempDir();
  await using server = await ServerProgram.start();
  await using bob = clientIn(data.path, server.port, "Bob");
  await server.stdout.waitFor(line("<dt> :: Bob: connected."));
  const announced = randomBytes(2000);
  const sent = announced.slice();
  sent[1234] ^= 0xff;
  await using sender = await rawOffer(server.port, 2000, sha256(announced));
  await bob.stdout.waitFor(line("<dt> :: * Raw offers r.bin (2.0 kB): /accept 1 or /reject 1"));
  await bob.type("/accept");
  await sender.nextOfType("accept");
  await sender.sendMessage({ type: "chunk", id: "raw1", seq: 0, data: sent.toBase64() });
  await bob.stdout.waitFor(
    line("Transfer of r.bin from Raw failed: the file does not match its checksum"),
  );
  assert.deepEqual(await sender.nextOfType("cancel"), {
    type: "cancel",
    id: "raw1",
    reason: "the file does not match its checksum",
  });
  await server.stdout.waitFor(line(
    "<dt> :: transfer of r.bin (2000 bytes) from Raw to Bob failed: the file does not match its checksum.",
  ));
  assert.deepEqual(list(`${data.path}/downloads`), []);
});

processTest("the size and count limits, and data that is not the sender's to send", async () => {
  await using server = await ServerProgram.start([
    "--max-file-size",
    "1000",
    "--max-transfers",
    "1",
  ]);
  await using alice = await RawClient.registered(server.port, "Alice", EXTENSION_TYPES);
  await using bob = await RawClient.registered(server.port, "Bob", EXTENSION_TYPES);
  const sha = "00".repeat(32);
  await alice.sendMessage({
    type: "offer",
    id: "big",
    to: "Bob",
    name: "b",
    size: 1001,
    sha256: sha,
  });
  assert.deepEqual(await alice.nextOfType("cancel"), {
    type: "cancel",
    id: "big",
    reason: "File too large: the limit is 1000 bytes",
  });
  await alice.sendMessage({
    type: "offer",
    id: "one",
    to: "Bob",
    name: "b",
    size: 10,
    sha256: sha,
  });
  assert.equal((await bob.nextOfType("offer")).id, "one");
  await alice.sendMessage({
    type: "offer",
    id: "two",
    to: "Bob",
    name: "b",
    size: 10,
    sha256: sha,
  });
  assert.deepEqual(await alice.nextOfType("cancel"), {
    type: "cancel",
    id: "two",
    reason: "Too many transfers at once: the limit is 1 per client",
  });
  await bob.sendMessage({ type: "chunk", id: "one", seq: 0, data: "AAAA" });
  assert.deepEqual(await bob.next(), {
    type: "error",
    message: 'Transfer "one": only its sender sends data; nothing changed',
  });
  await using baseline = await RawClient.connect(server.port);
  await baseline.register("Carol");
  await baseline.nextLine();
  await alice.sendMessage({
    type: "offer",
    id: "three",
    to: "carol",
    name: "b",
    size: 1,
    sha256: sha,
  });
  assert.deepEqual(await alice.nextOfType("cancel"), {
    type: "cancel",
    id: "three",
    reason: 'User "Carol" cannot receive files: their client does not support them',
  });
});

processTest(
  "with network permission only, /send and /accept say what is missing and chat goes on",
  async () => {
    using data = tempDir();
    Deno.writeFileSync(`${data.path}/a.txt`, randomBytes(10));
    await using server = await ServerProgram.start();
    await using bob = new Program("ChatClient.ts", ["127.0.0.1", `${server.port}`, "Bob", "1"]);
    await server.stdout.waitFor(line("<dt> :: Bob: connected."));
    await using alice = new Program("ChatClient.ts", ["127.0.0.1", `${server.port}`, "Alice", "2"]);
    await bob.stdout.waitFor(line("<dt> :: * Alice joined the chat"));
    await alice.type(`/send Bob ${data.path}/a.txt`);
    await alice.stdout.waitFor(
      line(
        `Cannot read "${data.path}/a.txt": the client needs --allow-read (deno task client grants it)`,
      ),
    );
    await using raw = await rawOffer(server.port, 10, "00".repeat(32));
    await bob.stdout.waitFor(line("<dt> :: * Raw offers r.bin (10 B): /accept 1 or /reject 1"));
    await bob.type("/accept");
    await bob.stdout.waitFor(line(
      'Cannot save to "downloads": the client needs --allow-write=downloads (deno task client grants it)',
    ));
    await alice.type("chat goes on");
    await bob.stdout.waitFor(line("<dt> :: Alice: chat goes on"));
    await raw.close();
  },
);
