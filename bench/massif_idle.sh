#!/usr/bin/env bash
# Heap breakdown of dynamq holding N idle connections (default 2,000), with valgrind massif:
#   bench/massif_idle.sh [N] [MQTT version: 3.1.1|5]
# Starts dynamq (build/, or DYNAMQ_BUILD) under massif on a free loopback port, opens N idle
# connections with loadgen (clean session, keep alive 600 s), takes a detailed snapshot
# (vgdb) once they are all established and idle, stops everything it started (by PID) and
# prints that snapshot's top allocation sites (ms_print). The raw files stay in the printed
# directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DYNAMQ_BUILD:-$root/build}"
n="${1:-2000}"
version="${2:-3.1.1}"
work="$(mktemp -d /tmp/dynamq-massif.XXXXXX)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cat >"$work/dynamq.conf" <<EOF
listener.tcp.default.bind = 127.0.0.1:0
io_threads = 1
listener.tcp.default.max_connections = 0
net.shutdown_timeout = 1s
log.level = warn
EOF
valgrind --tool=massif --depth=30 --threshold=0.5 --massif-out-file="$work/massif.out" \
  "$build/src/app/dynamq" --config "$work/dynamq.conf" --ports-file "$work/ports" \
  >"$work/dynamq.log" 2>&1 &
broker=$!
trap 'kill "$broker" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  [[ -s "$work/ports" ]] && break
  sleep 0.1
done
port="$(awk '$1 == "tcp" {print $4; exit}' "$work/ports")"
"$build/bench/loadgen" -p "$port" --idle "$n" --hold 12 -V "$version" -k 600 \
  --connect-concurrency 50 --quiet --timeout 300 >"$work/loadgen.out" &
loadgen=$!
trap 'kill "$broker" "$loadgen" 2>/dev/null || true' EXIT
# Once all N are established (and a second for the last CONNACKs), ask massif for a
# detailed snapshot of that moment (vgdb): the heap's peak can be the connect burst
# (pending writes and their timers), not the idle state.
for _ in $(seq 1 600); do
  est="$(ss -Htn state established "( sport = :$port )" | wc -l)"
  [[ "$est" -ge "$n" ]] && break
  sleep 0.1
done
sleep 1
vgdb --pid="$broker" detailed_snapshot "$work/held.massif" >/dev/null
wait "$loadgen"
cat "$work/loadgen.out" >&2
kill -TERM "$broker"
wait "$broker" || true
trap - EXIT
echo "massif output: $work/massif.out; snapshot while held: $work/held.massif" >&2
ms_print "$work/held.massif"
