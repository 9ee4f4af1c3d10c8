/**
 * ChatServer's command-line arguments, checked as the specification asks (`ERR - arg 1` for a bad
 * port), its limits' flags and the usage text.
 *
 * It runs past 500 lines because every flag's check sits beside its line of the usage text (the
 * limits, TLS, the web port, IRC, operators, the cluster), so that `--help` and the checks agree.
 *
 * @module
 */

import {
  type ClusterSettings,
  DEFAULT_CLUSTER_PREFIX,
  DEFAULT_NODE_TIMEOUT_MS,
  parseClusterUrl,
} from "../cluster/cluster_url.ts";
import { MAX_FRAME_BYTES } from "../../protocol.ts";
import { type FlagSpec, type Parsed, parseFlags, parsePort } from "../common/flags.ts";
import { parseIpRange } from "../common/ip_address.ts";
import { nicknameProblem } from "../protocol/values.ts";
import {
  METRICS_FLAGS,
  METRICS_USAGE,
  type MetricsArgs,
  parseMetricsFlags,
} from "../metrics/metrics_flags.ts";
import { DEFAULT_LIMITS, type ServerLimits } from "./limits.ts";
import { LOG_FORMATS, type LogFormat } from "./log_format.ts";

/** Where the server serves TLS. */
export interface TlsSettings {
  /** The certificate chain's PEM file. */
  certFile: string;
  /** The private key's PEM file. */
  keyFile: string;
  /** A second port for TLS, the main port staying plain; undefined: the main port is TLS. */
  port?: number;
}

/** ChatServer's settings. */
export interface ServerArgs {
  /** Port to listen on; 0 asks the system for a free one. */
  port: number;
  /** Every limit, its default unless a flag set it. */
  limits: ServerLimits;
  /** Where TLS is served; undefined: plain TCP only. */
  tls?: TlsSettings;
  /** The directory to keep accounts, offline messages and history in, when given. */
  dataDir?: string;
  /** Where the web client is served (0: a free port), when it is. */
  webPort?: number;
  /** Origins other than the page's own that may open the WebSocket. */
  webOrigins?: string[];
  /** Reverse proxies (addresses or ranges) whose `X-Forwarded-For` is believed, when given. */
  trustProxies?: string[];
  /** The Redis that makes this server a node of a cluster, when given. */
  cluster?: ClusterSettings;
  /** The operator accounts' nicknames (`--operator`, repeatable); none when not given. */
  operators: string[];
  /** Where IRC is served, when it is. */
  irc?: IrcArgs;
  /** How the console writes its events (`--log-format`), when given; `text` when not. */
  logFormat?: LogFormat;
  /** Where and to whom `/metrics` is served besides the web port, when a flag says. */
  metrics?: MetricsArgs;
}

/** Where and how the server speaks IRC. */
export interface IrcArgs {
  /** The plain IRC port (0: a free one); undefined: IRC over TLS only. */
  port?: number;
  /** The IRC over TLS port (with the TLS flags), when given. */
  tlsPort?: number;
  /** The server's name on IRC. */
  name: string;
  /** Seconds a client may be silent before a `PING`, and then has to answer it. */
  pingSeconds: number;
}

/** The server's name on IRC when `--irc-name` does not give one. */
export const DEFAULT_IRC_NAME = "chat.local";
/** Seconds an IRC client may be silent before it is sent a `PING` (and then has to answer). */
export const DEFAULT_IRC_PING_SECONDS = 90;

/** The limits a number sets: all but the one that is a switch. */
export type NumericLimit = Exclude<keyof ServerLimits, "limitLoopback">;

/** A numeric server flag: the limit it sets, its unit, range and help. */
export interface NumberFlag {
  /** The flag's name, without the leading `--`. */
  flag: string;
  /** The limit it sets. */
  limit: NumericLimit;
  /** What its value counts; seconds and days become milliseconds in the limit. */
  unit: "bytes" | "seconds" | "days" | "count" | "per second";
  /** The smallest value taken, in the flag's unit. */
  min: number;
  /** The largest value taken, in the flag's unit. */
  max: number;
  /** What it sets, in the words of `--help`. */
  help: string;
}

