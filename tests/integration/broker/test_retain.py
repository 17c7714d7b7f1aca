"""Retained messages: set, replace, delete by an empty payload, delivered on subscribe with
the retain flag (live deliveries without it), wildcard matches, QoS of delivery."""

import pytest

from .clients import V5, V311, MosquittoSub, mosquitto_pub


def retained_then_marker(clients, uid, sub_filter, marker_topic, version=V5, qos=0):
    """Subscribes a fresh client to `sub_filter` and `marker_topic`, publishes a marker and
    returns the messages received before it (the retained ones delivered on subscribe)."""
    sub = clients.connected(f"s{len(clients.all)}-{uid}", version)
    sub.subscribe(sub_filter, qos)
    sub.subscribe(marker_topic, 1)
    marker_pub = clients.connected(f"m{len(clients.all)}-{uid}", version)
    marker_pub.publish(marker_topic, b"marker", qos=1)
    got = sub.until(lambda m: m.topic == marker_topic)
    return got[:-1]


@pytest.mark.parametrize("version", [V311, V5], ids=["3.1.1", "5"])
def test_retained_message_delivered_to_new_subscriber_with_retain_flag(clients, uid, version):
    pub = clients.connected(f"p-{uid}", version)
    pub.publish(f"r/{uid}", b"kept", qos=1, retain=True)
    sub = clients.connected(f"s-{uid}", version)
    sub.subscribe(f"r/{uid}", 1)
    m = sub.get()
    assert (m.topic, m.payload, m.retain, m.qos) == (f"r/{uid}", b"kept", True, 1)  # [MQTT-3.3.1-8]


def test_live_delivery_of_retained_publish_has_retain_flag_clear_v311(clients, uid):
    sub = clients.connected(f"s-{uid}", V311)
    sub.subscribe(f"r/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V311)
    pub.publish(f"r/{uid}", b"live", qos=1, retain=True)
    m = sub.get()
    assert m.payload == b"live" and not m.retain  # [MQTT-3.3.1-9]


def test_retained_message_is_replaced(clients, uid):
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"r/{uid}", b"first", qos=1, retain=True)
    pub.publish(f"r/{uid}", b"second", qos=1, retain=True)
    got = retained_then_marker(clients, uid, f"r/{uid}", f"mk/{uid}")
    assert [(m.payload, m.retain) for m in got] == [(b"second", True)]  # [MQTT-3.3.1-5]


def test_empty_retained_payload_deletes_and_is_delivered_live(clients, uid):
    live = clients.connected(f"l-{uid}", V5)
    live.subscribe(f"r/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"r/{uid}", b"to-delete", qos=1, retain=True)
    pub.publish(f"r/{uid}", b"", qos=1, retain=True)
    # Current subscribers get the empty message as a normal message [MQTT-3.3.1-10].
    assert [m.payload for m in live.get_n(2)] == [b"to-delete", b""]
    got = retained_then_marker(clients, uid, f"r/{uid}", f"mk/{uid}")
    assert got == []  # nothing retained any more [MQTT-3.3.1-10/11]


def test_retained_messages_match_wildcard_filters(clients, uid):
    pub = clients.connected(f"p-{uid}", V5)
    topics = [f"w/{uid}/a/x", f"w/{uid}/b/x", f"w/{uid}/b/y", f"w/{uid}/c"]
    for t in topics:
        pub.publish(t, t.encode(), qos=1, retain=True)
    got = retained_then_marker(clients, uid, f"w/{uid}/+/x", f"mk/{uid}")
    assert sorted(m.topic for m in got) == [f"w/{uid}/a/x", f"w/{uid}/b/x"]
    assert all(m.retain for m in got)
    got = retained_then_marker(clients, uid, f"w/{uid}/#", f"mk2/{uid}")
    assert sorted(m.topic for m in got) == sorted(topics)
    assert all(m.payload == m.topic.encode() for m in got)


def test_retained_delivery_uses_min_of_stored_and_granted_qos(clients, uid):
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"r/{uid}/q1", b"one", qos=1, retain=True)
    pub.publish(f"r/{uid}/q0", b"zero", qos=0, retain=True)
    pub.publish(f"r/{uid}/q1", b"one", qos=1)  # not retained: the retained copy stays
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"r/{uid}/+", 2)
    got = {m.topic: m for m in sub.get_n(2)}
    assert got[f"r/{uid}/q1"].qos == 1 and got[f"r/{uid}/q1"].retain
    assert got[f"r/{uid}/q0"].qos == 0 and got[f"r/{uid}/q0"].retain
    sub2 = clients.connected(f"s2-{uid}", V5)
    sub2.subscribe(f"r/{uid}/q1", 0)
    assert sub2.get().qos == 0


def test_dollar_topic_retained_not_matched_by_leading_wildcard(clients, uid):
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"$x{uid}/r", b"dollar", qos=1, retain=True)
    got = retained_then_marker(clients, uid, "#", f"mk/{uid}")
    assert all(not m.topic.startswith("$") for m in got)
    # ...while a filter starting with the same $ level does get it.
    got = retained_then_marker(clients, uid, f"$x{uid}/#", f"mk2/{uid}")
    assert [m.payload for m in got] == [b"dollar"]
    pub.publish(f"$x{uid}/r", b"", qos=1, retain=True)


def test_retained_with_mosquitto_clients(broker, uid):
    mosquitto_pub(broker, f"mr/{uid}", "retained-by-mosquitto_pub", qos=1, retain=True)
    sub = MosquittoSub(broker, f"mr/{uid}", qos=1, version="mqttv5", extra=["-C", "1", "-F", "%r %t %p"])
    try:
        lines = sub.wait_for(lambda line: line.endswith("retained-by-mosquitto_pub"))
        assert lines[-1] == f"1 mr/{uid} retained-by-mosquitto_pub"
    finally:
        sub.stop()
    mosquitto_pub(broker, f"mr/{uid}", "", retain=True)  # clean up: empty retained payload
