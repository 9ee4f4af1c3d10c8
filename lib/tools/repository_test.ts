import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** The tracked files that contain `text`, with the lines (needs `--allow-run=git`). */
async function trackedLinesWith(text: string): Promise<string[]> {
  const output = await new Deno.Command("git", {
    args: ["grep", "-n", "-I", "-F", "-e", text],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  // git grep exits 1 when nothing matches, 2 and more on an error.
  assert.ok(output.code <= 1, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).split("\n").filter((line) => line !== "");
}

Deno.test("no tracked file refers to a folder beside the repository, which a clone lacks", async () => {
  // Spelled in two pieces, so that this file does not name it.
  const outside = ["..", "shared"].join("/");
  assert.deepEqual(await trackedLinesWith(outside), []);
});

Deno.test("the check for references outside the repository finds what is there", async () => {
  // A text this very file holds, to show the search would report a reference if there were one.
  const lines = await trackedLinesWith(["a folder beside the", "repository"].join(" "));
  assert.ok(lines.some((line) => line.startsWith("lib/tools/repository_test.ts:")), lines.join());
});