/** The server's numeric flags, in the order `--help` lists them. */
export const SERVER_NUMBER_FLAGS: readonly NumberFlag[] = [
  {
    flag: "max-frame",
    limit: "maxFrameBytes",
    unit: "bytes",
    min: 1024,
    max: MAX_FRAME_BYTES,
    help: "largest frame a client may send",
  },
  {
    flag: "sendq",
    limit: "sendqBytes",
    unit: "bytes",
    min: 1024,
    max: 2 ** 30,
    help: "bytes queued for one client before it is cut off",
  },
  {
    flag: "write-timeout",
    limit: "writeTimeoutMs",
    unit: "seconds",
    min: 0.1,
    max: 3600,
    help: "how long a write may stall before its client is cut off",
  },
  {
    flag: "register-timeout",
    limit: "registerTimeoutMs",
    unit: "seconds",
    min: 0.1,
    max: 3600,
    help: "how long a connection has to register",
  },
  {
    flag: "http-timeout",
    limit: "httpTimeoutMs",
    unit: "seconds",
    min: 0.1,
    max: 3600,
    help: "how long the web port waits for a request's headers",
  },
  {
    flag: "max-clients",
    limit: "maxClients",
    unit: "count",
    min: 1,
    max: 1_000_000,
    help: "most connections at once",
  },
  {
    flag: "max-per-ip",
    limit: "maxPerIp",
    unit: "count",
    min: 0,
    max: 1_000_000,
    help: "most connections from one IP address, 0 for no cap",
  },
  {
    flag: "burst",
    limit: "burst",
    unit: "count",
    min: 1,
    max: 1_000_000,
    help: "messages a client may send at once before the rate applies",
  },
  {
    flag: "max-rate",
    limit: "maxRate",
    unit: "per second",
    min: 0,
    max: 1_000_000,
    help: "sustained messages per second per client, 0 for no limit",
  },
  {
    flag: "byte-burst",
    limit: "byteBurst",
    unit: "bytes",
    min: 65536,
    max: 2 ** 40,
    help: "bytes a client may send at once before the byte rate applies",
  },
  {
    flag: "byte-rate",
    limit: "byteRate",
    unit: "bytes",
    min: 0,
    max: 2 ** 40,
    help: "sustained bytes per second per client (file data aside), 0 for no limit",
  },
  {
    flag: "flood-timeout",
    limit: "floodTimeoutMs",
    unit: "seconds",
    min: 1,
    max: 3600,
    help: "how long a client may stay over the rate before it is cut off",
  },
  {
    flag: "max-offline",
    limit: "offlineMax",
    unit: "count",
    min: 1,
    max: 1_000_000,
    help: "private messages kept for one account while it is away",
  },
  {
    flag: "offline-days",
    limit: "offlineMaxAgeMs",
    unit: "days",
    min: 0.001,
    max: 3650,
    help: "how long a kept private message waits for its account",
  },
  {
    flag: "history",
    limit: "historyMax",
    unit: "count",
    min: 1,
    max: 1_000_000,
    help: "messages of history kept for everyone and for each room",
  },
  {
    flag: "history-days",
    limit: "historyMaxAgeMs",
    unit: "days",
    min: 0.001,
    max: 3650,
    help: "how long history is kept",
  },
  {
    flag: "max-file-size",
    limit: "maxFileBytes",
    unit: "bytes",
    min: 0,
    max: 2 ** 40,
    help: "largest file a client may send",
  },
  {
    flag: "max-transfers",
    limit: "maxTransfers",
    unit: "count",
    min: 1,
    max: 1000,
    help: "file transfers a client may take part in at once",
  },
];

/** Milliseconds in each unit of time a flag takes. */
const UNIT_MS: Partial<Record<NumberFlag["unit"], number>> = {
  seconds: 1000,
  days: 24 * 60 * 60 * 1000,
};

