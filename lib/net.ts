/**
 * Addresses of this machine.
 *
 * @module
 */

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
