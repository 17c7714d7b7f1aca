#!/usr/bin/python3
"""The floor at fixed load: floor_bench results vs the brokers' CPU per message (README).

Reads one or more floor_bench JSON files (--benchmark_out) and compare_mosquitto.py
--json-out files, and prints two Markdown tables: the measured primitives, and per
fixed-load scenario the per-delivery floor next to 0.5 × mosquitto's measured CPU.

  floor_table.py --floor f1.json f2.json --compare fanout.json fanin.json
"""
import argparse
import json
import re
import statistics


def load_floor(paths):
    """{short name: [(mean µs/op, median µs/op, load1), ...] one per file}."""
    runs = {}
    for path in paths:
        for b in json.load(open(path))["benchmarks"]:
            name = re.sub(r"/iterations:\d+|/manual_time", "", b["name"]).removeprefix("BM_")
            runs.setdefault(name, []).append(
                (b["cpu_us_per_op"], b["median_us_per_op"], b["load1"]))
    return runs


def load_fixed(paths):
    """{scenario: fixed-load row of compare_mosquitto.py}."""
    rows = {}
    for path in paths:
        for row in json.load(open(path))["scenarios"]:
            if row["fixed"]:
                rows[row["name"]] = row
    return rows


def per_msg(result, key="broker_cpu_s"):
    return result[key] / result["delivered"] * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--floor", nargs="+", required=True)
    p.add_argument("--compare", nargs="+", required=True)
    a = p.parse_args()
    runs = load_floor(a.floor)
    fixed = load_fixed(a.compare)

    def mean(name):  # mean over the floor_bench runs of the mean µs per op
        return statistics.mean(r[0] for r in runs[name])

    print("| floor_bench | µs per op, mean (each run) | µs per op, median (each run) | load1 |")
    print("|---|---:|---:|---:|")
    for name, rs in runs.items():
        print(f"| {name} | {' / '.join(f'{r[0]:.2f}' for r in rs)} | "
              f"{' / '.join(f'{r[1]:.2f}' for r in rs)} | "
              f"{' / '.join(f'{r[2]:.1f}' for r in rs)} |")
    print()

    send100 = mean("SendToSleepingReader/sockets:100/msgs_per_write:1")
    nowait = mean("SendNoWaiter")
    ack100 = mean("ReadPubacks/sockets:100")
    round100 = mean("FanOutQos1Round/sockets:100")
    recv1 = mean("RecvQueuedPubacks/pubacks_per_recv:1")
    recv10 = mean("RecvQueuedPubacks/pubacks_per_recv:10")
    fanin = mean("FanInQos1Round")
    # scenario: [(column, µs or None, recipe)] — None: no such floor for this scenario.
    floors = {
        "fan-out QoS 0": [
            ("eager", send100, "one send per delivery to 100 sockets whose reader thread "
                               "sleeps in epoll_wait (SendToSleepingReader/100), per write"),
            ("lazy", send100, "the same (no PUBACKs at QoS 0)"),
            ("bound", nowait, "a send that wakes nobody (SendNoWaiter)")],
        "fan-out QoS 1": [
            ("eager", round100, f"FanOutQos1Round/100: send + PUBACKs read as they arrive "
                                f"(the parts measured alone: {send100:.2f} + {ack100:.2f})"),
            ("lazy", send100 + recv10, "SendToSleepingReader/100 + one recv per 10 queued "
                                       "PUBACKs (RecvQueuedPubacks/10)"),
            ("bound", nowait + recv10, "SendNoWaiter + RecvQueuedPubacks/10")],
        "fan-in QoS 1": [
            ("eager", None, f"none: one message alone (FanInQos1Round, {fanin:.1f} µs) costs "
                            "more than both brokers spend per message in the run, where "
                            "wake-ups are shared between messages"),
            ("lazy", None, "none (see eager)"),
            ("bound", recv1 + nowait + recv10 + nowait / 10,
             "recv of the PUBLISH (RecvQueuedPubacks/1) + its send to the subscriber "
             "(SendNoWaiter) + 1/10 of a recv of 10 PUBACKs + 1/10 of a PUBACK send")],
    }
    print("| fixed-load scenario | offered | load1 d / m | dynamq µs/msg (user + sys) "
          "| mosquitto µs/msg (user + sys) | 0.5 × mosquitto "
          "| eager floor µs (÷ mosquitto) | lazy-PUBACK floor µs (÷ m) "
          "| no-wake-up bound µs (÷ m) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, cols in floors.items():
        if name not in fixed:
            continue
        d, m = fixed[name]["dynamq"], fixed[name]["mosquitto"]
        mos = per_msg(m)
        cells = " | ".join("—" if v is None else f"{v:.2f} ({v / mos:.2f})" for _, v, _ in cols)
        print(f"| {name} | {fixed[name]['offered']} | {d['loadavg']} / {m['loadavg']} | "
              f"{per_msg(d):.2f} ({per_msg(d, 'broker_user_s'):.1f} + "
              f"{per_msg(d, 'broker_sys_s'):.1f}) = {per_msg(d) / mos:.2f}× | {mos:.2f} "
              f"({per_msg(m, 'broker_user_s'):.1f} + {per_msg(m, 'broker_sys_s'):.1f}) | "
              f"{mos / 2:.2f} | {cells} |")
    print()
    for name, cols in floors.items():
        print(f"* {name}: " + "; ".join(f"{label}: {recipe}" for label, _, recipe in cols) + ".")


if __name__ == "__main__":
    main()
