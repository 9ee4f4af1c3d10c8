/**
 * End-to-end tests of one account connected from several clients at once: real ChatServer and
 * ChatClient processes (and raw connections), the accounts kept in memory.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { Browser } from "../lib/tools/browser.ts";
import { line, processTest, ServerProgram, startClient, tempDir } from "../lib/tools/testing.ts";
import { MAX_CONNECTIONS_PER_ACCOUNT } from "../lib/server/limits.ts";

/** A raw JSON client that logs in to account `nickname` with `password`. */
function loggedIn(port: number, nickname: string, password: string): Promise<RawClient> {
  return RawClient.loggedIn(port, nickname, password, EXTENSION_TYPES);
}

processTest(
  "two terminals of one account: both get everything, a whisper from one shows as sent on the other",
  async () => {
    await using server = await ServerProgram.start();
    await using bob = startClient(server.port, "Bob", "002");
    await server.stdout.waitFor(line("<dt> :: Bob: connected."));
    await using one = startClient(server.port, "Alice", "001");
    await one.type("/register");
    await one.type("alice's password");
    await one.stdout.waitFor(line("<dt> :: * Alice is now your account: <any>"));
    await bob.type("/join #lab");
    await bob.stdout.waitFor(line("<dt> :: * You joined #lab (members: Bob)"));
    await one.type("/join #lab");
    await bob.stdout.waitFor(line("<dt> :: * Alice joined #lab"));
    await one.type("/all");

    await using two = startClient(server.port, "alice", "009");
    await two.type("alice's password");
    await server.stdout.waitFor(line("<dt> :: Alice: connected (now from 2 places)."));
    await two.stdout.waitFor(line("<dt> :: * You are in #lab (joined from another connection)"));
    await two.type("/list");
    await two.stdout.waitFor(line("Connected (2): Bob, Alice"));

    // A line to everyone, a room line and a whisper reach both connections.
    await bob.type("/all");
    await bob.type("hello both");
    await one.stdout.waitFor(line("<dt> :: Bob: hello both"));
    await two.stdout.waitFor(line("<dt> :: Bob: hello both"));
    await bob.type("/join #lab");
    await bob.type("in the lab");
    await one.stdout.waitFor(line("<dt> :: [#lab] Bob: in the lab"));
    await two.stdout.waitFor(line("<dt> :: [#lab] Bob: in the lab"));
    await bob.type("/whisper Alice psst");
    await one.stdout.waitFor(line("<dt> :: [private] Bob: psst"));
    await two.stdout.waitFor(line("<dt> :: [private] Bob: psst"));

    // What one connection says reaches the other too; a whisper shows there as sent.
    await one.type("from the first terminal");
    await bob.stdout.waitFor(line("<dt> :: Alice: from the first terminal"));
    await two.stdout.waitFor(line("<dt> :: Alice: from the first terminal"));
    await two.type("/whisper bob back at you");
    await bob.stdout.waitFor(line("<dt> :: [private] Alice: back at you"));
    await one.stdout.waitFor(line("<dt> :: [private to Bob] Alice: back at you"));
    assert.equal(
      two.stdout.lines.some((each) => each.includes("back at you") && each.includes("::")),
      false,
      "the sending terminal is not sent its own whisper",
    );
    await two.type("/nick Alicia");
    await two.stdout.waitFor(line(
      "Error from server: Cannot change the nickname while Alice is connected from 2 places: " +
        "leave the others first",
    ));

    // Bob was told once that Alice came; one leaving keeps the other.
    await one.type("/exit");
    assert.equal(await one.exitCode(), 0);
    await server.stdout.waitFor(
      line("<dt> :: Alice: disconnected (still connected from 1 place)."),
    );
    await bob.type("still there?");
    await two.stdout.waitFor(line("<dt> :: [#lab] Bob: still there?"));
    await two.type("yes");
    await bob.stdout.waitFor(line("<dt> :: Alice: yes"));
    const joinedOrLeft = (each: string) => /\* Alice (joined|left) the chat/.test(each);
    assert.deepEqual(bob.stdout.lines.filter(joinedOrLeft).length, 1, "joined, once");
    await two.type("/exit");
    assert.equal(await two.exitCode(), 0);
    await bob.stdout.waitFor(line("<dt> :: * Alice left the chat (disconnected)"));
    await server.stdout.waitFor(line("<dt> :: Alice: disconnected."));
  },
);

