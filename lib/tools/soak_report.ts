/**
 * What a soak of the cluster found (`soak.ts` runs it): from every line said and every line each
 * client received, the deliveries outside the fault windows and while Redis was away,
 * duplicates, lines out of order, how long each fault took to heal, and the table of deliveries
 * by 10-second window and by (sender's node, receiver's node).
 *
 * @module
 */

/** A fault: at `at` seconds, for `down` seconds. */
export interface Fault {
  /** When it starts, in seconds from the start of the soak. */
  at: number;
  /** What happens: a node killed with -9, a node stopped with SIGTERM, or Redis killed. */
  kind: "kill" | "term" | "redis";
  /** The node (its index) that is killed or stopped. */
  node?: number;
  /** How long until the node or Redis is started again, in seconds. */
  down: number;
}

/** Deliveries expected, and made. */
export interface Deliveries {
  /** How many were expected. */
  expected: number;
  /** How many were made. */
  delivered: number;
}

/** One line said: by which client, its number, on which node, when (ms from the start). */
export interface Said {
  /** The client that said it. */
  sender: number;
  /** Its number among that client's lines, from 1. */
  seq: number;
  /** The index of the client's node. */
  node: number;
  /** When it was said, in ms from the start. */
  at: number;
}

/** What the report needs of a client of the soak. */
export interface ClientRecord {
  /** Its number among the clients. */
  readonly index: number;
  /** The index of its node. */
  readonly node: number;
  /** Lines received: by sender, the numbers in the order they came, and when (ms). */
  readonly received: ReadonlyMap<number, readonly { seq: number; at: number }[]>;
  /** When it was registered: [from, to] in ms from the start (`to` undefined while it is). */
  readonly registered: readonly (readonly [number, number | undefined])[];
  /** Whether it was registered at `ms`. */
  registeredAt(ms: number): boolean;
}

/** What a soak ran: its nodes, how long, its faults and the nodes' timeout. */
export interface SoakPlan {
  /** Nodes of the cluster. */
  nodes: number;
  /** Seconds of saying lines. */
  seconds: number;
  /** The faults, in order. */
  faults: Fault[];
  /** The nodes' `--node-timeout`, in seconds. */
  nodeTimeoutSeconds: number;
}

/** What a soak found. */
export interface SoakReport {
  /** The fault windows, in seconds from the start: each fault until timeout + 5 s after it. */
  windows: { fault: Fault; from: number; to: number }[];
  /** Deliveries of lines said outside the fault windows, to every other client. */
  outside: Deliveries;
  /** Deliveries of lines said while Redis was away, to the clients registered then (late). */
  whileRedisAway: Deliveries;
  /** Lines received more than once. */
  duplicated: number;
  /** Lines received after a later line of the same sender. */
  reordered: number;
  /** Clients not registered at the end. */
  disconnectedAtEnd: number;
  /** Delivery latency of lines said outside the fault windows, 99th percentile (ms). */
  p99Ms: number;
  /**
   * Seconds from each fault's end until it healed: every client it cut off registered again, and
   * every pair of nodes delivered again (undefined: never); and how late the latest line said in
   * its window arrived, in seconds.
   */
  healedAfter: { fault: Fault; seconds: number | undefined; latestSeconds: number }[];
  /** The table of deliveries by 10-second window and pair of nodes, as text. */
  table: string;
}

/** What happens in a fault, in words. */
export function describe(fault: Fault): string {
  if (fault.kind === "redis") return "Redis killed";
  const how = fault.kind === "kill" ? "killed (-9)" : "stopped (SIGTERM)";
  return `node ${nodeName(fault.node!)} ${how}`;
}

/** A node's letter: A, B, C... */
function nodeName(index: number): string {
  return String.fromCharCode(65 + index);
}

/** Each line's deliveries (by `"<sender> <seq>"`: receiver → when), duplicates, reorders. */
function deliveries(clients: readonly ClientRecord[]) {
  const heard = new Map<string, Map<number, number>>();
  let duplicated = 0;
  let reordered = 0;
  for (const receiver of clients) {
    for (const [sender, lines] of receiver.received) {
      let last = 0;
      for (const { seq, at } of lines) {
        const key = `${sender} ${seq}`;
        let receivers = heard.get(key);
        if (receivers === undefined) heard.set(key, receivers = new Map());
        if (receivers.has(receiver.index)) duplicated++;
        else receivers.set(receiver.index, at);
        if (seq < last) reordered++;
        last = Math.max(last, seq);
      }
    }
  }
  return { heard, duplicated, reordered };
}

