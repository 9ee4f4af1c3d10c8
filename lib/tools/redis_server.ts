/**
 * A local `redis-server` (Debian's package) on 127.0.0.1, in a folder of its own: for the cluster
 * tests, and for `deno task cluster`. It starts on a free port unless told one, keeps nothing on
 * disk unless asked, and can be stopped and started again on the same port (a Redis restart).
 *
 * @module
 */

/** How long Redis has to say it is ready (ms). */
const READY_MS = 10_000;

/** How a `RedisServer` is started. */
export interface RedisServerOptions {
  /** Its folder (for its files). */
  dir: string;
  /** Its port; 0 or none: a free one. */
  port?: number;
  /** A password clients must give. */
  password?: string;
}

/** A running `redis-server`. */
export class RedisServer {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  readonly #options: RedisServerOptions;
  #child: Deno.ChildProcess | undefined;
  #output: Promise<string> = Promise.resolve("");

  private constructor(port: number, options: RedisServerOptions) {
    this.port = port;
    this.#options = options;
  }

  /** Starts Redis; throws, saying how to install it, when `redis-server` is not there. */
  static async start(options: RedisServerOptions): Promise<RedisServer> {
    const server = new RedisServer(options.port || freePort(), options);
    await server.restart();
    return server;
  }

  /** Its process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Its address for `--cluster` (with the password, when it has one). */
  get url(): string {
    const { password } = this.#options;
    return `redis://${password === undefined ? "" : `:${password}@`}127.0.0.1:${this.port}`;
  }

  /** Starts it again (after `stop`), on the same port. */
  async restart(): Promise<void> {
    const { dir, password } = this.#options;
    const args = [
      ...["--port", `${this.port}`, "--bind", "127.0.0.1", "--dir", dir],
      ...["--save", "", "--appendonly", "no", "--daemonize", "no"],
      ...(password === undefined ? [] : ["--requirepass", password]),
    ];
    try {
      this.#child = new Deno.Command("redis-server", {
        args,
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(
          "redis-server is not installed: apt-get install -y redis-server (.ci/run does)",
        );
      }
      throw error;
    }
    this.#output = this.#watch(this.#child);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ready = await Promise.race([
      this.#output.then(() => false),
      new Promise<boolean>((resolve) => this.#onReady = () => resolve(true)),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), READY_MS)),
    ]);
    clearTimeout(timer);
    this.#onReady = undefined;
    if (!ready) {
      this.#child.kill("SIGKILL");
      const output = await this.#output;
      throw new Error(`redis-server did not start on port ${this.port}:\n${output}`);
    }
  }

  /** Stops it (`SIGKILL`: as a crash, keeping nothing). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await child.status;
    await this.#output;
  }

  /** Stops it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #onReady: (() => void) | undefined;

  /** Reads its output until it ends (all of it, for errors), noting when it is ready. */
  async #watch(child: Deno.ChildProcess): Promise<string> {
    let output = "";
    const decoder = new TextDecoder();
    const read = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) {
        output += decoder.decode(chunk, { stream: true });
        if (output.includes("Ready to accept connections")) this.#onReady?.();
        if (output.length > 64 * 1024) output = output.slice(-32 * 1024);
      }
    };
    await Promise.all([read(child.stdout), read(child.stderr)]);
    return output;
  }
}

/** A port free now on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
