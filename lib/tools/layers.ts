/**
 * The parts of the code and which may import which, as docs/design.md draws them, and the checks
 * that keep the module graph true to them: no circle among our modules, and no import against
 * the layers (the core imports no edge, store, wire or feature; a wire imports no transport; the
 * client imports nothing of the server's). `layers_test.ts` runs them on the real graph, which
 * `deno info --json` gives.
 *
 * @module
 */

/** One part of the code: the paths it holds and the parts it may import besides itself. */
export interface Part {
  /** The part's name, as `may` lists it. */
  name: string;
  /** Files, or folders when ending in `/`, relative to the repository's root. */
  paths: readonly string[];
  /** The parts its modules may import; `*` for any. */
  may: readonly string[];
}

/** The modules the server is made of, which the client never imports. */
const SERVER_SIDE = [
  "core",
  "store",
  "accounts",
  "rooms",
  "files",
  "e2e",
  "operators",
  "cluster",
  "wire",
  "irc",
  "web",
  "metrics",
];

/** Every part, from the bottom up. A test module may import anything (it runs nothing in use). */
export const PARTS: readonly Part[] = [
  /** Helpers with no chat in them. */
  { name: "common", paths: ["lib/common/"], may: [] },
  /** The JSON wire, and what both sides agree on besides: framing, CHAT/1.0, value rules. */
  {
    name: "protocol",
    paths: [
      "protocol.ts",
      "lib/protocol/",
      "web/common/protocol.js",
      "web/common/name_keys.js",
      "web/common/device_ids.js",
    ],
    may: ["common"],
  },
  /** The chat core: state and rules, commands in, deliveries out, no I/O. */
  { name: "core", paths: ["lib/core/"], may: ["common", "protocol"] },
  /** What the server keeps: one interface, three versions, one suite. */
  { name: "store", paths: ["lib/store/"], may: ["common", "protocol"] },
  /** Accounts, kept private messages and history, beside the core. */
  { name: "accounts", paths: ["lib/accounts/"], may: ["common", "protocol", "core", "store"] },
  /** Kept rooms: owners, topics, private rooms, roles, bans and mutes, beside the core. */
  {
    name: "rooms",
    paths: ["lib/rooms/"],
    may: ["common", "protocol", "core", "store", "accounts"],
  },
  /** File transfer beside the core. */
  { name: "files", paths: ["lib/files/"], may: ["common", "protocol", "core"] },
  /** End-to-end messages beside the core: the key directory. */
  { name: "e2e", paths: ["lib/e2e/"], may: ["common", "protocol", "core", "store"] },
  /** Server operators beside the core: kills, server bans, announcements. */
  { name: "operators", paths: ["lib/operators/"], may: ["common", "protocol", "core", "store"] },
  /** The bus between the nodes of a cluster; it carries the other features' messages too. */
  {
    name: "cluster",
    paths: ["lib/cluster/"],
    may: ["common", "protocol", "core", "store", "accounts", "rooms", "files", "e2e", "operators"],
  },
  /** The server's wire adapters: frames to commands, messages to bytes. */
  { name: "wire", paths: ["lib/wire/"], may: ["common", "protocol", "core"] },
  /** The IRC listener: IRC's lines, registration, commands and replies, as a wire and an edge. */
  { name: "irc", paths: ["lib/irc/"], may: ["common", "protocol", "core", "rooms", "wire"] },
  /** Transport pieces both sides use: connections, the outbox, TLS. */
  { name: "net", paths: ["lib/net/"], may: ["common"] },
  /** The web port: the page's files and its WebSocket. */
  { name: "web", paths: ["lib/web/"], may: ["common", "net"] },
  /** The server's metrics: the registry, the text format, `/metrics`, the chat's metrics. */
  { name: "metrics", paths: ["lib/metrics/"], may: ["common", "store"] },
  /** The server's edge, and the server program. */
  {
    name: "server",
    paths: ["lib/server/", "ChatServer.ts"],
    may: ["common", "protocol", "net", ...SERVER_SIDE],
  },
  /** What the page and the terminal client share: plain modules, no DOM and no Deno. */
  { name: "clients", paths: ["web/common/"], may: ["protocol"] },
  /** The terminal client, and the client program. */
  {
    name: "client",
    paths: ["lib/client/", "ChatClient.ts"],
    may: ["common", "protocol", "net", "clients"],
  },
  /** The web page. */
  { name: "page", paths: ["web/"], may: ["protocol", "clients"] },
  /** Tools for tests and for people, and the benchmarks. */
  { name: "tools", paths: ["lib/tools/", "bench/"], may: ["*"] },
];

/** Whether `path` is a test module (`*_test.ts`, or under `tests/`), free of the layers. */
export function isTest(path: string): boolean {
  return path.endsWith("_test.ts") || path.startsWith("tests/");
}

/**
 * The part of `parts` that `path` belongs to (the most specific that names it), or undefined. A
 * module's types (`x.d.ts` beside `x.js`) belong where the module does.
 */
