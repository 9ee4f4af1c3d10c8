import assert from "node:assert/strict";
import { parseServerArgs, SERVER_USAGE } from "../server/args.ts";
import { parseMetricsFlags } from "./metrics_flags.ts";

Deno.test("--metrics-port and --metrics-token-file are the server's flags, in its --help", () => {
  const parsed = parseServerArgs(["--metrics-port", "9464", "--metrics-token-file", "token"]);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.metrics, { port: 9464, tokenFile: "token" });
  const free = parseServerArgs(["--metrics-port=0"]);
  assert.ok(free.ok);
  assert.deepEqual(free.value.metrics, { port: 0 });
  const none = parseServerArgs([]);
  assert.ok(none.ok);
  assert.equal(none.value.metrics, undefined);
  assert.match(
    SERVER_USAGE,
    /^ {2}--metrics-port <port> {9}serve \/metrics \(and the health checks\) there/m,
  );
  assert.match(SERVER_USAGE, /^ {2}--metrics-token-file <file> {3}others may read it/m);
});

Deno.test("a bad metrics port, an empty token file or a token with nowhere to serve are errors", () => {
  assert.deepEqual(parseServerArgs(["--metrics-port", "http"]), {
    ok: false,
    error: 'ERR - option --metrics-port: expected a port, got "http"',
  });
  assert.deepEqual(parseServerArgs(["--metrics-port", "70000"]), {
    ok: false,
    error: 'ERR - option --metrics-port: expected a port, got "70000"',
  });
  assert.deepEqual(parseServerArgs(["--metrics-token-file", "token"]), {
    ok: false,
    error: "ERR - option --metrics-token-file needs --metrics-port or --web-port",
  });
  assert.deepEqual(parseMetricsFlags({ "metrics-token-file": " " }, true), {
    ok: false,
    error: "ERR - option --metrics-token-file: expected a file",
  });
  // The web port serves /metrics too: a token may go with it alone.
  const web = parseServerArgs(["--web-port", "8080", "--metrics-token-file", "token"]);
  assert.ok(web.ok);
  assert.deepEqual(web.value.metrics, { tokenFile: "token" });
});
