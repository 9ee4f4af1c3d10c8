/**
 * A web page and terminal clients as devices of one account, with real processes: a ChatServer
 * serving the page, Debian's Chromium driven headless, and terminal clients with key files.
 * Approving from a terminal (`/devices`, `/approve`) and from the page's Devices list.
 */

import assert from "node:assert/strict";
import { Browser, type Page } from "../lib/tools/browser.ts";
import { line, processTest, Program, ServerProgram, tempDir } from "../lib/tools/testing.ts";

/** Starts a server with the web client on a free port; returns it and that port. */
async function webServer(): Promise<{ server: ServerProgram; web: number }> {
  const server = await ServerProgram.start(["--web-port", "0"], ["--allow-read=web"]);
  const { line: started } = await server.stdout.waitFor(/^Web client at http:\/\//);
  return { server, web: Number(/:(\d+)\/$/.exec(started)![1]) };
}

/** A terminal client of `nickname` with its key file `file` in `dir` (read and written there). */
function withKeys(port: number, nickname: string, dir: string, file = nickname): Program {
  return new Program(
    "ChatClient.ts",
    ["127.0.0.1", `${port}`, nickname, "001", "--keys", `${dir}/${file}.json`],
    [`--allow-read=${dir}`, `--allow-write=${dir}`],
  );
}

/** Waits until the conversation shown has a line matching `pattern`. */
function waitForLine(page: Page, pattern: RegExp): Promise<unknown> {
  return page.waitFor(
    `[...document.querySelectorAll('#log .line')].some((l) => ${pattern}.test(l.textContent))`,
  );
}

/** Shows the conversation with `nickname` once it has a tab. */
async function openTab(page: Page, nickname: string): Promise<void> {
  const tab = `document.querySelector('#tabs [data-id="@${nickname.toLowerCase()}"]')`;
  await page.waitFor(tab);
  await page.eval(`${tab}.click()`);
}

/** The Devices list's items, as text: `number. name | state | fingerprint | buttons`. */
const DEVICE_ITEMS = `[...document.querySelectorAll('#devices li.device')].map((item) =>
  [...item.children].map((part) => part.getAttribute('aria-label') ?? part.textContent)
    .join(' | '))`;

/** Waits until the Devices list shows `count` devices, the last of which matches `last`. */
function waitForDevices(page: Page, count: number, last: RegExp): Promise<string[]> {
  return page.waitFor(`(() => {
    const items = ${DEVICE_ITEMS};
    return items.length === ${count} && ${last}.test(items.at(-1)) && items;
  })()`);
}

const FINGERPRINT = String.raw`\d{5}(?: \d{5}){11}`;

processTest("a page and a terminal client are two devices of one account", async () => {
  const { server, web } = await webServer();
  await using _server = server;
  using keys = tempDir();
  await using carol = withKeys(server.port, "Carol", keys.path);
  await server.stdout.waitFor(line("<dt> :: Carol: connected."));
  await using dana = withKeys(server.port, "Dana", keys.path);
  await server.stdout.waitFor(line("<dt> :: Dana: connected."));
  await dana.type("/register");
  await dana.type("dana's password");
  await dana.stdout.waitFor(line("<dt> :: * Dana is now your account: <any>"));
  // Carol knows Dana's one device before the page comes.
  await carol.type("/fingerprint Dana");
  await carol.stdout.waitFor(/^Dana's fingerprint: .* \(first seen: now pinned; /);

  // The page logs in to the account: a new device, not approved.
  using profile = tempDir();
  await using browser = await Browser.launch(profile.path);
  const page = await browser.open(`http://127.0.0.1:${web}/`);
  await page.submit("#nickname", "dana");
  await page.waitFor("!document.getElementById('password-row').hidden");
  await page.submit("#password", "dana's password");
  await page.waitFor("!document.getElementById('chat').hidden");
  await waitForLine(page, /This device is not approved yet: /);
  const { line: warned } = await dana.stdout.waitFor(
    new RegExp(`^A device of your account is not approved: web page \\((${FINGERPRINT})\\)`),
  );
  const pageFingerprint = new RegExp(FINGERPRINT).exec(warned)![0];
  const listed = await waitForDevices(page, 2, /web page/);
  assert.match(listed[0], new RegExp(`^1\\. terminal.* \\| approved \\| ${FINGERPRINT}$`));
  assert.equal(listed[1], `2. web page | not approved, this device | ${pageFingerprint}`);
  assert.match(
    (await page.texts("#devices .device-note"))[0]!,
    /^Approve this device from another of yours/,
  );

  // The terminal approves it.
  await dana.type("/devices");
  await dana.stdout.waitFor("Your devices (2):");
  await dana.stdout.waitFor(/^ {2}1\. terminal.*: \d{5}.* \(approved, this device\)$/);
  await dana.stdout.waitFor(`  2. web page: ${pageFingerprint} (not approved: /approve 2)`);
  await dana.type("/approve 2");
  await dana.stdout.waitFor(`Approved device 2 (web page): ${pageFingerprint}`);
  // The server tells the page, whose list changes by itself.
  assert.equal(
    (await waitForDevices(page, 2, / \| approved, this device \| /))[1],
    `2. web page | approved, this device | ${pageFingerprint}`,
  );
  assert.match(
    (await waitForDevices(page, 2, /web page/))[0],
    /^1\. terminal.* \| Remove device 1 \(terminal.*\)$/,
  );

  // Carol's whisper reaches both devices, end to end.
  await carol.type("/whisper Dana for both of you");
  await carol.stdout.waitFor("Dana added a device (web page)");
  await dana.stdout.waitFor(line("<dt> :: [private, end-to-end] Carol: for both of you"));
  await openTab(page, "Carol");
  await waitForLine(page, /\[end-to-end\]Carol.*for both of you/);
  await server.stdout.waitFor(/Carol: private message to Dana, Msg-Size:\d+, end-to-end$/);

  // A second terminal of Dana's is approved from the page's list.
  await using second = withKeys(server.port, "dana", keys.path, "Dana-second");
  await second.type("dana's password");
  await second.stdout.waitFor(/^This device is not approved yet: /);
  await waitForDevices(page, 3, / \| not approved \| .* \| Approve device 3 /);
  const approve = `document.querySelector('#devices button[aria-label^="Approve device 3 "]')`;
  await page.waitFor(approve);
  await page.eval(`${approve}.click()`);
  await waitForLine(page, /Approved device 3 \(terminal.*\)/);
  await waitForDevices(page, 3, /^3\. terminal.* \| approved \| \d{5}.* \| Remove device 3 /);
  await dana.stdout.waitFor(/^Your account added a device \(terminal.*\)$/);
  await carol.type("/whisper Dana for all three");
  await carol.stdout.waitFor(/^Dana added a device \(terminal.*\)$/);
  await second.stdout.waitFor(line("<dt> :: [private, end-to-end] Carol: for all three"));
  await dana.stdout.waitFor(line("<dt> :: [private, end-to-end] Carol: for all three"));
  await waitForLine(page, /\[end-to-end\]Carol.*for all three/);

  // And removed from there.
  const remove = `document.querySelector('#devices button[aria-label^="Remove device 3 "]')`;
  await page.eval(`${remove}.click()`);
  await waitForLine(page, /Removed device 3 \(terminal.*\): nothing is sealed to it now/);
  await waitForDevices(page, 2, /web page/);
  await dana.stdout.waitFor(/^Your account removed a device \(terminal.*\)$/);
  await carol.type("/whisper Dana for two again");
  await carol.stdout.waitFor(/^Dana removed a device \(terminal.*\)$/);
  await dana.stdout.waitFor(line("<dt> :: [private, end-to-end] Carol: for two again"));
  await waitForLine(page, /\[end-to-end\]Carol.*for two again/);

  assert.deepEqual(carol.stdout.lines.filter((each) => each.startsWith("Warning:")), []);
  assert.equal(server.stdout.lines.some((each) => /for both|for all|for two/.test(each)), false);
});
