/**
 * Connections and addresses: what a connection needs of its transport, and this machine's address.
 *
 * @module
 */

/**
 * What a connection needs of its transport: a TCP or TLS `Deno.Conn`, a WebSocket made to look
 * like one (`web/websocket_conn.ts`), or Node's TLS socket for a pinned certificate
 * (`tls/pinned.ts`).
 */
export interface ByteConn {
  readonly remoteAddr: Deno.Addr;
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
}

/**
 * The machine's address as the server reports it: its first non-internal IPv4 address, or
 * 127.0.0.1 where there is none. Listing interfaces needs `--allow-sys=networkInterfaces`;
 * without it (plain `--allow-net`) the answer is 127.0.0.1 and nobody is prompted.
 */
export function machineAddress(): string {
  const permission = Deno.permissions.querySync({ name: "sys", kind: "networkInterfaces" });
  if (permission.state !== "granted") return "127.0.0.1";
  const external = Deno.networkInterfaces().find((nic) =>
    nic.family === "IPv4" && !nic.address.startsWith("127.")
  );
  return external?.address ?? "127.0.0.1";
}
