/**
 * Every wire the server speaks, by what `sniff` calls it.
 *
 * @module
 */

import { CHAT1_WIRE } from "./chat1.ts";
import { JSON_WIRE } from "./json.ts";
import type { Wire } from "./wire.ts";

/** The wires, by the name `sniff` gives them. */
export const WIRES: Readonly<Record<"json" | "chat1", Wire>> = {
  json: JSON_WIRE,
  chat1: CHAT1_WIRE,
};
