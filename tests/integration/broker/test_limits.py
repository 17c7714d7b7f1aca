"""Configured limits as clients see them: Maximum QoS, Retain Available, Topic Alias
Maximum, Session Expiry cap, server-initiated DISCONNECT on shutdown, large payloads,
many connections."""

import pytest

from . import mqtt_wire as w
from .clients import V5, V311, Client, props
from paho.mqtt.packettypes import PacketTypes


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    from .conftest import start_broker

    b = start_broker(tmp_path_factory.mktemp("limited"), max_qos=1, retain_available="false",
                     topic_alias_maximum=2, session_expiry_max=10)
    yield b
    b.stop()


def raw_on(b, version=5):
    return w.RawClient(b.host, b.port, version)


def test_connack_announces_limits(limited, uid):
    with raw_on(limited) as c:
        ack = c.connect(uid, props=[(w.SESSION_EXPIRY, 3600)])
        assert ack.reason == 0
        assert ack.props.get(w.MAXIMUM_QOS) == 1  # [MQTT-3.2.2-9]
        assert ack.props.get(w.RETAIN_AVAILABLE) == 0  # [MQTT-3.2.2-13]
        assert ack.props.get(w.TOPIC_ALIAS_MAXIMUM) == 2


@pytest.mark.dynamq_only(reason="mosquitto 2.0.11 has no cap on the v5 Session Expiry Interval")
def test_session_expiry_capped_and_announced(limited, uid):
    with raw_on(limited) as c:
        ack = c.connect(uid, props=[(w.SESSION_EXPIRY, 3600)], clean=False)
        assert ack.props.get(w.SESSION_EXPIRY) == 10  # the server's value is sent back (§3.2.2.3.2)


def test_subscribe_qos2_granted_max_qos(limited, uid):
    with raw_on(limited) as c:
        c.connect(uid)
        assert c.subscribe(1, [(f"t/{uid}", 2)]).codes == [1]  # granted at most Maximum QoS


def test_v311_subscribe_qos2_granted_max_qos(limited, uid):
    with raw_on(limited, 4) as c:
        c.connect(uid)
        assert c.subscribe(1, [(f"t/{uid}", 2)]).codes == [1]


def test_publish_above_maximum_qos_is_disconnected_0x9b(limited, uid):
    with raw_on(limited) as c:
        c.connect(uid)
        c.send(w.publish(f"t/{uid}", b"x", qos=2, pid=1, version=5))
        packets = c.wait_closed()
        assert [(p.type, p.reason) for p in packets] == [(w.DISCONNECT, 0x9B)]  # [MQTT-3.2.2-11]


def test_retained_publish_when_retain_unavailable_is_disconnected_0x9a(limited, uid):
    with raw_on(limited) as c:
        c.connect(uid)
        c.send(w.publish(f"t/{uid}", b"x", qos=1, pid=1, retain=True, version=5))
        packets = c.wait_closed()
        assert [(p.type, p.reason) for p in packets] == [(w.DISCONNECT, 0x9A)]  # [MQTT-3.2.2-14]


def test_topic_alias_above_configured_maximum_is_0x94(limited, uid):
    with raw_on(limited) as c:
        c.connect(uid)
        c.send(w.publish(f"t/{uid}", b"x", version=5, props=[(w.TOPIC_ALIAS, 2)]))
        c.send(w.publish(f"t/{uid}", b"x", version=5, props=[(w.TOPIC_ALIAS, 3)]))
        packets = c.wait_closed()
        assert [(p.type, p.reason) for p in packets] == [(w.DISCONNECT, 0x94)]


@pytest.mark.dynamq_only(reason="mosquitto 2.0.11 closes connections on shutdown without DISCONNECT 0x8B")
def test_shutdown_sends_disconnect_0x8b_to_v5_clients(broker_factory, uid):
    b = broker_factory()
    v5 = raw_on(b, 5)
    v311 = raw_on(b, 4)
    try:
        v5.connect(f"a-{uid}")
        v311.connect(f"b-{uid}")
        b.stop()
        assert [(p.type, p.reason) for p in v5.wait_closed()] == [(w.DISCONNECT, 0x8B)]  # Server shutting down
        assert v311.wait_closed() == []
    finally:
        v5.close()
        v311.close()


def test_large_payload_passes_intact(clients, uid):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"big/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V311)
    payload = bytes(range(256)) * 1024  # 256 KiB, below the default 1 MiB maximum
    pub.publish(f"big/{uid}", payload, qos=1)
    assert sub.get(timeout=10).payload == payload


