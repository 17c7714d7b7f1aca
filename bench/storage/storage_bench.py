#!/usr/bin/python3
"""Storage benchmark (issue 4 item 8): QoS 1 messages/s through dynamq with storage off,
async and sync, and DynamoDB requests per stored message, in one run.

  /usr/bin/python3 bench/storage/storage_bench.py --dynamq BUILD/src/app/dynamq \
      --loadgen BUILD/bench/loadgen [--engine local|dynalite] [--duration 10] [--publishers 8]

For each mode it starts a DynamoDB engine-backed dynamq (scripts/dynamodb, fresh prefixed
tables made by `dynamq tables create`), runs bench/loadgen (QoS 1 publishers, no
subscribers: every message is stored and none consumed), waits until the writer has
flushed everything, and reads the counters with `dynamq ctl stats`:
  storage.write_requests  BatchWriteItem + UpdateItem calls of the message writer
  storage.dynamo_requests every HTTP request of the plugin's clients (retries included)
  storage.stored          messages in mqtt_msg and in their topic's MsgId set
The seed's per-message cost is one PutItem + one UpdateItem = 2 requests per message.
"""

import argparse
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "etc" / "plugins" / "dynamo.conf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    sys.exit(f"timed out waiting for {what}")


def stats(args, admin):
    out = subprocess.run([args.dynamq, "ctl", "--admin", admin, "stats"], capture_output=True,
                         text=True, check=True).stdout
    return {m.group(1): m.group(2) for m in re.finditer(r"^(\S+) = (\S+)$", out, re.M)}


def run_mode(args, engine_url, mode, workdir):
    prefix = f"b{uuid.uuid4().hex[:8]}_"
    plugin_conf = workdir / f"dynamo-{mode}.conf"
    text = SEED.read_text().replace("http://localhost:8000", engine_url)
    text += f"\nbackend.dynamo.table_prefix = {prefix}\n"
    text += f"backend.dynamo.write_mode = {'sync' if mode == 'sync' else 'async'}\n"
    text += f"backend.dynamo.max_ids_per_topic = {args.max_ids}\n"
    plugin_conf.write_text(text)
    if mode != "off":
        subprocess.run([args.dynamq, "tables", "create", "--config", str(plugin_conf)], check=True,
                       capture_output=True)
    admin = f"127.0.0.1:{free_port()}"
    conf = workdir / f"dynamq-{mode}.conf"
    ports = workdir / f"ports-{mode}"
    conf.write_text("listener.tcp.default.bind = 127.0.0.1:0\nlog.level = warn\n"
                    f"io_threads = {args.io_threads}\n"
                    f"plugins.dynamo = {'off' if mode == 'off' else 'on'}\n"
                    f"plugins.dynamo.config = {plugin_conf}\nadmin.bind = {admin}\n")
    log = open(workdir / f"dynamq-{mode}.log", "wb")
    broker = subprocess.Popen([args.dynamq, "--config", str(conf), "--ports-file", str(ports)],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        port = wait(lambda: ports.exists() and ports.read_text().strip() and
                    int(ports.read_text().split()[-1]), 20, "dynamq")
        started = time.monotonic()
        lg = subprocess.run([args.loadgen, "-p", str(port), "-V", "3.1.1", "-P", str(args.publishers),
                             "-S", "1", "--sub-filter", "bench-nobody/#", "--drain", "1", "-q", "1", "--inflight", str(args.inflight), "-s", "64",
                             *(["-n", str(args.count)] if args.count else ["-d", str(args.duration), "-w", "1"]),
                             "--json", "--quiet"],
                            capture_output=True, text=True, timeout=args.duration + 120)
        if lg.returncode != 0:
            sys.exit(f"loadgen failed: {lg.stderr}")
        result = json.loads(lg.stdout.strip().splitlines()[-1])
        elapsed = time.monotonic() - started
        rate = result.get("published_per_s") or 0
        if not rate:
            # --count runs report no rate: messages over the loadgen run's wall time
            # (connection set-up included, so a slight underestimate).
            rate = result["published"] / elapsed
        row = {"mode": mode, "published": result["published"], "published_per_s": round(rate)}
        if mode != "off":
            s = wait(lambda: (x := stats(args, admin)) and x.get("storage.pending_writes") == "0" and x,
                     600, "the writer to flush")
            stored = int(s["storage.stored"])
            row.update(stored=stored, trimmed=int(s["storage.trimmed"]), write_requests=int(s["storage.write_requests"]),
                       dynamo_requests=int(s["storage.dynamo_requests"]),
                       failed=int(s["storage.failed"]), retried=int(s["storage.retried"]))
            row["write_requests_per_msg"] = round(row["write_requests"] / max(stored, 1), 4)
            row["dynamo_requests_per_msg"] = round(row["dynamo_requests"] / max(stored, 1), 4)
        return row
    finally:
        broker.terminate()
        broker.wait(timeout=60)
        log.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dynamq", required=True)
    p.add_argument("--loadgen", required=True)
    p.add_argument("--engine", default="local", choices=["local", "dynalite"])
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--publishers", type=int, default=8)
    p.add_argument("--count", type=int, default=5000,
                   help="messages per publisher (0: run --duration seconds instead)")
    p.add_argument("--inflight", type=int, default=32)
    p.add_argument("--max-ids", type=int, default=1000, help="backend.dynamo.max_ids_per_topic")
    p.add_argument("--io-threads", type=int, default=2)
    p.add_argument("--modes", default="off,async,sync")
    args = p.parse_args()
    out = subprocess.run([str(ROOT / "scripts" / "dynamodb"), "start", args.engine, "0"],
                         capture_output=True, text=True, check=True).stdout.split()
    pid, port = out[0], out[1]
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for mode in args.modes.split(","):
                rows.append(run_mode(args, f"http://127.0.0.1:{port}", mode, Path(tmp)))
                print(json.dumps(rows[-1]), flush=True)
    finally:
        subprocess.run([str(ROOT / "scripts" / "dynamodb"), "stop", pid], capture_output=True)
    amount = f"{args.count} messages each" if args.count else f"{args.duration} s"
    print(f"\nengine {args.engine}, {args.publishers} QoS 1 publishers x {args.inflight} in flight, "
          f"64-byte payloads, {amount} per mode")
    print(f"{'mode':6} {'msg/s':>9} {'stored':>9} {'trimmed':>8} {'writer req/msg':>15} {'all req/msg':>12}")
    for r in rows:
        print(f"{r['mode']:6} {r['published_per_s']:>9} {r.get('stored', '-'):>9} {r.get('trimmed', '-'):>8} "
              f"{r.get('write_requests_per_msg', '-'):>15} {r.get('dynamo_requests_per_msg', '-'):>12}")


if __name__ == "__main__":
    main()
