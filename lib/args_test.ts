import assert from "node:assert/strict";
import {
  DEFAULT_SENDQ_BYTES,
  DEFAULT_WRITE_TIMEOUT_SECONDS,
  parseClientArgs,
  parsePort,
  parseServerArgs,
} from "./args.ts";

Deno.test("parsePort() takes whole numbers from 1 to 65535 only", () => {
  assert.equal(parsePort("1"), 1);
  assert.equal(parsePort("65535"), 65535);
  for (const bad of ["0", "65536", "", "-1", "1.5", "1e3", " 80", "0x50", "abc"]) {
    assert.equal(parsePort(bad), undefined, `port ${bad}`);
  }
});

Deno.test("parseServerArgs() takes an optional port and the sendq and write-timeout options", () => {
  assert.deepEqual(parseServerArgs([]), {
    ok: true,
    value: {
      port: 0,
      sendqBytes: DEFAULT_SENDQ_BYTES,
      writeTimeoutMs: DEFAULT_WRITE_TIMEOUT_SECONDS * 1000,
    },
  });
  assert.deepEqual(parseServerArgs(["12345", "--sendq", "65536", "--write-timeout", "2.5"]), {
    ok: true,
    value: { port: 12345, sendqBytes: 65536, writeTimeoutMs: 2500 },
  });
  assert.deepEqual(parseServerArgs(["--sendq=1000"]), {
    ok: true,
    value: { port: 0, sendqBytes: 1000, writeTimeoutMs: DEFAULT_WRITE_TIMEOUT_SECONDS * 1000 },
  });
});

Deno.test("parseServerArgs() answers ERR - arg 1 for a bad port and names a bad option", () => {
  for (const port of ["0", "65536", "abc", "-5", "12.5"]) {
    assert.deepEqual(parseServerArgs([port]), { ok: false, error: "ERR - arg 1" }, port);
  }
  assert.deepEqual(parseServerArgs(["--sendq", "lots"]), {
    ok: false,
    error: 'ERR - option --sendq: expected bytes, got "lots"',
  });
  assert.deepEqual(parseServerArgs(["--write-timeout", "0"]), {
    ok: false,
    error: 'ERR - option --write-timeout: expected seconds, got "0"',
  });
  assert.deepEqual(parseServerArgs(["1234", "5678"]), {
    ok: false,
    error: 'ERR - unexpected argument "5678"',
  });
  const unknown = parseServerArgs(["--bogus"]);
  assert.equal(unknown.ok, false);
  assert.match(!unknown.ok ? unknown.error : "", /^ERR - Unknown option '--bogus'$/);
});

Deno.test("parseClientArgs() takes host, port, nickname and client ID", () => {
  assert.deepEqual(parseClientArgs(["localhost", "12345", "Alice", "001"]), {
    ok: true,
    value: { host: "localhost", port: 12345, nickname: "Alice", clientID: "001" },
  });
});

Deno.test("parseClientArgs() answers ERR - arg x for the first bad or missing argument", () => {
  const cases: [string[], string][] = [
    [[], "ERR - arg 1"],
    [[""], "ERR - arg 1"],
    [["localhost"], "ERR - arg 2"],
    [["localhost", "99999", "Alice", "001"], "ERR - arg 2"],
    [["localhost", "x", "", ""], "ERR - arg 2"],
    [["localhost", "12345"], "ERR - arg 3"],
    [["localhost", "12345", ""], "ERR - arg 3"],
    [["localhost", "12345", "bad\nname", "001"], "ERR - arg 3"],
    [["localhost", "12345", "Alice"], "ERR - arg 4"],
    [["localhost", "12345", "Alice", " "], "ERR - arg 4"],
    [["localhost", "12345", "Alice", "001", "extra"], "ERR - arg 5"],
  ];
  for (const [args, error] of cases) {
    assert.deepEqual(parseClientArgs(args), { ok: false, error }, JSON.stringify(args));
  }
});
