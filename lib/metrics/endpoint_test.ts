import assert from "node:assert/strict";
import { metricsHandler, readToken, sameToken } from "./endpoint.ts";
import { tempDir } from "../tools/testing.ts";

/** A request's connection from `hostname`. */
function from(hostname: string) {
  return { remoteAddr: { transport: "tcp" as const, hostname, port: 50_000 } };
}

const SCRAPE = "# HELP up Up\n# TYPE up gauge\nup 1\n";
const URL_ = "http://chat.test/metrics";

Deno.test("loopback clients read the metrics, in the text format's content type", async () => {
  const handle = metricsHandler(() => SCRAPE);
  for (const address of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]) {
    const response = handle(new Request(URL_), from(address));
    assert.equal(response.status, 200, address);
    assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.equal(await response.text(), SCRAPE);
  }
  const head = handle(new Request(URL_, { method: "HEAD" }), from("127.0.0.1"));
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  const post = handle(new Request(URL_, { method: "POST" }), from("127.0.0.1"));
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

Deno.test("without a token, others are refused (403), and so is loopback relayed by a proxy", async () => {
  const handle = metricsHandler(() => SCRAPE);
  for (const address of ["192.0.2.7", "10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1"]) {
    const response = handle(new Request(URL_), from(address));
    assert.equal(response.status, 403, address);
    assert.doesNotMatch(await response.text(), /up 1/);
  }
  // nginx on this machine in front of the web port: the request is from anywhere.
  for (const header of ["x-forwarded-for", "forwarded", "x-real-ip"]) {
    const relayed = new Request(URL_, { headers: { [header]: "203.0.113.9" } });
    const response = handle(relayed, from("127.0.0.1"));
    assert.equal(response.status, 403, header);
    await response.body?.cancel();
  }
});

Deno.test("with a token, others read the metrics with it as a bearer token, and only so", async () => {
  const handle = metricsHandler(() => SCRAPE, { token: "s3cret-token" });
  const asking = (authorization?: string, address = "192.0.2.7") =>
    handle(
      new Request(URL_, { headers: authorization === undefined ? {} : { authorization } }),
      from(address),
    );
  const allowed = asking("Bearer s3cret-token");
  assert.equal(allowed.status, 200);
  assert.equal(await allowed.text(), SCRAPE);
  assert.equal(await asking("bearer s3cret-token").text(), SCRAPE);
  for (
    const wrong of [undefined, "Bearer s3cret-tokem", "Bearer s3cret", "Basic s3cret-token", ""]
  ) {
    const refused = asking(wrong);
    assert.equal(refused.status, 401, String(wrong));
    assert.equal(refused.headers.get("www-authenticate"), "Bearer");
    await refused.body?.cancel();
  }
  // Loopback needs no token.
  assert.equal(asking(undefined, "127.0.0.1").status, 200);
});

Deno.test("sameToken() compares whole tokens, whatever their lengths", () => {
  assert.ok(sameToken("abc", "abc"));
  assert.ok(!sameToken("abd", "abc"));
  assert.ok(!sameToken("ab", "abc"));
  assert.ok(!sameToken("abcd", "abc"));
  assert.ok(!sameToken("", "abc"));
  assert.ok(!sameToken("abc\0", "abc"));
});

Deno.test("the token is read from its file, trimmed; a missing or empty file is an error", () => {
  using dir = tempDir();
  const file = `${dir.path}/token`;
  Deno.writeTextFileSync(file, "  k3y-from-file\n");
  assert.deepEqual(readToken(file), { ok: true, token: "k3y-from-file" });
  Deno.writeTextFileSync(file, "\n");
  assert.deepEqual(readToken(file), {
    ok: false,
    error: `ERR - the metrics token file "${file}" must hold one token, with no spaces`,
  });
  const missing = readToken(`${dir.path}/none`);
  assert.ok(!missing.ok);
  assert.match(missing.error, /^ERR - cannot read the metrics token file ".*\/none": /);
});
