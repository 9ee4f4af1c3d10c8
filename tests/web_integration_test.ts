/**
 * End-to-end tests of the web client (spec part B, S2's GUI): a real ChatServer serving the page,
 * Debian's Chromium driven headless through the DevTools protocol, and terminal clients beside it.
 */

import assert from "node:assert/strict";
import { Browser, type Page } from "../lib/tools/browser.ts";
import {
  line,
  processTest,
  Program,
  ServerProgram,
  startClient,
  tempDir,
  TEST_TLS,
} from "../lib/tools/testing.ts";

/** Where the test keeps the screenshot the README shows (taken when it is missing). */
const SCREENSHOT = "docs/web-client.png";

/** Starts a server with the web client on `webPort` (0: a free one); returns it and its port. */
async function webServer(webPort = 0): Promise<{ server: ServerProgram; web: number }> {
  const server = await ServerProgram.start(["--web-port", `${webPort}`], ["--allow-read=web"]);
  const { line: started } = await server.stdout.waitFor(/^Web client at http:\/\//);
  return { server, web: Number(/:(\d+)\/$/.exec(started)![1]) };
}

/** Opens the page and joins as `nickname`. */
async function join(
  browser: Browser,
  web: number,
  nickname: string,
  width?: number,
): Promise<Page> {
  const page = await browser.open(`http://127.0.0.1:${web}/`, width);
  await page.submit("#nickname", nickname);
  await page.waitFor("!document.getElementById('chat').hidden");
  return page;
}

/** The lines of the conversation shown now. */
const lines = (page: Page) => page.texts("#log .line");

/** Waits until the conversation shown has a line containing `text`. */
function waitForLine(page: Page, text: string): Promise<unknown> {
  return page.waitFor(
    `[...document.querySelectorAll('#log .line')].some((l) => l.textContent.includes(${
      JSON.stringify(text)
    }))`,
  );
}

processTest("two pages and a terminal client chat with each other, both ways", async () => {
  const { server, web } = await webServer();
  await using _server = server;
  using profile = tempDir();
  await using browser = await Browser.launch(profile.path);
  const alice = await join(browser, web, "Alice");
  await server.stdout.waitFor(line("<dt> :: Alice: connected."));
  const bob = await join(browser, web, "Bob");
  await using carol = startClient(server.port, "Carol", "003");
  await server.stdout.waitFor(line("<dt> :: Carol: connected."));
  await waitForLine(alice, "Carol joined the chat");

  await alice.submit("#message", "hello from a page");
  await waitForLine(bob, "hello from a page");
  await carol.stdout.waitFor(line("<dt> :: Alice: hello from a page"));
  await carol.type("hello from a terminal");
  await waitForLine(alice, "hello from a terminal");
  await waitForLine(bob, "hello from a terminal");
  await bob.submit("#message", "and from Bob");
  await carol.stdout.waitFor(line("<dt> :: Bob: and from Bob"));
  await waitForLine(alice, "and from Bob");
  assert.ok((await lines(alice)).some((l) => /\d\d:\d\d:\d\d.*Bob.*and from Bob/.test(l!)));
  const received = await server.stdout.waitFor(line(
    "Received: IP:127.0.0.1, Port:<n>, Client-Nickname:Alice, ClientID:web, Date/Time:<dt>, " +
      "Msg-Size:17",
  ));
  assert.equal(await server.stdout.lineAt(received.index + 1), "Broadcasted: Bob, Carol");

  // A private message between the pages opens a tab of its own, with an unread count.
  await alice.submit("#message", "/w Bob just between us");
  await bob.waitFor(
    `[...document.querySelectorAll('#tabs button')].some((t) => t.textContent === 'Alice1')`,
  );
  await bob.eval(
    `[...document.querySelectorAll('#tabs button')].find((t) => t.textContent.startsWith('Alice')).click()`,
  );
  await waitForLine(bob, "just between us");
  assert.ok(!(await carol.stdout.lines.join("\n")).includes("just between us"));

  // A room.
  await alice.submit("#message", "/join #lab");
  await waitForLine(alice, "You joined #lab");
  await bob.submit("#message", "/join lab");
  await waitForLine(bob, "You joined #lab (members: Alice, Bob)");
  await bob.submit("#message", "in the lab");
  await waitForLine(alice, "in the lab");
  await server.stdout.waitFor(
    line("<dt> :: Bob: message to #lab, Msg-Size:10, delivered to: Alice"),
  );

  if (!await exists(SCREENSHOT)) {
    await alice.eval(`document.querySelector('#tabs button').click()`);
    await alice.screenshot(SCREENSHOT);
  }
});

processTest("a nickname and a message made of HTML and script are shown as text", async () => {
  const { server, web } = await webServer();
  await using _server = server;
  using profile = tempDir();
  await using browser = await Browser.launch(profile.path);
  const viewer = await join(browser, web, "Viewer");
  const attack = '<img src=x onerror="window.pwned=1">';
  const sender = await join(browser, web, "<b>x</b>");
  await waitForLine(viewer, "<b>x</b> joined the chat");
  await sender.submit("#message", attack);
  await sender.submit("#message", "<script>window.pwned=2</script>");
  await waitForLine(viewer, "<script>window.pwned=2</script>");
  assert.ok((await lines(viewer)).some((l) => l!.includes(attack)));
  assert.equal(await viewer.eval("window.pwned"), undefined);
  assert.equal(
    await viewer.eval("document.querySelectorAll('#log img, #log script, #log b').length"),
    0,
  );
  assert.equal(
    await viewer.eval(
      "[...document.querySelectorAll('#users button')].map((b) => b.textContent).join()",
    ),
    "Viewer,<b>x</b>",
  );
});

processTest(
  "the page asks for the password of an account, on a phone-sized screen too",
  async () => {
    using data = tempDir();
    const server = await ServerProgram.start(
      ["--web-port", "0", "--data", data.path],
      ["--allow-read=web," + data.path, `--allow-write=${data.path}`],
    );
    await using _server = server;
    const { line: started } = await server.stdout.waitFor(/^Web client at http:\/\//);
    const web = Number(/:(\d+)\/$/.exec(started)![1]);
    await using terminal = startClient(server.port, "Dana", "004");
    await terminal.type("/register");
    await terminal.type("dana's password");
    await terminal.stdout.waitFor(line("<dt> :: * Dana is now your account: <any>"));
    await terminal.type("/exit");
    await terminal.exitCode();
    await server.stdout.waitFor(line("<dt> :: Dana: disconnected."));
    await using zoe = startClient(server.port, "Zoe", "007");
    await zoe.type("said while Dana was out");
    await server.stdout.waitFor(/Received: .*Client-Nickname:Zoe/);
    using profile = tempDir();
    await using browser = await Browser.launch(profile.path);
    const page = await browser.open(`http://127.0.0.1:${web}/`, 390, 700);
    await page.submit("#nickname", "dana");
    await page.waitFor("!document.getElementById('password-row').hidden");
    assert.equal(
      await page.eval("document.getElementById('join-error').textContent"),
      "Dana is registered: enter its password",
    );
    await page.submit("#password", "not the password");
    await page.waitFor(
      "document.getElementById('join-error').textContent === 'Wrong password for Dana'",
    );
    await page.submit("#password", "dana's password");
    await page.waitFor("!document.getElementById('chat').hidden");
    // What was said while the account was away is shown as history.
    await page.waitFor(
      "[...document.querySelectorAll('#log .line')].some((l) => l.textContent.includes('[history]Zoesaid while Dana was out'))",
    );
    await server.stdout.waitFor(line("<dt> :: dana: connected."));
    // On a narrow screen the list of people is behind a button, and nothing overflows sideways.
    assert.equal(
      await page.eval("getComputedStyle(document.getElementById('people')).display"),
      "none",
    );
    assert.equal(await page.eval("document.documentElement.scrollWidth <= innerWidth"), true);
    const overflowing = await page.eval<string[]>(
      `[...document.querySelectorAll('#chat button, #chat input, #chat label')]
        .filter((e) => e.getBoundingClientRect().right > document.getElementById('chat').getBoundingClientRect().right + 0.5)
        .map((e) => e.id || e.textContent)`,
    );
    assert.deepEqual(overflowing, [], "every control fits on the screen");
    await page.eval("document.getElementById('people-toggle').click()");
    assert.equal(
      await page.eval("getComputedStyle(document.getElementById('people')).display"),
      "block",
    );
    // The same commands as the terminal: a new password is typed unseen in the message box.
    await page.submit("#message", "/password");
    assert.equal(await page.eval("document.getElementById('message').type"), "password");
    await page.submit("#message", "a new password");
    await server.stdout.waitFor(line("<dt> :: dana: changed the password of the account."));
    assert.equal(await page.eval("document.getElementById('message').type"), "text");
  },
);

processTest(
  "the WebSocket is refused to another site's page, and unknown paths get 404",
  async () => {
    const { server, web } = await webServer();
    await using _server = server;
    const upgrade = (origin: string) =>
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${web}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${origin}\r\n\r\n`;
    assert.match(await request(web, upgrade("http://evil.example")), /^HTTP\/1\.1 403 /);
    assert.match(await request(web, upgrade(`http://127.0.0.1:${web}`)), /^HTTP\/1\.1 101 /);
    const page = await fetch(`http://127.0.0.1:${web}/`);
    assert.equal(page.status, 200);
    assert.match(
      page.headers.get("content-security-policy")!,
      /script-src 'self'.*connect-src 'self'/,
    );
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    await page.body?.cancel();
    for (const path of ["/nope", "/../deno.json", "/%2e%2e/deno.json", "/ChatServer.ts"]) {
      const response = await fetch(`http://127.0.0.1:${web}${path}`);
      assert.equal(response.status, 404, path);
      await response.body?.cancel();
    }
  },
);

processTest(
  "the page says the connection dropped and joins again when the server is back",
  async () => {
    const first = await webServer();
    using profile = tempDir();
    await using browser = await Browser.launch(profile.path);
    const page = await join(browser, first.web, "Erin");
    first.server.kill("SIGTERM");
    await first.server.exitCode();
    await first.server[Symbol.asyncDispose]();
    await waitForLine(page, "Connection lost: reconnecting in 1 s");
    const second = await webServer(first.web);
    await using _second = second.server;
    await waitForLine(page, "Connected again");
    await second.server.stdout.waitFor(line("<dt> :: Erin: connected."));
    await page.submit("#message", "back again");
    await second.server.stdout.waitFor(/Received: .*Client-Nickname:Erin/);
  },
);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Sends `text` to 127.0.0.1:`port` and returns the start of the reply. */
async function request(port: number, text: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(text));
    const buffer = new Uint8Array(1024);
    const n = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

/**
 * A server with the web client, a page joined as Webby, a terminal client Term (with a key file
 * when `keys`) that saves to `data`/downloads, and in `data` two files of `size` bytes to send:
 * `from-terminal.bin` (`payload`) and `from-page.bin` (it reversed).
 */
async function pageAndTerminal(size: number, { keys = false } = {}) {
  const data = tempDir();
  const payload = new Uint8Array(size).map((_, i) => (i * 31) % 251);
  Deno.writeFileSync(`${data.path}/from-terminal.bin`, payload);
  Deno.writeFileSync(`${data.path}/from-page.bin`, payload.toReversed());
  const { server, web } = await webServer();
  const profile = tempDir();
  const browser = await Browser.launch(profile.path);
  const page = await join(browser, web, "Webby");
  const terminal = new Program(
    "ChatClient.ts",
    [
      ...["127.0.0.1", `${server.port}`, "Term", "005", "--downloads", `${data.path}/downloads`],
      ...(keys ? ["--keys", `${data.path}/term.json`] : []),
    ],
    [`--allow-read=${data.path}`, `--allow-write=${data.path}`],
  );
  await waitForLine(page, "Term joined the chat");
  return {
    data,
    payload,
    server,
    page,
    terminal,
    async [Symbol.asyncDispose]() {
      await terminal[Symbol.asyncDispose]();
      await browser[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
      profile[Symbol.dispose]();
      data[Symbol.dispose]();
    },
  };
}

processTest(
  "files between a page and a terminal client, both ways, with a progress bar",
  async () => {
    await using both = await pageAndTerminal(300_000);
    const { data, payload, page, terminal } = both;

    await terminal.type(`/send Webby ${data.path}/from-terminal.bin`);
    await page.waitFor("document.querySelector('#files button')?.textContent === 'Accept'");
    assert.deepEqual(await page.texts("#files li .text"), ["from-terminal.bin from Term"]);
    await page.eval("document.querySelector('#files button').click()");
    await page.waitFor(
      "document.querySelector('#files a')?.textContent === 'Save from-terminal.bin'",
    );
    assert.equal(await page.eval("document.querySelector('#files progress').value"), 300_000);
    await terminal.stdout.waitFor(line("Sent from-terminal.bin (300.0 kB) to Webby in <any> s"));

    await page.submit("#message", "/send Term");
    await page.chooseFile("#file", `${data.path}/from-page.bin`);
    await terminal.stdout.waitFor(
      line("<dt> :: * Webby offers from-page.bin (300.0 kB): /accept 2 or /reject 2"),
    );
    await terminal.type("/accept");
    await terminal.stdout.waitFor(
      line(
        `Received from-page.bin (300.0 kB) from Webby in <any> s: ${data.path}/downloads/from-page.bin`,
      ),
    );
    assert.deepEqual(
      Deno.readFileSync(`${data.path}/downloads/from-page.bin`),
      payload.toReversed(),
    );
    await page.waitFor(
      "[...document.querySelectorAll('#files li .text')].some((t) => t.textContent === 'from-page.bin to Term: sent')",
    );
  },
);

processTest(
  "the web port in use is said and skipped; with the TLS flags the page is served over HTTPS",
  async () => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    await using server = await ServerProgram.start(["--web-port", `${port}`], ["--allow-read=web"]);
    await server.stdout.waitFor(line(`Web client not started: port ${port} is in use`));
    await using _client = startClient(server.port, "Still", "006");
    await server.stdout.waitFor(line("<dt> :: Still: connected."));

    await using secure = await ServerProgram.start(
      ["--tls-cert", TEST_TLS.cert, "--tls-key", TEST_TLS.key, "--web-port", "0"],
      [`--allow-read=web,testdata`],
    );
    const { line: started } = await secure.stdout.waitFor(/^Web client at https:\/\//);
    const web = Number(/:(\d+)\/$/.exec(started)![1]);
    using http = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(TEST_TLS.ca)] });
    const response = await fetch(`https://127.0.0.1:${web}/`, { client: http });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /<label for="nickname">Nickname<\/label>/);
  },
);

