"""CONNECT / CONNACK: every protocol version, independent clients, CONNACK properties,
assigned client identifier, server keep alive, unsupported versions, connect timeout."""

import time

import pytest

from . import mqtt_wire as w
from .clients import V5, V31, V311, MosquittoSub, mosquitto_pub


@pytest.mark.parametrize("version", [V31, V311, V5], ids=["3.1", "3.1.1", "5"])
def test_paho_round_trip_each_version(clients, uid, version):
    sub = clients.connected(f"s{uid}"[:23], version)
    pub = clients.connected(f"p{uid}"[:23], version)
    assert sub.subscribe(f"t/{uid}", 1) == [1]
    pub.publish(f"t/{uid}", b"hello", qos=1)
    m = sub.get()
    assert (m.topic, m.payload, m.qos) == (f"t/{uid}", b"hello", 1)


@pytest.mark.parametrize("version", ["mqttv311", "mqttv5"])
def test_mosquitto_clients_round_trip(broker, uid, version):
    sub = MosquittoSub(broker, f"t/{uid}", qos=1, version=version)
    try:
        sub.wait_subscribed()
        mosquitto_pub(broker, f"t/{uid}", "from-mosquitto_pub", qos=1, version=version)
        lines = sub.wait_for(lambda line: line.startswith(f"t/{uid} "))
        assert lines[-1] == f"t/{uid} from-mosquitto_pub"
    finally:
        sub.stop()


def test_v311_connack_is_two_bytes_accepted(raw, uid):
    c = raw(4)
    c.send(w.connect(uid, version=4))
    p = c.recv_type(w.CONNACK)
    assert p.body == b"\x00\x00"  # session present 0 (clean), return code 0 [MQTT-3.2.2-1]


def test_v31_mqisdp_connect_accepted(raw, uid):
    c = raw(3)
    p = c.connect(uid[:23])
    assert p.reason == 0


def test_v5_connack_properties_are_consistent(raw, uid):
    c = raw(5)
    p = c.connect(uid)
    assert p.reason == 0 and not p.session_present
    props = p.props
    # Values the spec restricts [MQTT-3.2.2-...]: present only with legal values.
    if w.RECEIVE_MAXIMUM in props:
        assert props[w.RECEIVE_MAXIMUM] > 0
    if w.MAXIMUM_QOS in props:
        assert props[w.MAXIMUM_QOS] in (0, 1)
    for flag in (w.RETAIN_AVAILABLE, w.WILDCARD_SUB_AVAILABLE, w.SUB_ID_AVAILABLE, w.SHARED_SUB_AVAILABLE):
        if flag in props:
            assert props[flag] in (0, 1)
    if w.MAXIMUM_PACKET_SIZE in props:
        assert props[w.MAXIMUM_PACKET_SIZE] > 0
    # The client gave an id, so none is assigned.
    assert w.ASSIGNED_CLIENT_ID not in props


def test_v5_empty_client_id_gets_assigned_identifier(raw):
    c = raw(5)
    p = c.connect("", clean=True)
    assert p.reason == 0
    assigned = p.props.get(w.ASSIGNED_CLIENT_ID)
    assert assigned, "CONNACK must carry Assigned Client Identifier [MQTT-3.2.2-16]"
    # Two such clients get different identifiers.
    c2 = raw(5)
    p2 = c2.connect("", clean=True)
    assert p2.props.get(w.ASSIGNED_CLIENT_ID) not in (None, assigned)


def test_v311_empty_client_id_with_clean_session_is_accepted(raw):
    c = raw(4)
    assert c.connect("", clean=True).reason == 0


def test_v311_empty_client_id_without_clean_session_is_rejected(raw):
    c = raw(4)
    p = c.connect("", clean=False)
    assert p.reason == 0x02  # identifier rejected [MQTT-3.1.3-8]
    c.wait_closed()  # then the connection is closed [MQTT-3.2.2-5]


def test_v5_server_keep_alive_caps_client_keep_alive(broker_factory, uid):
    b = broker_factory(keep_alive_max=10)
    c = w.RawClient(b.host, b.port, 5)
    try:
        p = c.connect(uid, keepalive=60)
        assert p.reason == 0
        assert p.props.get(w.SERVER_KEEP_ALIVE) == 10  # [MQTT-3.2.2-21]
    finally:
        c.close()


def test_v5_unsupported_protocol_version_gets_0x84(raw, uid):
    c = raw(5)
    data = bytearray(w.connect(uid, version=5))
    assert data[8] == 5  # the protocol level byte
    data[8] = 6  # a version this server cannot know
    c.send(bytes(data))
    packets = c.wait_closed()
    assert len(packets) == 1 and packets[0].type == w.CONNACK, packets
    # The server does not know the client's version: either CONNACK layout is acceptable,
    # but the code must be "unsupported protocol version" [MQTT-3.1.2-2].
    assert packets[0].body[1] in (0x84, 0x01), packets[0].body


def test_v311_unacceptable_protocol_level_gets_return_code_1(raw, uid):
    c = raw(4)
    data = bytearray(w.connect(uid, version=4))
    assert data[8] == 4
    data[8] = 2  # a level no MQTT version ever had
    c.send(bytes(data))
    packets = c.wait_closed()
    assert [p.type for p in packets] == [w.CONNACK]
    assert packets[0].body == b"\x00\x01"  # [MQTT-3.1.2-2]


NO_CONNECT_TIMEOUT = "mosquitto 2.0.11 has no connect timeout setting (it keeps a silent socket open)"


@pytest.mark.dynamq_only(reason=NO_CONNECT_TIMEOUT)
def test_connect_never_sent_is_closed_after_connect_timeout(raw, broker):
    # The module's broker has connect_timeout = 1 s.
    c = raw(4)
    start = time.monotonic()
    packets = c.wait_closed(timeout=15)
    elapsed = time.monotonic() - start
    assert packets == []
    assert elapsed >= 0.5, f"closed after {elapsed:.2f} s, before the configured timeout"


@pytest.mark.dynamq_only(reason=NO_CONNECT_TIMEOUT)
def test_half_connect_is_closed_after_connect_timeout(raw, uid):
    c = raw(4)
    c.send(w.connect(uid, version=4)[:5])  # an incomplete CONNECT, then silence
    start = time.monotonic()
    assert c.wait_closed(timeout=15) == []
    assert time.monotonic() - start >= 0.5
