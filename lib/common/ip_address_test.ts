import assert from "node:assert/strict";
import { formatIp, inRange, normalizeIp, parseIp, parseIpRange } from "./ip_address.ts";

Deno.test("normalizeIp() writes IPv4 as it is and IPv6 in RFC 5952's form", () => {
  const cases: [string, string][] = [
    ["203.0.113.7", "203.0.113.7"],
    ["0.0.0.0", "0.0.0.0"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0000:0000:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["::", "::"],
    ["::1", "::1"],
    ["fe80::", "fe80::"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["::102:304", "::102:304"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
  ];
  for (const [text, expected] of cases) assert.equal(normalizeIp(text), expected, text);
});

Deno.test("normalizeIp() writes an IPv4-mapped IPv6 address as its IPv4 address", () => {
  assert.equal(normalizeIp("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(normalizeIp("::FFFF:cb00:7107"), "203.0.113.7");
  assert.equal(normalizeIp("0:0:0:0:0:ffff:10.1.2.3"), "10.1.2.3");
});

Deno.test("parseIp() refuses names, ports, zones, brackets and malformed numbers", () => {
  for (
    const text of [
      "",
      "unknown",
      "localhost",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1.2.3.4:80",
      "[::1]",
      "fe80::1%eth0",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::1",
      ":1",
      "1:",
      "1.2.3.4::1",
      "::1.2.3",
      " 1.2.3.4",
      "1:2:3:4:5:6:7:8::",
    ]
  ) {
    assert.equal(parseIp(text), undefined, JSON.stringify(text));
  }
});

Deno.test("formatIp() writes what parseIp() reads, for addresses of both kinds", () => {
  for (const text of ["192.0.2.1", "2001:db8::8:800:200c:417a", "ff01::101", "::"]) {
    assert.equal(formatIp(parseIp(text)!), text);
  }
});

Deno.test("parseIpRange() reads an address or a CIDR range, and inRange() tests against it", () => {
  const v4 = parseIpRange("10.0.0.0/8")!;
  assert.ok(inRange(parseIp("10.20.30.40")!, v4));
  assert.ok(!inRange(parseIp("11.0.0.1")!, v4));
  assert.ok(!inRange(parseIp("::a14:1e28")!, v4), "an IPv6 address is not in an IPv4 range");
  const one = parseIpRange("192.0.2.10")!;
  assert.equal(one.bits, 32);
  assert.ok(inRange(parseIp("::ffff:192.0.2.10")!, one));
  assert.ok(!inRange(parseIp("192.0.2.11")!, one));
  const odd = parseIpRange("172.16.0.0/12")!;
  assert.ok(inRange(parseIp("172.31.255.255")!, odd));
  assert.ok(!inRange(parseIp("172.32.0.0")!, odd));
  const v6 = parseIpRange("2001:db8::/32")!;
  assert.ok(inRange(parseIp("2001:db8:ffff::1")!, v6));
  assert.ok(!inRange(parseIp("2001:db9::1")!, v6));
  assert.ok(inRange(parseIp("10.9.9.9")!, parseIpRange("::ffff:10.0.0.0/104")!));
  assert.ok(inRange(parseIp("8.8.8.8")!, parseIpRange("0.0.0.0/0")!));
  for (
    const text of [
      "10.0.0.0/33",
      "10.0.0.0/",
      "10.0.0.0/x",
      "::/129",
      "name/8",
      "::ffff:1.2.3.4/95",
    ]
  ) {
    assert.equal(parseIpRange(text), undefined, text);
  }
});
