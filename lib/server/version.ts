/**
 * The server's version, as its metrics report it (`chat_build_info`).
 *
 * @module
 */

/** The server's version: raise it with each release. */
export const VERSION = "0.25.0";
