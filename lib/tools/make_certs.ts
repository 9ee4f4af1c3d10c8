/**
 * `deno task certs [<name> ...]`: makes what a server needs to serve TLS, with openssl, in
 * `certs/`: a certificate authority (`ca.pem`, for clients' `--ca`; its key is deleted once used)
 * and a server certificate it signs (`server.pem`, `server.key`) for localhost, 127.0.0.1 and
 * each name given. Prints the commands that use them.
 *
 * @module
 */

const DIR = "certs";
const names = ["localhost", "127.0.0.1", ...Deno.args];

function altName(name: string): string {
  return /^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`;
}

async function openssl(args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command("openssl", { args, cwd: DIR, stdout: "null" })
    .output();
  if (!success) {
    console.log(`ERR - openssl ${args[0]} failed: ${new TextDecoder().decode(stderr).trim()}`);
    Deno.exit(1);
  }
}

await Deno.mkdir(DIR, { recursive: true });
await Deno.writeTextFile(
  `${DIR}/server.ext`,
  [
    `subjectAltName=${[...new Set(names)].map(altName).join(",")}`,
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=serverAuth",
  ].join("\n") + "\n",
);
const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
await openssl([
  "req",
  "-x509",
  ...ec,
  "-days",
  "825",
  "-subj",
  "/CN=Chat certificate authority",
  "-keyout",
  "ca.key",
  "-out",
  "ca.pem",
  "-addext",
  "basicConstraints=critical,CA:TRUE",
  "-addext",
  "keyUsage=critical,keyCertSign,cRLSign",
]);
await openssl([
  "req",
  ...ec,
  "-subj",
  `/CN=${names.at(-1)}`,
  "-keyout",
  "server.key",
  "-out",
  "server.csr",
]);
await openssl([
  "x509",
  "-req",
  "-in",
  "server.csr",
  "-CA",
  "ca.pem",
  "-CAkey",
  "ca.key",
  "-CAcreateserial",
  "-days",
  "825",
  "-out",
  "server.pem",
  "-extfile",
  "server.ext",
]);
for (const leftover of ["ca.key", "ca.srl", "server.csr", "server.ext"]) {
  await Deno.remove(`${DIR}/${leftover}`).catch(() => {});
}
await Deno.chmod(`${DIR}/server.key`, 0o600);
console.log(
  `Made ${DIR}/ca.pem (the authority), ${DIR}/server.pem and ${DIR}/server.key, for ${
    [...new Set(names)].join(", ")
  }.`,
);
console.log(
  "Server: deno task server 12345 --tls-cert certs/server.pem --tls-key certs/server.key",
);
console.log("Client: deno task client --tls --ca certs/ca.pem localhost 12345 Alice 001");
