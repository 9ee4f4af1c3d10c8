import assert from "node:assert/strict";
import {
  CHAT_ADDRESS_HINT,
  parseClientArgs,
  parseFlags,
  parsePort,
  parseServerArgs,
  SERVER_USAGE,
} from "./args.ts";
import { DEFAULT_LIMITS } from "./limits.ts";

Deno.test("parsePort() takes whole numbers from 1 to 65535 only", () => {
  assert.equal(parsePort("1"), 1);
  assert.equal(parsePort("65535"), 65535);
  for (const bad of ["0", "65536", "", "-1", "1.5", "1e3", " 80", "0x50", "abc", "000080000"]) {
    assert.equal(parsePort(bad), undefined, `port ${bad}`);
  }
});

Deno.test("parseServerArgs() takes an optional port, with every limit at its default", () => {
  assert.deepEqual(parseServerArgs([]), {
    ok: true,
    value: { port: 0, limits: DEFAULT_LIMITS, tls: undefined },
  });
  assert.deepEqual(parseServerArgs(["12345"]), {
    ok: true,
    value: { port: 12345, limits: DEFAULT_LIMITS, tls: undefined },
  });
});

Deno.test("parseServerArgs() sets each limit from its flag, seconds in milliseconds", () => {
  const parsed = parseServerArgs([
    "12345",
    "--sendq=65536",
    "--write-timeout",
    "2.5",
    "--register-timeout",
    "1",
    "--max-clients",
    "100",
    "--max-per-ip",
    "0",
    "--limit-loopback",
    "--burst",
    "5",
    "--max-rate",
    "0.5",
    "--flood-timeout",
    "10",
    "--max-frame",
    "4096",
    "--max-offline",
    "50",
    "--offline-days",
    "2",
    "--history",
    "300",
    "--history-days=0.5",
    "--data",
    "store",
    "--max-file-size",
    "1000000",
    "--max-transfers",
    "2",
    "--byte-burst",
    "100000",
    "--byte-rate",
    "0",
  ]);
  assert.deepEqual(parsed, {
    ok: true,
    value: {
      port: 12345,
      tls: undefined,
      limits: {
        maxFrameBytes: 4096,
        sendqBytes: 65536,
        writeTimeoutMs: 2500,
        registerTimeoutMs: 1000,
        maxClients: 100,
        maxPerIp: 0,
        limitLoopback: true,
        burst: 5,
        maxRate: 0.5,
        floodTimeoutMs: 10_000,
        offlineMax: 50,
        offlineMaxAgeMs: 2 * 86_400_000,
        historyMax: 300,
        historyMaxAgeMs: 43_200_000,
        maxFileBytes: 1_000_000,
        maxTransfers: 2,
        byteBurst: 100_000,
        byteRate: 0,
      },
      dataDir: "store",
    },
  });
});

Deno.test("parseServerArgs() answers ERR - arg 1 for a bad port and names a bad option", () => {
  for (const port of ["0", "65536", "abc", "-5", "12.5"]) {
    assert.deepEqual(parseServerArgs([port]), { ok: false, error: "ERR - arg 1" }, port);
  }
  const cases: [string[], string][] = [
    [
      ["--sendq", "lots"],
      'ERR - option --sendq: expected bytes from 1024 to 1073741824, got "lots"',
    ],
    [
      ["--write-timeout", "0"],
      'ERR - option --write-timeout: expected seconds from 0.1 to 3600, got "0"',
    ],
    [
      ["--max-clients", "1.5"],
      'ERR - option --max-clients: expected a whole number from 1 to 1000000, got "1.5"',
    ],
    [
      ["--max-frame", "100000"],
      'ERR - option --max-frame: expected bytes from 1024 to 65536, got "100000"',
    ],
    [["1234", "5678"], 'ERR - unexpected argument "5678"'],
    [["--tls-cert", "c.pem"], "ERR - options --tls-cert and --tls-key go together"],
    [
      ["--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-port", "x"],
      'ERR - option --tls-port: expected a port, got "x"',
    ],
  ];
  for (const [args, error] of cases) {
    assert.deepEqual(parseServerArgs(args), { ok: false, error }, JSON.stringify(args));
  }
  const unknown = parseServerArgs(["--bogus"]);
  assert.match(!unknown.ok ? unknown.error : "", /^ERR - Unknown option '--bogus'$/);
});

Deno.test("parseServerArgs() reads the TLS flags", () => {
  assert.deepEqual(parseServerArgs(["--tls-cert", "c.pem", "--tls-key", "k.pem"]), {
    ok: true,
    value: { port: 0, limits: DEFAULT_LIMITS, tls: { certFile: "c.pem", keyFile: "k.pem" } },
  });
  const both = parseServerArgs([
    "7000",
    "--tls-cert",
    "c.pem",
    "--tls-key",
    "k.pem",
    "--tls-port",
    "7001",
  ]);
  assert.deepEqual(both.ok && both.value.tls, { certFile: "c.pem", keyFile: "k.pem", port: 7001 });
});

