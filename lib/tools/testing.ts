/**
 * Helpers for tests that run real ChatServer and ChatClient processes over 127.0.0.1: wait for
 * output lines (never for sleeps), always within a time bound, and clean up every process.
 *
 * It runs past 450 lines because the process, its output lines and the time bound are one
 * mechanism that every test file uses together (a server, a node of a cluster, a client).
 *
 * @module
 */

import { REDIS_ENV } from "../cluster/cluster_url.ts";

/** The longest any single wait in a test may take, in milliseconds. */
export const WAIT_MS = 15_000;

const ROOT = new URL("../../", import.meta.url);

/** Where tests keep their files (`deno task test` may read and write there only). */
const TEST_DATA = new URL("../../.test-data/", import.meta.url).pathname;

/** A new empty directory for one test's files, removed by its `Symbol.dispose`. */
export function tempDir(): { path: string } & Disposable {
  Deno.mkdirSync(TEST_DATA, { recursive: true });
  const path = Deno.makeTempDirSync({ dir: TEST_DATA });
  return { path, [Symbol.dispose]: () => Deno.removeSync(path, { recursive: true }) };
}
const encoder = new TextEncoder();

/**
 * Declares a test that runs real processes or sockets, with Deno's resource, op and exit
 * sanitizers on (as they are by default, said here explicitly): a leaked socket fails it.
 */
export function processTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, fn, sanitizeOps: true, sanitizeResources: true, sanitizeExit: true });
}

/** A chat message as a client sends it: one line of JSON. */
export function chatLine(message: string): string {
  return JSON.stringify({ type: "message", message }) + "\n";
}

/** Resolves `promise`, or rejects after `ms` with a message naming what was awaited. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every line a stream has produced, with a way to wait for a particular one. */
export class LineLog {
  /** Every line so far, without its newline. */
  readonly lines: string[] = [];
  /** Resolves once the stream has ended and its last line is in `lines`. */
  readonly done: Promise<void>;
  #listeners = new Set<() => void>();

  /** Starts collecting the lines of `stream`. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = this.#collect(stream);
  }

  /**
   * Waits for a line (at index `from` or later) equal to `match` or matching it, and returns
   * it with its index.
   */
  async waitFor(
    match: string | RegExp,
    { from = 0, ms = WAIT_MS }: { from?: number; ms?: number } = {},
  ): Promise<{ line: string; index: number }> {
    const test = (line: string) => typeof match === "string" ? line === match : match.test(line);
    const find = () => {
      for (let i = from; i < this.lines.length; i++) {
        if (test(this.lines[i])) return { line: this.lines[i], index: i };
      }
      return undefined;
    };
    let listener: (() => void) | undefined;
    const found = new Promise<{ line: string; index: number }>((resolve, reject) => {
      listener = () => {
        const hit = find();
        if (hit !== undefined) resolve(hit);
        else if (this.#ended) reject(new Error(`Output ended without ${match}`));
      };
      this.#listeners.add(listener);
      listener();
    });
    try {
      return await within(
        found,
        ms,
        `${match}\n--- last lines of output:\n${this.lines.slice(-30).join("\n")}`,
      );
    } finally {
      this.#listeners.delete(listener!);
    }
  }

  /** Waits for the line at `index` (counting from 0) and returns it. */
  async lineAt(index: number, ms = WAIT_MS): Promise<string> {
    const { line } = await this.waitFor(/^/, { from: index, ms });
    return line;
  }

  #ended = false;

  async #collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    let partial = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (partial + text).split("\n");
      partial = parts.pop()!;
      this.lines.push(...parts);
      this.#notify();
    }
    if (partial !== "") this.lines.push(partial);
    this.#ended = true;
    this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

/**
 * A stand-in for a socket or terminal: records what is written, takes at most `limit` bytes a
 * call, can be held (writes wait until released) and can be made to fail.
 */
export class FakeWriter {
  /** What each write took, in order. */
  readonly writes: Uint8Array[] = [];
  /** Most bytes one write takes. */
  limit: number = Infinity;
  /** When set, every write throws it (once any hold is released). */
  fail: Error | undefined;
  #held: (() => void)[] = [];
  #holding = false;

  /** Everything written so far, as text. */
  get text(): string {
    return this.writes.map((bytes) => new TextDecoder().decode(bytes)).join("");
  }

  /** Makes writes wait until `release`. */
  hold(): void {
    this.#holding = true;
  }

