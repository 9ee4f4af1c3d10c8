/** Types of `file_bytes.js` (a plain module, as the page loads it unchanged). */

import type { FileChunks } from "./common/e2e.js";

/** The SHA-256 of `bytes`, in hex. */
export function sha256Hex(bytes: BufferSource): Promise<string>;
/** A new transfer id: 8 random bytes in hex. */
export function randomId(): string;
/** What follows a transfer's name where it is sealed end to end: `, end-to-end encrypted`. */
export function sealedMark(transfer: { sealed?: boolean }): string;
/** `plain` encrypted with `chunks` piece by piece, each piece into a chunk of CHUNK_BYTES. */
export function sealChunks(plain: Uint8Array, chunks: FileChunks): Promise<Uint8Array<ArrayBuffer>>;
