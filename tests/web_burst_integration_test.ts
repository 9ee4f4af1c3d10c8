/**
 * The page under a burst (issue 26), in Debian's Chromium driven headless through the DevTools
 * protocol: it shows what a terminal client receives, in the same order, and keeps at most
 * `LINES_KEPT` lines in a conversation, saying that older ones are hidden.
 */

import assert from "node:assert/strict";
import { Browser, type Page } from "../lib/tools/browser.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { processTest, ServerProgram, tempDir, WAIT_MS } from "../lib/tools/testing.ts";
import { LINES_KEPT } from "../web/conversations.js";

/** A server with the web client on, and no rate limit (a burst comes from one sender). */
async function burstServer(): Promise<{ server: ServerProgram; web: number }> {
  const server = await ServerProgram.start(
    ["--web-port", "0", "--max-rate", "0", "--byte-rate", "0"],
    ["--allow-read=web"],
  );
  const { line: started } = await server.stdout.waitFor(/^Web client at http:\/\//);
  return { server, web: Number(/:(\d+)\/$/.exec(started)![1]) };
}

/** Opens the page and joins as `nickname`. */
async function join(browser: Browser, web: number, nickname: string): Promise<Page> {
  const page = await browser.open(`http://127.0.0.1:${web}/`);
  await page.submit("#nickname", nickname);
  await page.waitFor("!document.getElementById('chat').hidden");
  return page;
}

/** Waits until the conversation shown ends with a chat line saying `text`. */
function waitForLast(page: Page, text: string): Promise<unknown> {
  return page.waitFor(
    `document.querySelector('#log .conversation .line.message:last-child .text')?.textContent === ${
      JSON.stringify(text)
    }`,
  );
}

/** The texts of the chat lines of the conversation shown, in order. */
function shownTexts(page: Page): Promise<string[]> {
  return page.texts("#log .conversation .line.message .text") as Promise<string[]>;
}

/** Presses the tab of conversation `id` ("*", "#lab"). */
function showTab(page: Page, id: string): Promise<unknown> {
  return page.eval(`document.querySelector('#tabs button[data-id="${id}"]').click()`);
}

/** Reads `client`'s messages until it has `count` chat lines saying "burst ..."; returns them. */
async function burstOf(client: RawClient, count: number): Promise<string[]> {
  const seen: string[] = [];
  while (seen.length < count) {
    const message = await client.next();
    const text = message.message;
    if (typeof text !== "string" || !text.startsWith("burst ")) continue;
    seen.push(message.type === "room" ? `${message.room} ${text}` : `* ${text}`);
  }
  return seen;
}

const numbered = (n: number) => `burst ${String(n).padStart(4, "0")}`;

processTest(
  "a page and a terminal client get the same burst, in the same order, none lost",
  async () => {
    const { server, web } = await burstServer();
    await using _server = server;
    await using sender = await RawClient.registered(server.port, "Sender");
    await using terminal = await RawClient.registered(server.port, "Term");
    for (const client of [sender, terminal]) {
      await client.sendMessage({ type: "join", room: "#lab" });
      await client.nextOfType("joined");
    }
    using profile = tempDir();
    await using browser = await Browser.launch(profile.path);
    const page = await join(browser, web, "Webby");
    await page.submit("#message", "/join #lab");
    await page.waitFor(
      "document.querySelector('#log .conversation')?.textContent.includes('You joined #lab')",
    );
    await showTab(page, "*");

    // 2,000 numbered lines in one write: the odd ones to everyone, the even ones to #lab.
    const count = 2 * LINES_KEPT;
    const sent: string[] = [];
    let lines = "";
    for (let n = 1; n <= count; n++) {
      const text = numbered(n);
      const everyone = n % 2 === 1;
      sent.push(everyone ? `* ${text}` : `#lab ${text}`);
      lines += JSON.stringify(
        everyone
          ? { type: "message", message: text }
          : { type: "room", room: "#lab", message: text },
      ) + "\n";
    }
    await sender.send(lines);

    assert.deepEqual(await burstOf(terminal, count), sent, "the terminal has every line, in order");
    await waitForLast(page, numbered(count - 1));
    const toEveryone = sent.filter((s) => s.startsWith("* ")).map((s) => s.slice(2));
    const toLab = sent.filter((s) => s.startsWith("#lab ")).map((s) => s.slice(5));
    assert.deepEqual(await shownTexts(page), toEveryone, "everyone's lines on the page, in order");
    assert.equal(
      await page.eval(`document.querySelector('#tabs button[data-id="#lab"] .unread').textContent`),
      String(toLab.length),
      "#lab's unread count is its lines",
    );
    await showTab(page, "#lab");
    await waitForLast(page, numbered(count));
    assert.deepEqual(await shownTexts(page), toLab, "#lab's lines on the page, in order");
    assert.equal(await page.eval(`document.querySelector('#tabs .unread')`), null);
  },
);

processTest(
  "a conversation keeps its last lines and says that older ones are hidden, /history shows them",
  async () => {
    const { server, web } = await burstServer();
    await using _server = server;
    using profile = tempDir();
    await using browser = await Browser.launch(profile.path);
    const page = await join(browser, web, "Webby");
    await using sender = await RawClient.registered(server.port, "Sender");
    await page.waitFor(
      "document.querySelector('#log .conversation')?.textContent.includes('Sender joined')",
    );
    // The most lines the conversation ever held, watched as it changes.
    await page.eval(`(() => {
      const log = document.querySelector("#log .conversation");
      window.mostLines = 0;
      new MutationObserver(() => {
        window.mostLines = Math.max(window.mostLines, log.querySelectorAll(".line").length);
      }).observe(log, { childList: true });
    })()`);

    const count = 2.5 * LINES_KEPT;
    let lines = "";
    for (let n = 1; n <= count; n++) {
      lines += JSON.stringify({ type: "message", message: numbered(n) }) + "\n";
    }
    await sender.send(lines);
    await waitForLast(page, numbered(count));

    const kept = Array.from({ length: LINES_KEPT }, (_, i) => numbered(count - LINES_KEPT + 1 + i));
    assert.deepEqual(await shownTexts(page), kept, "the last lines, in order");
    const all = await page.texts("#log .conversation .line");
    assert.equal(all.length, LINES_KEPT + 1);
    assert.equal(
      all[0],
      `Older messages are hidden (the page keeps the last ${LINES_KEPT} lines): /history shows them`,
    );
    assert.ok(
      await page.eval<number>("window.mostLines") <= LINES_KEPT + 1,
      "never more lines than the bound, and the line that says so",
    );

    // What was hidden can be fetched again, and the bound still holds.
    await page.submit("#message", "/history 3");
    const history = `[...document.querySelectorAll('#log .conversation .line')]
      .filter((line) => line.querySelector('.mark')?.textContent === '[history]')
      .map((line) => line.querySelector('.text').textContent)`;
    await page.waitFor(`${history}.length === 3`);
    assert.deepEqual(await page.eval(history), [
      numbered(count - 2),
      numbered(count - 1),
      numbered(count),
    ]);
    const after = await page.texts("#log .conversation .line");
    assert.equal(after.length, LINES_KEPT + 1);
    assert.equal(after[0], all[0]);
  },
);

/**
 * A stand-in for a server, to hold the page to its side of the WebSocket's agreement: it serves
 * the page's files, answers the handshake with `chat-lines` when `takes` (else with no
 * subprotocol, as a server that does not know it), welcomes the page's registration, and keeps
 * each frame the page sends and the subprotocols each handshake offered.
 */
function standIn(takes: boolean) {
  const offers: (string | null)[] = [];
  const received: string[] = [];
  const sockets: WebSocket[] = [];
  let welcomed: (socket: WebSocket) => void = () => {};
  const registered = new Promise<WebSocket>((resolve) => welcomed = resolve);
  const types: Record<string, string> = {
    html: "text/html",
    js: "text/javascript",
    css: "text/css",
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/ws") {
      offers.push(request.headers.get("sec-websocket-protocol"));
      const { socket, response } = Deno.upgradeWebSocket(
        request,
        takes ? { protocol: "chat-lines" } : {},
      );
      sockets.push(socket);
      socket.onmessage = (event) => {
        received.push(event.data);
        if (JSON.parse(event.data).type !== "nickname") return;
        socket.send(JSON.stringify({ type: "welcome", nickname: "Webby" }) + (takes ? "\n" : ""));
        welcomed(socket);
      };
      return response;
    }
    const file = path === "/" ? "index.html" : path.slice(1);
    if (!/^[a-z0-9_/]+\.(html|js|css)$/.test(file)) return new Response("", { status: 404 });
    const body = await Deno.readFile(`web/${file}`);
    return new Response(body, { headers: { "content-type": types[file.split(".").pop()!] } });
  });
  return {
    port: server.addr.port,
    offers,
    received,
    registered,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) {
        if (socket.readyState === WebSocket.OPEN) socket.close();
      }
      await server.shutdown();
    },
  };
}

