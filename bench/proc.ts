/**
 * What the benchmarks need of the machine: a free port, a command's output, a process's CPU
 * time and memory from /proc (read with cat, as Deno will not read /proc itself), and a server
 * with its web port started.
 *
 * @module
 */

import { LineLog } from "../lib/tools/testing.ts";

/** Clock ticks per second of /proc's CPU times. */
const TICKS_PER_SECOND = 100;

/** A command's standard output, or undefined if it cannot run. */
export async function output(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command(command, { args, stderr: "null" }).output();
    return success ? new TextDecoder().decode(stdout) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used. */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  const stat = await output("cat", [`/proc/${pid}/stat`]);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** A memory figure of a process from /proc/<pid>/status (VmRSS, VmHWM), in MiB. */
export async function memoryMiB(
  pid: number,
  field: "VmRSS" | "VmHWM",
): Promise<number | undefined> {
  const status = await output("cat", [`/proc/${pid}/status`]);
  const match = status === undefined ? null : new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return match === null ? undefined : Number(match[1]) / 1024;
}

/** A port on 127.0.0.1 that nothing listens on now. */
export function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

/** Waits until something accepts connections on 127.0.0.1:`port` (10 s at most); false if not. */
export async function waitForPort(port: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}

/** A server started by `startWebChat`: the process, its output lines and its web port. */
export interface WebChat {
  /** The server's process. */
  server: Deno.ChildProcess;
  /** Its standard output, line by line. */
  out: LineLog;
  /** The port of its web client. */
  web: number;
}

/**
 * Starts `ChatServer.ts <port> --web-port 0 ...flags` (with the page readable) and waits for its
 * web port's start line.
 */
export async function startWebChat(port: number, flags: string[]): Promise<WebChat> {
  const server = new Deno.Command("deno", {
    args: ["run", "--allow-net", "--allow-read=web", "ChatServer.ts", `${port}`, "--web-port", "0"]
      .concat(flags),
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const out = new LineLog(server.stdout);
  const { line } = await out.waitFor(/^Web client at /);
  return { server, out, web: Number(/:(\d+)\/$/.exec(line)![1]) };
}
