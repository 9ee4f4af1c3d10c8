/**
 * Command-line arguments of ChatServer and ChatClient, checked as the spec asks
 * (`ERR - arg <x>` for the first bad or missing one).
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
import { nicknameProblem } from "../protocol/values.ts";
import { DEFAULT_LIMITS, type ServerLimits } from "./limits.ts";
import { parseFingerprint } from "../net/fingerprint.ts";

/** The result of parsing arguments: the values, or the line to print before exiting. */
export type Parsed<T> =
  | { ok: true; value: T }
  /** `help` is set when the user asked for the usage, which `error` then holds. */
  | { ok: false; error: string; help?: boolean };

/** Where the server serves TLS. */
export interface TlsSettings {
  certFile: string;
  keyFile: string;
  /** A second port for TLS, the main port staying plain; undefined: the main port is TLS. */
  port?: number;
}

/** ChatServer's settings. */
export interface ServerArgs {
  /** Port to listen on; 0 asks the system for a free one. */
  port: number;
  limits: ServerLimits;
  tls?: TlsSettings;
  /** The directory to keep accounts, offline messages and history in, when given. */
  dataDir?: string;
  /** Where the web client is served (0: a free port), when it is. */
  webPort?: number;
  /** Origins other than the page's own that may open the WebSocket. */
  webOrigins?: string[];
  /** The Redis that makes this server a node of a cluster, when given. */
  cluster?: ClusterSettings;
}

/** ChatClient's settings: the four-argument JSON form, or the two-argument CHAT/1.0 form. */
export type ClientArgs =
  | {
    wire: "json";
    host: string;
    port: number;
    nickname: string;
    clientID: string;
    /** Connect with TLS. */
    tls: boolean;
    /** A PEM file of certificate authorities (or the server's own certificate) to trust. */
    caFile?: string;
    /** The fingerprint (`sha256:…`) of the one server certificate to trust. */
    fingerprint?: string;
    /** A file whose first line is the password of the nickname's account. */
    passwordFile?: string;
    /** The key file for end-to-end messages; default: one per nickname and server. */
    keysFile?: string;
    /** Refuse to send a private message that cannot be end-to-end encrypted. */
    e2eOnly?: boolean;
    /** The folder received files go to. */
    downloads: string;
  }
  | { wire: "chat1"; host: string; port: number; nickname: string };

/** What ChatClient prints after `ERR - arg 2` for a `chat://` address it cannot use. */
export const CHAT_ADDRESS_HINT =
  "A CHAT/1.0 address looks like chat://<host>:<port>, such as chat://localhost:12345";

type NumericLimit = Exclude<keyof ServerLimits, "limitLoopback">;

