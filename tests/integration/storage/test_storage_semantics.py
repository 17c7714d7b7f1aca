"""Storage guarantees beyond the seed's examples (issue 4 item 7)."""

import os
import signal
import subprocess
import threading
import time

import paho.mqtt.client as paho
import pytest

from broker.clients import V5, V311, Client
from harness import wait_until

from .conftest import Engine


def marker_after(client, publisher, topic, qos=1):
    """Publishes a marker and returns what the client received up to it (absence checks
    without sleeping: anything redelivered would arrive before the marker)."""
    publisher.publish(topic, b"marker", qos=qos)
    got = client.until(lambda m: m.payload == b"marker", timeout=10)
    return [m.payload for m in got[:-1]]


def pub_after(broker):
    pub = Client(broker, "marker-writer", version=V311)
    pub.connect()
    return pub


def stored_ids(storage, topic):
    item = storage.get("mqtt_topic_msg_map", topic=topic) or {}
    return item.get("MsgId", {}).get("SS", [])


def test_offline_client_gets_exactly_its_unacked_messages_in_order_once(broker_factory, storage):
    broker = broker_factory()
    a = Client(broker, "reader", version=V311)
    a.connect()
    a.subscribe("q/t", qos=1)
    pub = Client(broker, "writer", version=V311)
    pub.connect()
    pub.publish("q/t", b"m0", qos=1)
    assert a.get().payload == b"m0"  # acked: consumed
    a.disconnect()
    for i in range(1, 6):
        pub.publish("q/t", f"m{i}".encode(), qos=1)
    wait_until(lambda: len(stored_ids(storage, "q/t")) == 5, 10, message="5 stored ids")
    a = Client(broker, "reader", version=V311)
    a.connect()
    a.subscribe("q/t", qos=1)
    got = [m.payload for m in a.get_n(5, timeout=10)]
    assert got == [f"m{i}".encode() for i in range(1, 6)]
    wait_until(lambda: not stored_ids(storage, "q/t"), 10, message="all consumed")
    # A second SUBSCRIBE, and a reconnect + subscribe, deliver nothing again.
    a.subscribe("q/t", qos=1)
    assert marker_after(a, pub, "q/t") == []
    wait_until(lambda: not stored_ids(storage, "q/t"), 10, message="marker consumed")
    a.disconnect()
    a = Client(broker, "reader", version=V311)
    a.connect()
    a.subscribe("q/t", qos=1)
    assert marker_after(a, pub, "q/t") == []
    a.stop()
    pub.stop()


def test_broker_restart_keeps_retained_and_stored_messages(broker_factory, storage):
    broker = broker_factory()
    pub = Client(broker, "writer", version=V311)
    pub.connect()
    pub.publish("keep/retained", b"r", qos=1, retain=True)
    pub.publish("keep/stored", b"s", qos=1)
    wait_until(lambda: storage.get("mqtt_retain", topic="keep/retained")
               and stored_ids(storage, "keep/stored"), 10, message="writes")
    pub.stop()
    broker.proc.stop()
    broker = broker_factory()
    sub = Client(broker, "after-restart", version=V311)
    sub.connect()
    sub.subscribe("keep/retained", qos=1)
    m = sub.get(timeout=10)
    assert (m.topic, m.payload, m.retain) == ("keep/retained", b"r", True)
    sub.subscribe("keep/stored", qos=1)
    m = sub.get(timeout=10)
    assert (m.topic, m.payload) == ("keep/stored", b"s")
    sub.stop()


def test_wildcard_subscription_fetches_every_matching_topic(broker_factory, storage):
    broker = broker_factory()
    pub = Client(broker, "writer", version=V311)
    pub.connect()
    pub.publish("w/1/x", b"one", qos=1)
    pub.publish("w/2/x", b"two", qos=1)
    pub.publish("w/2/y", b"other", qos=1)
    pub.publish("w/3/x", b"kept", qos=1, retain=True)
    wait_until(lambda: len(storage.scan("mqtt_msg")) == 4 and storage.get("mqtt_retain", topic="w/3/x"),
               10, message="stored")
    wait_until(lambda: len(stored_ids(storage, "w/3/x")) == 1, 10, message="w/3/x id stored")
    broker.proc.stop()  # the in-memory retained message is gone: it must come from DynamoDB
    broker = broker_factory()
    sub = Client(broker, "wild", version=V311)
    sub.connect()
    sub.subscribe("w/+/x", qos=1)
    got = sub.get_n(3, timeout=10)
    stored = sorted(m.payload for m in got if not m.retain)
    retained = [m.payload for m in got if m.retain]
    # w/3/x's message is stored (QoS 1) and retained: delivered once, as the retained one.
    assert retained == [b"kept"]
    assert stored == [b"one", b"two"]
    assert marker_after(sub, pub_after(broker), "w/9/x") == []
    sub.stop()


