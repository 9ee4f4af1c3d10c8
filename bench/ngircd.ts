/**
 * ngIRCd, the C IRC server the IRC workloads are measured beside: started on a free port of
 * 127.0.0.1 with a configuration written for the run (in `.bench-data/`), pinned to CPU 1 like
 * our server, its throttles relaxed as far as its configuration allows.
 *
 * @module
 */

import { freePort, output, waitForPort } from "./proc.ts";

/** Where the run's configuration is written. */
const FOLDER = ".bench-data";
const CONFIG = `${FOLDER}/ngircd.conf`;

/** A running server: its port, its process, and how to stop it. */
export interface BenchServer {
  /** The port its clients are to use, on 127.0.0.1. */
  port: number;
  /** Its process, for its CPU time and memory. */
  pid: number;
  /** Stops it and waits for its end. */
  stop(): Promise<void>;
}

/**
 * ngIRCd's configuration for port `port`. No connection caps (every client comes from
 * 127.0.0.1), no penalties (`MaxPenaltyTime = 0`), room for the generator's nicknames, no DNS,
 * ident or PAM at connection, no `PING` during a run. What cannot be configured stays as built:
 * 3 commands per client per turn of its loop, a 32 KiB write buffer per client (a client beyond
 * it is cut off), a listen backlog of 10.
 */
export function ngircdConfig(port: number): string {
  return `[Global]
	Name = bench.ngircd
	Info = deno task bench
	AdminInfo1 = bench
	AdminInfo2 = loopback benchmark
	AdminEMail = root@localhost
	Listen = 127.0.0.1
	Ports = ${port}
	MotdPhrase = bench

[Limits]
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxNickLength = 30
	MaxPenaltyTime = 0
	PingTimeout = 600
	PongTimeout = 120
	IdleTimeout = 0

[Options]
	DNS = no
	Ident = no
	PAM = no
	ConnectIPv6 = no
	MorePrivacy = no
	NoticeBeforeRegistration = no
	RequireAuthPing = no
`;
}

/** ngIRCd's version line, or undefined when it is not installed. */
export async function ngircdVersion(): Promise<string | undefined> {
  return (await output("ngircd", ["--version"]))?.split("\n")[0];
}

/** ngIRCd on a free port, pinned to CPU 1, in the foreground; undefined if it does not start. */
export async function startNgircd(): Promise<BenchServer | undefined> {
  const port = freePort();
  await Deno.mkdir(FOLDER, { recursive: true });
  await Deno.writeTextFile(CONFIG, ngircdConfig(port));
  const child = new Deno.Command("taskset", {
    args: ["-c", "1", "ngircd", "--config", CONFIG, "--nodaemon", "--passive"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Gone.
    }
    await child.status;
  };
  if (!(await waitForPort(port))) {
    await stop();
    return undefined;
  }
  return { port, pid: child.pid, stop };
}
