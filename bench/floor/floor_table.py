#!/usr/bin/python3
"""The floor at fixed load: floor_bench results vs the brokers' CPU per message (README).

Reads one or more floor_bench JSON files (--benchmark_out) and compare_mosquitto.py
--json-out files, and prints two Markdown tables: the measured primitives, and per
fixed-load scenario the per-delivery floor next to 0.5 × mosquitto's measured CPU.

  floor_table.py --floor f1.json f2.json --compare fanout.json fanin.json \
      [--profiles prof_*.json]
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
    p.add_argument("--profiles", nargs="*", help="profile_fixed.py --json-out files")
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

    send100 = mean("SendToSleepingReader/sockets:100/msgs_per_write:1/gap_us:0")
    nowait = mean("SendNoWaiter/gap_us:0")
    ack100 = mean("ReadPubacks/sockets:100")
    round100 = mean("FanOutQos1Round/sockets:100/gap_us:0")
    recv1 = mean("RecvQueuedPubacks/pubacks_per_recv:1/gap_us:0")
    recv10 = mean("RecvQueuedPubacks/pubacks_per_recv:10/gap_us:0")
    fanin = mean("FanInQos1Round")
    send1 = mean("SendToSleepingReader/sockets:1/msgs_per_write:1/gap_us:0")
    ack1 = mean("ReadPubacks/sockets:1")
    wake = send1 - nowait  # extra cost of a send that must wake the sleeping reader
    sleep = ack1 - recv1  # extra cost of an epoll_wait that sleeps until data arrives
    print(f"Derived: a send that wakes the reader costs {wake:.2f} µs more than one that does "
          f"not ({send1:.2f} - {nowait:.2f}); an epoll_wait that sleeps until the PUBACK comes "
          f"costs {sleep:.2f} µs more than a recv of a queued one ({ack1:.2f} - {recv1:.2f}). "
          f"PUBACKs answering a burst of 100 cost {ack100:.2f} µs each; one recv of 10 queued "
          f"PUBACKs {recv10:.2f} µs per PUBACK (the floors use 0.1 × {recv1:.2f}).")
    cold = {n: mean(n) for n in ("SendNoWaiter/gap_us:7500", "RecvQueuedPubacks/pubacks_per_recv:1/gap_us:7500",
                                  "SendToSleepingReader/sockets:100/msgs_per_write:1/gap_us:7500")
            if n in runs}
    if len(cold) == 3:
        c_send, c_recv, c_send100 = cold.values()
        print(f"After 7.5 ms asleep (gap_us:7500, caches cold): a send that wakes nobody costs "
              f"{c_send:.2f} µs (+{c_send - nowait:.2f}), a recv of a queued PUBACK {c_recv:.2f} "
              f"µs (+{c_recv - recv1:.2f}); spread over a burst of 100 sends: {c_send100:.2f} µs "
              f"per write (+{c_send100 - send100:.2f}) — a cost per wake-up of the broker, not "
              "per send.")
    print()

    # Sleeps per delivered message in the profiled runs (fewest of the two brokers' runs):
    # loadgen's minus one per published message (its publisher thread sleeps until the next
    # scheduled send), and the broker's own.
    sleeps = {}
    for path in a.profiles or []:
        r = json.load(open(path))
        lg = max(0.0, (r["loadgen_sleeps"] - r["published"]) / r["delivered"])
        br = r["broker_sleeps"] / r["delivered"]
        old = sleeps.get(r["scenario"], (lg, br))
        sleeps[r["scenario"]] = (min(old[0], lg), min(old[1], br))

    # Per delivered message: sends, eager PUBACK recvs, lazy PUBACK recvs (a recv per 10),
    # recvs of the PUBLISH from the publisher.
    ops = {"fan-out QoS 0": (1, 0, 0, 0.01), "fan-out QoS 1": (1, 1, 0.1, 0.01),
           "fan-in QoS 1": (2, 1, 0.1, 1)}
    rounds = {"fan-out QoS 0": send100, "fan-out QoS 1": round100, "fan-in QoS 1": fanin}
    print("| fixed-load scenario | offered | load1 d / m | dynamq µs/msg (user + sys) "
          "| mosquitto µs/msg (user + sys) | 0.5 × m | sleeps/msg loadgen, broker "
          "| floor, eager µs (÷ m) | floor, lazy PUBACKs µs (÷ m) | no-wake-up bound µs (÷ m) "
          "| floor_bench round µs (÷ m) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, (sends, eager, lazy, reads) in ops.items():
        if name not in fixed:
            continue
        d, m = fixed[name]["dynamq"], fixed[name]["mosquitto"]
        mos = per_msg(m)
        base = sends * nowait + reads * recv1
        bound = base + lazy * recv1
        cells = []
        if name in sleeps:
            lg, br = sleeps[name]
            cells.append(f"{lg:.3f}, {br:.3f}")
            cells.append(base + eager * recv1 + lg * wake + br * sleep)
            cells.append(base + lazy * recv1 + lg * wake + min(br, reads) * sleep)
        else:
            cells += ["—", None, None]
        cells += [bound, rounds[name]]
        text = " | ".join(c if isinstance(c, str) else "—" if c is None else
                          f"{c:.2f} ({c / mos:.2f})" for c in cells)
        print(f"| {name} | {fixed[name]['offered']} | {d['loadavg']} / {m['loadavg']} | "
              f"{per_msg(d):.2f} ({per_msg(d, 'broker_user_s'):.1f} + "
              f"{per_msg(d, 'broker_sys_s'):.1f}) = {per_msg(d) / mos:.2f}× | {mos:.2f} "
              f"({per_msg(m, 'broker_user_s'):.1f} + {per_msg(m, 'broker_sys_s'):.1f}) | "
              f"{mos / 2:.2f} | {text} |")
    print()
    print(f"floor = sends × {nowait:.2f} + PUBACK recvs × {recv1:.2f} (lazy: 0.1 per delivery) "
          f"+ PUBLISH recvs × {recv1:.2f} + loadgen sleeps × {wake:.2f} + broker sleeps × "
          f"{sleep:.2f} (lazy: at most one per PUBLISH read); bound: the same without sleeps. "
          "Rounds: fan-out QoS 0 = SendToSleepingReader/100, fan-out QoS 1 = "
          "FanOutQos1Round/100, fan-in QoS 1 = FanInQos1Round (one message alone).")


if __name__ == "__main__":
    main()