def test_takeover_does_not_mark_the_client_offline(broker_factory, storage):
    broker = broker_factory()
    first = Client(broker, "twin", version=V311)
    first.connect()
    wait_until(lambda: (r := storage.get("mqtt_client", clientid="twin")) and r["connect_state"]["N"] == "1",
               10, message="online")
    epoch1 = storage.get("mqtt_client", clientid="twin")["conn_epoch"]
    second = Client(broker, "twin", version=V311)
    second.connect()
    first.wait_disconnected()
    first.stop()  # paho would reconnect on its own and take the session back
    # The old connection's disconnect and the new one's connect are written in hook order
    # (per client id). Connect first: the disconnect's condition fails (logged); disconnect
    # first: the connect then marks it online. Either way the row ends online with the new
    # connection's epoch.
    wait_until(lambda: storage.get("mqtt_client", clientid="twin")["conn_epoch"] != epoch1, 10,
               message="the new connection's row")
    wait_until(lambda: "'twin' has a newer connection" in broker.log()
               or "client 'twin'" in broker.log(), 10, message="the takeover in the log")
    row = storage.get("mqtt_client", clientid="twin")
    assert row["connect_state"] == {"N": "1"} and row["offline_at"] == {"N": "0"}
    second.disconnect()
    wait_until(lambda: storage.get("mqtt_client", clientid="twin")["connect_state"]["N"] == "0", 10,
               message="offline after the last connection ends")
    first.stop()


def test_non_utf8_payload_round_trip(broker_factory, storage):
    broker = broker_factory()
    payload = b"\xff\xfe\x00\x01binary\xc3"
    pub = Client(broker, "writer", version=V5)
    pub.connect()
    pub.publish("bin/t", payload, qos=1)
    item = wait_until(lambda: storage.scan("mqtt_msg"), 10, message="stored")[0]
    assert item["payload"] == {"B": payload}
    sub = Client(broker, "reader", version=V5)
    sub.connect()
    sub.subscribe("bin/t", qos=1)
    assert sub.get(timeout=10).payload == payload
    pub.stop()
    sub.stop()


def test_payload_over_the_item_limit_is_refused(broker_factory, storage):
    broker = broker_factory()
    pub = Client(broker, "big", version=V5)
    pub.connect()
    # paho 1.6 does not expose a PUBACK's reason code: the broker's log shows the 0x97 it
    # sent, and the flow completes (no disconnect).
    info = pub.publish("big/t", b"x" * (420 * 1024), qos=1)
    broker.proc.wait_for_log("over DynamoDB's 400 KB: not stored", 10)
    broker.proc.wait_for_log("refused by a hook: 0x97", 10)
    wait_until(lambda: broker.stats().get("storage.refused_too_large") == "1", 10,
               message="refused counter")
    # A normal message right after is stored: the connection is fine.
    pub.publish("big/t", b"small", qos=1)
    items = wait_until(lambda: storage.scan("mqtt_msg"), 10, message="small stored")
    assert [i["payload"] for i in items] == [{"S": "small"}]
    assert info.rc == paho.MQTT_ERR_SUCCESS
    pub.stop()


def test_ctl_loads_and_unloads_the_plugin_at_runtime(broker_factory, storage):
    broker = broker_factory(plugin=False)
    assert "dynamo  not loaded" in broker.ctl("plugins", "list").stdout
    pub = Client(broker, "writer", version=V311)
    pub.connect()
    pub.publish("rt/t", b"before", qos=1)
    out = broker.ctl("plugins", "load", "emqx_backend_dynamo")
    assert out.stdout.strip() == "Plugin dynamo loaded successfully."
    assert "dynamo  loaded" in broker.ctl("plugins", "list").stdout
    assert broker.ctl("plugins", "load", "dynamo", check=False).returncode == 1
    for i in range(50):
        pub.publish("rt/t", f"after{i}".encode(), qos=1)
    out = broker.ctl("plugins", "unload", "dynamo")  # flushes first
    assert out.stdout.strip() == "Plugin dynamo unloaded successfully."
    payloads = sorted(i["payload"]["S"] for i in storage.scan("mqtt_msg"))
    assert payloads == sorted(f"after{i}" for i in range(50))
    stats = broker.stats()
    assert stats["storage.stored"] == "50" and stats["storage.dropped"] == "0"
    pub.stop()