/** The 60 digits of the last line on `page` that gives a fingerprint. */
async function fingerprintOn(page: Page): Promise<string> {
  const shown = (await lines(page)).findLast((l) => /fingerprint: \d{5}/.test(l!))!;
  return /(\d{5}(?: \d{5}){11})/.exec(shown)![1];
}

processTest(
  "a page and a terminal client compare fingerprints, whisper and send files end to end",
  async () => {
    await using both = await pageAndTerminal(100_000, { keys: true });
    const { data, payload, server, page, terminal } = both;

    // The same digits on both sides, for each of them.
    await page.submit("#message", "/fingerprint");
    await waitForLine(page, "(kept in this browser)");
    const pageDigits = await fingerprintOn(page);
    await terminal.type("/fingerprint Webby");
    await terminal.stdout.waitFor(
      `Webby's fingerprint: ${pageDigits} (first seen: now pinned; ` +
        "compare it with what Webby's /fingerprint shows)",
    );
    await terminal.type("/fingerprint");
    const own = await terminal.stdout.waitFor(/^Your fingerprint: /);
    await page.submit("#message", "/fingerprint Term");
    await waitForLine(page, "Term's fingerprint:");
    assert.equal(await fingerprintOn(page), /(\d{5}(?: \d{5}){11})/.exec(own.line)![1]);
    // The page's private keys cannot be read out of the browser (one identity: Webby's, kept
    // under its nickname and the chat's id).
    assert.deepEqual(
      await page.eval(`new Promise((resolve) => {
        indexedDB.open("chat-keys").onsuccess = (event) => {
          const get = event.target.result.transaction("identities").objectStore("identities")
            .getAll();
          get.onsuccess = () => resolve(get.result.map((identity) => [
            identity.agreement.privateKey.extractable, identity.signing.privateKey.extractable,
          ]));
        };
      })`),
      [[false, false]],
    );

    await terminal.type("/whisper Webby meet me at the docks");
    await page.waitFor(`document.querySelector('#tabs [data-id="@term"]')`);
    await page.eval(`document.querySelector('#tabs [data-id="@term"]').click()`);
    await waitForLine(page, "meet me at the docks");
    assert.ok((await lines(page)).some((l) => /\[end-to-end\]Term.*meet me at the docks/.test(l!)));
    await page.submit("#message", "on my way");
    await terminal.stdout.waitFor(line("<dt> :: [private, end-to-end] Webby: on my way"));
    await server.stdout.waitFor(/Webby: private message to Term, Msg-Size:\d+, end-to-end$/);
    assert.equal(server.stdout.lines.some((l) => /docks|on my way/.test(l)), false);

    await terminal.type(`/send Webby ${data.path}/from-terminal.bin`);
    await page.waitFor("document.querySelector('#files button')?.textContent === 'Accept'");
    assert.deepEqual(await page.texts("#files li .text"), [
      "from-terminal.bin from Term, end-to-end encrypted",
    ]);
    await page.eval("document.querySelector('#files button').click()");
    await page.waitFor(
      "document.querySelector('#files a')?.textContent === 'Save from-terminal.bin'",
    );
    // The page makes the link only once the file decrypted and matched its checksum.
    await terminal.stdout.waitFor(line("Sent from-terminal.bin (100.0 kB) to Webby in <any> s"));
    await page.submit("#message", "/send Term");
    await page.chooseFile("#file", `${data.path}/from-page.bin`);
    await terminal.stdout.waitFor(line(
      "<dt> :: * Webby offers from-page.bin (100.0 kB), end-to-end encrypted: /accept 2 or " +
        "/reject 2",
    ));
    await terminal.type("/accept");
    await terminal.stdout.waitFor(/^Received from-page\.bin \(100\.0 kB\) from Webby in /);
    assert.deepEqual(
      Deno.readFileSync(`${data.path}/downloads/from-page.bin`),
      payload.toReversed(),
    );
    assert.equal(server.stdout.lines.some((l) => l.includes("from-")), false);
  },
);
