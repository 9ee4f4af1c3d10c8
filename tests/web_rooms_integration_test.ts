/**
 * Kept rooms on the web page, with real processes: a ChatServer serving the page (accounts in
 * memory), Debian's Chromium driven headless, and a terminal client. The page's owner sees the
 * topic in the room's bar and the members with their roles and who is away, moderates from a
 * member's menu (by keyboard and by mouse), changes the room's settings, sees a refusal as a line
 * of its own, and joins a room it is invited to with the invitation's button.
 */

import assert from "node:assert/strict";
import { Browser, type Page } from "../lib/tools/browser.ts";
import { line, processTest, ServerProgram, startClient, tempDir } from "../lib/tools/testing.ts";

/** Starts a server with the web client on a free port; returns it and that port. */
async function webServer(): Promise<{ server: ServerProgram; web: number }> {
  const server = await ServerProgram.start(["--web-port", "0"], ["--allow-read=web"]);
  const { line: started } = await server.stdout.waitFor(/^Web client at http:\/\//);
  return { server, web: Number(/:(\d+)\/$/.exec(started)![1]) };
}

/** Waits until the conversation shown has a line matching `pattern`. */
function waitForLine(page: Page, pattern: RegExp): Promise<unknown> {
  return page.waitFor(
    `[...document.querySelectorAll('#log .line')].some((l) => ${pattern}.test(l.textContent))`,
  );
}

/** The members list as it reads: `Bob (moderator, away)`. */
const MEMBERS = `[...document.querySelectorAll('#members li')].map((item) =>
  item.querySelector('.member-name').textContent +
    (item.querySelector('.member-state')?.textContent ?? ''))`;

/** Waits until the members list reads `expected`. */
async function waitForMembers(page: Page, expected: string[]): Promise<void> {
  await page.waitFor(`JSON.stringify(${MEMBERS}) === ${JSON.stringify(JSON.stringify(expected))}`)
    .catch(async (error) => {
      throw new Error(
        `${error.message}; the list reads ${JSON.stringify(await page.eval(MEMBERS))}`,
      );
    });
}

/** The button that opens `nickname`'s menu. */
const trigger = (nickname: string) =>
  `document.querySelector('#members button[aria-label="Actions for ${nickname}"]')`;

/** Opens `nickname`'s menu with the mouse and picks `action`. */
async function chooseAction(page: Page, nickname: string, action: string): Promise<void> {
  await page.waitFor(trigger(nickname));
  await page.eval(`${trigger(nickname)}.click()`);
  await page.eval(`[...${trigger(nickname)}.parentElement.querySelectorAll('[role="menuitem"]')]
    .find((item) => item.textContent === ${JSON.stringify(action)}).click()`);
}

/** What has the focus in the page, as a person would name it. */
const FOCUSED = `document.activeElement.getAttribute('aria-label') ||
  document.activeElement.id || document.activeElement.textContent`;

processTest(
  "the page shows a kept room's topic and members, moderates from a member's menu, and joins " +
    "on an invitation",
  async () => {
    const { server, web } = await webServer();
    await using _server = server;
    using profile = tempDir();
    await using browser = await Browser.launch(profile.path);
    const page = await browser.open(`http://127.0.0.1:${web}/`);
    await page.submit("#nickname", "Alice");
    await page.waitFor("!document.getElementById('chat').hidden");
    await page.submit("#message", "/register");
    await page.submit("#message", "alice's password");
    await waitForLine(page, /Account register done for Alice/);
    await using bob = startClient(server.port, "Bob", "002");
    await bob.type("/register");
    await bob.type("bob's password");
    await bob.stdout.waitFor(line("<dt> :: * Bob is now your account: <any>"));

    // Alice, an account, makes #lab: hers. She sets its topic in the room's settings.
    await page.submit("#message", "/join #lab");
    await waitForMembers(page, ["Alice (owner)"]);
    assert.equal(await page.eval("document.getElementById('room-name').textContent"), "#lab");
    assert.equal(await page.eval("document.getElementById('room-topic').textContent"), "No topic");
    await page.eval("document.getElementById('room-settings-toggle').click()");
    await page.waitFor("!document.getElementById('room-settings').hidden");
    await page.submit("#room-topic-input", "Homework 3");
    await page.waitFor(
      "document.getElementById('room-topic').textContent === 'Topic: Homework 3'",
    );
    await waitForLine(page, /Alice set the topic of #lab: Homework 3/);

    // Bob joins, and is told the topic; the page lists him, then away, then back.
    await bob.type("/join #lab");
    await bob.stdout.waitFor(line("<dt> :: * You joined #lab (members: Alice, Bob)"));
    await bob.stdout.waitFor(line("<dt> :: * Topic of #lab: Homework 3"));
    await waitForMembers(page, ["Alice (owner)", "Bob (member)"]);
    await bob.type("/quit");
    assert.equal(await bob.exitCode(), 0);
    await waitForMembers(page, ["Alice (owner)", "Bob (member, away)"]);
    await using back = startClient(server.port, "Bob", "002");
    await back.type("bob's password");
    await back.stdout.waitFor(line("<dt> :: * You joined #lab (members: Alice, Bob)"));
    await waitForMembers(page, ["Alice (owner)", "Bob (member)"]);

    // Alice's keyboard alone: Bob's menu opens on Enter, the arrows move, Escape closes it.
    await page.eval(`${trigger("Bob")}.focus()`);
    await page.press("ArrowUp");
    assert.equal(await page.eval(FOCUSED), "Make moderator");
    await page.press("Escape");
    assert.equal(await page.eval(FOCUSED), "Actions for Bob");
    assert.equal(await page.eval(`${trigger("Bob")}.getAttribute('aria-expanded')`), "false");
    await page.press("Enter");
    await page.waitFor("document.activeElement.getAttribute('role') === 'menuitem'");
    assert.deepEqual(
      await page.eval(
        `[...${trigger("Bob")}.parentElement.querySelectorAll('[role="menuitem"]')]
          .map((item) => item.textContent)`,
      ),
      ["Kick", "Ban", "Mute", "Make moderator"],
    );
    await page.press("ArrowDown");
    await page.press("ArrowDown");
    assert.equal(await page.eval(FOCUSED), "Mute");
    // Muting asks for a reason first, in a form of its own; Enter sends it.
    await page.press("Enter");
    await page.waitFor("document.activeElement.id === 'moderation-reason'");
    assert.equal(
      await page.eval("document.getElementById('moderation-title').textContent"),
      "Mute Bob",
    );
    await page.type("spam");
    await page.press("Enter");
    await back.stdout.waitFor(line("<dt> :: * Bob was muted in #lab by Alice: spam"));
    await waitForLine(page, /Bob was muted in #lab by Alice: spam/);
    await waitForMembers(page, ["Alice (owner)", "Bob (member, muted)"]);
    await page.waitFor(`document.activeElement === ${trigger("Bob")}`);
    await back.type("may I speak?");
    await back.stdout.waitFor("Error from server: You are muted in #lab: spam");

    // A moderator by the mouse; Bob may not kick the owner, and is told why.
    await chooseAction(page, "Bob", "Make moderator");
    await back.stdout.waitFor(line("<dt> :: * Bob was made a moderator of #lab by Alice"));
    await waitForMembers(page, ["Alice (owner)", "Bob (moderator, muted)"]);
    await back.type("/kick Alice");
    await back.stdout.waitFor("Error from server: Alice owns #lab: nobody can kick them");
    await chooseAction(page, "Bob", "Remove moderator");
    await back.stdout.waitFor(line("<dt> :: * Bob is no longer a moderator of #lab by Alice"));
    await waitForMembers(page, ["Alice (owner)", "Bob (member, muted)"]);

    // The server's refusal of a typed command is a line of the page's own.
    await page.submit("#message", "/unban Bob");
    await waitForLine(page, /Error: Bob is not banned in #lab/);

    // Kicked with a reason: out of the room, and out of the list.
    await chooseAction(page, "Bob", "Kick");
    await page.waitFor("document.activeElement.id === 'moderation-reason'");
    assert.equal(
      await page.eval("document.getElementById('moderation-minutes-row').hidden"),
      true,
    );
    await page.submit("#moderation-reason", "bye");
    await back.stdout.waitFor(line("<dt> :: * Bob was removed from #lab by Alice: bye"));
    await back.stdout.waitFor(line("<dt> :: * You left #lab"));
    await waitForLine(page, /Bob was removed from #lab by Alice: bye/);
    await waitForMembers(page, ["Alice (owner)"]);

    // The room made private from its settings: Bob is kept out.
    await page.eval("document.getElementById('room-private').click()");
    await waitForLine(page, /#lab is now private/);
    await back.type("/join #lab");
    await back.stdout.waitFor("Error from server: #lab is private: ask a member to /invite you");

    // Bob invites Alice into his own private room: she joins with the invitation's button.
    await back.type("/join #den");
    await back.stdout.waitFor(line("<dt> :: * You joined #den (members: Bob)"));
    await back.type("/room #den private");
    await back.type("/invite Alice #den");
    await back.stdout.waitFor(line("<dt> :: * Alice is invited to #den by Bob"));
    await waitForLine(page, /Bob invited you to #den: \/join #den/);
    const join = `[...document.querySelectorAll('#log .line-action')]
      .find((button) => button.textContent === 'Join #den')`;
    await page.eval(`${join}.focus()`);
    await page.press("Enter");
    await back.stdout.waitFor(line("<dt> :: * Alice joined #den"));
    await page.waitFor("document.getElementById('room-name').textContent === '#den'");
    await waitForMembers(page, ["Bob (owner)", "Alice (member)"]);
    // A member has no menu here, nor the room's settings; the cursor is back in the message box.
    assert.equal(await page.eval("document.querySelectorAll('#members .menu').length"), 0);
    assert.equal(await page.eval("document.getElementById('room-settings-toggle').hidden"), true);
    assert.equal(await page.eval("document.activeElement.id"), "message");
  },
);