/** Waits until `condition()` holds, looking every 20 ms, for `WAIT_MS` at most. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const chatLine = (n: number) =>
  JSON.stringify({ type: "broadcast", nickname: "Sender", message: numbered(n) });

processTest(
  "the page reads several messages a frame from a server that takes chat-lines, one from one that does not",
  async () => {
    using profile = tempDir();
    await using browser = await Browser.launch(profile.path);

    await using lines = standIn(true);
    const page = await join(browser, lines.port, "Webby");
    const socket = await lines.registered;
    // Three messages in a frame, then a frame whose middle line is not JSON.
    socket.send(`${chatLine(1)}\n${chatLine(2)}\n${chatLine(3)}\n`);
    socket.send(`${chatLine(4)}\nnot json\n${chatLine(5)}`);
    await waitForLast(page, numbered(5));
    assert.deepEqual(await shownTexts(page), [1, 2, 3, 4, 5].map(numbered));
    assert.deepEqual(lines.offers, ["chat-lines"]);
    await page.submit("#message", "hello over chat-lines");

    await using plain = standIn(false);
    const second = await join(browser, plain.port, "Webby");
    const plainSocket = await plain.registered;
    plainSocket.send(chatLine(6));
    plainSocket.send(chatLine(7));
    await waitForLast(second, numbered(7));
    assert.deepEqual(await shownTexts(second), [6, 7].map(numbered));
    // Chromium fails a handshake answered with no subprotocol: the page asks again, offering none.
    assert.deepEqual(plain.offers, ["chat-lines", null]);

    await second.submit("#message", "hello without it");

    // What the page sends is one JSON message a frame, with either.
    const said = (frames: string[], text: string) => () =>
      frames.some((frame) => JSON.parse(frame).message === text);
    await until(said(lines.received, "hello over chat-lines"), "the first page's message");
    await until(said(plain.received, "hello without it"), "the second page's message");
    for (const frame of [...lines.received, ...plain.received]) {
      const message = JSON.parse(frame);
      assert.ok(typeof message === "object" && typeof message.type === "string", frame);
      assert.ok(!frame.includes("\n"), `one message with no newline: ${frame}`);
    }
  },
);
