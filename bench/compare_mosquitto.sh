#!/usr/bin/env bash
# One command: build dynamq and loadgen (Release) and compare dynamq with Debian's mosquitto
# in one run; prints a Markdown table (progress on stderr). Extra arguments go to
# compare_mosquitto.py (e.g. --duration 5 --idle 0 --only "fan-in"; --help lists them).
#   bench/compare_mosquitto.sh [args...]
# DYNAMQ_BUILD selects the build directory (default: build/ in the repository).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DYNAMQ_BUILD:-$root/build}"
if [[ ! -x /usr/sbin/mosquitto ]]; then
  echo "mosquitto is not installed: run scripts/setup first" >&2
  exit 1
fi
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
fi
ninja -C "$build" dynamq loadgen >&2
# Room for 10,000 idle connections in the broker and in the load generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
DYNAMQ_BUILD="$build" exec /usr/bin/python3 "$root/bench/compare_mosquitto.py" "$@"
