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
  /** Its nickname, as it registered or renamed itself. */
  nickname: string;
  /** The client ID it registered with, if any. */
  clientID?: string;
  /** The extensions its client speaks. */
  extensions: string[];
  /** Its public key bundle for end-to-end messages, once published. */
  bundle?: KeyBundle;
}

/** A member of another node. */
export class RemoteMember implements Member {
  /** Always true: another node serves it. */
  readonly remote = true;
  /** Empty: its address is its node's to know. */
  readonly ip = "";
  /** 0: its address is its node's to know. */
  readonly port = 0;
  /** Never: its node says when it leaves. */
  readonly closing = false;
  /** Unknown here: its login is its node's to check. */
  account: string | undefined = undefined;
  /** Its nickname, as its node last said. */
  nickname: string | undefined;
  /** The client ID it registered with, if any. */
  clientID: string | undefined;
  /** The extensions its client speaks. */
  extensions: ReadonlySet<string>;
  /** The id of its node. */
  readonly node: string;
  /**
   * The rooms its node says it is in, by room key: kept here too, so that a member that waits for
   * its name (held here by a user who has not yet been found gone) enters them when it can.
   */
  readonly rooms: Map<string, string> = new Map();

  /** The member `info` of node `node`. */
  constructor(node: string, info: RemoteInfo) {
    this.node = node;
    this.nickname = info.nickname;
    this.clientID = info.clientID;
    this.extensions = new Set(info.extensions);
  }
}
