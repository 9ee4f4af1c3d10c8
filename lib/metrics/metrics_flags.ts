/**
 * The server's metrics flags: `--metrics-port` and `--metrics-token-file`, their checks and
 * their lines of the usage text.
 *
 * @module
 */

import { type FlagSpec, type Parsed, parsePort } from "../common/flags.ts";

/** Where and to whom the server serves its metrics, besides `/metrics` on the web port. */
export interface MetricsArgs {
  /** A port serving `/metrics` alone (0: a free one), when given. */
  port?: number;
  /** The file holding the bearer token that lets others than loopback in, when given. */
  tokenFile?: string;
}

/** The metrics flags, for the server's flag spec. */
export const METRICS_FLAGS: FlagSpec = {
  "metrics-port": "string",
  "metrics-token-file": "string",
};

/** The metrics flags' lines of `--help`. */
export const METRICS_USAGE: readonly string[] = [
  "  --metrics-port <port>         serve /metrics (and the health checks) there, over HTTP (0: free);",
  "                                it is on the web port too; loopback clients only, unless:",
  "  --metrics-token-file <file>   others may read it with this bearer token (run with",
  "                                --allow-read for the file)",
];

/**
 * The metrics flags among `values`, checked (`web`: the web port is served, so a token may go
 * without `--metrics-port`); undefined when none is given.
 */
export function parseMetricsFlags(
  values: Record<string, string | boolean | undefined>,
  web: boolean,
): Parsed<MetricsArgs> | undefined {
  const portText = values["metrics-port"] as string | undefined;
  const tokenFile = values["metrics-token-file"] as string | undefined;
  if (portText === undefined && tokenFile === undefined) return undefined;
  const value: MetricsArgs = {};
  if (portText !== undefined) {
    const port = portText === "0" ? 0 : parsePort(portText);
    if (port === undefined) {
      return {
        ok: false,
        error: `ERR - option --metrics-port: expected a port, got "${portText}"`,
      };
    }
    value.port = port;
  }
  if (tokenFile !== undefined) {
    if (tokenFile.trim() === "") {
      return { ok: false, error: "ERR - option --metrics-token-file: expected a file" };
    }
    if (portText === undefined && !web) {
      return {
        ok: false,
        error: "ERR - option --metrics-token-file needs --metrics-port or --web-port",
      };
    }
    value.tokenFile = tokenFile;
  }
  return { ok: true, value };
}
