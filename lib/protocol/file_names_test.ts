import assert from "node:assert/strict";
import { freeName, MAX_NAME_BYTES, safeFileName } from "./file_names.ts";
import { utf8ByteLength } from "../common/utf8.ts";

Deno.test("safeFileName() keeps an ordinary name as it is", () => {
  for (const name of ["report.pdf", "photo 2024.jpg", "résumé.txt", "日本語.md", "a..b.txt"]) {
    assert.equal(safeFileName(name), name);
  }
});

Deno.test("safeFileName() takes a name only: no path, no leading dot, no ..", () => {
  const cases: [string, string][] = [
    ["../../etc/passwd", "_.._etc_passwd"],
    ["/etc/passwd", "_etc_passwd"],
    ["..\\windows\\system.ini", "_windows_system.ini"],
    ["..", "file"],
    [".", "file"],
    [".bashrc", "bashrc"],
    ["...hidden", "hidden"],
    ["C:\\x.txt", "C__x.txt"],
    ['a<b>c:d"e|f?g*h', "a_b_c_d_e_f_g_h"],
  ];
  for (const [name, safe] of cases) assert.equal(safeFileName(name), safe, name);
});

Deno.test("safeFileName() drops control and direction-override characters", () => {
  assert.equal(safeFileName("evil\u202egpj.exe"), "evilgpj.exe");
  assert.equal(safeFileName("a\nb\rc\x00d\x1b[2J.txt"), "abcd[2J.txt");
  assert.equal(safeFileName("zero\u200bwidth\u2066.txt"), "zerowidth.txt");
  assert.equal(safeFileName("\u0000\u0001"), "file");
});

Deno.test("safeFileName() never gives a device name, or trailing dots and spaces", () => {
  assert.equal(safeFileName("CON"), "_CON");
  assert.equal(safeFileName("nul.txt"), "_nul.txt");
  assert.equal(safeFileName("com1"), "_com1");
  assert.equal(safeFileName("console.log"), "console.log");
  assert.equal(safeFileName("notes.txt. . "), "notes.txt");
});

Deno.test("safeFileName() cuts a long name to 255 bytes, keeping the extension", () => {
  const long = safeFileName("é".repeat(300) + ".pdf");
  assert.ok(utf8ByteLength(long) <= MAX_NAME_BYTES);
  assert.ok(long.endsWith(".pdf"));
  assert.equal(long, "é".repeat(125) + ".pdf");
});

Deno.test("freeName() numbers a clashing name before its extension", () => {
  const existing = new Set(["report.pdf", "report (1).pdf", "notes"]);
  const taken = (name: string) => existing.has(name);
  assert.equal(freeName("report.pdf", taken), "report (2).pdf");
  assert.equal(freeName("notes", taken), "notes (1)");
  assert.equal(freeName("new.txt", taken), "new.txt");
});