processTest("a guest's second connection is refused; an account's is capped", async () => {
  await using server = await ServerProgram.start();
  await using carol = await RawClient.registered(server.port, "Carol", EXTENSION_TYPES);
  await using again = await RawClient.connect(server.port);
  await again.register("carol", "002", EXTENSION_TYPES);
  assert.deepEqual(await again.next(), { type: "error", message: "Nickname already in use" });

  const first = await RawClient.registered(server.port, "Dana", EXTENSION_TYPES);
  await first.sendMessage({ type: "account", action: "register", password: "dana's password" });
  assert.equal((await first.nextOfType("account")).action, "register");
  const more: RawClient[] = [];
  for (let n = 1; n < MAX_CONNECTIONS_PER_ACCOUNT; n++) {
    more.push(await loggedIn(server.port, "Dana", "dana's password"));
  }
  await server.stdout.waitFor(
    line(`<dt> :: Dana: connected (now from ${MAX_CONNECTIONS_PER_ACCOUNT} places).`),
  );
  await using past = await RawClient.connect(server.port);
  await past.register("Dana", "011", EXTENSION_TYPES);
  assert.equal((await past.next()).type, "login");
  await past.sendMessage({ type: "login", password: "dana's password" });
  assert.deepEqual(await past.next(), {
    type: "error",
    message: `Dana is connected from ${MAX_CONNECTIONS_PER_ACCOUNT} places already, the most ` +
      "an account may be: leave one of them first",
  });
  // The first connection leaves: the others stay, and carry on in its place.
  await first.close();
  await server.stdout.waitFor(line("<dt> :: Dana: disconnected (still connected from 9 places)."));
  await carol.sendMessage({ type: "private", to: "dana", message: "to every Dana" });
  for (const client of more) {
    assert.equal((await client.nextOfType("private")).message, "to every Dana");
  }
  await carol.sendMessage({ type: "list" });
  assert.deepEqual((await carol.nextOfType("list")).users, ["Carol", "Dana"]);
  for (const client of more) await client.close();
  assert.equal((await carol.nextOfType("left")).nickname, "Dana");
});

processTest("a web page and a terminal as two connections of one account", async () => {
  const server = await ServerProgram.start(["--web-port", "0"], ["--allow-read=web"]);
  await using _server = server;
  const { line: started } = await server.stdout.waitFor(/^Web client at http:\/\//);
  const web = Number(/:(\d+)\/$/.exec(started)![1]);
  await using bob = await RawClient.registered(server.port, "Bob", EXTENSION_TYPES);
  await using terminal = startClient(server.port, "Dana", "004");
  await terminal.type("/register");
  await terminal.type("dana's password");
  await terminal.stdout.waitFor(line("<dt> :: * Dana is now your account: <any>"));
  using profile = tempDir();
  await using browser = await Browser.launch(profile.path);
  const page = await browser.open(`http://127.0.0.1:${web}/`);
  await page.submit("#nickname", "dana");
  await page.waitFor("!document.getElementById('password-row').hidden");
  await page.submit("#password", "dana's password");
  await page.waitFor("!document.getElementById('chat').hidden");
  await server.stdout.waitFor(line("<dt> :: Dana: connected (now from 2 places)."));

  // A whisper from the terminal shows on the page as sent, in the conversation with Bob.
  await terminal.type("/whisper Bob from the terminal");
  assert.equal((await bob.nextOfType("private")).message, "from the terminal");
  const tab =
    `[...document.querySelectorAll('#tabs button')].find((t) => t.textContent.startsWith('Bob'))`;
  await page.waitFor(`${tab} !== undefined`);
  await page.eval(`${tab}.click()`);
  await page.waitFor(
    `[...document.querySelectorAll('#log .line')].some((l) => l.textContent.includes('Danafrom the terminal'))`,
  );
  // And one from the page on the terminal.
  await page.submit("#message", "/w Bob from the page");
  assert.equal((await bob.nextOfType("private")).message, "from the page");
  await terminal.stdout.waitFor(line("<dt> :: [private to Bob] Dana: from the page"));
  // Bob's line to everyone reaches both.
  await bob.sendMessage({ type: "message", message: "hi Dana, wherever you are" });
  await terminal.stdout.waitFor(line("<dt> :: Bob: hi Dana, wherever you are"));
  await page.eval(`document.querySelector('#tabs button').click()`);
  await page.waitFor(
    `[...document.querySelectorAll('#log .line')].some((l) => l.textContent.includes('hi Dana, wherever you are'))`,
  );
});