Deno.test("parseServerArgs() answers --help with the usage, which lists every limit's default", () => {
  assert.deepEqual(parseServerArgs(["--help"]), { ok: false, error: SERVER_USAGE, help: true });
  assert.match(
    SERVER_USAGE,
    /--sendq <bytes> +bytes queued for one client before it is cut off \(default 1048576\)/,
  );
  assert.match(SERVER_USAGE, /--max-rate <n> +.*\(default 10\)/);
  assert.match(SERVER_USAGE, /--register-timeout <seconds> .*\(default 30\)/);
  assert.match(SERVER_USAGE, /--offline-days <days> .*\(default 30\)/);
  assert.match(SERVER_USAGE, /--data <dir> /);
});

Deno.test("parseClientArgs() takes host, port, nickname, client ID and the TLS flags", () => {
  assert.deepEqual(parseClientArgs(["localhost", "12345", "Alice", "001"]), {
    ok: true,
    value: {
      wire: "json",
      host: "localhost",
      port: 12345,
      nickname: "Alice",
      clientID: "001",
      tls: false,
      caFile: undefined,
      fingerprint: undefined,
      passwordFile: undefined,
      keysFile: undefined,
      e2eOnly: undefined,
      downloads: "downloads",
    },
  });
  const withFile = parseClientArgs(["h", "1", "Alice", "1", "--password-file", "pw.txt"]);
  assert.equal(
    withFile.ok && withFile.value.wire === "json" && withFile.value.passwordFile,
    "pw.txt",
  );
  assert.deepEqual(parseClientArgs(["Alice", "chat://h:1", "--password-file", "pw.txt"]), {
    ok: false,
    error: "ERR - CHAT/1.0 has no accounts, files or keys: --password-file, --downloads and " +
      "--keys go with JSON",
  });
  const tls = parseClientArgs(["--tls", "--ca", "ca.pem", "localhost", "12345", "Alice", "001"]);
  assert.equal(tls.ok && tls.value.wire === "json" && tls.value.tls, true);
  assert.equal(tls.ok && tls.value.wire === "json" && tls.value.caFile, "ca.pem");
  assert.deepEqual(parseClientArgs(["h", "1", "A", "1", "--ca", "x.pem"]), {
    ok: false,
    error: "ERR - option --ca goes with --tls",
  });
});

Deno.test("parseClientArgs() takes --fingerprint with --tls, as openssl or we write it", () => {
  const hex = "AB:".repeat(31) + "AB";
  const base = ["localhost", "12345", "Alice", "001"];
  for (const text of [`sha256:${hex}`, `SHA256 Fingerprint=${hex}`, hex.replaceAll(":", "")]) {
    const parsed = parseClientArgs(["--tls", "--fingerprint", text, ...base]);
    assert.equal(
      parsed.ok && parsed.value.wire === "json" && parsed.value.fingerprint,
      `sha256:${hex}`,
    );
  }
  assert.deepEqual(parseClientArgs(["--fingerprint", `sha256:${hex}`, ...base]), {
    ok: false,
    error: "ERR - option --fingerprint goes with --tls",
  });
  assert.deepEqual(
    parseClientArgs(["--tls", "--ca", "x.pem", "--fingerprint", `sha256:${hex}`, ...base]),
    { ok: false, error: "ERR - options --ca and --fingerprint: give one or the other" },
  );
  assert.deepEqual(parseClientArgs(["--tls", "--fingerprint", "sha256:AB", ...base]), {
    ok: false,
    error: 'ERR - option --fingerprint: expected sha256: and 64 hex digits, got "sha256:AB"',
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
    [["localhost", "12345", "two words", "001"], "ERR - arg 3"],
    [["localhost", "12345", "x".repeat(33), "001"], "ERR - arg 3"],
    [["localhost", "12345", "Alice"], "ERR - arg 4"],
    [["localhost", "12345", "Alice", " "], "ERR - arg 4"],
    [["localhost", "12345", "Alice", "001", "extra"], "ERR - arg 5"],
  ];
  for (const [args, error] of cases) {
    assert.deepEqual(parseClientArgs(args), { ok: false, error }, JSON.stringify(args));
  }
});

Deno.test("parseClientArgs() takes <nickname> chat://<host>:<port> as the CHAT/1.0 form", () => {
  assert.deepEqual(parseClientArgs(["carol", "chat://localhost:12345"]), {
    ok: true,
    value: { wire: "chat1", host: "localhost", port: 12345, nickname: "carol" },
  });
  assert.deepEqual(parseClientArgs(["carol", "CHAT://[::1]:80/"]), {
    ok: true,
    value: { wire: "chat1", host: "::1", port: 80, nickname: "carol" },
  });
  const badAddress = `ERR - arg 2\n${CHAT_ADDRESS_HINT}`;
  const cases: [string[], string][] = [
    [["carol", "http://localhost:12345"], badAddress],
    [["carol", "chat://localhost"], badAddress],
    [["carol", "chat://localhost:0"], badAddress],
    [["carol", "chat://localhost:65536"], badAddress],
    [["carol", "chat://:12345"], badAddress],
    [["carol", "localhost:12345"], badAddress],
    [["two words", "chat://localhost:12345"], "ERR - arg 1"],
    [
      ["--tls", "carol", "chat://h:1"],
      "ERR - option --tls is not available with a chat:// address",
    ],
  ];
  for (const [args, error] of cases) {
    assert.deepEqual(parseClientArgs(args), { ok: false, error }, JSON.stringify(args));
  }
  // Two arguments whose second is a port are the four-argument form, missing the nickname.
  assert.deepEqual(parseClientArgs(["localhost", "12345"]), { ok: false, error: "ERR - arg 3" });
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
