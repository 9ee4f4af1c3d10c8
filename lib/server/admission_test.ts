import assert from "node:assert/strict";
import { Admission, isLoopback } from "./admission.ts";

Deno.test("Admission refuses past --max-clients, and lets one in again when another leaves", () => {
  const admission = new Admission({ maxClients: 2, maxPerIp: 0, limitLoopback: false });
  admission.opened("192.0.2.1");
  assert.equal(admission.problem("192.0.2.2"), undefined);
  assert.ok(!admission.full);
  admission.opened("192.0.2.2");
  assert.ok(admission.full);
  assert.equal(
    admission.problem("192.0.2.3"),
    "Server full: 2 connections already; try again later",
  );
  admission.closed("192.0.2.1");
  assert.ok(!admission.full);
  assert.equal(admission.problem("192.0.2.3"), undefined);
});

Deno.test("Admission caps connections per address, sparing loopback unless asked", () => {
  const spared = new Admission({ maxClients: 100, maxPerIp: 1, limitLoopback: false });
  spared.opened("127.0.0.1");
  spared.opened("192.0.2.1");
  assert.equal(spared.problem("127.0.0.1"), undefined);
  assert.equal(spared.problem("192.0.2.1"), "Too many connections from 192.0.2.1: the limit is 1");
  spared.closed("192.0.2.1");
  assert.equal(spared.problem("192.0.2.1"), undefined);
  const limited = new Admission({ maxClients: 100, maxPerIp: 1, limitLoopback: true });
  limited.opened("127.0.0.1");
  assert.equal(limited.problem("127.0.0.1"), "Too many connections from 127.0.0.1: the limit is 1");
});

Deno.test("Admission counts a connection toward one cap alone when asked (a proxy's, then its client's)", () => {
  const admission = new Admission({ maxClients: 2, maxPerIp: 1, limitLoopback: false });
  const total = { total: true, perIp: false };
  const perIp = { total: false, perIp: true };
  // A trusted proxy's two connections: the cap in all, not the proxy's address.
  assert.equal(admission.problem("192.0.2.9", total), undefined);
  admission.opened("192.0.2.9", total);
  assert.equal(admission.problem("192.0.2.9", total), undefined);
  admission.opened("192.0.2.9", total);
  assert.equal(
    admission.problem("192.0.2.1", total),
    "Server full: 2 connections already; try again later",
  );
  // Their clients, once named: the cap per address, not the full server again.
  assert.equal(admission.problem("203.0.113.7", perIp), undefined);
  admission.opened("203.0.113.7", perIp);
  assert.equal(
    admission.problem("203.0.113.7", perIp),
    "Too many connections from 203.0.113.7: the limit is 1",
  );
  admission.closed("203.0.113.7", perIp);
  assert.equal(admission.problem("203.0.113.7", perIp), undefined);
  admission.closed("192.0.2.9", total);
  assert.equal(admission.problem("192.0.2.1"), undefined);
});

Deno.test("isLoopback() knows 127.0.0.0/8 and ::1, also IPv4-mapped", () => {
  for (const ip of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) assert.ok(isLoopback(ip));
  for (const ip of ["10.0.0.1", "::ffff:10.0.0.1", "fe80::1"]) assert.ok(!isLoopback(ip));
});
