import assert from "node:assert/strict";
import { TrustedProxies } from "./forwarded.ts";

const PROXY = "127.0.0.1";

Deno.test("a trusted proxy's X-Forwarded-For names the client", () => {
  const trusted = new TrustedProxies([PROXY]);
  assert.equal(trusted.clientAddress(PROXY, "203.0.113.7"), "203.0.113.7");
  // nginx's $proxy_add_x_forwarded_for with a client that sent its own header: the address the
  // proxy appended is believed, and what the client wrote before it is not.
  assert.equal(trusted.clientAddress(PROXY, "10.6.6.6, 203.0.113.7"), "203.0.113.7");
  // Repeated headers arrive joined with commas, as Headers.get joins them.
  assert.equal(trusted.clientAddress(PROXY, "10.6.6.6,203.0.113.7"), "203.0.113.7");
});

Deno.test("the header is ignored from anyone who is not a trusted proxy", () => {
  const trusted = new TrustedProxies([PROXY]);
  assert.equal(trusted.clientAddress("192.0.2.50", "203.0.113.7"), "192.0.2.50");
  assert.equal(new TrustedProxies([]).clientAddress(PROXY, "203.0.113.7"), PROXY);
  assert.equal(trusted.clientAddress("not an address", "203.0.113.7"), "not an address");
});

Deno.test("proxies in a chain are skipped from the right, the first untrusted address is the client", () => {
  const trusted = new TrustedProxies([PROXY, "10.0.0.0/8"]);
  assert.equal(trusted.clientAddress(PROXY, "198.51.100.1, 203.0.113.7, 10.1.1.1"), "203.0.113.7");
  // All of them trusted: the farthest known is the client (a proxy's own request).
  assert.equal(trusted.clientAddress(PROXY, "10.2.2.2, 10.1.1.1"), "10.2.2.2");
});

Deno.test("a malformed value where the client should be leaves the peer's address", () => {
  const trusted = new TrustedProxies([PROXY, "10.0.0.0/8"]);
  for (
    const header of [
      "",
      "unknown",
      "203.0.113.7, junk",
      "203.0.113.7, 10.1.1.1, ",
      "203.0.113.999",
      "203.0.113.7 10.1.1.1",
      "<script>",
    ]
  ) {
    assert.equal(trusted.clientAddress(PROXY, header), PROXY, JSON.stringify(header));
  }
  // A malformed value left of the client does not matter: it is not read.
  assert.equal(trusted.clientAddress(PROXY, "junk, 203.0.113.7"), "203.0.113.7");
  // No header: the peer.
  assert.equal(trusted.clientAddress(PROXY, null), PROXY);
});

Deno.test("IPv6 addresses, ports and brackets are read, and addresses written canonically", () => {
  const trusted = new TrustedProxies(["::1", "2001:db8:aa::/48"]);
  assert.equal(trusted.clientAddress("::1", "2001:DB8:0:0::7"), "2001:db8::7");
  assert.equal(trusted.clientAddress("::1", "[2001:db8::7]:4711"), "2001:db8::7");
  assert.equal(trusted.clientAddress("::1", "[2001:db8::7]"), "2001:db8::7");
  assert.equal(trusted.clientAddress("::1", "203.0.113.7:4711"), "203.0.113.7");
  assert.equal(trusted.clientAddress("::1", "::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(trusted.clientAddress("2001:db8:aa::5", "2001:db8::7"), "2001:db8::7");
  // The proxy reached over IPv6 as an IPv4-mapped address is the IPv4 proxy.
  const v4 = new TrustedProxies([PROXY]);
  assert.equal(v4.clientAddress("::ffff:127.0.0.1", "203.0.113.7"), "203.0.113.7");
  assert.equal(v4.clientAddress("::ffff:127.0.0.1", "bad"), PROXY);
});

Deno.test("a trusted proxy's X-Forwarded-Proto gives the scheme, anyone else's is ignored", () => {
  const trusted = new TrustedProxies([PROXY]);
  assert.equal(trusted.clientScheme(PROXY, "https", "http:"), "https:");
  assert.equal(trusted.clientScheme(PROXY, "HTTPS, http", "http:"), "https:");
  assert.equal(trusted.clientScheme(PROXY, "gopher", "http:"), "http:");
  assert.equal(trusted.clientScheme(PROXY, null, "http:"), "http:");
  assert.equal(trusted.clientScheme("192.0.2.50", "https", "http:"), "http:");
});

Deno.test("TrustedProxies refuses what is not an address or range", () => {
  assert.throws(() => new TrustedProxies(["proxy.example.org"]), /"proxy\.example\.org"/);
  assert.equal(new TrustedProxies([]).any, false);
  assert.equal(new TrustedProxies(["::1"]).any, true);
});
