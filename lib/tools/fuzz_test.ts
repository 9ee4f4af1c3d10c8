import assert from "node:assert/strict";
import { fuzzChat1, fuzzProtocol, seededRandom } from "./fuzz.ts";

Deno.test("fuzzProtocol() runs 100,000 seeded inputs through the frame reader and decoders", () => {
  const report = fuzzProtocol(20261122, 100_000);
  assert.equal(report.inputs, 100_000);
  // Every kind of outcome was reached, so the invariants were exercised on each.
  assert.ok(report.frames > 100_000, `frames: ${report.frames}`);
  assert.ok(report.oversize > 1_000, `oversize: ${report.oversize}`);
  assert.ok(report.decoded > 10_000, `decoded: ${report.decoded}`);
  assert.ok(report.refused > 10_000, `refused: ${report.refused}`);
});

Deno.test("fuzzChat1() runs 50,000 seeded inputs through the CHAT/1.0 line reader and decoder", () => {
  const report = fuzzChat1(20261130, 50_000);
  assert.equal(report.inputs, 50_000);
  assert.ok(report.frames > 50_000, `frames: ${report.frames}`);
  assert.ok(report.oversize > 1_000, `oversize: ${report.oversize}`);
  assert.ok(report.decoded > 10_000, `decoded: ${report.decoded}`);
  assert.ok(report.refused > 1_000, `refused: ${report.refused}`);
});

Deno.test("seededRandom() repeats its sequence for a seed", () => {
  const a = seededRandom(5);
  const b = seededRandom(5);
  const first = Array.from({ length: 5 }, a);
  assert.deepEqual(first, Array.from({ length: 5 }, b));
  assert.ok(first.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(first, Array.from({ length: 5 }, seededRandom(6)));
});