/** A numeric server flag: the limit it sets, its unit, range and help. */
interface NumberFlag {
  flag: string;
  limit: NumericLimit;
  unit: "bytes" | "seconds" | "days" | "count" | "per second";
  min: number;
  max: number;
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
export const SERVER_USAGE = [
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
  "  --cluster <url>               be a node of the chat that shares this Redis",
  "                                (redis://[:password@]host:port[/db], or rediss:// for TLS)",
  `  --cluster-prefix <prefix>     its keys and channels in Redis (default ${DEFAULT_CLUSTER_PREFIX})`,
  "  --node-timeout <s>            a node silent this long has left, with its users " +
  `(default ${DEFAULT_NODE_TIMEOUT_MS / 1000})`,
].join("\n");

/** Usage of ChatClient, printed with `--help` and argument errors. */
export const CLIENT_USAGE = [
  "usage: ChatClient.ts <host> <port> <nickname> <clientID> " +
  "[--tls [--ca <pem> | --fingerprint <sha256>]] " +
  "[--password-file <file>] [--downloads <dir>]",
  "       ChatClient.ts <nickname> chat://<host>:<port>     (speaks CHAT/1.0)",
  "  --tls        connect with TLS, verifying the server's certificate",
  "  --ca <pem>   trust the certificate authorities in this file instead of the system's",
  "               (or the server's own certificate, when it is its own authority)",
  "  --fingerprint sha256:AB:CD:...",
  "               trust the one server certificate with this fingerprint (the server",
  "               prints it at start)",
  "  --password-file <file>",
  "               log in to the nickname's account with the first line of this file",
  "  --downloads <dir>",
  "               where files you accept are saved (default downloads)",
  "  --e2e-only   never send a private message in the clear: refuse when the recipient has no key",
  "  --keys <file>",
  "               your key file for end-to-end messages (default: one per nickname and",
  "               server in ~/.config/chat/keys)",
].join("\n");

/** The flags a program takes: each a string option (with a value) or a boolean switch. */
type FlagSpec = Record<string, "string" | "boolean">;

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

/** Parses ChatServer's arguments. */
export function parseServerArgs(args: string[]): Parsed<ServerArgs> {
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
    help: "boolean",
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
  const value: ServerArgs = { port, limits, tls: tls?.value };
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

/** Parses ChatClient's arguments (the host is only checked for presence here). */
export function parseClientArgs(args: string[]): Parsed<ClientArgs> {
  const parsed = parseFlags(args, {
    tls: "boolean",
    ca: "string",
    fingerprint: "string",
    "password-file": "string",
    keys: "string",
    "e2e-only": "boolean",
    downloads: "string",
    help: "boolean",
  });
  if (!parsed.ok) return { ok: false, error: `ERR - ${parsed.error}` };
  const { positionals, values } = parsed;
  if (values.help) return { ok: false, error: CLIENT_USAGE, help: true };
  // Two arguments, the second not a port: `<nickname> chat://<host>:<port>`.
  if (positionals.length === 2 && parsePort(positionals[1]) === undefined) {
    if (values.tls || values.ca !== undefined || values.fingerprint !== undefined) {
      return { ok: false, error: "ERR - option --tls is not available with a chat:// address" };
    }
    if (
      values["password-file"] !== undefined || values.downloads !== undefined ||
      values.keys !== undefined
    ) {
      return {
        ok: false,
        error: "ERR - CHAT/1.0 has no accounts, files or keys: --password-file, --downloads and " +
          "--keys go with JSON",
      };
    }
    return parseChat1Args(positionals[0], positionals[1]);
  }
  const [host, portText, nickname, clientID] = positionals;
  if (host === undefined || host.trim() === "") return { ok: false, error: "ERR - arg 1" };
  const port = portText === undefined ? undefined : parsePort(portText);
  if (port === undefined) return { ok: false, error: "ERR - arg 2" };
  if (nickname === undefined || nicknameProblem(nickname) !== undefined) {
    return { ok: false, error: "ERR - arg 3" };
  }
  if (clientID === undefined || clientID.trim() === "" || /\p{Cc}/u.test(clientID)) {
    return { ok: false, error: "ERR - arg 4" };
  }
  if (positionals.length > 4) return { ok: false, error: "ERR - arg 5" };
  if (values.ca !== undefined && !values.tls) {
    return { ok: false, error: "ERR - option --ca goes with --tls" };
  }
  const fingerprintText = values.fingerprint as string | undefined;
  const fingerprint = fingerprintText === undefined ? undefined : parseFingerprint(fingerprintText);
  if (fingerprintText !== undefined) {
    if (!values.tls) return { ok: false, error: "ERR - option --fingerprint goes with --tls" };
    if (values.ca !== undefined) {
      return { ok: false, error: "ERR - options --ca and --fingerprint: give one or the other" };
    }
    if (fingerprint === undefined) {
      return {
        ok: false,
        error:
          `ERR - option --fingerprint: expected sha256: and 64 hex digits, got "${fingerprintText}"`,
      };
    }
  }
  return {
    ok: true,
    value: {
      wire: "json",
      host: host.trim(),
      port,
      nickname,
      clientID,
      tls: values.tls === true,
      caFile: values.ca as string | undefined,
      fingerprint,
      passwordFile: values["password-file"] as string | undefined,
      keysFile: values.keys as string | undefined,
      e2eOnly: values["e2e-only"] === true || undefined,
      downloads: (values.downloads as string | undefined) ?? "downloads",
    },
  };
}

function parseChat1Args(nickname: string, address: string): Parsed<ClientArgs> {
  if (nicknameProblem(nickname) !== undefined) return { ok: false, error: "ERR - arg 1" };
  const parsed = parseChatAddress(address);
  if (parsed === undefined) return { ok: false, error: `ERR - arg 2\n${CHAT_ADDRESS_HINT}` };
  return { ok: true, value: { wire: "chat1", ...parsed, nickname } };
}

/** The host and port of `chat://<host>:<port>` (an IPv6 host in brackets), or undefined. */
export function parseChatAddress(address: string): { host: string; port: number } | undefined {
  const match = /^chat:\/\/(\[[0-9a-fA-F:.]+\]|[^\s/:@[\]]+):(\d+)\/?$/i.exec(address.trim());
  if (match === null) return undefined;
  const port = parsePort(match[2]);
  if (port === undefined) return undefined;
  return { host: match[1].replace(/^\[(.*)\]$/, "$1"), port };
}

/** A TCP port from 1 to 65535 written as a whole number, or undefined. */
export function parsePort(text: string): number | undefined {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : undefined;
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
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