/** Usage of ChatServer, printed with `--help` and argument errors. */
export const SERVER_USAGE: string = [
  "usage: ChatServer.ts [<port>] [options]",
  "  <port>                        1 to 65535; none: a free port the system picks",
  ...SERVER_NUMBER_FLAGS.map((f) => {
    const value = DEFAULT_LIMITS[f.limit] / (UNIT_MS[f.unit] ?? 1);
    return `  --${f.flag} <${f.unit === "per second" ? "n" : f.unit}>`.padEnd(32) +
      `${f.help} (default ${value})`;
  }),
  "  --limit-loopback              apply --max-per-ip to loopback addresses too",
  "  --data <dir>                  keep accounts, offline messages and history there (default",
  "                                chat-data when allowed to read and write it; else in memory)",
  "  --tls-cert <pem> --tls-key <pem>",
  "                                serve TLS (on the main port, or on --tls-port)",
  "  --tls-port <port>             serve TLS on this port as well as plain TCP on <port>",
  "  --web-port <port>             serve the web client there (HTTPS with the TLS flags)",
  "  --web-origin <origin>[,...]   other origins whose pages may open its WebSocket",
  "  --trust-proxy <address>       a reverse proxy in front of the web port: the client's address",
  "                                is its X-Forwarded-For (repeat for more; 10.0.0.0/8 for a range)",
  ...METRICS_USAGE,
  "  --irc-port <port>             serve IRC there too (0: a free port; deno task server: 6667)",
  "  --irc-tls-port <port>         serve IRC over TLS there (with the TLS flags)",
  `  --irc-name <name>             the server's name on IRC (default ${DEFAULT_IRC_NAME})`,
  "  --irc-ping <s>                PING an IRC client silent this long, cut it off if it does",
  `                                not answer within as long again (default ${DEFAULT_IRC_PING_SECONDS})`,
  "  --operator <account>          that account is a server operator while logged in",
  "                                (repeat for more: --operator alice --operator bob)",
  "  --cluster <url>               be a node of the chat that shares this Redis",
  "                                (redis://[:password@]host:port[/db], or rediss:// for TLS)",
  `  --cluster-prefix <prefix>     its keys and channels in Redis (default ${DEFAULT_CLUSTER_PREFIX})`,
  "  --node-timeout <s>            a node silent this long has left, with its users " +
  `(default ${DEFAULT_NODE_TIMEOUT_MS / 1000})`,
  "  --log-format text|json        console lines as text, or one JSON object a line (default text)",
].join("\n");

