/**
 * ChatServer: a TCP chat server (spec part A).
 *
 * Run: `deno run --allow-net ChatServer.ts [<port>] [options]` (`--help` lists the options;
 * TLS also needs `--allow-read` for the certificate and key files, and
 * `--metrics-token-file` for its file).
 *
 * @module
 */

import { parseServerArgs, SERVER_USAGE, type TlsSettings } from "./lib/server/args.ts";
import { joinCluster } from "./lib/cluster/join.ts";
import { ConsoleLog } from "./lib/server/console_log.ts";
import { formatterOf } from "./lib/server/log_format.ts";
import {
  IRC_STARTED,
  METRICS_NOT_STARTED,
  METRICS_STARTED,
  SERVER_STARTED,
  START_FAILED,
  STATS,
  STORE_OPENED,
  STORE_WRITE_FAILED,
  TLS_STARTED,
  WEB_NOT_STARTED,
  WEB_STARTED,
} from "./lib/server/server_events.ts";
import { CLUSTER_JOINED } from "./lib/cluster/cluster_events.ts";
import { machineAddress } from "./lib/net/conn.ts";
import { ChatServer } from "./lib/server/server.ts";
import { healthRoutes } from "./lib/server/health.ts";
import { openStore, storeBounds } from "./lib/store/open.ts";
import { fingerprintOf, pemCertificates } from "./lib/net/fingerprint.ts";
import { ReloadableTlsListener } from "./lib/net/tls_listener.ts";
import { NOTHING_TO_RELOAD, TlsReload } from "./lib/server/tls_reload.ts";
import {
  IDLE_TIMEOUT_MS,
  startRoutesServer,
  startWebServer,
  type WebLimits,
  type WebRoutes,
  type WebServer,
} from "./lib/web/web_server.ts";
import { type ConnectionGate, countingGate } from "./lib/web/http_server.ts";
import { ChatMetrics, processCpuClock } from "./lib/metrics/chat_metrics.ts";
import { Registry } from "./lib/metrics/registry.ts";
import { METRICS_PATH, metricsHandler, readToken } from "./lib/metrics/endpoint.ts";
import { VERSION } from "./lib/server/version.ts";

const args = parseServerArgs(Deno.args);
if (!args.ok) {
  console.log(args.error);
  if (args.help) Deno.exit(0);
  console.error(SERVER_USAGE);
  Deno.exit(1);
}
const { port, limits, tls, dataDir, webPort, webOrigins, trustProxies, cluster, operators, irc } =
  args.value;
// Every console line from here on is in this format (`--log-format`).
const format = formatterOf(args.value.logFormat ?? "text");
const console_ = new ConsoleLog(Deno.stdout, { format });
const log = console_.log;

/** Says why the server cannot start (`ERR - ...`, or its JSON) and exits 1. */
function fail(reason: string): never {
  console.log(format(START_FAILED.at(new Date(), { reason })));
  Deno.exit(1);
}
const metricsArgs = args.value.metrics;
const token = metricsArgs?.tokenFile === undefined ? undefined : readToken(metricsArgs.tokenFile);
if (token !== undefined && !token.ok) fail(token.error.replace(/^ERR - /, ""));
// Node's process (for the CPU time) costs memory: loaded only when the metrics are served.
const served = webPort !== undefined || metricsArgs?.port !== undefined;
const registry = new Registry();
const metrics = new ChatMetrics(registry, {
  version: VERSION,
  cpuSeconds: served ? await processCpuClock() : undefined,
});
const scrape = metricsHandler(() => registry.scrape(), { token: token?.token });

/** Reads the TLS certificate and key, or exits with a clear error. */
function readTlsFiles(tls: TlsSettings): { cert: string; key: string } {
  const read = (file: string, what: string) => {
    try {
      return Deno.readTextFileSync(file);
    } catch (error) {
      fail(`cannot read TLS ${what} "${file}": ${(error as Error).message}`);
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
    fail(
      pem !== undefined && !(error instanceof Deno.errors.AddrInUse)
        ? `cannot use the TLS certificate and key: ${(error as Error).message}`
        : `cannot create ChatServer socket using port number ${port}`,
    );
  }
}

// Said once for each new reason (while Redis is away, every message would say it again).
let lastStoreError = "";
const onStoreError = (error: Error) => {
  if (error.message === lastStoreError) return;
  lastStoreError = error.message;
  log(STORE_WRITE_FAILED.at(new Date(), { error: error.message }));
};
// A node joins its cluster before it listens, and keeps its data in the cluster's Redis.
const node = cluster === undefined ? undefined : await joinCluster(cluster, fail);
const opened = node !== undefined
  ? { ok: true as const, store: node.openStore(storeBounds(limits), onStoreError) }
  : openStore(dataDir, storeBounds(limits), onStoreError);
if (!opened.ok) fail(opened.error.replace(/^ERR - /, ""));
const store = metrics.measured(opened.store);
// The chat's id, made once and kept in the store: the same at any address, port or node.
const chat = await store.chatId().catch((error: Error) =>
  fail(`cannot read the chat's id from the store: ${error.message}`)
);

const pem = tls === undefined ? undefined : readTlsFiles(tls);
const main = listen(port, tls?.port === undefined ? pem : undefined);
const listeners = [main];
if (tls?.port !== undefined) listeners.push(listen(tls.port, pem));

const ircPlain = irc?.port === undefined ? undefined : listen(irc.port);
const ircTls = irc?.tlsPort === undefined ? undefined : listen(irc.tlsPort, pem);

const portOf = (listener: Deno.Listener) => (listener.addr as Deno.NetAddr).port;
log(SERVER_STARTED.at(new Date(), { ip: machineAddress(), port: portOf(main) }));
const [leaf] = pem === undefined ? [] : pemCertificates(pem.cert);
const fingerprint = leaf === undefined ? "" : await fingerprintOf(leaf);
if (pem !== undefined) {
  log(TLS_STARTED.at(new Date(), {
    port: portOf(listeners.at(-1)!),
    fingerprint: fingerprint || undefined,
  }));
}
for (const [listener, tls] of [[ircPlain, false], [ircTls, true]] as const) {
  if (listener === undefined) continue;
  log(IRC_STARTED.at(new Date(), { port: portOf(listener), tls, server_name: irc!.name }));
}
if (node !== undefined) {
  const nodes = await node.nodeCount();
  log(CLUSTER_JOINED.at(new Date(), { cluster: node.settings.shown, node: node.id, nodes }));
}
log(STORE_OPENED.at(new Date(), { description: store.description }));

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
  log,
  metrics,
});

