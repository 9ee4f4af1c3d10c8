/**
 * `promtool check metrics` (Prometheus's own linter) on a scrape, for the tests: whether
 * Prometheus takes the text, and what it warns of.
 *
 * @module
 */

/** What `promtool check metrics` said of a scrape. */
export interface PromtoolVerdict {
  /** Its exit code: 0 when it took the text without a problem. */
  code: number;
  /** What it printed (its warnings and errors), trimmed. */
  output: string;
}

/** Runs `promtool check metrics` with `scrape` on its standard input (needs `--allow-run`). */
export async function promtoolCheck(scrape: string): Promise<PromtoolVerdict> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(scrape));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, output: (decoder.decode(stdout) + decoder.decode(stderr)).trim() };
}
