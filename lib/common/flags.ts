/**
 * Command-line flags for every program here: `--name value`, `--name=value`, switches and
 * positional arguments, and the result type of a program's own argument parser.
 *
 * @module
 */

/** The result of parsing arguments: the values, or the line to print before exiting. */
export type Parsed<T> =
  | { ok: true; value: T }
  /** `help` is set when the user asked for the usage, which `error` then holds. */
  | { ok: false; error: string; help?: boolean };

/** The flags a program takes: each a string option (with a value) or a boolean switch. */
export type FlagSpec = Record<string, "string" | "boolean">;

/**
 * Splits `args` into flags (`--name value`, `--name=value`, `--switch`) and positional
 * arguments (everything else, and everything after `--`). Small on purpose: the server
 * starts without Node's compatibility layer, which costs megabytes of memory.
 */
export function parseFlags(
  args: string[],
  spec: FlagSpec,
):
  | { ok: true; values: Record<string, string | boolean>; positionals: string[] }
  | { ok: false; error: string } {
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg.length === 2) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) return { ok: false, error: `Unknown option '--${name}'` };
    if (kind === "boolean") {
      if (equals >= 0) return { ok: false, error: `Option '--${name}' does not take a value` };
      values[name] = true;
    } else if (equals >= 0) {
      values[name] = arg.slice(equals + 1);
    } else if (i + 1 < args.length) {
      values[name] = args[++i];
    } else {
      return { ok: false, error: `Option '--${name} <value>' argument missing` };
    }
  }
  return { ok: true, values, positionals };
}

/** A TCP port from 1 to 65535 written as a whole number, or undefined. */
export function parsePort(text: string): number | undefined {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : undefined;
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
}
