#!/usr/bin/python3
"""Profile one pinned broker at a fixed offered load (bench/README.md, "The floor at fixed load").

Starts the broker exactly as compare_mosquitto.py does (same config, pinned to CPU 0), runs
the same loadgen scenario at `--rate` messages/s per publisher (pinned to CPU 1), and meanwhile
`perf record -e cpu-clock` on the broker's PID. Prints the broker's user/system CPU per
delivered message (/proc/PID/stat), perf's split by DSO (kernel vs user space) and the top
symbols of the user-space part and of the whole.

  bench/floor/profile_fixed.py --scenario "fan-out QoS 1" --rate 108 [--kind mosquitto]

Only loopback; the broker, loadgen and perf are stopped here, by PID.
"""
import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import compare_mosquitto as cm  # noqa: E402  (Broker, run_loadgen, SCENARIOS)


def perf_report(data, sort, extra=()):
    out = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children",
                          "--sort", sort, "--percent-limit", "0.5", *extra],
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.strip() and not line.startswith("#")]


def voluntary_switches(pid):
    """Voluntary context switches (sleeps) of every thread of pid."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    build = Path(os.environ.get("DYNAMQ_BUILD", cm.ROOT / "build"))
    p.add_argument("--scenario", default="fan-out QoS 1",
                   choices=[name for name, *_ in cm.SCENARIOS])
    p.add_argument("--rate", type=float, required=True, help="messages/s per publisher")
    p.add_argument("--kind", default="dynamq", choices=["dynamq", "mosquitto"])
    p.add_argument("--dynamq", default=str(build / "src/app/dynamq"))
    p.add_argument("--loadgen", default=str(build / "bench/loadgen"))
    p.add_argument("--mosquitto", default="/usr/sbin/mosquitto")
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--json-out", default="", help="also write the counts here")
    a = p.parse_args()
    # The settings compare_mosquitto.py uses by default (pinned, one io thread).
    args = argparse.Namespace(
        dynamq=a.dynamq, loadgen=a.loadgen, mosquitto=a.mosquitto, pin=True, broker_cpus="0",
        loadgen_cpus="1", dynamq_threads=1, max_inflight=20, max_queued=1000000,
        mqtt_version="3.1.1", payload=64, loadgen_threads=2, publisher_inflight=16)
    extra = next(e for name, e, *_ in cm.SCENARIOS if name == a.scenario)
    timing = ["-w", str(a.warmup), "-d", str(a.duration), "--drain", "5", "-r", f"{a.rate:.3f}"]
    workdir = Path(tempfile.mkdtemp(prefix="dynamq-profile-"))
    data = workdir / "perf.data"
    with cm.Broker(a.kind, args, workdir) as broker:
        perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "2000", "-g",
                                 "-o", str(data), "-p", str(broker.pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        user0, sys0 = cm.cpu_times(broker.pid)
        broker_sleeps0 = voluntary_switches(broker.pid)
        # loadgen is the only child reaped in between: its voluntary context switches (each
        # one a sleep, then a wake-up, mostly by the broker's sends) over the whole run.
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = cm.run_loadgen(args, broker.port, extra + timing, a.warmup + a.duration + 120)
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        user1, sys1 = cm.cpu_times(broker.pid)
        broker_sleeps = voluntary_switches(broker.pid) - broker_sleeps0
        perf.send_signal(signal.SIGINT)
        perf.wait(timeout=60)
    delivered = result["delivered"]
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"{a.kind}, {a.scenario} at {a.rate:g} msgs/s per publisher: delivered {delivered} "
          f"({result['delivered_per_s']:.0f}/s), load average {load}")
    print(f"broker CPU per delivered message: user {(user1 - user0) / delivered * 1e6:.2f} µs + "
          f"system {(sys1 - sys0) / delivered * 1e6:.2f} µs = "
          f"{(user1 - user0 + sys1 - sys0) / delivered * 1e6:.2f} µs")
    nvcsw = children1.ru_nvcsw - children0.ru_nvcsw
    print(f"loadgen (all threads, whole run incl. warm-up and set-up): {nvcsw} voluntary "
          f"context switches, {result['published']} published, {delivered} delivered: "
          f"{nvcsw / delivered:.3f} sleeps per delivered message")
    print(f"broker: {broker_sleeps} voluntary context switches: "
          f"{broker_sleeps / delivered:.3f} sleeps per delivered message")
    if a.json_out:
        Path(a.json_out).write_text(json.dumps({
            "scenario": a.scenario, "kind": a.kind, "rate": a.rate, "loadavg": load,
            "delivered": delivered, "published": result["published"],
            "loadgen_sleeps": nvcsw, "broker_sleeps": broker_sleeps,
            "broker_user_s": user1 - user0, "broker_sys_s": sys1 - sys0}))
    print("\nperf samples by DSO:")
    print("\n".join(perf_report(data, "dso", ["-g", "none"])[:8]))
    # Kernel entry points with their callees (kernel call chains are exact; user-space ones
    # are not used here): how the system time splits between the syscalls.
    print("\nsyscalls (self + children, share of all samples):")
    syscalls = [line for line in perf_report(data, "sym", ["--children", "-g", "none"])
                if re.search(r"\] (__x64_sys_|__sys_|ksys_)", line)]
    print("\n".join(syscalls[:12]))
    print(f"\ntop {a.top} symbols (self):")
    print("\n".join(perf_report(data, "dso,sym", ["-g", "none"])[:a.top]))
    print(f"\n(perf data kept in {data})")


if __name__ == "__main__":
    main()
