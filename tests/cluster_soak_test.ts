/**
 * The cluster under faults, with real processes: a `redis-server` and three nodes, clients on
 * every node saying numbered lines, while a node is killed with -9 and restarted, Redis is killed
 * and restarted, and a node is stopped with SIGTERM and restarted (`lib/tools/soak.ts`; `deno
 * task soak` runs a longer one).
 */

import assert from "node:assert/strict";
import { soak } from "../lib/tools/soak.ts";
import { formatReport } from "../lib/tools/soak_report.ts";
import { processTest, tempDir } from "../lib/tools/testing.ts";

processTest(
  "through a node killed, Redis restarted and a node stopped, every line said outside the faults " +
    "arrives once and in order, and those said while Redis was away arrive late",
  async () => {
    using dir = tempDir();
    const report = await soak({
      nodes: 3,
      clientsPerNode: 3,
      rate: 5,
      nodeTimeoutSeconds: 3,
      seconds: 50,
      dir: dir.path,
      // The killed node is back before its lease has run out: its users come back on it while
      // the other nodes still know them on the node of before.
      faults: [
        { at: 6, kind: "kill", node: 2, down: 1 },
        { at: 18, kind: "redis", down: 4 },
        { at: 33, kind: "term", node: 1, down: 1 },
      ],
    });
    console.log(formatReport(report));
    assert.ok(report.outside.expected > 5000, "lines were said outside the faults");
    assert.equal(report.outside.delivered, report.outside.expected);
    assert.ok(report.whileRedisAway.expected > 0, "lines were said while Redis was away");
    assert.equal(report.whileRedisAway.delivered, report.whileRedisAway.expected);
    assert.equal(report.duplicated, 0);
    assert.equal(report.reordered, 0);
    assert.equal(report.disconnectedAtEnd, 0);
  },
);