/** Parses ChatServer's arguments. */
export function parseServerArgs(args: string[]): Parsed<ServerArgs> {
  const operators = takeRepeated(args, "operator", operatorProblem);
  if (!operators.ok) return operators;
  const proxies = takeRepeated(operators.value.rest, "trust-proxy", proxyProblem);
  if (!proxies.ok) return proxies;
  args = proxies.value.rest;
  // The port comes first when given; "-5" is a bad port, not an option.
  const portText = args[0] !== undefined && !args[0].startsWith("--") ? args[0] : undefined;
  const spec: FlagSpec = {
    "limit-loopback": "boolean",
    "tls-cert": "string",
    "tls-key": "string",
    "tls-port": "string",
    data: "string",
    "web-port": "string",
    "web-origin": "string",
    cluster: "string",
    "cluster-prefix": "string",
    "node-timeout": "string",
    "irc-port": "string",
    "irc-tls-port": "string",
    "irc-name": "string",
    "irc-ping": "string",
    "log-format": "string",
    help: "boolean",
    ...METRICS_FLAGS,
  };
  for (const f of SERVER_NUMBER_FLAGS) spec[f.flag] = "string";
  const parsed = parseFlags(portText === undefined ? args : args.slice(1), spec);
  if (!parsed.ok) return { ok: false, error: `ERR - ${parsed.error}` };
  const { values } = parsed;
  let { positionals } = parsed;
  // The port may also follow the options (`deno task server 12345` puts it after the task's own).
  const latePort = portText === undefined && positionals.length === 1 ? positionals[0] : undefined;
  if (latePort !== undefined) positionals = [];
  let port = 0;
  if (portText !== undefined || latePort !== undefined) {
    const value = parsePort((portText ?? latePort)!);
    if (value === undefined) return { ok: false, error: "ERR - arg 1" };
    port = value;
  }
  if (positionals.length > 0) {
    return { ok: false, error: `ERR - unexpected argument "${positionals[0]}"` };
  }
  if (values.help) return { ok: false, error: SERVER_USAGE, help: true };
  const limits: ServerLimits = {
    ...DEFAULT_LIMITS,
    limitLoopback: values["limit-loopback"] === true,
  };
  for (const f of SERVER_NUMBER_FLAGS) {
    const text = values[f.flag];
    if (typeof text !== "string") continue;
    const value = parseNumberFlag(text, f);
    if (value === undefined) {
      return {
        ok: false,
        error: `ERR - option --${f.flag}: expected ${describe(f)}, got "${text}"`,
      };
    }
    limits[f.limit] = value;
  }
  const tls = parseTlsFlags(values);
  if (tls !== undefined && !tls.ok) return tls;
  const dataDir = values.data as string | undefined;
  if (dataDir !== undefined && dataDir.trim() === "") {
    return { ok: false, error: "ERR - option --data: expected a directory" };
  }
  const value: ServerArgs = { port, limits, tls: tls?.value, operators: operators.value.values };
  if (dataDir !== undefined) value.dataDir = dataDir;
  const webPort = values["web-port"] as string | undefined;
  if (webPort !== undefined) {
    const parsed = webPort === "0" ? 0 : parsePort(webPort);
    if (parsed === undefined) {
      return { ok: false, error: `ERR - option --web-port: expected a port, got "${webPort}"` };
    }
    value.webPort = parsed;
  }
  const origins = values["web-origin"] as string | undefined;
  if (origins !== undefined) {
    const list = origins.split(",").map((origin) => origin.trim()).filter((o) => o !== "");
    const bad = list.find((origin) => !/^https?:\/\/[^/\s]+$/.test(origin));
    if (bad !== undefined || list.length === 0) {
      return {
        ok: false,
        error: `ERR - option --web-origin: expected origins such as https://chat.example.org, ` +
          `got "${bad ?? origins}"`,
      };
    }
    value.webOrigins = list;
  }
  if (proxies.value.values.length > 0) {
    if (webPort === undefined) {
      return { ok: false, error: "ERR - option --trust-proxy needs --web-port" };
    }
    value.trustProxies = proxies.value.values;
  }
  const logFormat = values["log-format"] as string | undefined;
  if (logFormat !== undefined) {
    if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
      return {
        ok: false,
        error: `ERR - option --log-format: expected ${
          LOG_FORMATS.join(" or ")
        }, got "${logFormat}"`,
      };
    }
    value.logFormat = logFormat as LogFormat;
  }
  const metrics = parseMetricsFlags(values, webPort !== undefined);
  if (metrics !== undefined && !metrics.ok) return metrics;
  if (metrics !== undefined) value.metrics = metrics.value;
  const irc = parseIrcFlags(values, tls?.value !== undefined);
  if (irc !== undefined && !irc.ok) return irc;
  if (irc !== undefined) value.irc = irc.value;
  const cluster = parseClusterFlags(values);
  if (cluster !== undefined && !cluster.ok) return cluster;
  if (cluster !== undefined) {
    if (dataDir !== undefined) {
      return {
        ok: false,
        error: "ERR - --data cannot go with --cluster: the nodes of a cluster share their " +
          "accounts, offline messages and history through Redis, not a directory of one node",
      };
    }
    value.cluster = cluster.value;
  }
  return { ok: true, value };
}

/**
 * Takes every `--<flag> <value>` out of `args` (the flag may be given more than once), each value
 * checked by `problem` (undefined when missing).
 */
function takeRepeated(
  args: string[],
  flag: string,
  problem: (value: string | undefined) => string | undefined,
): Parsed<{ values: string[]; rest: string[] }> {
  const values: string[] = [], rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    let value: string | undefined;
    if (arg === `--${flag}`) value = args[++i];
    else if (arg.startsWith(`--${flag}=`)) value = arg.slice(`--${flag}=`.length);
    else {
      rest.push(arg);
      continue;
    }
    const why = problem(value);
    if (why !== undefined) return { ok: false, error: `ERR - option --${flag}: ${why}` };
    values.push(value!);
  }
  return { ok: true, value: { values, rest } };
}

/** What is wrong with `--operator`'s value, if anything. */
function operatorProblem(name: string | undefined): string | undefined {
  return name === undefined ? "expected an account's nickname" : nicknameProblem(name);
}

/** What is wrong with `--trust-proxy`'s value, if anything. */
function proxyProblem(proxy: string | undefined): string | undefined {
  if (proxy !== undefined && parseIpRange(proxy) !== undefined) return undefined;
  const got = proxy === undefined ? "" : `, got "${proxy}"`;
  return `expected an IP address or range such as 127.0.0.1 or 10.0.0.0/8${got}`;
}

