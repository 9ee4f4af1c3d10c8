/**
 * The systemd unit `deploy/chat.service`: systemd's own checks pass on it without a word
 * (`systemd-analyze verify`, and `systemd-analyze security --offline` finding it hardened), and
 * the command it starts runs the server with its data in the state directory, telling its clients
 * when it is stopped with the unit's signal. No systemd need run: both checks read the file alone.
 */

import assert from "node:assert/strict";
import { LineLog, processTest, tempDir, WAIT_MS, within } from "../lib/tools/testing.ts";
import { RawClient } from "../lib/tools/raw_client.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const UNIT = "deploy/chat.service";

/** What `systemd-analyze <args>` printed, and how it ended. */
async function systemdAnalyze(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command("systemd-analyze", {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { SYSTEMD_COLORS: "0", SYSTEMD_PAGER: "" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** The unit's settings by section and key, continued lines joined (`\` at a line's end). */
function readUnit(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = "";
  const lines = text.replace(/\\\n/g, " ").split("\n");
  for (const line of lines.map((each) => each.trim())) {
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1];
      continue;
    }
    const equals = line.indexOf("=");
    const key = `${section}.${line.slice(0, equals)}`;
    settings.set(key, [...settings.get(key) ?? [], line.slice(equals + 1)]);
  }
  return settings;
}

/** The variables `Environment=` lines set (unquoted `NAME=value` words, as the unit writes them). */
function environmentOf(unit: Map<string, string[]>): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of unit.get("Service.Environment") ?? []) {
    for (const word of line.split(/\s+/)) {
      const equals = word.indexOf("=");
      variables[word.slice(0, equals)] = word.slice(equals + 1);
    }
  }
  return variables;
}

/**
 * `ExecStart`'s words as systemd makes them: `%S` and `%C` the state and cache roots given,
 * `${NAME}` one word, `$NAME` split into words (none when empty).
 */
function execStart(
  unit: Map<string, string[]>,
  roots: { state: string; cache: string },
  variables: Record<string, string>,
): string[] {
  const [line] = unit.get("Service.ExecStart")!;
  return line.trim().split(/\s+/).flatMap((word) => {
    const whole = /^\$\{(\w+)\}$/.exec(word) ?? /^\$(\w+)$/.exec(word);
    if (whole !== null) {
      const value = variables[whole[1]] ?? "";
      return word.startsWith("${") ? [value] : value.split(/\s+/).filter((each) => each !== "");
    }
    return [word.replaceAll("%S", roots.state).replaceAll("%C", roots.cache)];
  });
}

Deno.test("systemd-analyze verify passes deploy/chat.service without a warning", async () => {
  let { code, stdout, stderr } = await systemdAnalyze(["verify", UNIT]);
  if (/^chat\.service: Command deno is not executable/.test(stderr)) {
    // Deno lives where systemd does not look for a command named alone (/usr/local/bin,
    // /usr/bin): the same unit is verified with this machine's deno named by its path.
    using dir = tempDir();
    const text = await Deno.readTextFile(`${ROOT}${UNIT}`);
    await Deno.writeTextFile(
      `${dir.path}/chat.service`,
      text.replace(/^ExecStart=deno /m, `ExecStart=${Deno.execPath()} `),
    );
    ({ code, stdout, stderr } = await systemdAnalyze(["verify", `${dir.path}/chat.service`]));
  }
  assert.equal(stderr, "", "systemd-analyze verify says nothing about the unit");
  assert.equal(stdout, "");
  assert.equal(code, 0);
});

Deno.test("systemd-analyze security rates deploy/chat.service's hardening OK", async () => {
  // The threshold is in tenths: an exposure above 2.0 (of 10) fails.
  const { code, stdout } = await systemdAnalyze([
    "security",
    "--offline=yes",
    "--threshold=20",
    "--no-pager",
    UNIT,
  ]);
  const overall = /Overall exposure level for chat\.service: ([\d.]+) (\w+)/.exec(stdout);
  assert.ok(overall !== null, `an overall exposure level in:\n${stdout}`);
  assert.equal(overall[2], "OK", stdout);
  assert.equal(code, 0, stdout);
  for (const setting of ["NoNewPrivileges=", "ProtectSystem=", "ProtectHome=", "PrivateTmp="]) {
    assert.match(stdout, new RegExp(`✓ ${setting}`), `${setting} is set`);
  }
  assert.match(stdout, /✗ MemoryDenyWriteExecute=/, "V8's compiler keeps writable code pages");
});

Deno.test("deploy/chat.service runs as a user of its own, writing its state directory alone", async () => {
  const unit = readUnit(await Deno.readTextFile(`${ROOT}${UNIT}`));
  const one = (key: string) => unit.get(key)?.at(-1);
  assert.equal(one("Service.DynamicUser"), "yes");
  assert.equal(one("Service.StateDirectory"), "chat");
  assert.equal(one("Service.Restart"), "on-failure");
  assert.equal(one("Service.KillSignal"), "SIGTERM");
  assert.equal(one("Service.ExecReload"), "/bin/kill -HUP $MAINPID");
  assert.equal(one("Service.CapabilityBoundingSet"), "");
  assert.equal(one("Service.MemoryDenyWriteExecute"), undefined);
  const words = execStart(unit, { state: "/var/lib", cache: "/var/cache" }, environmentOf(unit));
  assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
  const writes = words.filter((word) => word.startsWith("--allow-write"));
  assert.deepEqual(writes, ["--allow-write=/var/lib/chat"]);
  assert.ok(!words.includes("--allow-all") && !words.includes("-A"), "no blanket permission");
  const data = words.indexOf("--data");
  assert.equal(words[data + 1], "/var/lib/chat");
});

/** A port no one listens on now (the server's first argument has no "any free port"). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

processTest(
  "the unit's command serves from its state directory and tells clients when it is stopped",
  async () => {
    using roots = tempDir();
    const state = `${roots.path}/state`;
    const unit = readUnit(await Deno.readTextFile(`${ROOT}${UNIT}`));
    // The unit's own variables, its ports made free ones; Deno's cache stays this machine's.
    const { DENO_DIR: _, ...variables } = environmentOf(unit);
    const port = freePort();
    Object.assign(variables, { CHAT_PORT: `${port}`, CHAT_WEB_PORT: "0", CHAT_IRC_PORT: "0" });
    const [command, ...args] = execStart(unit, { state, cache: `${roots.path}/cache` }, variables);
    // systemd makes the state directory before it starts the command.
    Deno.mkdirSync(`${state}/chat`, { recursive: true });
    const child = new Deno.Command(command, {
      args,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const stdout = new LineLog(child.stdout);
    const stderr = new LineLog(child.stderr);
    try {
      await stdout.waitFor(new RegExp(`^ChatServer started with server IP: \\S+, port: ${port} `));
      await stdout.waitFor(`Store: ${state}/chat/chat.db (SQLite)`);
      await stdout.waitFor(/^IRC on port \d+ as chat\.local$/);
      await stdout.waitFor(/^Web client at http:\/\/\S+:\d+\/$/);
      await using client = await RawClient.registered(port, "Alice");
      child.kill("SIGTERM");
      assert.equal((await client.nextOfType("shutdown")).type, "shutdown");
      assert.equal((await within(child.status, WAIT_MS, "the server to exit")).code, 0);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited already.
      }
      await child.status;
      await Promise.all([stdout.done, stderr.done]);
    }
    assert.deepEqual(stderr.lines, []);
    assert.ok(Deno.statSync(`${state}/chat/chat.db`).isFile);
  },
);
