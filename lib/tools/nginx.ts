/**
 * A real nginx (Debian's package, `/usr/sbin/nginx`) in front of a chat server, for the tests,
 * running the example site of `deploy/nginx-chat.conf` itself: only its listen addresses (free
 * ports on 127.0.0.1), its certificate paths (the test certificate) and its upstream port (the
 * server's web port) are replaced, so the example cannot drift from what is tested. nginx runs in
 * the foreground as one process, with its pid file, logs and temporary files in a folder of the
 * test's.
 *
 * @module
 */

import { LineLog, TEST_TLS, WAIT_MS } from "./testing.ts";
import { freePort } from "./redis_server.ts";

/** Where nginx is: Debian's path, which may not be on a test's PATH. */
export const NGINX = "/usr/sbin/nginx";

const ROOT = new URL("../../", import.meta.url);

/** The example site, as shipped. */
export const SITE_FILE = "deploy/nginx-chat.conf";

/** What the test's nginx puts in place of the site's values for production. */
export interface TestSite {
  /** The port of plain HTTP (redirected to HTTPS), on 127.0.0.1. */
  httpPort: number;
  /** The port of HTTPS, on 127.0.0.1. */
  httpsPort: number;
  /** The chat server's web port, on 127.0.0.1. */
  webPort: number;
  /** The certificate chain (a PEM file, by its absolute path). */
  cert: string;
  /** The certificate's key (a PEM file, by its absolute path). */
  key: string;
}

/**
 * `site` (the example's text) with its production values replaced by `test`'s: each line
 * replaced must be there exactly once, or this throws naming it (the example was changed in a way
 * the test does not know). Its IPv6 listen lines are dropped (the test listens on 127.0.0.1).
 */
export function siteForTest(site: string, test: TestSite): string {
  const replacements: [string, string][] = [
    ["    listen 80;\n", `    listen 127.0.0.1:${test.httpPort};\n`],
    ["    listen [::]:80;\n", ""],
    ["    listen 443 ssl;\n", `    listen 127.0.0.1:${test.httpsPort} ssl;\n`],
    ["    listen [::]:443 ssl;\n", ""],
    ["/etc/letsencrypt/live/chat.example.org/fullchain.pem", test.cert],
    ["/etc/letsencrypt/live/chat.example.org/privkey.pem", test.key],
    ["    server 127.0.0.1:8080;\n", `    server 127.0.0.1:${test.webPort};\n`],
  ];
  for (const [from, to] of replacements) {
    const count = site.split(from).length - 1;
    if (count !== 1) {
      throw new Error(`${SITE_FILE} holds ${JSON.stringify(from)} ${count} times, not once`);
    }
    site = site.replace(from, to);
  }
  return site;
}

/**
 * The main configuration around the site: in the foreground, one process, everything it writes
 * in `dir`, and notices on standard error (its start is read there). `bind`: the address nginx
 * connects to the upstream from.
 */
function mainConfig(dir: string, sitePath: string, bind?: string): string {
  return [
    "daemon off;",
    "master_process off;",
    "error_log stderr notice;",
    `pid ${dir}/nginx.pid;`,
    "events {}",
    "http {",
    `  access_log ${dir}/access.log;`,
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((temp) =>
      `  ${temp}_temp_path ${dir}/${temp};`
    ),
    ...(bind === undefined ? [] : [`  proxy_bind ${bind};`]),
    `  include ${sitePath};`,
    "}",
    "",
  ].join("\n");
}

/** How an `Nginx` is started. */
export interface NginxOptions {
  /** Its folder (configuration, logs, temporary files). */
  dir: string;
  /** The chat server's web port, on 127.0.0.1. */
  webPort: number;
  /**
   * The address it connects to the chat server from (`proxy_bind`, added around the site): a
   * loopback address other than 127.0.0.1 tells the proxy apart from a client on this machine.
   */
  bind?: string;
}

/** A running nginx in front of a chat server's web port. */
export class Nginx {
  /** Its plain HTTP port. */
  readonly httpPort: number;
  /** Its HTTPS port. */
  readonly httpsPort: number;
  /** What it logs (notices and errors). */
  readonly stderr: LineLog;
  readonly #child: Deno.ChildProcess;

  private constructor(child: Deno.ChildProcess, site: TestSite) {
    this.#child = child;
    this.httpPort = site.httpPort;
    this.httpsPort = site.httpsPort;
    this.stderr = new LineLog(child.stderr);
  }

  /** Starts nginx with the example site and waits until it listens; throws with its log if not. */
  static async start(options: NginxOptions): Promise<Nginx> {
    const { dir } = options;
    const site: TestSite = {
      httpPort: freePort(),
      httpsPort: freePort(),
      webPort: options.webPort,
      cert: new URL(TEST_TLS.cert, ROOT).pathname,
      key: new URL(TEST_TLS.key, ROOT).pathname,
    };
    const text = siteForTest(await Deno.readTextFile(new URL(SITE_FILE, ROOT)), site);
    await Deno.writeTextFile(`${dir}/site.conf`, text);
    await Deno.writeTextFile(
      `${dir}/nginx.conf`,
      mainConfig(dir, `${dir}/site.conf`, options.bind),
    );
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(NGINX, {
        args: ["-p", `${dir}/`, "-c", `${dir}/nginx.conf`, "-e", "stderr"],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error("nginx is not installed: apt-get install -y nginx (.ci/run does)");
      }
      throw error;
    }
    const nginx = new Nginx(child, site);
    try {
      // Logged once its configuration is read and its ports listen.
      await nginx.stderr.waitFor(/\[notice\] \d+#\d+: OS: /, { ms: WAIT_MS });
    } catch (error) {
      await nginx.stop();
      throw error;
    }
    return nginx;
  }

  /** Stops it and waits until it has exited. */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // Exited already.
    }
    await this.#child.status;
    await this.stderr.done;
  }

  /** Stops it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
