import assert from "node:assert/strict";
import { parseServerArgs, SERVER_USAGE } from "./args.ts";
import { DEFAULT_LIMITS } from "./limits.ts";

Deno.test("parseServerArgs() takes an optional port, with every limit at its default", () => {
  assert.deepEqual(parseServerArgs([]), {
    ok: true,
    value: { port: 0, limits: DEFAULT_LIMITS, tls: undefined, operators: [] },
  });
  assert.deepEqual(parseServerArgs(["12345"]), {
    ok: true,
    value: { port: 12345, limits: DEFAULT_LIMITS, tls: undefined, operators: [] },
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
    "--http-timeout",
    "0.5",
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
      operators: [],
      limits: {
        maxFrameBytes: 4096,
        sendqBytes: 65536,
        writeTimeoutMs: 2500,
        registerTimeoutMs: 1000,
        httpTimeoutMs: 500,
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
    value: {
      port: 0,
      limits: DEFAULT_LIMITS,
      tls: { certFile: "c.pem", keyFile: "k.pem" },
      operators: [],
    },
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
  assert.match(
    SERVER_USAGE,
    /--http-timeout <seconds> +how long the web port waits .*\(default 10\)/,
  );
  assert.match(SERVER_USAGE, /--offline-days <days> .*\(default 30\)/);
  assert.match(SERVER_USAGE, /--data <dir> /);
});

Deno.test("parseServerArgs() takes --operator more than once, and refuses a name that is none", () => {
  const parsed = parseServerArgs(["--operator", "Alice", "12345", "--operator=bob"]);
  assert.equal(parsed.ok, true);
  if (parsed.ok) {
    assert.deepEqual(parsed.value.operators, ["Alice", "bob"]);
    assert.equal(parsed.value.port, 12345);
  }
  assert.deepEqual(parseServerArgs(["--operator"]), {
    ok: false,
    error: "ERR - option --operator: expected an account's nickname",
  });
  assert.deepEqual(parseServerArgs(["--operator", "a b"]), {
    ok: false,
    error: 'ERR - option --operator: Nickname "a b" must not contain white space',
  });
});

Deno.test("parseServerArgs() reads the IRC flags, and refuses what cannot be served", () => {
  const parsed = parseServerArgs(["12345", "--irc-port", "6667", "--irc-name", "irc.example.org"]);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.irc, { port: 6667, name: "irc.example.org", pingSeconds: 90 });
  const free = parseServerArgs(["--irc-port", "0", "--irc-ping", "0.5"]);
  assert.ok(free.ok);
  assert.deepEqual(free.value.irc, { port: 0, name: "chat.local", pingSeconds: 0.5 });
  const tls = parseServerArgs([
    "--tls-cert",
    "c.pem",
    "--tls-key",
    "k.pem",
    "--irc-tls-port",
    "6697",
  ]);
  assert.ok(tls.ok);
  assert.deepEqual(tls.value.irc, { tlsPort: 6697, name: "chat.local", pingSeconds: 90 });
  assert.deepEqual(parseServerArgs(["--irc-tls-port", "6697"]), {
    ok: false,
    error: "ERR - option --irc-tls-port needs --tls-cert and --tls-key",
  });
  assert.deepEqual(parseServerArgs(["--irc-port", "70000"]), {
    ok: false,
    error: 'ERR - option --irc-port: expected a port, got "70000"',
  });
  assert.deepEqual(parseServerArgs(["--irc-name", "x"]), {
    ok: false,
    error: "ERR - option --irc-name needs --irc-port",
  });
  assert.deepEqual(parseServerArgs(["--irc-port", "6667", "--irc-name", "a b"]), {
    ok: false,
    error: 'ERR - option --irc-name: expected a name such as irc.example.org, got "a b"',
  });
});

Deno.test("parseServerArgs() takes --trust-proxy more than once, with the web port only", () => {
  const parsed = parseServerArgs([
    "--web-port",
    "8080",
    "--trust-proxy",
    "127.0.0.1",
    "--trust-proxy=::1",
    "--trust-proxy",
    "10.0.0.0/8",
  ]);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.trustProxies, ["127.0.0.1", "::1", "10.0.0.0/8"]);
  const none = parseServerArgs(["--web-port", "8080"]);
  assert.ok(none.ok);
  assert.equal(none.value.trustProxies, undefined);
  assert.deepEqual(parseServerArgs(["--trust-proxy", "127.0.0.1"]), {
    ok: false,
    error: "ERR - option --trust-proxy needs --web-port",
  });
  assert.deepEqual(parseServerArgs(["--web-port", "8080", "--trust-proxy", "proxy.local"]), {
    ok: false,
    error: "ERR - option --trust-proxy: expected an IP address or range such as 127.0.0.1 or " +
      '10.0.0.0/8, got "proxy.local"',
  });
  assert.deepEqual(parseServerArgs(["--web-port", "8080", "--trust-proxy"]), {
    ok: false,
    error: "ERR - option --trust-proxy: expected an IP address or range such as 127.0.0.1 or " +
      "10.0.0.0/8",
  });
  assert.match(SERVER_USAGE, /--trust-proxy <address> +a reverse proxy in front of the web port/);
});

Deno.test("parseServerArgs() takes --log-format text or json, and nothing else", () => {
  const json = parseServerArgs(["--log-format", "json"]);
  assert.ok(json.ok);
  assert.equal(json.value.logFormat, "json");
  const text = parseServerArgs(["--log-format=text"]);
  assert.equal(text.ok && text.value.logFormat, "text");
  const unset = parseServerArgs([]);
  assert.equal(unset.ok && unset.value.logFormat, undefined);
  assert.deepEqual(parseServerArgs(["--log-format", "xml"]), {
    ok: false,
    error: 'ERR - option --log-format: expected text or json, got "xml"',
  });
  assert.match(SERVER_USAGE, /--log-format text\|json/);
});