/** Works out what the soak found. */
export function report(
  options: SoakPlan,
  said: Said[],
  clients: readonly ClientRecord[],
  disconnectedAtEnd: number,
): SoakReport {
  const settle = options.nodeTimeoutSeconds + 5;
  const windows = options.faults.map((fault) => ({
    fault,
    from: fault.at,
    to: fault.at + fault.down + settle,
  }));
  const inWindow = (ms: number) => windows.some((w) => ms >= w.from * 1000 && ms < w.to * 1000);
  const redisAway = (ms: number) =>
    options.faults.some((f) =>
      f.kind === "redis" && ms >= f.at * 1000 && ms < (f.at + f.down) * 1000
    );
  const { heard, duplicated, reordered } = deliveries(clients);
  const outside = { expected: 0, delivered: 0 };
  const whileRedisAway = { expected: 0, delivered: 0 };
  const latencies: number[] = [];
  // By 10-second window and pair of nodes: [expected, delivered].
  const cells = new Map<string, [number, number]>();
  for (const line of said) {
    const receivers = heard.get(`${line.sender} ${line.seq}`) ?? new Map<number, number>();
    const counted = !inWindow(line.at);
    const late = redisAway(line.at);
    for (const client of clients) {
      if (client.index === line.sender) continue;
      const got = receivers.get(client.index);
      if (counted) {
        outside.expected++;
        if (got !== undefined) {
          outside.delivered++;
          latencies.push(got - line.at);
        }
      }
      const registered = client.registeredAt(line.at);
      if (late && registered) {
        whileRedisAway.expected++;
        if (got !== undefined) whileRedisAway.delivered++;
      }
      if (!registered && got === undefined) continue;
      const cell = `${Math.floor(line.at / 10_000)} ${line.node} ${client.node}`;
      const counts = cells.get(cell) ?? [0, 0];
      counts[0]++;
      if (got !== undefined) counts[1]++;
      cells.set(cell, counts);
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    windows,
    outside,
    whileRedisAway,
    duplicated,
    reordered,
    disconnectedAtEnd,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    healedAfter: options.faults.map((fault, i) => ({
      fault,
      seconds: healed(fault, options.faults[i + 1]?.at ?? options.seconds, said, heard, clients),
      latestSeconds: latest(windows[i], said, heard) / 1000,
    })),
    table: table(options, windows, cells),
  };
}

/**
 * Seconds from `fault`'s end until it healed, for good (until `until`): every client it cut off
 * registered again, and lines of every pair of nodes reach every receiver registered when they
 * were said. Undefined if that never came.
 */
function healed(
  fault: Fault,
  until: number,
  said: Said[],
  heard: Map<string, Map<number, number>>,
  clients: readonly ClientRecord[],
): number | undefined {
  const start = fault.at * 1000;
  const end = (fault.at + fault.down) * 1000;
  // Those it cut off (their connection ended while it lasted), back when they registered again.
  let back = end;
  for (const client of clients) {
    const cut = client.registered.some(([from, to]) =>
      from < start && to !== undefined && to >= start && to < end
    );
    if (!cut) continue;
    const again = client.registered.find(([from]) => from >= start);
    if (again === undefined || again[0] >= until * 1000) return undefined;
    back = Math.max(back, again[0]);
  }
  // The last line said after the fault that some registered receiver did not get (but those of
  // the last second before the next fault, which that fault may take).
  const lines = said.filter((line) => line.at >= end && line.at < (until - 1) * 1000);
  let lastMissed = end;
  for (const line of lines) {
    const receivers = heard.get(`${line.sender} ${line.seq}`);
    const missed = clients.some((client) =>
      client.index !== line.sender && !receivers?.has(client.index) &&
      client.registeredAt(line.at)
    );
    if (missed) lastMissed = line.at;
  }
  const lastSaid = lines.reduce((latest, line) => Math.max(latest, line.at), end);
  if (lines.length > 0 && lastMissed >= lastSaid) return undefined;
  return (Math.max(back, lastMissed) - end) / 1000;
}

/** How late the latest delivery of a line said in `window` arrived (ms). */
function latest(
  window: { from: number; to: number },
  said: Said[],
  heard: Map<string, Map<number, number>>,
): number {
  let latest = 0;
  for (const line of said) {
    if (line.at < window.from * 1000 || line.at >= window.to * 1000) continue;
    for (const at of heard.get(`${line.sender} ${line.seq}`)?.values() ?? []) {
      latest = Math.max(latest, at - line.at);
    }
  }
  return latest;
}

/** The table of deliveries by 10-second window and pair of nodes, in percent. */
function table(
  options: SoakPlan,
  windows: { from: number; to: number }[],
  cells: Map<string, [number, number]>,
): string {
  const names = Array.from({ length: options.nodes }, (_, i) => nodeName(i));
  const pairs = names.flatMap((a, i) => names.map((b, j) => ({ name: a + b, i, j })));
  const lines = [`${"t".padStart(6)}  ${pairs.map((pair) => pair.name.padStart(5)).join(" ")}`];
  for (let slot = 0; slot * 10 < options.seconds; slot++) {
    const faulty = windows.some((w) => w.from < (slot + 1) * 10 && w.to > slot * 10);
    const row = pairs.map(({ i, j }) => {
      const [expected, delivered] = cells.get(`${slot} ${i} ${j}`) ?? [0, 0];
      return (expected === 0 ? "-" : String(Math.floor(delivered / expected * 100))).padStart(5);
    });
    lines.push(`${String((slot + 1) * 10).padStart(5)}${faulty ? "*" : " "}  ${row.join(" ")}`);
  }
  return lines.join("\n");
}

/** `report`, in words and the table, as `deno task soak` prints it. */
export function formatReport(report: SoakReport): string {
  const percent = ({ expected, delivered }: Deliveries) =>
    `${delivered} of ${expected} (${
      expected === 0 ? "-" : (delivered / expected * 100).toFixed(2)
    }%)`;
  return [
    report.table,
    "",
    "* a fault in that window (until --node-timeout + 5 s after it ended)",
    `outside the fault windows: ${percent(report.outside)} delivered, p99 ` +
    `${report.p99Ms.toFixed(0)} ms`,
    `said while Redis was away: ${percent(report.whileRedisAway)} delivered (late)`,
    `duplicated: ${report.duplicated}, out of order: ${report.reordered}, ` +
    `clients not connected at the end: ${report.disconnectedAtEnd}`,
    ...report.healedAfter.map(({ fault, seconds, latestSeconds }) =>
      `${describe(fault)}: healed (everyone back, every pair delivering) ` +
      (seconds === undefined ? "never" : `${seconds.toFixed(1)} s after it was back`) +
      `; the latest line said meanwhile arrived ${latestSeconds.toFixed(1)} s late`
    ),
  ].join("\n");
}
