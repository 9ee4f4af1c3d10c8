import assert from "node:assert/strict";
import { freePartPath, keepDownload } from "./local_files.ts";
import { tempDir } from "../../tools/testing.ts";

Deno.test("freePartPath picks a name that neither a download nor a .part file holds", () => {
  using dir = tempDir();
  assert.equal(freePartPath(dir.path, "a.txt"), `${dir.path}/a.txt.part`);
  Deno.writeTextFileSync(`${dir.path}/a.txt`, "kept");
  Deno.writeTextFileSync(`${dir.path}/a (1).txt.part`, "arriving");
  assert.equal(freePartPath(dir.path, "a.txt"), `${dir.path}/a (2).txt.part`);
});

Deno.test("keepDownload makes the .part file the download, under a new name when one is taken", async () => {
  using dir = tempDir();
  Deno.writeTextFileSync(`${dir.path}/a.txt`, "there before");
  Deno.writeTextFileSync(`${dir.path}/a.txt.part`, "arrived");
  const path = await keepDownload(`${dir.path}/a.txt.part`, dir.path, "a.txt");
  assert.equal(path, `${dir.path}/a (1).txt`);
  assert.equal(Deno.readTextFileSync(path), "arrived");
  assert.equal(Deno.readTextFileSync(`${dir.path}/a.txt`), "there before");
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name).sort(), [
    "a (1).txt",
    "a.txt",
  ]);
});
