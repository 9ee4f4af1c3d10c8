/**
 * A headless Chromium for tests, driven through the DevTools protocol over its WebSocket: open a
 * page, run script in it, wait for what it shows, take a screenshot. Debian's `chromium`, never a
 * downloaded one.
 *
 * @module
 */

import { within } from "./testing.ts";

/** Where Debian puts Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** The flags that keep a headless Chromium quiet on a machine with no internet. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--mute-audio",
  "--remote-debugging-port=0",
];

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** The keys `Page.press` knows: each one's code, its key code, and the text it types. */
const KEYS: Record<string, { code: string; keyCode: number; text?: string }> = {
  Enter: { code: "Enter", keyCode: 13, text: "\r" },
  " ": { code: "Space", keyCode: 32, text: " " },
  Escape: { code: "Escape", keyCode: 27 },
  Tab: { code: "Tab", keyCode: 9 },
  ArrowDown: { code: "ArrowDown", keyCode: 40 },
  ArrowUp: { code: "ArrowUp", keyCode: 38 },
  Home: { code: "Home", keyCode: 36 },
  End: { code: "End", keyCode: 35 },
};

/** A running Chromium. */
export class Browser {
  readonly #child: Deno.ChildProcess;
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #stderr: Promise<void>;
  #nextId = 1;

  private constructor(child: Deno.ChildProcess, socket: WebSocket, stderr: Promise<void>) {
    this.#child = child;
    this.#socket = socket;
    this.#stderr = stderr;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.error) pending.reject(new Error(`DevTools: ${message.error.message}`));
      else pending.resolve(message.result);
    };
  }

  /** Starts Chromium with its profile in `profileDir`, window `width` × `height`. */
  static async launch(profileDir: string, width = 1024, height = 700): Promise<Browser> {
    const child = new Deno.Command(CHROMIUM, {
      args: [
        ...FLAGS,
        `--user-data-dir=${profileDir}`,
        `--window-size=${width},${height}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let found: (url: string) => void = () => {};
    const address = new Promise<string>((resolve) => found = resolve);
    const stderr = (async () => {
      let text = "";
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        text += chunk;
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
        if (match !== null) found(match[1]);
      }
    })();
    const url = await within(address, 30_000, "Chromium's DevTools address");
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error("Cannot reach Chromium's DevTools"));
    });
    return new Browser(child, socket, stderr);
  }

  /** Sends a DevTools command (to a page's session, when given) and returns its result. */
  command<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<T> {
    const id = this.#nextId++;
    const result = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    return within(result, 30_000, `DevTools ${method}`);
  }

  /** Opens a new page at `url`, `width` pixels wide (a phone is about 390). */
  async open(url: string, width = 1024, height = 700): Promise<Page> {
    const { targetId } = await this.command<{ targetId: string }>("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await this.command<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    await this.command("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: width < 600,
    }, sessionId);
    await this.command("Page.enable", {}, sessionId);
    await this.command("Page.navigate", { url }, sessionId);
    const page = new Page(this, sessionId, targetId);
    await page.waitFor("document.readyState === 'complete'");
    return page;
  }

  /** Closes Chromium and everything it holds. */
  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.#socket.onclose = resolve);
    this.#socket.close();
    await closed;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Exited already.
    }
    await this.#child.status;
    await this.#stderr;
  }

  /** Closes it at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** One page of the browser. */
export class Page {
  readonly #browser: Browser;
  readonly #sessionId: string;
  /** The page's id in Chromium's DevTools protocol. */
  readonly targetId: string;

  /** The page `targetId` of `browser`, driven through the DevTools session `sessionId`. */
  constructor(browser: Browser, sessionId: string, targetId: string) {
    this.#browser = browser;
    this.#sessionId = sessionId;
    this.targetId = targetId;
  }

  /** The value of `expression` evaluated in the page (awaited when it is a promise). */
  async eval<T = unknown>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.#browser.command<{
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>(
      "Runtime.evaluate",
      { expression, awaitPromise: true, returnByValue: true },
      this.#sessionId,
    );
    if (exceptionDetails !== undefined) {
      throw new Error(
        `In the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`,
      );
    }
    return result.value as T;
  }

  /** Waits until `expression` is truthy in the page, and returns its value. */
  async waitFor<T = unknown>(expression: string, ms = 15_000): Promise<T> {
    const deadline = Date.now() + ms;
    while (true) {
      const value = await this.eval<T>(expression).catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) {
        throw new Error(`Timed out after ${ms} ms waiting for ${expression}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Types `text` into the input `selector` and submits its form. */
  async submit(selector: string, text: string): Promise<void> {
    await this.eval(
      `(() => { const input = document.querySelector(${JSON.stringify(selector)}); ` +
        `input.value = ${JSON.stringify(text)}; input.form.requestSubmit(); })()`,
    );
  }

  /**
   * Presses `key` (`Enter`, `" "`, `Escape`, `Tab`, `ArrowDown`, `ArrowUp`, `Home` or `End`) on
   * the element that has the focus, as a person at the keyboard would: the page does what that
   * key does (Enter on a button presses it).
   */
  async press(key: string): Promise<void> {
    const known = KEYS[key];
    if (known === undefined) throw new Error(`No key ${JSON.stringify(key)} in KEYS`);
    const { code, keyCode, text } = known;
    const common = { key, code, windowsVirtualKeyCode: keyCode, nativeVirtualKeyCode: keyCode };
    await this.#browser.command(
      "Input.dispatchKeyEvent",
      {
        type: text === undefined ? "rawKeyDown" : "keyDown",
        ...common,
        text,
        unmodifiedText: text,
      },
      this.#sessionId,
    );
    await this.#browser.command(
      "Input.dispatchKeyEvent",
      { type: "keyUp", ...common },
      this.#sessionId,
    );
  }

  /** Types `text` where the focus is, as a keyboard would. */
  async type(text: string): Promise<void> {
    await this.#browser.command("Input.insertText", { text }, this.#sessionId);
  }

  /** The text of every element matching `selector`. */
  texts(selector: string): Promise<string[]> {
    return this.eval(
      `[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.textContent)`,
    );
  }

  /** Puts the file at `path` in the file input `selector`, as a person picking it would. */
  async chooseFile(selector: string, path: string): Promise<void> {
    const { root } = await this.#browser.command<{ root: { nodeId: number } }>(
      "DOM.getDocument",
      {},
      this.#sessionId,
    );
    const { nodeId } = await this.#browser.command<{ nodeId: number }>("DOM.querySelector", {
      nodeId: root.nodeId,
      selector,
    }, this.#sessionId);
    await this.#browser.command(
      "DOM.setFileInputFiles",
      { files: [path], nodeId },
      this.#sessionId,
    );
  }

  /** Saves a PNG screenshot of the page to `path`. */
  async screenshot(path: string): Promise<void> {
    // A page in the background draws no frames to capture.
    await this.#browser.command("Page.bringToFront", {}, this.#sessionId);
    const { data } = await this.#browser.command<{ data: string }>("Page.captureScreenshot", {
      format: "png",
    }, this.#sessionId);
    await Deno.writeFile(path, Uint8Array.fromBase64(data));
  }

  /** Closes the page. */
  async close(): Promise<void> {
    await this.#browser.command("Target.closeTarget", { targetId: this.targetId });
  }
}
