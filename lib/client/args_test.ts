import assert from "node:assert/strict";
import { CHAT_ADDRESS_HINT, parseClientArgs } from "./args.ts";

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
