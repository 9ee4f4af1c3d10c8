/**
 * Certificate reload on SIGHUP, end to end: a real ChatServer serving TLS on its chat port, its
 * IRC TLS port and its web port, clients connected to each, the certificate files replaced under
 * them, and a signal.
 */

import assert from "node:assert/strict";
import { certificateShownAt } from "../lib/net/tls_pinned.ts";
import { Browser } from "../lib/tools/browser.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import {
  chatLine,
  line,
  processTest,
  Program,
  ServerProgram,
  tempDir,
  TEST_TLS,
  WAIT_MS,
  within,
} from "../lib/tools/testing.ts";

/** The fingerprint of `testdata/selfsigned.pem`, the certificate the server is given second. */
const SELF_SIGNED_FINGERPRINT =
  "sha256:D7:6D:18:E3:56:7E:AC:D1:62:25:1A:21:01:A6:B4:91:CE:6A:5E:97:E6:AF:7A:F2:FE:AA:7E:11:A1:18:CD:94";

/** The fingerprint of the certificate a new TLS connection to `port` is shown. */

/** A WebSocket client of the chat, as the page is, its messages parsed. */
class WebClient {
  readonly #socket: WebSocket;
  readonly #messages: Record<string, unknown>[] = [];
  #wake = () => {};

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      this.#messages.push(JSON.parse(event.data));
      this.#wake();
    };
  }

  /** Opens the WebSocket at `url` and registers as `nickname`. */
  static async registered(url: string, client: Deno.HttpClient, nickname: string) {
    const socket = new WebSocket(url, { client });
    await within(new Promise((resolve) => socket.onopen = resolve), WAIT_MS, "the WebSocket");
    const web = new WebClient(socket);
    web.send({ type: "nickname", nickname, clientID: "003", timestamp: new Date().toISOString() });
    await web.nextOfType("welcome");
    return web;
  }

  /** Sends `message` as one text message. */
  send(message: Record<string, unknown>): void {
    this.#socket.send(JSON.stringify(message));
  }

  /** The next message of `type`, skipping others. */
  async nextOfType(type: string): Promise<Record<string, unknown>> {
    const found = async () => {
      while (true) {
        const message = this.#messages.shift();
        if (message?.type === type) return message;
        if (message === undefined) await new Promise<void>((resolve) => this.#wake = resolve);
      }
    };
    return await within(found(), WAIT_MS, `a "${type}" message on the WebSocket`);
  }

  /** Closes the WebSocket and waits until it is closed. */
  async [Symbol.asyncDispose](): Promise<void> {
    const closed = new Promise((resolve) => this.#socket.onclose = resolve);
    this.#socket.close();
    await closed;
  }
}

/** Says `text` as `from` and checks that each of the others hears it. */
async function heardByAll(
  from: { say: (text: string) => Promise<void> },
  text: string,
  listeners: ((text: string) => Promise<unknown>)[],
): Promise<void> {
  await from.say(text);
  await Promise.all(listeners.map((hears) => hears(text)));
}

processTest(
  "SIGHUP serves new certificate files to new connections on every TLS port, and the connections made before go on",
  async () => {
    using dir = tempDir();
    const cert = `${dir.path}/cert.pem`;
    const key = `${dir.path}/key.pem`;
    Deno.copyFileSync(TEST_TLS.cert, cert);
    Deno.copyFileSync(TEST_TLS.key, key);
    await using server = await ServerProgram.start(
      [
        ...["--tls-cert", cert, "--tls-key", key, "--tls-port", "0"],
        ...["--irc-tls-port", "0", "--web-port", "0"],
      ],
      [`--allow-read=${dir.path},web`],
    );
    const irc = await server.stdout.waitFor(/^IRC over TLS on port (\d+) as /);
    const ircPort = Number(/port (\d+)/.exec(irc.line)![1]);
    const { line: started } = await server.stdout.waitFor(/^Web client at https:\/\//);
    const webPort = Number(/:(\d+)\/$/.exec(started)![1]);
    const ports = [server.tlsPort, ircPort, webPort];
    const first = server.tlsFingerprint;
    for (const port of ports) assert.equal(await certificateShownAt(port), first);

    // One client on each TLS port, connected before the reload and kept open.
    const ca = Deno.readTextFileSync(TEST_TLS.ca);
    await using json = RawClient.from(
      await Deno.connectTls({ hostname: "127.0.0.1", port: server.tlsPort, caCerts: [ca] }),
    );
    await json.register("Jason");
    await json.nextOfType("welcome");
    await using ircClient = RawClient.from(
      await Deno.connectTls({ hostname: "127.0.0.1", port: ircPort, caCerts: [ca] }),
    );
    await ircClient.send("NICK Iris\r\nUSER iris 0 * :Iris\r\n");
    await server.stdout.waitFor(line("<dt> :: Iris: connected."));
    const ircHears = async (text: string) => {
      while (!(await ircClient.nextLine()).endsWith(` PRIVMSG &chat :${text}\r`)) {
        // Other lines.
      }
    };
    using http = Deno.createHttpClient({ caCerts: [ca] });
    await using web = await WebClient.registered(`wss://127.0.0.1:${webPort}/ws`, http, "Webby");
    await server.stdout.waitFor(line("<dt> :: Webby: connected."));
    const jsonHears = async (text: string) => {
      while ((await json.nextOfType("broadcast")).message !== text) {
        // Earlier lines.
      }
    };
    const webHears = async (text: string) => {
      while ((await web.nextOfType("broadcast")).message !== text) {
        // Earlier lines.
      }
    };

    // A new certificate and key, and the signal.
    Deno.copyFileSync("testdata/selfsigned.pem", cert);
    Deno.copyFileSync("testdata/selfsigned.key", key);
    server.kill("SIGHUP");
    await server.stdout.waitFor(
      line(
        `<dt> :: TLS certificate reloaded: ${SELF_SIGNED_FINGERPRINT} on ports ${ports.join(", ")}`,
      ),
    );
    for (const port of ports) assert.equal(await certificateShownAt(port), SELF_SIGNED_FINGERPRINT);

    // The clients of before still chat, with each other and with a client of the new certificate.
    await heardByAll({ say: (text) => json.send(chatLine(text)) }, "still here on JSON", [
      ircHears,
      webHears,
    ]);
    await heardByAll(
      { say: (text) => ircClient.send(`PRIVMSG &chat :${text}\r\n`) },
      "still here on IRC",
      [jsonHears, webHears],
    );
    await using newcomer = new Program("ChatClient.ts", [
      ...["--tls", "--fingerprint", SELF_SIGNED_FINGERPRINT],
      ...["localhost", `${server.tlsPort}`, "Newcomer", "004"],
    ]);
    await server.stdout.waitFor(line("<dt> :: Newcomer: connected."));
    await heardByAll({ say: (text) => newcomer.type(text) }, "hello under the new certificate", [
      jsonHears,
      ircHears,
      webHears,
    ]);
    await heardByAll(
      { say: (text) => Promise.resolve(web.send({ type: "message", message: text })) },
      "still here on the web",
      [jsonHears, ircHears, (text) => newcomer.stdout.waitFor(line(`<dt> :: Webby: ${text}`))],
    );

    // Bad files are refused, and the certificate served stays the one before.
    const refusals: [() => void, string][] = [
      [
        () => Deno.writeTextFileSync(cert, "not a certificate\n"),
        `no PEM certificate in "${cert}"`,
      ],
      [
        () => Deno.copyFileSync(TEST_TLS.cert, cert),
        `the key in "${key}" is not the key of the certificate in "${cert}"`,
      ],
      [() => Deno.removeSync(key), `cannot read TLS key "${key}": <any>`],
    ];
    for (const [spoil, reason] of refusals) {
      spoil();
      server.kill("SIGHUP");
      await server.stdout.waitFor(
        line(
          `<dt> :: TLS certificate not reloaded: ${reason}; still serving ${SELF_SIGNED_FINGERPRINT}`,
        ),
      );
      for (const port of ports) {
        assert.equal(await certificateShownAt(port), SELF_SIGNED_FINGERPRINT);
      }
    }
    await heardByAll({ say: (text) => json.send(chatLine(text)) }, "and still here", [
      ircHears,
      webHears,
      (text) => newcomer.stdout.waitFor(line(`<dt> :: Jason: ${text}`)),
    ]);
  },
);

processTest("a page served over HTTPS chats on across a certificate reload", async () => {
  using dir = tempDir();
  const cert = `${dir.path}/cert.pem`;
  const key = `${dir.path}/key.pem`;
  Deno.copyFileSync(TEST_TLS.cert, cert);
  Deno.copyFileSync(TEST_TLS.key, key);
  await using server = await ServerProgram.start(
    ["--tls-cert", cert, "--tls-key", key, "--web-port", "0"],
    [`--allow-read=${dir.path},web`],
  );
  const { line: started } = await server.stdout.waitFor(/^Web client at https:\/\//);
  const webPort = Number(/:(\d+)\/$/.exec(started)![1]);
  using profile = tempDir();
  await using browser = await Browser.launch(profile.path);
  // The test authority is not the browser's: it is told to take any certificate.
  await browser.command("Security.setIgnoreCertificateErrors", { ignore: true });
  const page = await browser.open(`https://127.0.0.1:${webPort}/`);
  await page.submit("#nickname", "Paige");
  await page.waitFor("!document.getElementById('chat').hidden");
  await server.stdout.waitFor(line("<dt> :: Paige: connected."));
  const ca = Deno.readTextFileSync(TEST_TLS.ca);
  await using terminal = RawClient.from(
    await Deno.connectTls({ hostname: "127.0.0.1", port: server.tlsPort, caCerts: [ca] }),
  );
  await terminal.register("Terry");
  await terminal.nextOfType("welcome");

  Deno.copyFileSync("testdata/selfsigned.pem", cert);
  Deno.copyFileSync("testdata/selfsigned.key", key);
  server.kill("SIGHUP");
  await server.stdout.waitFor(
    line(`<dt> :: TLS certificate reloaded: ${SELF_SIGNED_FINGERPRINT} on ports <any>`),
  );
  assert.equal(await certificateShownAt(webPort), SELF_SIGNED_FINGERPRINT);

  // The page's WebSocket of before carries both ways; it was never closed and opened again.
  await terminal.send(chatLine("across the reload"));
  await page.waitFor(
    "[...document.querySelectorAll('#log .line')].some((l) => l.textContent.includes('across the reload'))",
  );
  await page.submit("#message", "still on the page");
  while ((await terminal.nextOfType("broadcast")).message !== "still on the page") {
    // Earlier lines.
  }
  assert.deepEqual(
    server.stdout.lines.filter((each) => /Paige: (connected|disconnected)/.test(each)),
    [
      server.stdout.lines.find((each) => each.endsWith("Paige: connected.")),
    ],
  );
});

processTest("SIGHUP without TLS is said and changes nothing", async () => {
  await using server = await ServerProgram.start();
  await using before = await RawClient.registered(server.port, "Before");
  server.kill("SIGHUP");
  await server.stdout.waitFor(line("<dt> :: SIGHUP: no certificate to reload"));
  await using after = await RawClient.registered(server.port, "After");
  await before.send(chatLine("still here"));
  assert.equal((await after.nextOfType("broadcast")).message, "still here");
});
