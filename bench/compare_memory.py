"""Memory scenarios of compare_mosquitto.py (see bench/README.md, "Memory").

idle:   N connections CONNECT (clean session, keep alive 600 s) and then only hold; the
        broker's RSS once all are up (+2 s to settle) minus its RSS before, per connection.
        Once per MQTT version asked for.
queued: one persistent session (clean session 0, QoS 1 subscription) goes offline, then one
        publisher sends N QoS 1 messages to its topic; RSS after minus RSS before, per
        message. The session then reconnects and the messages it gets are counted, so a
        broker that dropped them cannot look cheap.

Every process started here is stopped here, by PID.
"""
import json
import shutil
import signal
import subprocess
import time


def _log(msg):
    import sys
    print(msg, file=sys.stderr, flush=True)


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def idle_memory(cm, args, kind, workdir, version):
    with cm.Broker(kind, args, workdir) as broker:
        time.sleep(0.5)
        baseline = cm.rss_kb(broker.pid)
        cmd = (["taskset", "-c", args.loadgen_cpus] if args.pin else []) + [
            args.loadgen, "-p", str(broker.port), "--idle", str(args.idle), "--hold", "60",
            "-V", version, "--connect-concurrency", "50", "--quiet",
            "--timeout", "120", "-k", "600"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()  # printed once every connection is up (or failed)
            status = json.loads(line) if line.startswith("{") else {"connected": 0}
            time.sleep(2.0)  # let the broker settle (lazy allocations, freed handshakes)
            after = cm.rss_kb(broker.pid)
            connected = status.get("connected", 0)
        finally:
            _stop(proc)
    per_conn = (after - baseline) / connected if connected else float("nan")
    _log(f"  {kind:9s} MQTT {version}: {connected} idle connections: RSS {baseline} -> {after} kB"
         f" = {per_conn:.2f} kB/connection")
    return {"version": version, "baseline_kb": baseline, "rss_kb": after, "connected": connected,
            "requested": args.idle, "kb_per_connection": per_conn,
            "first_error": status.get("first_error", "")}


def _sub_cmd(args, port, client_id, topic, extra):
    # mosquitto_sub: an independent client; -c = clean session 0 (a persistent session).
    return ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-V", "mqttv311", "-c",
            "-i", client_id, "-q", "1", "-t", topic] + extra


def queued_memory(cm, args, kind, workdir):
    n = args.queued
    with cm.Broker(kind, args, workdir) as broker:
        client_id = f"memq{broker.port}"
        prefix = f"memq/{broker.port}"
        topic = f"{prefix}/0"  # loadgen publisher 0 publishes to <prefix>/0
        # Create the session and its subscription, then go offline (-E: exit after SUBACK).
        subprocess.run(_sub_cmd(args, broker.port, client_id, topic, ["-E"]), check=True,
                       timeout=30, capture_output=True)
        time.sleep(0.5)
        baseline = cm.rss_kb(broker.pid)
        # loadgen needs a subscriber: it takes a topic nobody publishes to.
        result = cm.run_loadgen(args, broker.port, ["-P", "1", "-S", "1", "-q", "1", "-n", str(n),
                                                    "--sub-filter", f"{prefix}/nobody",
                                                    "--topic-prefix", prefix, "--drain", "0"],
                                timeout=600)
        time.sleep(2.0)
        after = cm.rss_kb(broker.pid)
        # Count what the session gets on reconnecting: one "x" line per message.
        got = subprocess.run(_sub_cmd(args, broker.port, client_id, topic,
                                      ["-C", str(n), "-W", "120", "-F", "x"]),
                             timeout=180, capture_output=True, text=True)
        received = got.stdout.count("x")
    acked = result.get("acked", 0)
    per_msg = (after - baseline) * 1024 / acked if acked else float("nan")
    _log(f"  {kind:9s} {acked} QoS 1 messages queued for an offline session: RSS {baseline} -> "
         f"{after} kB = {per_msg:.0f} B/message; {received} delivered on reconnect")
    return {"baseline_kb": baseline, "rss_kb": after, "acked": acked, "requested": n,
            "bytes_per_message": per_msg, "received_on_reconnect": received,
            "payload": args.payload}


def run(cm, args, workdir):
    out = {"idle": [], "queued": None}
    if args.idle:
        for version in args.idle_versions.split(","):
            _log(f"== memory: {args.idle} idle connections, MQTT {version}")
            out["idle"].append({kind: idle_memory(cm, args, kind, workdir, version)
                                for kind in ("dynamq", "mosquitto")})
    if args.queued:
        if not shutil.which("mosquitto_sub"):
            _log("mosquitto_sub not found: skipping the queued-message memory test")
        else:
            _log(f"== memory: {args.queued} QoS 1 messages queued for an offline session")
            out["queued"] = {kind: queued_memory(cm, args, kind, workdir)
                             for kind in ("dynamq", "mosquitto")}
    return out


def markdown(mem, verdict):
    out = []
    if mem["idle"]:
        out.append("")
        out.append("| MQTT | idle connections | dynamq RSS base → loaded | dynamq kB/conn "
                   "| mosquitto RSS base → loaded | mosquitto kB/conn | verdict |")
        out.append("|---|---:|---:|---:|---:|---:|---|")
        for row in mem["idle"]:
            d, m = row["dynamq"], row["mosquitto"]
            ok = d["kb_per_connection"] <= m["kb_per_connection"]
            out.append(f"| {d['version']} | {d['connected']:,} / {m['connected']:,} | "
                       f"{d['baseline_kb']:,} → {d['rss_kb']:,} kB | "
                       f"{d['kb_per_connection']:.2f} | {m['baseline_kb']:,} → {m['rss_kb']:,} kB | "
                       f"{m['kb_per_connection']:.2f} | RSS/conn {verdict(ok)} |")
    q = mem["queued"]
    if q:
        d, m = q["dynamq"], q["mosquitto"]
        out.append("")
        out.append("| queued QoS 1 messages (offline session) | dynamq RSS base → loaded | dynamq B/msg "
                   "| mosquitto RSS base → loaded | mosquitto B/msg | delivered on reconnect d / m |")
        out.append("|---:|---:|---:|---:|---:|---:|")
        out.append(f"| {d['acked']:,} / {m['acked']:,} ({d['payload']} B payload) | "
                   f"{d['baseline_kb']:,} → {d['rss_kb']:,} kB | {d['bytes_per_message']:.0f} | "
                   f"{m['baseline_kb']:,} → {m['rss_kb']:,} kB | {m['bytes_per_message']:.0f} | "
                   f"{d['received_on_reconnect']:,} / {m['received_on_reconnect']:,} |")
    return "\n".join(out)
