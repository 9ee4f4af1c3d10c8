import assert from "node:assert/strict";
import { CONTENT_SECURITY_POLICY, readAssets, webHandler } from "./web_server.ts";
import { tempDir } from "../tools/testing.ts";

const INFO = {
  remoteAddr: { transport: "tcp", hostname: "192.0.2.7", port: 50_000 },
  completed: Promise.resolve(),
} as unknown as Deno.ServeHandlerInfo<Deno.NetAddr>;

function handlerFor(files: Record<string, string>, origins: string[] = []) {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    Deno.writeTextFileSync(`${dir.path}/${name}`, text);
  }
  Deno.mkdirSync(`${dir.path}/common`);
  Deno.writeTextFileSync(`${dir.path}/common/module.js`, "2");
  Deno.writeTextFileSync(`${dir.path}/common/module_test.ts`, "no");
  Deno.mkdirSync(`${dir.path}/.git`);
  Deno.writeTextFileSync(`${dir.path}/.git/secret.js`, "secret");
  const assets = readAssets(dir.path);
  dir[Symbol.dispose]();
  return webHandler(assets, { origins, onConnection: () => {} });
}

Deno.test("webHandler() serves the page's files and modules with a strict policy, and nothing else", async () => {
  const handle = handlerFor({
    "index.html": "<!doctype html>",
    "app.js": "1",
    ".hidden.js": "no",
    "notes.txt": "no",
  });
  const page = handle(new Request("http://chat.test/"), INFO);
  assert.equal(page.status, 200);
  assert.equal(await page.text(), "<!doctype html>");
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(page.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self';.*connect-src 'self'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  const script = handle(new Request("http://chat.test/app.js"), INFO);
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  await script.body?.cancel();
  const module = handle(new Request("http://chat.test/common/module.js"), INFO);
  assert.equal(await module.text(), "2");
  for (
    const path of [
      "/.hidden.js",
      "/notes.txt",
      "/.git/secret.js",
      "/common/module_test.ts",
      "/common/",
      "/%2e%2e/x",
      "/index.html/",
    ]
  ) {
    const response = handle(new Request(`http://chat.test${path}`), INFO);
    assert.equal(response.status, 404, path);
    await response.body?.cancel();
  }
  const post = handle(new Request("http://chat.test/", { method: "POST", body: "x" }), INFO);
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const head = handle(new Request("http://chat.test/", { method: "HEAD" }), INFO);
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
});

Deno.test("webHandler() opens the WebSocket to the page's own origin and to those allowed only", async () => {
  const handle = handlerFor({ "index.html": "x" }, ["https://allowed.test"]);
  const ws = (origin?: string) =>
    new Request("http://chat.test/ws", {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
        ...(origin === undefined ? {} : { origin }),
      },
    });
  const foreign = handle(ws("http://evil.test"), INFO);
  assert.equal(foreign.status, 403);
  assert.equal(await foreign.text(), 'Origin "http://evil.test" may not open the chat\n');
  const plain = handle(new Request("http://chat.test/ws"), INFO);
  assert.equal(plain.status, 426);
  await plain.body?.cancel();
  // The page's own origin, an allowed one, and a program that is not a browser are upgraded.
  for (const origin of ["http://chat.test", "https://allowed.test", undefined]) {
    assert.equal(handle(ws(origin), INFO).status, 101, String(origin));
  }
});

Deno.test("webHandler() answers the paths given as routes (such as /metrics) with their handler", async () => {
  const dir = tempDir();
  Deno.writeTextFileSync(`${dir.path}/index.html`, "page");
  const assets = readAssets(dir.path);
  dir[Symbol.dispose]();
  const seen: string[] = [];
  const handle = webHandler(assets, {
    origins: [],
    onConnection: () => {},
    routes: {
      "/metrics": (_request, info) => {
        seen.push(info.remoteAddr.hostname);
        return new Response("up 1\n");
      },
    },
  });
  const metrics = handle(new Request("http://chat.test/metrics"), INFO);
  assert.equal(await metrics.text(), "up 1\n");
  assert.deepEqual(seen, ["192.0.2.7"]);
  assert.equal(await handle(new Request("http://chat.test/"), INFO).text(), "page");
  const other = handle(new Request("http://chat.test/metrics/x"), INFO);
  assert.equal(other.status, 404);
  await other.body?.cancel();
});
