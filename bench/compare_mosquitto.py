#!/usr/bin/python3
"""dynamq vs Debian's mosquitto, side by side, in one run (see bench/README.md).

For every scenario and broker: start the broker alone on a free loopback port, run the
same loadgen scenario against it, read the broker's CPU seconds (utime+stime of
/proc/PID/stat, all threads) before and after and its RSS, stop it by PID. Scenarios:
QoS 0 and 1 fan-in (50 publishers on their own topics -> one `#`-style subscriber) and
fan-out (1 publisher -> 100 subscribers of its topic), each (a) at unlimited offered load
and (b) at a fixed offered load both brokers sustain (half of the lower max throughput),
for a fair latency comparison. Then the memory tests (compare_memory.py: idle connections
per MQTT version, QoS 1 messages queued for an offline session). Prints Markdown.

Only loopback; every process started here is stopped here, by PID.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import compare_memory  # memory scenarios (same directory)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SCENARIOS = [
    # name, loadgen args, (publishers, deliveries per published message)
    ("fan-in QoS 0", ["-P", "50", "-S", "1", "-q", "0"], 50, 1),
    ("fan-in QoS 1", ["-P", "50", "-S", "1", "-q", "1"], 50, 1),
    ("fan-out QoS 0", ["-P", "1", "-S", "100", "-q", "0", "--sub-filter", "own"], 1, 100),
    ("fan-out QoS 1", ["-P", "1", "-S", "100", "-q", "1", "--sub-filter", "own"], 1, 100),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_times(pid):
    """(user, system) CPU seconds of every thread of pid: fields 14 and 15 of its stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def cpu_seconds(pid):
    return sum(cpu_times(pid))


