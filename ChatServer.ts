/**
 * ChatServer: a TCP chat server (spec part A).
 *
 * Run: `deno run --allow-net ChatServer.ts [<port>] [options]` (`--help` lists the options;
 * TLS also needs `--allow-read` for the certificate and key files).
 *
 * @module
 */

import { parseServerArgs, SERVER_USAGE, type TlsSettings } from "./lib/server/args.ts";
import { joinCluster } from "./lib/cluster/join.ts";
import { ConsoleLog } from "./lib/server/console_log.ts";
import { formatDateTime } from "./lib/common/text.ts";
import { machineAddress } from "./lib/net/conn.ts";
import { ChatServer } from "./lib/server/server.ts";
import { healthRoutes } from "./lib/server/health.ts";
import { openStore, storeBounds } from "./lib/store/open.ts";
import { fingerprintOf, pemCertificates } from "./lib/net/fingerprint.ts";
import { ReloadableTlsListener } from "./lib/net/tls_listener.ts";
import { TlsReload } from "./lib/server/tls_reload.ts";
import { IDLE_TIMEOUT_MS, startWebServer, type WebServer } from "./lib/web/web_server.ts";

const args = parseServerArgs(Deno.args);
if (!args.ok) {
  console.log(args.error);
  if (args.help) Deno.exit(0);
  console.error(SERVER_USAGE);
  Deno.exit(1);
}
const { port, limits, tls, dataDir, webPort, webOrigins, trustProxies, cluster, operators, irc } =
  args.value;

/** Reads the TLS certificate and key, or exits with a clear error. */
function readTlsFiles(tls: TlsSettings): { cert: string; key: string } {
  const read = (file: string, what: string) => {
    try {
      return Deno.readTextFileSync(file);
    } catch (error) {
      console.log(`ERR - cannot read TLS ${what} "${file}": ${(error as Error).message}`);
      Deno.exit(1);
    }
  };
  return { cert: read(tls.certFile, "certificate"), key: read(tls.keyFile, "key") };
}

/**
 * Connections the system may queue before the server accepts them: a class connecting at once
 * must not overflow it (an overflow costs a client a one-second retry).
 */
const LISTEN_BACKLOG = 4096;

/** Every TLS listener, whose certificate SIGHUP replaces. */
const tlsListeners: ReloadableTlsListener[] = [];

/** Listens on `port` (TLS when `pem` is given), or exits with the spec's error. */
function listen(port: number, pem?: { cert: string; key: string }): Deno.Listener {
  const options = { hostname: "0.0.0.0", port, tcpBacklog: LISTEN_BACKLOG };
  try {
    if (pem === undefined) return Deno.listen({ ...options, transport: "tcp" });
    const listener = new ReloadableTlsListener(options, pem);
    tlsListeners.push(listener);
    return listener;
  } catch (error) {
    if (pem !== undefined && !(error instanceof Deno.errors.AddrInUse)) {
      console.log(`ERR - cannot use the TLS certificate and key: ${(error as Error).message}`);
    } else {
      console.log(`ERR - cannot create ChatServer socket using port number ${port}`);
    }
    Deno.exit(1);
  }
}

const console_ = new ConsoleLog();
// Said once for each new reason (while Redis is away, every message would say it again).
let lastStoreError = "";
const onStoreError = (error: Error) => {
  if (error.message === lastStoreError) return;
  lastStoreError = error.message;
  console_.line(`${formatDateTime(new Date())} :: store: cannot write: ${error.message}`);
};
// A node joins its cluster before it listens, and keeps its data in the cluster's Redis.
const node = cluster === undefined ? undefined : await joinCluster(cluster);
const opened = node !== undefined
  ? { ok: true as const, store: node.openStore(storeBounds(limits), onStoreError) }
  : openStore(dataDir, storeBounds(limits), onStoreError);
if (!opened.ok) {
  console.log(opened.error);
  Deno.exit(1);
}
const { store } = opened;
// The chat's id, made once and kept in the store: the same at any address, port or node.
const chat = await store.chatId().catch((error: Error) => {
  console.log(`ERR - cannot read the chat's id from the store: ${error.message}`);
  Deno.exit(1);
});

const pem = tls === undefined ? undefined : readTlsFiles(tls);
const main = listen(port, tls?.port === undefined ? pem : undefined);
const listeners = [main];
if (tls?.port !== undefined) listeners.push(listen(tls.port, pem));

const ircPlain = irc?.port === undefined ? undefined : listen(irc.port);
const ircTls = irc?.tlsPort === undefined ? undefined : listen(irc.tlsPort, pem);

