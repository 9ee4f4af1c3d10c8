/**
 * A user connected to another node of the cluster, as this node's core knows it: a member like
 * any other, but the bus, not a connection, delivers to it.
 *
 * @module
 */

import type { KeyBundle } from "../../protocol.ts";
import type { Member } from "../core/types.ts";

/** What the other nodes are told of a user when it registers. */
export interface RemoteInfo {
  nickname: string;
  clientID?: string;
  extensions: string[];
  /** Its public key bundle for end-to-end messages, once published. */
  bundle?: KeyBundle;
}

/** A member of another node. */
export class RemoteMember implements Member {
  readonly remote = true;
  readonly ip = "";
  readonly port = 0;
  readonly closing = false;
  account: string | undefined = undefined;
  nickname: string | undefined;
  clientID: string | undefined;
  extensions: ReadonlySet<string>;
  /** The id of its node. */
  readonly node: string;

  /** The member `info` of node `node`. */
  constructor(node: string, info: RemoteInfo) {
    this.node = node;
    this.nickname = info.nickname;
    this.clientID = info.clientID;
    this.extensions = new Set(info.extensions);
  }
}
