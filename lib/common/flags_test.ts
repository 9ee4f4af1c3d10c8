import assert from "node:assert/strict";
import { parseFlags, parsePort } from "./flags.ts";

Deno.test("parsePort() takes whole numbers from 1 to 65535 only", () => {
  assert.equal(parsePort("1"), 1);
  assert.equal(parsePort("65535"), 65535);
  for (const bad of ["0", "65536", "", "-1", "1.5", "1e3", " 80", "0x50", "abc", "000080000"]) {
    assert.equal(parsePort(bad), undefined, `port ${bad}`);
  }
});

Deno.test("parseFlags() reads --name value, --name=value, switches, positionals and --", () => {
  assert.deepEqual(
    parseFlags(["a", "--x", "1", "--y=2", "--on", "b", "--", "--not-a-flag"], {
      x: "string",
      y: "string",
      on: "boolean",
    }),
    { ok: true, values: { x: "1", y: "2", on: true }, positionals: ["a", "b", "--not-a-flag"] },
  );
  assert.deepEqual(parseFlags(["--nope"], {}), { ok: false, error: "Unknown option '--nope'" });
  assert.deepEqual(parseFlags(["--x"], { x: "string" }), {
    ok: false,
    error: "Option '--x <value>' argument missing",
  });
  assert.deepEqual(parseFlags(["--on=1"], { on: "boolean" }), {
    ok: false,
    error: "Option '--on' does not take a value",
  });
  assert.deepEqual(parseFlags(["--toString"], {}), {
    ok: false,
    error: "Unknown option '--toString'",
  });
});
