import assert from "node:assert/strict";
import { explainTlsFailure } from "./tls_explain.ts";

Deno.test("explainTlsFailure() says what to do for each common failure", () => {
  const cases: [string, RegExp][] = [
    [
      "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
      /its own authority .*--ca <pem>.*--fingerprint sha256:.*`deno task certs`/,
    ],
    [
      "invalid peer certificate: UnknownIssuer",
      /not signed by an authority .*--ca <pem>.*--fingerprint sha256:/,
    ],
    [
      "invalid peer certificate: NotValidForName",
      /not for "chat\.example\.org".*`deno task certs chat\.example\.org`/,
    ],
    ["invalid peer certificate: Expired", /has expired or is not valid yet/],
    ["received corrupt message of type InvalidContentType", /does not seem to speak TLS/],
    ["something new", /Check that the port serves TLS/],
  ];
  for (const [message, next] of cases) {
    const [first, second] = explainTlsFailure("chat.example.org:12346", message).split("\n");
    assert.equal(first, `ERR - TLS handshake with chat.example.org:12346 failed: ${message}`);
    assert.match(second, next, message);
    assert.match(second, /^[A-Z].*\.$/);
  }
});
