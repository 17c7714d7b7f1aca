#!/usr/bin/env bash
# "The floor at fixed load" (bench/README.md) in one session: floor_bench, the fixed-load
# comparison (fan-out QoS 0/1, fan-in QoS 1), floor_bench again, perf profiles of both
# brokers at the three fixed loads (sleeps of loadgen and broker per delivery), then the tables.
# The 1-minute load average is logged every 15 s to OUT/loadavg.log.
#   bench/floor/floor_session.sh [OUT_DIR]      (builds dynamq, loadgen, floor_bench first)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${DYNAMQ_BUILD:-$root/build}"
out="${1:-$(mktemp -d /tmp/floor-session-XXXXXX)}"
mkdir -p "$out"
if ! command -v perf >/dev/null; then
  echo "perf not found: install Debian's linux-perf (the profiles need it)" >&2
  exit 1
fi
(cd "$root" && bash scripts/build release dynamq loadgen floor_bench >&2)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

(while true; do echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 15; done) \
  >"$out/loadavg.log" &
logger=$!
trap 'kill "$logger" 2>/dev/null || true' EXIT

floor() { "$build/bench/floor_bench" --benchmark_out="$out/$1" --benchmark_out_format=json \
            --benchmark_counters_tabular=true >&2; }
compare() { DYNAMQ_BUILD="$build" /usr/bin/python3 "$root/bench/compare_mosquitto.py" \
              --only "$1" --json-out "$out/$2" >"$out/${2%.json}.md"; }
rate() {  # messages/s per publisher of the fixed-load row of scenario $2 in $1
  /usr/bin/python3 -c 'import json,sys
rows=[r for r in json.load(open(sys.argv[1]))["scenarios"] if r["fixed"] and r["name"]==sys.argv[2]]
r=rows[0]; print(r["target"]/(50 if r["name"].startswith("fan-in") else 100))' "$1" "$2"; }
profile() { DYNAMQ_BUILD="$build" /usr/bin/python3 "$root/bench/floor/profile_fixed.py" \
              --scenario "$1" --rate "$2" --kind "$3" --json-out "$out/prof_$4.json" \
              >"$out/prof_$4.txt" 2>&1; }

floor floor1.json
compare "fan-out" fanout.json
compare "fan-in QoS 1" fanin.json
floor floor2.json
for kind in dynamq mosquitto; do
  profile "fan-out QoS 1" "$(rate "$out/fanout.json" "fan-out QoS 1")" $kind fanout_q1_$kind
  profile "fan-out QoS 0" "$(rate "$out/fanout.json" "fan-out QoS 0")" $kind fanout_q0_$kind
  profile "fan-in QoS 1" "$(rate "$out/fanin.json" "fan-in QoS 1")" $kind fanin_q1_$kind
done

/usr/bin/python3 "$root/bench/floor/floor_table.py" --floor "$out/floor1.json" "$out/floor2.json" \
  --compare "$out/fanout.json" "$out/fanin.json" --profiles "$out"/prof_*.json | tee "$out/floor_table.md"
echo "results in $out" >&2