def rss_kb(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def wait_port(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"broker exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"broker not listening on {port} after {timeout}s")


class Broker:
    """One broker process on a free port; a context manager that stops it by PID."""

    def __init__(self, kind, args, workdir):
        self.kind, self.args, self.workdir = kind, args, workdir
        self.proc = None
        self.port = None

    def pin_prefix(self):
        return ["taskset", "-c", self.args.broker_cpus] if self.args.pin else []

    def __enter__(self):
        log_path = self.workdir / f"{self.kind}.log"
        if self.kind == "dynamq":
            conf = self.workdir / "dynamq.conf"
            ports = self.workdir / "dynamq.ports"
            if ports.exists():
                ports.unlink()
            conf.write_text(
                "listener.tcp.default.bind = 127.0.0.1:0\n"
                f"io_threads = {self.args.dynamq_threads}\n"
                f"mqtt.max_inflight = {self.args.max_inflight}\n"
                f"mqtt.max_queued_messages = {self.args.max_queued}\n"
                "listener.tcp.default.max_connections = 0\n"
                "net.shutdown_timeout = 1s\n"
                "log.level = warn\n")
            cmd = self.pin_prefix() + [self.args.dynamq, "--config", str(conf),
                                       "--ports-file", str(ports)]
            self.proc = subprocess.Popen(cmd, stdout=open(log_path, "w"),
                                         stderr=subprocess.STDOUT, cwd=self.workdir)
            deadline = time.monotonic() + 10
            while not ports.exists():
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dynamq did not start, see {log_path}:\n" +
                                       log_path.read_text()[-2000:])
                time.sleep(0.02)
            self.port = int(ports.read_text().split()[3])
        else:
            self.port = free_port()
            conf = self.workdir / "mosquitto.conf"
            # Same limits as dynamq gets; TCP_NODELAY because mosquitto's default (Nagle on)
            # costs it 40 ms delayed-ACK stalls per QoS 1 window, which would flatter dynamq.
            conf.write_text(
                f"listener {self.port} 127.0.0.1\n"
                "allow_anonymous true\n"
                "max_connections -1\n"
                "set_tcp_nodelay true\n"
                f"max_inflight_messages {self.args.max_inflight}\n"
                f"max_queued_messages {self.args.max_queued}\n"
                "persistence false\n"
                "log_type error\nlog_type warning\n")
            cmd = self.pin_prefix() + [self.args.mosquitto, "-c", str(conf)]
            self.proc = subprocess.Popen(cmd, stdout=open(log_path, "w"),
                                         stderr=subprocess.STDOUT, cwd=self.workdir)
            wait_port(self.port, self.proc)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False


def run_loadgen(args, port, extra, timeout):
    cmd = (["taskset", "-c", args.loadgen_cpus] if args.pin else []) + [
        args.loadgen, "-p", str(port), "--json", "--quiet", "-V", args.mqtt_version,
        "-s", str(args.payload), "-t", str(args.loadgen_threads),
        "--inflight", str(args.publisher_inflight)] + extra
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise RuntimeError(f"loadgen did not stop within {timeout}s: {' '.join(cmd)}")
    wall = time.monotonic() - start
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError(f"loadgen failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    result = json.loads(lines[-1])
    result["loadgen_wall_s"] = wall
    result["loadgen_cmd"] = " ".join(cmd)
    return result


def measure(args, kind, workdir, extra):
    """One loadgen run against a fresh broker; the loadgen result plus broker figures."""
    with Broker(kind, args, workdir) as broker:
        time.sleep(0.2)
        rss_before = rss_kb(broker.pid)
        user_before, sys_before = cpu_times(broker.pid)
        cpu_before = user_before + sys_before
        wall_before = time.monotonic()
        timeout = args.warmup + args.duration + args.drain + 120
        result = run_loadgen(args, broker.port, extra, timeout)
        user_after, sys_after = cpu_times(broker.pid)
        cpu = user_after + sys_after - cpu_before
        result["broker_cpu_s"] = cpu
        result["broker_user_s"] = user_after - user_before
        result["broker_sys_s"] = sys_after - sys_before
        # Share of one CPU the broker got: far below 1 at unlimited load means the machine
        # (other processes) starved it, and msgs/s says more about the machine than the broker.
        result["broker_cpu_share"] = cpu / (time.monotonic() - wall_before)
        result["loadavg"] = Path("/proc/loadavg").read_text().split()[0]
        result["broker_rss_kb"] = rss_kb(broker.pid)
        result["broker_peak_rss_kb"] = rss_kb(broker.pid, "VmHWM")
        result["broker_rss_start_kb"] = rss_before
        delivered = result["delivered"]
        result["cpu_s_per_million"] = cpu / (delivered / 1e6) if delivered else float("inf")
    if not result.get("ok", False):
        log(f"  !! {kind}: errors={result['errors']} lost={result['lost']} "
            f"undelivered={result['undelivered']} "
            f"dup={result['duplicates_or_reordered']} {result['first_error']}")
    log(f"  {kind:9s} delivered {result['delivered_per_s']:>10.0f} msg/s  "
        f"p50 {result['latency_us']['p50']:>9.0f} us  p99 {result['latency_us']['p99']:>9.0f} us"
        f"  cpu {cpu:6.2f} s = {result['cpu_s_per_million']:.2f} s/M ({result['broker_cpu_share']:.0%} "
        f"of a CPU, load {result['loadavg']})  lost {result['lost']}")
    return result


def fmt_rate(x):
    return f"{x:,.0f}"


def us_per(result, key):
    return f"{result[key] / result['delivered'] * 1e6:.1f}" if result["delivered"] else "-"


def verdict(ok):
    return "**met**" if ok else "**MISSED**"


def markdown(args, results, idle):
    if not results:  # --memory-only
        return (f"Machine: {os.cpu_count()} CPUs; load average "
                f"{Path('/proc/loadavg').read_text().split()[0]}\n" +
                (compare_memory.markdown(idle, verdict) if idle else ""))
    out = []
    out.append(f"Machine: {os.cpu_count()} CPUs; broker pinned to CPU {args.broker_cpus}, loadgen to "
               f"CPU {args.loadgen_cpus}" if args.pin else
               f"Machine: {os.cpu_count()} CPUs, no pinning")
    out.append(f"; MQTT {args.mqtt_version}, payload {args.payload} B, {args.warmup} s warm-up + "
               f"{args.duration} s measured per run; dynamq io_threads={args.dynamq_threads}; "
               f"both brokers: max inflight {args.max_inflight}, max queued {args.max_queued}.\n")
    loads = [r[k]["loadavg"] for r in results for k in ("dynamq", "mosquitto")]
    if loads:
        out.append(f"1-minute load average during the runs: {min(loads)} .. {max(loads)} "
                   "(2 CPUs; other work on the machine shares them).\n")
    out.append("| scenario | offered load | dynamq msg/s | mosquitto msg/s | × (≥1.5) "
               "| dynamq CPU s/M msgs | mosquitto CPU s/M msgs | × (≤0.5) "
               "| dynamq p50 / p99 µs | mosquitto p50 / p99 µs "
               "| lost + undelivered at end: dynamq / mosquitto "
               "| verdict |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in results:
        d, m = row["dynamq"], row["mosquitto"]
        tput = d["delivered_per_s"] / m["delivered_per_s"] if m["delivered_per_s"] else float("inf")
        cpu = d["cpu_s_per_million"] / m["cpu_s_per_million"] if m["cpu_s_per_million"] else float("inf")
        notes = []
        if row["fixed"]:
            p99_ok = d["latency_us"]["p99"] <= m["latency_us"]["p99"]
            sustained = all(x["delivered_per_s"] >= 0.95 * row["target"] for x in (d, m))
            notes.append(f"p99 {verdict(p99_ok)}")
            if not sustained:
                notes.append("offered load NOT sustained by both")
        else:
            notes.append(f"msgs/s {verdict(tput >= 1.5)}")
        notes.append(f"CPU {verdict(cpu <= 0.5)}")
        for kind, x in (("dynamq", d), ("mosquitto", m)):
            if row["qos"] == 1 and x["lost"]:
                notes.append(f"{kind} QoS 1 LOSS")
            if row["qos"] == 1 and x["undelivered"]:
                notes.append(f"{kind} QoS 1 backlog not delivered by end of drain")
        if d["errors"]:
            notes.append(f"dynamq errors: {d['first_error']}")
        out.append(
            f"| {row['name']} | {row['offered']} | {fmt_rate(d['delivered_per_s'])} | "
            f"{fmt_rate(m['delivered_per_s'])} | {tput:.2f} | {d['cpu_s_per_million']:.2f} | "
            f"{m['cpu_s_per_million']:.2f} | {cpu:.2f} | "
            f"{d['latency_us']['p50']:,.0f} / {d['latency_us']['p99']:,.0f} | "
            f"{m['latency_us']['p50']:,.0f} / {m['latency_us']['p99']:,.0f} | "
            f"{d['lost']}+{d['undelivered']} / {m['lost']}+{m['undelivered']} | "
            f"{'; '.join(notes)} |")
    out.append("")
    out.append("Broker CPU per delivered message, user + system µs: " + ", ".join(
        f"{r['name']} {'fixed' if r['fixed'] else 'max'}: dynamq "
        f"{us_per(r['dynamq'], 'broker_user_s')} + {us_per(r['dynamq'], 'broker_sys_s')} / "
        f"mosquitto {us_per(r['mosquitto'], 'broker_user_s')} + "
        f"{us_per(r['mosquitto'], 'broker_sys_s')}" for r in results) + ".")
    out.append("")
    out.append("Broker CPU share (CPU seconds / wall seconds of the run; 100% = one full CPU): " +
               ", ".join(f"{r['name']} {'fixed' if r['fixed'] else 'max'}: dynamq "
                         f"{r['dynamq']['broker_cpu_share']:.0%} / mosquitto "
                         f"{r['mosquitto']['broker_cpu_share']:.0%}" for r in results) + ".")
    if idle:
        out.append(compare_memory.markdown(idle, verdict))
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    build = Path(os.environ.get("DYNAMQ_BUILD", ROOT / "build"))
    p.add_argument("--dynamq", default=os.environ.get("DYNAMQ_BIN", str(build / "src/app/dynamq")))
    p.add_argument("--loadgen", default=os.environ.get("LOADGEN_BIN", str(build / "bench/loadgen")))
    p.add_argument("--mosquitto", default="/usr/sbin/mosquitto")
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--drain", type=float, default=5)
    p.add_argument("--payload", type=int, default=64)
    p.add_argument("--mqtt-version", default="3.1.1")
    p.add_argument("--publisher-inflight", type=int, default=16)
    p.add_argument("--max-inflight", type=int, default=20,
                   help="both brokers' outgoing QoS 1 window (mosquitto's default)")
    p.add_argument("--max-queued", type=int, default=1000000,
                   help="both brokers' per-session queue beyond the window: large, so that "
                        "neither drops QoS 1 messages at unlimited load")
    p.add_argument("--fixed-fraction", type=float, default=0.5,
                   help="fixed load = this fraction of the lower of the two max throughputs")
    p.add_argument("--idle", type=int, default=10000, help="idle connections; 0 skips the test")
    p.add_argument("--idle-versions", default="3.1.1,5",
                   help="MQTT versions of the idle-connection test, comma-separated")
    p.add_argument("--queued", type=int, default=100000,
                   help="QoS 1 messages queued for an offline session (memory test); 0 skips")
    p.add_argument("--memory-only", action="store_true",
                   help="only the memory tests (idle connections, queued messages)")
    p.add_argument("--only", default="", help="run only scenarios whose name contains this")
    p.add_argument("--no-pin", dest="pin", action="store_false",
                   help="do not pin the broker and loadgen to separate CPUs")
    p.add_argument("--broker-cpus", default="0")
    p.add_argument("--loadgen-cpus", default="1")
    p.add_argument("--dynamq-threads", type=int, default=None,
                   help="dynamq io_threads (default: 1 when pinned to one CPU, else 2)")
    p.add_argument("--loadgen-threads", type=int, default=2,
                   help="loadgen io threads; >= 2 puts subscribers and publishers on "
                        "separate loops (both on the loadgen CPU when pinned)")
    p.add_argument("--json-out", default="", help="also write every raw result here")
    args = p.parse_args()
    if args.dynamq_threads is None:
        args.dynamq_threads = len(args.broker_cpus.split(",")) if args.pin else 2
    for path in (args.dynamq, args.loadgen, args.mosquitto):
        if not os.access(path, os.X_OK):
            sys.exit(f"not executable: {path} (build first: bench/compare_mosquitto.sh does)")
    if args.pin and not shutil.which("taskset"):
        sys.exit("taskset not found (util-linux); use --no-pin")

    # 10,000 connections need 10,000+ descriptors in the broker and in the loadgen.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 1 << 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if args.idle and want < args.idle + 100:
        log(f"warning: open files limit {want} is below {args.idle} connections")

    workdir = Path(tempfile.mkdtemp(prefix="dynamq-bench-"))
    timing = ["-w", str(args.warmup), "-d", str(args.duration), "--drain", str(args.drain)]
    results = []
    for name, extra, publishers, fanout in SCENARIOS:
        if args.memory_only or (args.only and args.only not in name):
            continue
        qos = int(extra[extra.index("-q") + 1])
        log(f"== {name}, unlimited offered load")
        row = {"name": name, "qos": qos, "fixed": False, "offered": "unlimited"}
        for kind in ("dynamq", "mosquitto"):
            row[kind] = measure(args, kind, workdir, extra + timing)
        results.append(row)
        lower = min(row["dynamq"]["delivered_per_s"], row["mosquitto"]["delivered_per_s"])
        target = max(lower * args.fixed_fraction, 100.0)
        rate = target / (publishers * fanout)
        log(f"== {name}, fixed offered load {target:,.0f} deliveries/s ({rate:,.1f}/s per publisher)")
        fixed = {"name": name, "qos": qos, "fixed": True, "target": target,
                 "offered": f"{target:,.0f}/s ({rate:,.0f}/s × {publishers} pub)"}
        for kind in ("dynamq", "mosquitto"):
            fixed[kind] = measure(args, kind, workdir, extra + timing + ["-r", f"{rate:.3f}"])
        results.append(fixed)

    idle = None
    if (args.idle or args.queued) and not args.only:
        idle = compare_memory.run(sys.modules[__name__], args, workdir)

    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"scenarios": results, "idle": idle}, indent=1))
    print(markdown(args, results, idle))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