export function partOf(path: string, parts: readonly Part[] = PARTS): Part | undefined {
  if (path.endsWith(".d.ts")) path = path.slice(0, -".d.ts".length) + ".js";
  let best: Part | undefined;
  let length = -1;
  for (const part of parts) {
    for (const prefix of part.paths) {
      const holds = prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix;
      if (holds && prefix.length > length) {
        best = part;
        length = prefix.length;
      }
    }
  }
  return best;
}

/** Our modules and what each imports (code or types), by path relative to the repository. */
export type ModuleGraph = ReadonlyMap<string, readonly string[]>;

/** Each import against the layers, as a sentence naming both files. */
export function layerProblems(graph: ModuleGraph, parts: readonly Part[] = PARTS): string[] {
  const problems: string[] = [];
  for (const [from, imports] of graph) {
    if (isTest(from)) continue;
    const source = partOf(from, parts);
    if (source === undefined) {
      problems.push(`${from} belongs to no part of the layout (see lib/tools/layers.ts)`);
      continue;
    }
    for (const to of imports) {
      const target = partOf(to, parts);
      if (target === undefined || target === source || source.may.includes("*")) continue;
      if (!source.may.includes(target.name)) {
        problems.push(`${from} (${source.name}) imports ${to} (${target.name}) against the layers`);
      }
    }
  }
  return problems;
}

/** Every circle of imports among the modules of `graph`, each as the files in import order. */
export function circles(graph: ModuleGraph): string[][] {
  // Tarjan's strongly connected components: a component of two or more modules (or a module
  // importing itself) is a circle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (module: string) => {
    index.set(module, next);
    low.set(module, next++);
    stack.push(module);
    onStack.add(module);
    for (const to of graph.get(module) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(module, Math.min(low.get(module)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(module, Math.min(low.get(module)!, index.get(to)!));
      }
    }
    if (low.get(module) !== index.get(module)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== module);
    if (component.length > 1 || graph.get(module)?.includes(module)) {
      found.push(pathWithin(graph, new Set(component)));
    }
  };
  for (const module of [...graph.keys()].sort()) if (!index.has(module)) visit(module);
  return found;
}

/** One circle through the modules of `component`, starting at the first in sort order. */
function pathWithin(graph: ModuleGraph, component: Set<string>): string[] {
  const start = [...component].sort()[0];
  // Breadth first from `start` back to it, inside the component.
  const before = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const module = queue.shift()!;
    for (const to of graph.get(module) ?? []) {
      if (!component.has(to)) continue;
      if (to === start) {
        const path = [module];
        while (path[0] !== start) path.unshift(before.get(path[0])!);
        return [...path, start];
      }
      if (!before.has(to)) {
        before.set(to, module);
        queue.push(to);
      }
    }
  }
  return [...component];
}

/** How `deno info --json` describes one module. */
interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
  typesDependency?: { dependency?: { specifier: string } };
}

/**
 * The import graph of `files` (paths relative to `root`) and of every module of ours they reach,
 * read with `deno info --json` (needs `--allow-run=deno`). Modules outside `root` (such as npm
 * packages and `node:` built-ins) are left out.
 */
export async function readGraph(root: URL, files: readonly string[]): Promise<ModuleGraph> {
  // One run for all: a module that imports every file.
  const source = files.map((file) => `import "${new URL(file, root).href}";`).join("\n");
  const output = await new Deno.Command("deno", {
    args: ["info", "--json", `data:application/typescript,${encodeURIComponent(source)}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`deno info failed: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: InfoModule[] };
  const ours = (specifier: string | undefined) =>
    specifier?.startsWith(root.href) ? specifier.slice(root.href.length) : undefined;
  const graph = new Map<string, string[]>();
  for (const module of info.modules) {
    const path = ours(module.specifier);
    if (path === undefined) continue;
    const imports = new Set<string>();
    for (const dependency of module.dependencies ?? []) {
      for (const target of [dependency.code?.specifier, dependency.type?.specifier]) {
        const to = ours(target);
        if (to !== undefined) imports.add(to);
      }
    }
    const types = ours(module.typesDependency?.dependency?.specifier);
    if (types !== undefined) imports.add(types);
    graph.set(path, [...imports]);
  }
  return graph;
}

/**
 * The paths the layout block of docs/design.md names (the first fenced block under `## Layout`):
 * each entry is a name at two spaces of indent per level of folders, a folder ending in `/`, and
 * the words after it say what it is; lines indented further carry on those words.
 */
export function layoutPaths(markdown: string): string[] {
  const section = markdown.split(/^## Layout\s*$/m)[1] ?? "";
  const block = /^```\n([\s\S]*?)^```/m.exec(section)?.[1] ?? "";
  const paths: string[] = [];
  const folders: string[] = [];
  for (const line of block.split("\n")) {
    const match = /^( *)(\S+)/.exec(line);
    if (match === null) continue;
    const depth = match[1].length / 2;
    const name = match[2];
    // Carried-on words start far to the right; an entry is a folder or a file with its extension.
    if (!Number.isInteger(depth) || depth > folders.length) continue;
    if (!name.endsWith("/") && !/\.[a-z]+$/.test(name)) continue;
    folders.length = depth;
    const path = folders.join("") + name;
    paths.push(path);
    if (name.endsWith("/")) folders.push(name);
  }
  return paths;
}
