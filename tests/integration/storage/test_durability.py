"""Durability: the DynamoDB engine stopped for 10 s during a publish burst (async mode), and
a broker killed with SIGKILL mid-burst (sync mode)."""

import threading
import time

import paho.mqtt.client as paho

from broker.clients import V311, Client
from harness import free_port, wait_until

from .conftest import Engine, Storage


def payloads(storage):
    return {i["payload"]["S"] for i in storage.scan("mqtt_msg")}


def test_engine_down_for_10s_during_a_burst_loses_nothing(engine, tmp_path, broker_factory):
    # A private engine with its data on disk, so it can be restarted on the same port.
    own = Engine(engine.kind, data_dir=tmp_path / "data", port=free_port())
    try:
        storage = Storage(own, "down_")
        broker = broker_factory(engine_override=own, storage_override=storage)
        pub = Client(broker, "burst", version=V311)
        pub.connect()
        total = 300
        sent = []

        def burst():
            for i in range(total):
                pub.publish("burst/t", f"b{i}".encode(), qos=1, wait=True)
                sent.append(i)
                time.sleep(0.03)

        t = threading.Thread(target=burst)
        t.start()
        wait_until(lambda: len(sent) >= 50, 30, message="burst under way")
        own.stop()
        down_at = time.monotonic()
        # The fault itself lasts 10 s (the scenario, not a wait for a condition); publishing
        # goes on meanwhile and PUBACKs keep coming in async mode.
        while time.monotonic() - down_at < 10:
            time.sleep(0.5)
        assert len(sent) > 60, "publishers were blocked while DynamoDB was down"
        own.start()
        t.join(timeout=120)
        assert len(sent) == total
        wait_until(lambda: len(payloads(storage)) == total, 180, message="every message stored")
        assert payloads(storage) == {f"b{i}" for i in range(total)}
        stats = broker.stats()
        assert stats["storage.failed"] == "0" and stats["storage.dropped"] == "0"
        assert int(stats["storage.retried"]) > 0
        pub.stop()
    finally:
        own.stop()


def test_sync_mode_sigkill_loses_no_acknowledged_message(broker_factory, storage):
    broker = broker_factory(write_mode="sync")
    acked = {}
    lock = threading.Lock()
    c = paho.Client(client_id="durable", protocol=paho.MQTTv311)
    mids = {}

    def on_publish(client, userdata, mid):
        with lock:
            if mid in mids:
                acked[mid] = mids[mid]

    c.on_publish = on_publish
    c.connect(broker.host, broker.port, 60)
    c.loop_start()
    try:
        for i in range(2000):
            with lock:
                info = c.publish("sync/t", f"s{i}".encode(), qos=1)
                mids[info.mid] = f"s{i}"
            if i == 150:
                wait_until(lambda: len(acked) >= 50, 30, message="50 PUBACKs")
                broker.proc.kill()  # SIGKILL mid-burst
                break
        with lock:
            confirmed = set(acked.values())
        assert len(confirmed) >= 50
        stored = payloads(storage)
        missing = confirmed - stored
        assert not missing, f"PUBACKed but not stored: {sorted(missing)[:10]}"
        ids = set((storage.get("mqtt_topic_msg_map", topic="sync/t") or {}).get("MsgId", {}).get("SS", []))
        stored_ids = {i["msgid"]["S"] for i in storage.scan("mqtt_msg") if i["payload"]["S"] in confirmed}
        assert stored_ids <= ids
    finally:
        c.loop_stop()
