#!/usr/bin/env bash
# Paired p99 samples of one fixed-load scenario, dynamq then mosquitto in each round, pinned
# like compare_mosquitto.py (broker on CPU 0 with io_threads = 1, loadgen on CPU 1):
#   bench/p99_fanout_ab.sh [ROUNDS=6] [RATE=485] [SUBSCRIBERS=100] [QOS=0]
# Default: fan-out QoS 0 at 485 publishes/s × 100 subscribers = 48,500 deliveries/s, the load
# at which the full comparison's single p99 samples flipped (bench/README.md, "Verdict").
# Prints one line per run: round, broker, loadgen's p50/p90/p99 in µs. Every process it
# starts is stopped by PID.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DYNAMQ_BUILD:-$root/build}"
rounds="${1:-6}" rate="${2:-485}" subs="${3:-100}" qos="${4:-0}"
work="$(mktemp -d /tmp/dynamq-p99ab.XXXXXX)"
broker=""
trap '[[ -n "$broker" ]] && kill "$broker" 2>/dev/null; rm -rf "$work"' EXIT

free_port() {
  /usr/bin/python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}
wait_port() {
  for _ in $(seq 1 200); do
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "broker did not listen on $1" >&2
  return 1
}

for round in $(seq 1 "$rounds"); do
  for kind in dynamq mosquitto; do
    rm -f "$work/ports"
    if [[ "$kind" == dynamq ]]; then
      cat >"$work/dynamq.conf" <<CONF
listener.tcp.default.bind = 127.0.0.1:0
io_threads = 1
mqtt.max_inflight = 20
mqtt.max_queued_messages = 1000000
listener.tcp.default.max_connections = 0
log.level = warn
CONF
      taskset -c 0 "$build/src/app/dynamq" --config "$work/dynamq.conf" --ports-file "$work/ports" \
        >"$work/broker.log" 2>&1 &
      broker=$!
      for _ in $(seq 1 200); do [[ -s "$work/ports" ]] && break; sleep 0.05; done
      port="$(awk '$1 == "tcp" {print $4; exit}' "$work/ports")"
    else
      port="$(free_port)"
      printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_connections -1\nset_tcp_nodelay true\nmax_inflight_messages 20\nmax_queued_messages 1000000\npersistence false\nlog_type error\n' \
        "$port" >"$work/mosquitto.conf"
      taskset -c 0 /usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
      broker=$!
    fi
    wait_port "$port"
    result="$(taskset -c 1 "$build/bench/loadgen" -p "$port" -P 1 -S "$subs" -q "$qos" -r "$rate" \
      -d 10 --threads 2 2>&1 | grep -o 'p50 [0-9]* p90 [0-9]* p99 [0-9]*' || echo 'no result')"
    echo "$round $kind $result"
    kill "$broker"
    wait "$broker" 2>/dev/null || true
    broker=""
  done
done