/** `/healthz` and `/readyz`, on the web port and the metrics port. */
const health = healthRoutes({
  phase: () => server.phase,
  store: () => store.problem(),
  clusterUp: node && (() => node.up),
});

/** What the web port and the metrics port answer besides the page: the metrics, the health. */
const routes: WebRoutes = (request, client) =>
  new URL(request.url).pathname === METRICS_PATH
    ? scrape(request, { remoteAddr: client })
    : health(request);

/** The deadlines of the web port and the metrics port. */
const webLimits: WebLimits = {
  maxMessageBytes: limits.maxFrameBytes,
  headTimeoutMs: limits.httpTimeoutMs,
  handshakeTimeoutMs: limits.registerTimeoutMs,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  writeTimeoutMs: limits.writeTimeoutMs,
};

/** Every HTTP connection counts toward --max-clients and --max-per-ip, as the chat port's. */
const gate: ConnectionGate = {
  enter: (ip, perIp) => server.admit(ip, perIp),
  leave: (ip, perIp) => server.release(ip, perIp),
};

/** The web client's folder, beside this file. */
const WEB_ROOT = new URL("./web", import.meta.url).pathname;

/** Starts the web client, or says why not and goes on without it. */
function startWeb(webPort: number): WebServer | undefined {
  if (Deno.permissions.querySync({ name: "read", path: WEB_ROOT }).state !== "granted") {
    const reason = "it needs --allow-read=web (deno task server grants it)";
    log(WEB_NOT_STARTED.at(new Date(), { reason }));
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
      routes,
      limits: webLimits,
      gate,
      log,
    });
    if (secure !== undefined) tlsListeners.push(secure);
    const scheme = pem === undefined ? "http" : "https";
    log(WEB_STARTED.at(new Date(), { url: `${scheme}://${machineAddress()}:${web.port}/` }));
    return web;
  } catch (error) {
    secure?.close();
    const reason = error instanceof Deno.errors.AddrInUse
      ? `port ${webPort} is in use`
      : (error as Error).message;
    log(WEB_NOT_STARTED.at(new Date(), { reason }));
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
  log,
});
Deno.addSignalListener("SIGHUP", () => {
  if (tlsReload !== undefined) tlsReload.reload();
  else log(NOTHING_TO_RELOAD.at(new Date(), {}));
});

/** Most connections the metrics port holds at once (a scraper or two, and people by hand). */
const METRICS_PORT_CONNECTIONS = 16;

/** Serves the metrics (and the health checks) on `port` alone, or says why not and goes on. */
function startMetrics(port: number): WebServer | undefined {
  try {
    // Its own cap: a scraper takes no chat client's place, and a flood there costs the chat nothing.
    const alone = startRoutesServer({
      port,
      routes,
      limits: webLimits,
      gate: countingGate(METRICS_PORT_CONNECTIONS),
      log,
    });
    log(
      METRICS_STARTED.at(new Date(), {
        url: `http://${machineAddress()}:${alone.port}${METRICS_PATH}`,
      }),
    );
    return alone;
  } catch (error) {
    const reason = error instanceof Deno.errors.AddrInUse
      ? `port ${port} is in use`
      : (error as Error).message;
    log(METRICS_NOT_STARTED.at(new Date(), { reason }));
    return undefined;
  }
}
const metricsServer = metricsArgs?.port === undefined ? undefined : startMetrics(metricsArgs.port);

async function stop(): Promise<never> {
  await server.shutdown();
  await web?.shutdown();
  await metricsServer?.shutdown();
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
  const stats = server.stats();
  // The web port's connections that are still HTTP count too (its WebSockets are the chat's).
  const connections = stats.connections + (web?.httpConnections ?? 0);
  const { registered } = stats;
  const { rss, heapUsed } = Deno.memoryUsage();
  log(STATS.at(new Date(), { connections, registered, rss_bytes: rss, heap_bytes: heapUsed }));
});

await server.serve();
