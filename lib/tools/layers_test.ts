import assert from "node:assert/strict";
import {
  circles,
  isTest,
  layerProblems,
  layoutPaths,
  type ModuleGraph,
  type Part,
  partOf,
  readGraph,
} from "./layers.ts";

const ROOT = new URL("../../", import.meta.url);

/** The repository's tracked files (needs `--allow-run=git`). */
async function trackedFiles(): Promise<string[]> {
  const output = await new Deno.Command("git", {
    args: ["ls-files", "-z"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  assert.ok(output.success, "git ls-files runs in the repository");
  return new TextDecoder().decode(output.stdout).split("\0").filter((file) => file !== "");
}

/** Our modules: every tracked TypeScript and JavaScript file but type declarations. */
async function ourModules(): Promise<string[]> {
  return (await trackedFiles()).filter((file) =>
    /\.(ts|js|mjs)$/.test(file) && !file.endsWith(".d.ts")
  );
}

Deno.test("no two of our modules import each other, directly or in a circle", async () => {
  const graph = await readGraph(ROOT, await ourModules());
  assert.ok(graph.size > 100, `the graph holds our modules (${graph.size})`);
  const found = circles(graph);
  assert.deepEqual(found.map((circle) => circle.join(" -> ")), [], "circles of imports");
});

Deno.test("no module imports against the layers, and every module belongs to a part", async () => {
  const graph = await readGraph(ROOT, await ourModules());
  assert.deepEqual(layerProblems(graph), []);
});

Deno.test("the layout's parts say where the core, the edges and the client live", () => {
  assert.equal(partOf("lib/core/chat.ts")?.name, "core");
  assert.equal(partOf("web/common/e2e.js")?.name, "clients");
  assert.equal(partOf("web/common/protocol.js")?.name, "protocol");
  assert.equal(partOf("web/common/name_keys.d.ts")?.name, "protocol");
  assert.equal(partOf("web/app.js")?.name, "page");
  assert.equal(partOf("ChatClient.ts")?.name, "client");
  assert.equal(partOf("README.md"), undefined);
});

Deno.test("docs/design.md's layout block names every module of lib/ and web/ and nothing else", async () => {
  const tracked = await trackedFiles();
  const shown = layoutPaths(await Deno.readTextFile(new URL("docs/design.md", ROOT)));
  const files = shown.filter((path) => !path.endsWith("/"));
  const folders = shown.filter((path) => path.endsWith("/"));
  // Every module and page file but tests, which sit beside what they test.
  const expected = tracked.filter((file) =>
    /^(lib|web)\//.test(file) && !isTest(file) && !file.endsWith(".png")
  );
  assert.deepEqual(files.filter((file) => /^(lib|web)\//.test(file)).sort(), expected.sort());
  for (const file of files) assert.ok(tracked.includes(file), `${file} is in the repository`);
  for (const folder of folders) {
    assert.ok(tracked.some((file) => file.startsWith(folder)), `${folder} is in the repository`);
  }
});

Deno.test("layoutPaths() reads a tree of names, carried-on words aside", () => {
  const markdown = [
    "# Design",
    "## Layout",
    "```",
    "main.ts        the program",
    "lib/",
    "  core/        the core:",
    "               rules.ts is not an entry here",
    "    chat.ts    the rules",
    "  net.ts       the transport",
    "web/           the page",
    "```",
    "## Next",
  ].join("\n");
  assert.deepEqual(layoutPaths(markdown), [
    "main.ts",
    "lib/",
    "lib/core/",
    "lib/core/chat.ts",
    "lib/net.ts",
    "web/",
  ]);
});

// The checks themselves, on a made-up graph: each catches what it is for.
const PARTS: Part[] = [
  { name: "core", paths: ["core/"], may: [] },
  { name: "wire", paths: ["wire/"], may: ["core"] },
  { name: "net", paths: ["net/"], may: [] },
];

Deno.test("a circle is named with its files, in import order", () => {
  const graph: ModuleGraph = new Map([
    ["core/a.ts", ["core/b.ts"]],
    ["core/b.ts", ["core/c.ts"]],
    ["core/c.ts", ["core/a.ts"]],
    ["core/d.ts", ["core/d.ts"]],
    ["wire/e.ts", ["core/a.ts"]],
  ]);
  assert.deepEqual(circles(graph), [
    ["core/a.ts", "core/b.ts", "core/c.ts", "core/a.ts"],
    ["core/d.ts", "core/d.ts"],
  ]);
  assert.deepEqual(circles(new Map([["core/a.ts", ["core/b.ts"]], ["core/b.ts", []]])), []);
});

Deno.test("an import against the layers is named with both files; tests are free", () => {
  const graph: ModuleGraph = new Map([
    ["core/chat.ts", ["wire/json.ts"]],
    ["wire/json.ts", ["core/chat.ts", "net/outbox.ts"]],
    ["wire/json_test.ts", ["net/outbox.ts"]],
    ["misc/x.ts", []],
  ]);
  assert.deepEqual(layerProblems(graph, PARTS), [
    "core/chat.ts (core) imports wire/json.ts (wire) against the layers",
    "wire/json.ts (wire) imports net/outbox.ts (net) against the layers",
    "misc/x.ts belongs to no part of the layout (see lib/tools/layers.ts)",
  ]);
});
