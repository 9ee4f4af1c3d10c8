/**
 * A cluster node's console events: joined at start, the link to Redis lost and restored, a node
 * gone, and the problems the bus meets (each said once, not at every message).
 *
 * @module
 */

import { type EventKind, eventKind } from "../common/log_event.ts";
import { eventLine } from "../core/console_lines.ts";

/** This server joined `cluster` (its Redis, as shown) as node `node`, one of `nodes`. */
export const CLUSTER_JOINED: EventKind<{ cluster: string; node: string; nodes: number }> =
  eventKind(
    "cluster_joined",
    "info",
    (f) =>
      `Cluster ${f.cluster} joined as node ${f.node} (${f.nodes} node${f.nodes === 1 ? "" : "s"})`,
  );

/** The link to Redis was lost, for `reason`; the node keeps trying. */
export const CLUSTER_LINK_LOST: EventKind<{ reason: string }> = eventKind(
  "cluster_link_lost",
  "warn",
  (f) => `Cluster link lost: ${f.reason}; retrying`,
);

/** The link to Redis is back. */
export const CLUSTER_LINK_RESTORED: EventKind<Record<never, never>> = eventKind(
  "cluster_link_restored",
  "info",
  () => "Cluster link restored",
);

/** Node `node` is gone (its lease ran out), with its users. */
export const CLUSTER_NODE_GONE: EventKind<{ node: string }> = eventKind(
  "cluster_node_gone",
  "warn",
  (f, time) => eventLine(time, `cluster: node ${f.node} is gone`),
);

/** The bus met `problem` (a message it could not read, a nickname it could not free...). */
export const CLUSTER_PROBLEM: EventKind<{ problem: string }> = eventKind(
  "cluster_problem",
  "warn",
  (f, time) => eventLine(time, `cluster: ${f.problem}`),
);
