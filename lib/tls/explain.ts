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
      return "the server's certificate is its own authority (as `openssl req -x509` makes one), " +
        "which a client may not take as a server's certificate. Make a pair with `deno task " +
        "certs`: an authority (certs/ca.pem, for the client's --ca) and a server certificate it " +
        "signs (certs/server.pem and certs/server.key, for the server)";
    }
    if (/UnknownIssuer|UnknownCA|self.signed/i.test(message)) {
      return "the server's certificate is not signed by an authority this client trusts: give " +
        "the authority's certificate with --ca <pem> (for one made by `deno task certs`, " +
        "--ca certs/ca.pem)";
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
    return "check that the port serves TLS and that you trust its certificate (--ca <pem>)";
  })();
  return `ERR - TLS handshake with ${where} failed: ${message}\n${
    next[0].toUpperCase() + next.slice(1)
  }.`;
}