  /** Lets waiting and later writes through. */
  release(): void {
    this.#holding = false;
    for (const resume of this.#held.splice(0)) resume();
  }

  /** Writes (some of) `bytes`. */
  async write(bytes: Uint8Array): Promise<number> {
    if (this.#holding) await new Promise<void>((resolve) => this.#held.push(resolve));
    if (this.fail) throw this.fail;
    const n = Math.min(bytes.length, this.limit);
    this.writes.push(bytes.slice(0, n));
    return n;
  }
}

/** A running `deno run` of one of our programs. */
export class Program {
  /** The process. */
  readonly child: Deno.ChildProcess;
  /** What it prints on standard output. */
  readonly stdout: LineLog;
  /** What it prints on standard error. */
  readonly stderr: LineLog;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdinOpen = true;

  /**
   * Starts `deno run --allow-net ...flags <script> ...args` in the project folder, behind
   * `prefix` when given (such as `["prlimit", "--nofile=64", "--"]`), with `env` added to its
   * environment (such as its own `XDG_CONFIG_HOME`, as a user of another machine).
   */
  constructor(
    script: string,
    args: string[],
    flags: string[] = [],
    prefix: string[] = [],
    env: Record<string, string> = {},
  ) {
    const command = [...prefix, "deno", "run", "--quiet", "--allow-net", ...flags, script, ...args];
    this.child = new Deno.Command(command[0], {
      args: command.slice(1),
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...env },
    }).spawn();
    this.stdout = new LineLog(this.child.stdout);
    this.stderr = new LineLog(this.child.stderr);
    this.#stdin = this.child.stdin.getWriter();
  }

  /** Types a line on standard input. */
  async type(line: string): Promise<void> {
    await this.#stdin.write(encoder.encode(line + "\n"));
  }

  /** Ends standard input. */
  async endInput(): Promise<void> {
    if (!this.#stdinOpen) return;
    this.#stdinOpen = false;
    await this.#stdin.close().catch(() => {});
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  async exitCode(ms = WAIT_MS): Promise<number> {
    const status = await within(this.child.status, ms, "the process to exit");
    await this.endInput();
    await Promise.all([this.stdout.done, this.stderr.done]);
    return status.code;
  }

  /** Sends `signal` to the process. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(signal);
    } catch {
      // Already exited.
    }
  }

  /** Kills the process if it still runs and releases everything it holds. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.child.status;
    await this.endInput();
    await Promise.all([this.stdout.done, this.stderr.done]);
  }
}

/** A ChatServer process. */
export class ServerProgram extends Program {
  /** The port it listens on, once started. */
  port = 0;

  /** The TLS port, when the server serves TLS. */
  tlsPort = 0;

  /** The fingerprint of its TLS certificate (`sha256:…`), when it serves TLS. */
  tlsFingerprint = "";

  /** The IRC port, when the server serves IRC (`--irc-port`). */
  ircPort = 0;

  /** Starts a server on a free port and waits for its start line (and TLS line, if any). */
  static async start(
    args: string[] = [],
    flags: string[] = [],
    prefix: string[] = [],
  ): Promise<ServerProgram> {
    const server = new ServerProgram("ChatServer.ts", args, flags, prefix);
    const { line } = await server.stdout.waitFor(/^ChatServer started with server IP: /);
    server.port = Number(/port: (\d+) \.\.\.$/.exec(line)![1]);
    if (args.includes("--tls-cert")) {
      const { line } = await server.stdout.waitFor(
        /^TLS on port \d+, certificate sha256:[0-9A-F:]{95}$/,
      );
      const [, port, fingerprint] = /^TLS on port (\d+), certificate (\S+)$/.exec(line)!;
      server.tlsPort = Number(port);
      server.tlsFingerprint = fingerprint;
    }
    if (args.includes("--irc-port")) {
      const { line } = await server.stdout.waitFor(/^IRC on port \d+ as /);
      server.ircPort = Number(/^IRC on port (\d+)/.exec(line)![1]);
    }
    return server;
  }

  /**
   * Starts a node of the cluster at Redis `url` (with `args` and `flags` besides, and the
   * environment the Redis client reads) and waits until it says it joined; with `nodes`, until it
   * says it joined as one of that many.
   */
  static async startNode(
    url: string,
    args: string[] = [],
    flags: string[] = [],
    nodes?: number,
  ): Promise<ServerProgram> {
    const server = await ServerProgram.start(["--cluster", url, ...args], [
      `--allow-env=${REDIS_ENV.join(",")}`,
      ...flags,
    ]);
    const count = nodes === undefined ? String.raw`\d+` : String(nodes);
    await server.stdout.waitFor(
      new RegExp(String.raw`^Cluster .* joined as node [0-9a-f]{4} \(${count} nodes?\)$`),
    );
    return server;
  }
}

/** What the server reports on SIGUSR2. */
export interface ServerStatsLine {
  /** Connections open. */
  connections: number;
  /** Connections that have registered. */
  registered: number;
  /** The process's resident memory, in MiB. */
  rssMiB: number;
}

/** Asks a server for its stats (SIGUSR2) and returns the line it prints. */
export async function serverStats(server: ServerProgram): Promise<ServerStatsLine> {
  const from = server.stdout.lines.length;
  server.kill("SIGUSR2");
  const { line } = await server.stdout.waitFor(/ :: stats: /, { from });
  const [, connections, registered, rss] = / connections (\d+), registered (\d+), rss ([\d.]+) MiB/
    .exec(line)!;
  return { connections: +connections, registered: +registered, rssMiB: +rss };
}

/**
 * A light client for load tests: it registers, counts the lines it receives (without parsing
 * them unless asked), and can stop reading altogether.
 */
export class LoadClient {
  /** The connection to the server. */
  readonly conn: Deno.Conn;
  /** Lines received so far (the welcome included). */
  lines = 0;
  readonly #onLine: ((line: string) => void) | undefined;
  readonly #reading: Promise<void>;
  #waiters: { count: number; resolve: () => void }[] = [];
  #ended = false;

  private constructor(conn: Deno.Conn, read: boolean, onLine?: (line: string) => void) {
    this.conn = conn;
    this.#onLine = onLine;
    this.#reading = read ? this.#read() : Promise.resolve();
  }

  /** Connects to 127.0.0.1:`port` and sends a registration as `nickname`. */
  static async open(
    port: number,
    nickname: string,
    { read = true, onLine }: { read?: boolean; onLine?: (line: string) => void } = {},
  ): Promise<LoadClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const client = new LoadClient(conn, read, onLine);
    await client.send(JSON.stringify({ type: "nickname", nickname, clientID: nickname }));
    return client;
  }

  /** Sends text as given. */
  async send(text: string): Promise<void> {
    const bytes = encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  /** Resolves once `count` lines have arrived in all. */
  received(count: number, ms = WAIT_MS): Promise<void> {
    if (this.lines >= count) return Promise.resolve();
    const arrived = new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
    return within(arrived, ms, `${count} lines (${this.lines} so far)`);
  }

  /** Whether the server has closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
    await this.#reading;
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    let partial = "";
    try {
      for (let n = await this.conn.read(buffer); n !== null; n = await this.conn.read(buffer)) {
        const chunk = buffer.subarray(0, n);
        if (this.#onLine !== undefined) {
          const parts = (partial + new TextDecoder().decode(chunk)).split("\n");
          partial = parts.pop()!;
          for (const line of parts) this.#onLine(line);
          this.lines += parts.length;
        } else {
          for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) {
            this.lines++;
          }
        }
        this.#waiters = this.#waiters.filter((waiter) => {
          if (this.lines < waiter.count) return true;
          waiter.resolve();
          return false;
        });
      }
    } catch {
      // Closed.
    }
    this.#ended = true;
  }
}

/** The test certificate authority, server certificate and key (see testdata/make_certs.sh). */
export const TEST_TLS = {
  ca: "testdata/ca.pem",
  cert: "testdata/server.pem",
  key: "testdata/server.key",
  /** What the programs need to read them. */
  flags: ["--allow-read=testdata"],
};

/** Starts a ChatClient on `host`:`port` (127.0.0.1 by default) with piped standard input. */
export function startClient(
  port: number,
  nickname: string,
  clientID: string,
  { tls = false, host = "127.0.0.1" }: { tls?: boolean; host?: string } = {},
): Program {
  const args = [host, `${port}`, nickname, clientID];
  return tls
    ? new Program("ChatClient.ts", ["--tls", "--ca", TEST_TLS.ca, ...args], TEST_TLS.flags)
    : new Program("ChatClient.ts", args);
}

/** Starts a ChatClient in its CHAT/1.0 form, `<username> chat://127.0.0.1:<port>`. */
export function startChat1Client(port: number, username: string): Program {
  return new Program("ChatClient.ts", [username, `chat://127.0.0.1:${port}`]);
}

/** Starts a ChatClient on `server` and waits until the server has registered it. */
export async function registeredClient(
  server: ServerProgram,
  nickname: string,
  clientID: string,
): Promise<Program> {
  const client = startClient(server.port, nickname, clientID);
  await server.stdout.waitFor(line(`<dt> :: ${nickname}: connected.`));
  return client;
}

export { closeAll, RecordingProxy } from "./wire_capture.ts";

/** What the spec's `<dt>` matches: `YYYY-MM-DD HH:mm:ss`. */
export const DT: string = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}`;

/**
 * A regular expression for one whole output line written as in the spec, where `<dt>` stands
 * for a date/time, `<n>` for a whole number and `<any>` for any text.
 */
export function line(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll("<dt>", DT)
    .replaceAll("<n>", String.raw`\d+`)
    .replaceAll("<any>", ".*");
  return new RegExp(`^${escaped}$`);
}
