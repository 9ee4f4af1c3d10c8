/**
 * What the client says when a TLS connection fails: what went wrong, in words, and what to do
 * next. (Deno's own messages name the check that failed, such as `CaUsedAsEndEntity`, and no more.)
 *
 * @module
 */

/** The line for a failed TLS handshake with `where` (`host:port`), from Deno's `message`. */
export function explainTlsFailure(where: string, message: string): string {
  const host = where.replace(/:\d+$/, "");
  const next = (() => {
    if (/CaUsedAsEndEntity/.test(message)) {
      return "the server's certificate is its own authority (as `openssl req -x509` makes one): " +
        "trust it by giving that very certificate with --ca <pem>, or by the fingerprint the " +
        "server prints at start (--fingerprint sha256:...), or make an authority and a server " +
        "certificate with `deno task certs`";
    }
    if (/UnknownIssuer|UnknownCA|self.signed/i.test(message)) {
      return "the server's certificate is not signed by an authority this client trusts: give " +
        "the authority's certificate with --ca <pem> (for one made by `deno task certs`, " +
        "--ca certs/ca.pem), or the server's own certificate if it signed itself, or trust it " +
        "by the fingerprint the server prints at start (--fingerprint sha256:...)";
    }
    if (/NotValidForName/.test(message)) {
      return `the server's certificate is not for "${host}": connect with a name it lists, or ` +
        `make one for this name with \`deno task certs ${host}\``;
    }
    if (/Expired|NotValidYet/i.test(message)) {
      return "the server's certificate has expired or is not valid yet: make a new one " +
        "(`deno task certs`), or check this machine's clock";
    }
    if (/InvalidContentType|record|WrongVersion|corrupt|eof|reset|UnexpectedEof/i.test(message)) {
      return "the port does not seem to speak TLS: leave out --tls for a plain port, or use the " +
        "server's TLS port (--tls-port)";
    }
    return "check that the port serves TLS and that you trust its certificate (--ca <pem> or " +
      "--fingerprint sha256:...)";
  })();
  return `ERR - TLS handshake with ${where} failed: ${message}\n${
    next[0].toUpperCase() + next.slice(1)
  }.`;
}
