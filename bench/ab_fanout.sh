#!/usr/bin/env bash
# ab_fanout.sh - compare.sh's fanout workload against several builds of our server, interleaved
# run by run so that the machine's drift falls on all of them alike; prints medians.
#
# Usage: bench/ab_fanout.sh [--reps N] <label> <folder> <command> [<label> <folder> <command> ...]
#   <command> runs in <folder> (its chat-data/ is removed first); {port} is replaced.
# Example (the store's cost, issue 9), with clones of the commit before and of this one:
#   bench/ab_fanout.sh --reps 8 \
#     before /tmp/before "deno run -A ChatServer.ts {port} --max-rate 0" \
#     sqlite /tmp/after  "deno run -A ChatServer.ts {port} --max-rate 0" \
#     memory /tmp/after  "deno run --allow-net ChatServer.ts {port} --max-rate 0"
set -uo pipefail
BENCH=$(cd "$(dirname "$0")/../../shared/bench" 2>/dev/null && pwd) ||
  { echo "ab_fanout.sh: ../shared/bench (compare.sh's load generator) not found" >&2; exit 2; }
REPS=8
if [ "${1:-}" = "--reps" ]; then REPS=$2; shift 2; fi
[ $(($# % 3)) -eq 0 ] && [ $# -gt 0 ] || { sed -n 2,11p "$0"; exit 2; }
OUT=$(mktemp /tmp/ab_fanout.XXXXXX.jsonl)
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
run() { # label folder command
  local port pid
  port=$(free_port)
  (cd "$2" && rm -rf chat-data && exec taskset -c 1 bash -c "exec ${3//\{port\}/$port}") >/dev/null 2>&1 </dev/null &
  pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
  taskset -c 0 node "$BENCH/chatload.mjs" --proto json --port "$port" --clients 100 --senders 10 \
    --messages 2000 --size 64 --connect-concurrency 100 --timeout 90 --server-pid "$pid" \
    --label "$1" --out "$OUT" >/dev/null 2>&1
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}
for _ in $(seq 1 "$REPS"); do
  args=("$@")
  while [ ${#args[@]} -gt 0 ]; do run "${args[0]}" "${args[1]}" "${args[2]}"; args=("${args[@]:3}"); done
done
node - "$OUT" <<'JS'
const rows = require("fs").readFileSync(process.argv[2], "utf8").trim().split("\n").map(JSON.parse);
const by = {};
for (const r of rows) (by[r.label] ??= []).push(r);
const med = (xs) => { xs = xs.slice().sort((a, b) => a - b); return xs[(xs.length - 1) >> 1]; };
console.log("| build | runs | server CPU us per delivery (median) | p99 ms | peak RSS MiB | lost |");
console.log("|---|---|---|---|---|---|");
for (const [label, rs] of Object.entries(by)) {
  const cpu = med(rs.map((r) => (r.serverCpuPct / 100) / r.throughput * 1e6));
  const p99 = med(rs.map((r) => r.latencyMs.p99));
  const rss = med(rs.map((r) => r.serverRssKB.peak / 1024));
  const lost = rs.reduce((a, r) => a + (r.lost || 0), 0);
  console.log(`| ${label} | ${rs.length} | ${cpu.toFixed(3)} | ${p99.toFixed(1)} | ${rss.toFixed(1)} | ${lost} |`);
}
JS
