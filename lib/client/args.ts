/**
 * ChatClient's command-line arguments, checked as the specification asks (`ERR - arg <x>` for the
 * first bad or missing one), and the usage text.
 *
 * @module
 */

import { type Parsed, parseFlags, parsePort } from "../common/flags.ts";
import { nicknameProblem } from "../protocol/values.ts";
import { parseFingerprint } from "../net/fingerprint.ts";

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

/** Usage of ChatClient, printed with `--help` and argument errors. */
export const CLIENT_USAGE: string = [
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