function parseClusterFlags(
  values: Record<string, string | boolean | undefined>,
): Parsed<ClusterSettings> | undefined {
  const url = values.cluster as string | undefined;
  const prefix = values["cluster-prefix"] as string | undefined;
  const timeout = values["node-timeout"] as string | undefined;
  if (url === undefined) {
    return prefix === undefined && timeout === undefined ? undefined : {
      ok: false,
      error: `ERR - option --${prefix === undefined ? "node-timeout" : "cluster-prefix"} ` +
        "needs --cluster",
    };
  }
  const seconds = timeout === undefined ? DEFAULT_NODE_TIMEOUT_MS / 1000 : Number(timeout);
  if (!(seconds >= 1 && seconds <= 3600)) {
    return {
      ok: false,
      error: `ERR - option --node-timeout: expected 1 to 3600 seconds, got "${timeout}"`,
    };
  }
  return parseClusterUrl(url, prefix, seconds * 1000);
}

function parseIrcFlags(
  values: Record<string, string | boolean | undefined>,
  tls: boolean,
): Parsed<IrcArgs> | undefined {
  const portText = values["irc-port"] as string | undefined;
  const tlsText = values["irc-tls-port"] as string | undefined;
  const name = values["irc-name"] as string | undefined;
  const ping = values["irc-ping"] as string | undefined;
  if (portText === undefined && tlsText === undefined) {
    if (name === undefined && ping === undefined) return undefined;
    return {
      ok: false,
      error: `ERR - option --${name === undefined ? "irc-ping" : "irc-name"} needs --irc-port`,
    };
  }
  const port = (text: string | undefined, flag: string): Parsed<number | undefined> => {
    if (text === undefined) return { ok: true, value: undefined };
    const parsed = text === "0" ? 0 : parsePort(text);
    return parsed === undefined
      ? { ok: false, error: `ERR - option --${flag}: expected a port, got "${text}"` }
      : { ok: true, value: parsed };
  };
  const plain = port(portText, "irc-port");
  if (!plain.ok) return plain;
  const secure = port(tlsText, "irc-tls-port");
  if (!secure.ok) return secure;
  if (secure.value !== undefined && !tls) {
    return { ok: false, error: "ERR - option --irc-tls-port needs --tls-cert and --tls-key" };
  }
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.\-]{0,62}$/.test(name)) {
    return {
      ok: false,
      error: `ERR - option --irc-name: expected a name such as irc.example.org, got "${name}"`,
    };
  }
  const seconds = ping === undefined ? DEFAULT_IRC_PING_SECONDS : Number(ping);
  if (!(seconds >= 0.1 && seconds <= 3600)) {
    return {
      ok: false,
      error: `ERR - option --irc-ping: expected 0.1 to 3600 seconds, got "${ping}"`,
    };
  }
  const value: IrcArgs = { name: name ?? DEFAULT_IRC_NAME, pingSeconds: seconds };
  if (plain.value !== undefined) value.port = plain.value;
  if (secure.value !== undefined) value.tlsPort = secure.value;
  return { ok: true, value };
}

function parseTlsFlags(
  values: Record<string, string | boolean | undefined>,
): Parsed<TlsSettings> | undefined {
  const certFile = values["tls-cert"] as string | undefined;
  const keyFile = values["tls-key"] as string | undefined;
  const portText = values["tls-port"] as string | undefined;
  if (certFile === undefined && keyFile === undefined && portText === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    return { ok: false, error: "ERR - options --tls-cert and --tls-key go together" };
  }
  if (portText === undefined) return { ok: true, value: { certFile, keyFile } };
  const port = portText === "0" ? 0 : parsePort(portText);
  if (port === undefined) {
    return { ok: false, error: `ERR - option --tls-port: expected a port, got "${portText}"` };
  }
  return { ok: true, value: { certFile, keyFile, port } };
}

function parseNumberFlag(text: string, flag: NumberFlag): number | undefined {
  const whole = flag.unit === "bytes" || flag.unit === "count";
  if (!(whole ? /^\d{1,15}$/ : /^\d{1,15}(\.\d+)?$/).test(text)) return undefined;
  const value = Number(text);
  if (value < flag.min || value > flag.max) return undefined;
  return value * (UNIT_MS[flag.unit] ?? 1);
}

function describe(flag: NumberFlag): string {
  const unit = flag.unit === "count" ? "a whole number" : flag.unit;
  return `${unit} from ${flag.min} to ${flag.max}`;
}