const portOf = (listener: Deno.Listener) => (listener.addr as Deno.NetAddr).port;
console_.line(`ChatServer started with server IP: ${machineAddress()}, port: ${portOf(main)} ...`);
const [leaf] = pem === undefined ? [] : pemCertificates(pem.cert);
const fingerprint = leaf === undefined ? "" : await fingerprintOf(leaf);
if (pem !== undefined) {
  console_.line(
    `TLS on port ${portOf(listeners.at(-1)!)}${fingerprint && `, certificate ${fingerprint}`}`,
  );
}
if (ircPlain !== undefined) console_.line(`IRC on port ${portOf(ircPlain)} as ${irc!.name}`);
if (ircTls !== undefined) console_.line(`IRC over TLS on port ${portOf(ircTls)} as ${irc!.name}`);
const nodes = (count: number) => `${count} node${count === 1 ? "" : "s"}`;
if (node !== undefined) {
  console_.line(
    `Cluster ${node.settings.shown} joined as node ${node.id} (${nodes(await node.nodeCount())})`,
  );
}
console_.line(store.description);

const server = new ChatServer(listeners, {
  limits,
  store,
  chat,
  cluster: node,
  operators,
  irc: irc && {
    listeners: [ircPlain, ircTls].filter((each) => each !== undefined),
    serverName: irc.name,
    pingMs: irc.pingSeconds * 1000,
    pingTimeoutMs: irc.pingSeconds * 1000,
  },
  log: (line) => console_.line(line),
});

/** The web client's folder, beside this file. */
const WEB_ROOT = new URL("./web", import.meta.url).pathname;

/** Starts the web client, or says why not and goes on without it. */
function startWeb(webPort: number): WebServer | undefined {
  if (Deno.permissions.querySync({ name: "read", path: WEB_ROOT }).state !== "granted") {
    console_.line("Web client not started: it needs --allow-read=web (deno task server grants it)");
    return undefined;
  }
  let secure: ReloadableTlsListener | undefined;
  try {
    secure = pem &&
      new ReloadableTlsListener(
        { hostname: "0.0.0.0", port: webPort, tcpBacklog: LISTEN_BACKLOG },
        pem,
      );
    const web = startWebServer({
      port: webPort,
      root: WEB_ROOT,
      origins: webOrigins ?? [],
      tls: secure,
      onConnection: (conn, proxied) => server.adopt(conn, proxied),
      trustProxies,
      routes: healthRoutes({
        phase: () => server.phase,
        store: () => store.problem(),
        clusterUp: node && (() => node.up),
      }),
      limits: {
        maxMessageBytes: limits.maxFrameBytes,
        headTimeoutMs: limits.httpTimeoutMs,
        handshakeTimeoutMs: limits.registerTimeoutMs,
        idleTimeoutMs: IDLE_TIMEOUT_MS,
        writeTimeoutMs: limits.writeTimeoutMs,
      },
      // Every web connection counts toward --max-clients and --max-per-ip, as the chat port's.
      gate: {
        enter: (ip, perIp) => server.admit(ip, perIp),
        leave: (ip, perIp) => server.release(ip, perIp),
      },
      log: (line) => console_.line(line),
    });
    if (secure !== undefined) tlsListeners.push(secure);
    const scheme = pem === undefined ? "http" : "https";
    console_.line(`Web client at ${scheme}://${machineAddress()}:${web.port}/`);
    return web;
  } catch (error) {
    secure?.close();
    console_.line(
      error instanceof Deno.errors.AddrInUse
        ? `Web client not started: port ${webPort} is in use`
        : `Web client not started: ${(error as Error).message}`,
    );
    return undefined;
  }
}
const web = webPort === undefined ? undefined : startWeb(webPort);

// `kill -HUP <pid>` (what `systemctl reload` sends) reads the certificate and key again and serves
// them to new connections on every TLS port; a bad pair is refused and the old one kept.
const tlsReload = tls && new TlsReload({
  files: tls,
  listeners: tlsListeners,
  fingerprint,
  log: (line) => console_.line(line),
});
Deno.addSignalListener("SIGHUP", () => {
  if (tlsReload !== undefined) tlsReload.reload();
  else console_.line(`${formatDateTime(new Date())} :: SIGHUP: no certificate to reload`);
});

async function stop(): Promise<never> {
  await server.shutdown();
  await web?.shutdown();
  await store.close();
  await node?.leave();
  await console_.flush();
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
// `kill -USR2 <pid>` prints the server's load and memory. (Not SIGUSR1: on that signal Deno,
// like Node, opens the V8 inspector, which would let anyone who can signal the server debug it.)
Deno.addSignalListener("SIGUSR2", () => {
  const { connections, registered } = server.stats();
  const { rss, heapUsed } = Deno.memoryUsage();
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console_.line(
    `${formatDateTime(new Date())} :: stats: connections ${connections}, ` +
      `registered ${registered}, rss ${mib(rss)} MiB, heap ${mib(heapUsed)} MiB`,
  );
});

await server.serve();