def test_fan_out_to_many_subscribers_in_order(clients, uid):
    subs = [clients.connected(f"s{i}-{uid}", V311 if i % 2 else V5) for i in range(30)]
    for s in subs:
        s.subscribe(f"fan/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish_many(f"fan/{uid}", [str(i).encode() for i in range(51)], qos=1)
    for s in subs:
        assert [int(m.payload) for m in s.get_n(51, timeout=20)] == list(range(51))


def test_many_concurrent_connections(broker, uid):
    conns = []
    try:
        for i in range(200):
            c = w.RawClient(broker.host, broker.port, 4)
            c.send(w.connect(f"c{i}-{uid}", version=4))
            conns.append(c)
        for c in conns:
            assert c.recv_type(w.CONNACK).reason == 0
    finally:
        for c in conns:
            c.close()


def test_utf8_multibyte_topic_and_client_id(clients, uid):
    topic = f"ü/日本/{uid}/😀"
    sub = clients.connected(f"sü-{uid}", V5)
    sub.subscribe(topic, 1)
    pub = clients.connected(f"p日-{uid}", V311)
    pub.publish(topic, "ok".encode(), qos=1)
    assert sub.get().topic == topic


def test_empty_payload_non_retained_delivered(clients, uid):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"e/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"e/{uid}", b"", qos=1)
    assert sub.get().payload == b""


def test_v5_unsubscribe_reason_codes(raw, uid):
    c = raw(5)
    c.connect(uid)
    c.subscribe(1, [(f"a/{uid}", 0)])
    body = b"\x00\x02" + w.properties() + w.utf8(f"a/{uid}") + w.utf8(f"never/{uid}")
    c.send(w.packet(w.UNSUBSCRIBE, 0x02, body))
    ack = c.recv_type(w.UNSUBACK)
    assert ack.pid == 2 and ack.codes == [0x00, 0x11]  # success, No subscription existed


def test_retained_message_expires(clients, uid):
    import time

    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"rx/{uid}", b"short-lived", qos=1, retain=True,
                properties=props(MessageExpiryInterval=1))
    # Expiry is time-based: wait past it.
    time.sleep(2.2)
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"rx/{uid}", 1)
    sub.subscribe(f"mk/{uid}", 1)
    pub.publish(f"mk/{uid}", b"marker", qos=1)
    got = sub.until(lambda m: m.topic == f"mk/{uid}")
    assert [m.payload for m in got] == [b"marker"]  # expired retained message not sent [MQTT-3.3.2-5]


def test_v5_zero_length_topic_without_alias_is_protocol_error(raw, uid):
    c = raw(5)
    c.connect(uid)
    c.send(w.publish("", b"x", version=5))
    packets = c.wait_closed()
    assert [(p.type, p.reason) for p in packets] == [(w.DISCONNECT, 0x82)]


def test_v311_zero_length_topic_closes(raw, uid):
    c = raw(4)
    c.connect(uid)
    c.send(w.publish("", b"x"))
    assert c.wait_closed() == []  # topic names are at least one character [MQTT-4.7.3-1]


def test_very_long_topic(clients, uid):
    topic = f"long/{uid}/" + "x" * 60000
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"long/{uid}/+", 1)
    pub = clients.connected(f"p-{uid}", V311)
    pub.publish(topic, b"ok", qos=1)
    assert sub.get().topic == topic


def test_deep_topic_with_multi_level_wildcard(clients, uid):
    # 150 levels: deep enough for recursion bugs, below mosquitto's 200-level hierarchy limit.
    topic = f"deep/{uid}/" + "/".join(["l"] * 150)
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"deep/{uid}/#", 1)
    sub.subscribe(f"deep/{uid}/" + "/".join(["+"] * 150), 1)
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(topic, b"ok", qos=1)
    m = sub.get()
    assert m.topic == topic


def test_subscribe_many_filters_in_one_packet(raw, clients, uid):
    c = raw(5)
    c.connect(f"c-{uid}")
    filters = [(f"many/{uid}/{i}", i % 3) for i in range(100)]
    ack = c.subscribe(7, filters)
    assert ack.pid == 7 and ack.codes == [i % 3 for i in range(100)]  # one code per filter, in order
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"many/{uid}/99", b"x", qos=0)
    assert c.recv_type(w.PUBLISH).topic == f"many/{uid}/99"
