"""Bad input (issue 2 item 4): malformed packets, protocol violations, oversized packets.

Each case sends byte-exact packets on a raw socket and asserts the spec's outcome:
MQTT 3.1.1 — the connection is closed (no answer) [MQTT-4.8.0-1];
MQTT 5 — CONNACK (before CONNECT completed) or DISCONNECT with the reason code, then close
(§4.13). In every case an already-connected pair of other clients must keep working.
"""

import pytest

from . import mqtt_wire as w
from .clients import V5, V311

MALFORMED, PROTOCOL_ERROR = 0x81, 0x82


@pytest.fixture
def others(clients, uid):
    """An already-connected subscriber and publisher; others() proves they still work."""
    sub = clients.connected(f"ok-s-{uid}", V5)
    sub.subscribe(f"ok/{uid}", 1)
    pub = clients.connected(f"ok-p-{uid}", V311)
    count = [0]

    def check():
        count[0] += 1
        payload = f"still-working-{count[0]}".encode()
        pub.publish(f"ok/{uid}", payload, qos=1)
        assert sub.get().payload == payload, "another client was disturbed"

    check()
    return check


def closed_with(c, version, reason=None, ptype=w.DISCONNECT):
    """Reads until close; 3.1.1: nothing may arrive; 5: exactly one `ptype` with `reason`
    (an int or a set of acceptable codes)."""
    packets = c.wait_closed(timeout=10)
    if version == 4:
        assert packets == [], f"3.1.1 connection got {packets} before the close"
        return
    assert len(packets) == 1 and packets[0].type == ptype, packets
    allowed = reason if isinstance(reason, (set, frozenset)) else {reason}
    code = packets[0].reason if ptype == w.DISCONNECT else packets[0].body[1]
    assert code in allowed, f"reason {code:#x}, expected one of {sorted(hex(r) for r in allowed)}"


def connected(raw, version, uid, **kw):
    c = raw(version)
    assert c.connect(f"bad-{uid}", **kw).reason == 0
    return c


BOTH = pytest.mark.parametrize("version", [4, 5], ids=["3.1.1", "5"])
# Where mosquitto 2.0.11 just closes a v5 connection without the CONNACK/DISCONNECT that
# §4.13 allows ("MAY send"), and which dynamq documents that it sends.
SILENT_CLOSE = "mosquitto 2.0.11 closes without the reason-code packet (§4.13 MAY); dynamq sends it"
BOTH_STRICT = pytest.mark.parametrize(
    "version", [4, pytest.param(5, marks=pytest.mark.dynamq_only(reason=SILENT_CLOSE))], ids=["3.1.1", "5"])


# ---- after CONNECT --------------------------------------------------------------------


@BOTH_STRICT
def test_remaining_length_longer_than_four_bytes(raw, others, uid, version):
    c = connected(raw, version, uid)
    c.send(b"\x30\xff\xff\xff\xff\x01")  # a fifth length byte [MQTT-1.5.5 / 2.2.3]
    closed_with(c, version, MALFORMED)
    others()


@BOTH
@pytest.mark.parametrize("topic", [b"a/\xff\xfe", b"a\x00b", b"a/\xed\xa0\x80", b"\xc0\xaf"],
                         ids=["invalid-byte", "U+0000", "surrogate", "overlong"])
def test_invalid_utf8_topic(raw, others, uid, version, topic):
    c = connected(raw, version, uid)
    c.send(w.publish(topic, b"x", version=version))  # [MQTT-1.5.4-1/2], 3.1.1 [MQTT-1.5.3-1/2]
    closed_with(c, version, MALFORMED)
    others()


@BOTH
def test_subscribe_with_reserved_flags_wrong(raw, others, uid, version):
    c = connected(raw, version, uid)
    data = bytearray(w.subscribe(1, [(f"t/{uid}", 0)], version))
    data[0] = 0x80  # flags must be 0010 [MQTT-3.8.1-1]
    c.send(bytes(data))
    closed_with(c, version, MALFORMED)
    others()


@BOTH_STRICT
def test_pubrel_with_reserved_flags_wrong(raw, others, uid, version):
    c = connected(raw, version, uid)
    c.send(w.publish(f"t/{uid}", b"x", qos=2, pid=1, version=version))
    c.recv_type(w.PUBREC)
    c.send(b"\x60\x02\x00\x01")  # PUBREL with flags 0000 instead of 0010 [MQTT-3.6.1-1]
    closed_with(c, version, MALFORMED)
    others()


@BOTH
def test_publish_qos_3(raw, others, uid, version):
    c = connected(raw, version, uid)
    data = bytearray(w.publish(f"t/{uid}", b"x", qos=2, pid=1, version=version))
    data[0] |= 0x06  # QoS bits 11 [MQTT-3.3.1-4]
    c.send(bytes(data))
    closed_with(c, version, MALFORMED)
    others()


@BOTH
def test_reserved_packet_type_0(raw, others, uid, version):
    c = connected(raw, version, uid)
    c.send(b"\x00\x00")  # type 0 is "Reserved / Forbidden" (§2.1.2)
    closed_with(c, version, {MALFORMED, PROTOCOL_ERROR})
    others()


@BOTH
def test_truncated_topic_length(raw, others, uid, version):
    c = connected(raw, version, uid)
    c.send(b"\x30\x05\x00\x64abc")  # topic length 100 inside a 5-byte packet
    closed_with(c, version, MALFORMED)
    others()


@BOTH_STRICT
def test_second_connect(raw, others, uid, version):
    c = connected(raw, version, uid)
    c.send(w.connect(f"again-{uid}", version=version))  # [MQTT-3.1.0-2]
    closed_with(c, version, PROTOCOL_ERROR)
    others()


@BOTH
@pytest.mark.parametrize("topic", ["a/+", "a/#", "#"])
def test_wildcard_in_publish_topic(raw, others, uid, version, topic):
    c = connected(raw, version, uid)
    c.send(w.publish(topic, b"x", qos=1, pid=1, version=version))  # [MQTT-3.3.2-2]
    # The spec names no single code: malformed, protocol error or "Topic Name invalid".
    closed_with(c, version, {MALFORMED, PROTOCOL_ERROR, 0x90})
    others()


@BOTH
def test_qos1_publish_with_packet_id_zero(raw, others, uid, version):
    c = connected(raw, version, uid)
    c.send(w.publish(f"t/{uid}", b"x", qos=1, pid=0, version=version))  # [MQTT-2.2.1-3]
    closed_with(c, version, {MALFORMED, PROTOCOL_ERROR})
    others()


@BOTH
def test_subscribe_without_topic_filters(raw, others, uid, version):
    c = connected(raw, version, uid)
    c.send(w.subscribe(1, [], version))  # [MQTT-3.8.3-3]
    closed_with(c, version, {MALFORMED, PROTOCOL_ERROR})
    others()


@BOTH
def test_subscription_options_reserved_bits(raw, others, uid, version):
    c = connected(raw, version, uid)
    c.send(w.subscribe(1, [(f"t/{uid}", 0xC1)], version))  # [MQTT-3.8.3-5], 3.1.1 [MQTT-3-8.3-4]
    closed_with(c, version, MALFORMED)
    others()


def test_v5_property_not_allowed_in_publish(raw, others, uid):
    c = connected(raw, 5, uid)
    c.send(w.publish(f"t/{uid}", b"x", version=5, props=[(w.SESSION_EXPIRY, 10)]))
    closed_with(c, 5, MALFORMED)  # wrong identifier for the packet type (§2.2.2.2)
    others()


@pytest.mark.dynamq_only(reason=SILENT_CLOSE)
def test_v5_property_given_twice(raw, others, uid):
    c = connected(raw, 5, uid)
    c.send(w.publish(f"t/{uid}", b"x", version=5, props=[(w.PAYLOAD_FORMAT, 0), (w.PAYLOAD_FORMAT, 0)]))
    closed_with(c, 5, PROTOCOL_ERROR)  # "more than once is a Protocol Error" (§3.3.2.3.2)
    others()


@pytest.mark.dynamq_only(reason="mosquitto 2.0.11 accepts No Local on a shared subscription")
def test_v5_no_local_on_shared_subscription(raw, others, uid):
    c = connected(raw, 5, uid)
    c.send(w.subscribe(1, [(f"$share/g/t/{uid}", 0x04)], 5))
    closed_with(c, 5, PROTOCOL_ERROR)  # [MQTT-3.8.3-4]
    others()


@pytest.mark.parametrize("alias", [0, 1000])
def test_v5_topic_alias_out_of_range(raw, others, uid, alias):
    c = connected(raw, 5, uid)
    c.send(w.publish(f"t/{uid}", b"x", version=5, props=[(w.TOPIC_ALIAS, alias)]))
    # 0 is never allowed [MQTT-3.3.2-8]; above the maximum is "Topic Alias invalid" [MQTT-3.3.2-9].
    closed_with(c, 5, {0x94, MALFORMED, PROTOCOL_ERROR} if alias == 0 else 0x94)
    others()


def test_v5_unknown_topic_alias_with_empty_topic(raw, others, uid):
    c = connected(raw, 5, uid)
    c.send(w.publish("", b"x", version=5, props=[(w.TOPIC_ALIAS, 1)]))
    closed_with(c, 5, PROTOCOL_ERROR)  # no mapping for the alias (§3.3.2.3.4)
    others()


def test_v5_disconnect_setting_expiry_after_connect_with_zero(raw, others, uid):
    c = connected(raw, 5, uid)  # no Session Expiry Interval: 0
    c.send(w.disconnect(5, reason=0, props=[(w.SESSION_EXPIRY, 60)]))
    closed_with(c, 5, PROTOCOL_ERROR)  # [MQTT-3.14.2-2]
    others()


# ---- before / during CONNECT ----------------------------------------------------------


@pytest.mark.parametrize("first", [w.pingreq(), w.publish("t", b"x"), w.subscribe(1, [("t", 0)])],
                         ids=["PINGREQ", "PUBLISH", "SUBSCRIBE"])
def test_packet_before_connect(raw, others, first):
    c = raw(4)
    c.send(first)
    assert c.wait_closed(timeout=10) == []  # [MQTT-3.1.0-1]: no CONNACK, no answer
    others()


@BOTH_STRICT
def test_connect_reserved_flag_set(raw, others, uid, version):
    c = raw(version)
    data = bytearray(w.connect(f"bad-{uid}", version=version))
    data[9] |= 0x01  # connect flags byte, reserved bit [MQTT-3.1.2-3]
    c.send(bytes(data))
    closed_with(c, version, MALFORMED, ptype=w.CONNACK)
    others()


@BOTH_STRICT
def test_connect_will_qos_3(raw, others, uid, version):
    c = raw(version)
    c.send(w.connect(f"bad-{uid}", version=version, will={"topic": "w", "payload": b"x", "qos": 3}))
    closed_with(c, version, MALFORMED, ptype=w.CONNACK)  # [MQTT-3.1.2-12]
    others()


@BOTH_STRICT
def test_connect_will_retain_without_will_flag(raw, others, uid, version):
    c = raw(version)
    data = bytearray(w.connect(f"bad-{uid}", version=version))
    data[9] |= 0x20  # Will Retain without Will Flag [MQTT-3.1.2-13]
    c.send(bytes(data))
    closed_with(c, version, MALFORMED, ptype=w.CONNACK)
    others()


@pytest.mark.dynamq_only(reason=SILENT_CLOSE)
def test_v5_connect_with_property_not_allowed(raw, others, uid):
    c = raw(5)
    c.send(w.connect(f"bad-{uid}", version=5, props=[(w.TOPIC_ALIAS, 1)]))
    closed_with(c, 5, MALFORMED, ptype=w.CONNACK)
    others()


def test_bad_protocol_name(raw, others, uid):
    c = raw(4)
    data = w.connect(f"bad-{uid}", version=4).replace(b"MQTT", b"MQTX", 1)
    c.send(data)
    packets = c.wait_closed(timeout=10)  # [MQTT-3.1.2-1]: the server may just disconnect
    assert all(p.type == w.CONNACK and p.body[1] != 0 for p in packets), packets
    others()


def test_client_id_invalid_utf8(raw, others):
    c = raw(4)
    c.send(w.connect(b"bad-\xff", version=4))
    packets = c.wait_closed(timeout=10)
    # Malformed string: close; a CONNACK "identifier rejected" is also a refusal.
    assert all(p.type == w.CONNACK and p.body[1] != 0 for p in packets), packets
    others()


# ---- size limits ----------------------------------------------------------------------


@pytest.fixture
def small_broker(broker_factory):
    return broker_factory(max_packet_size=1024, max_inflight=2)


def others_on(b, clients, uid):
    sub = clients.new(f"ok-s-{uid}", V5, broker=b)
    sub.connect()
    sub.subscribe(f"ok/{uid}", 1)
    pub = clients.new(f"ok-p-{uid}", V5, broker=b)
    pub.connect()

    def check():
        pub.publish(f"ok/{uid}", b"fine", qos=1)
        assert sub.get().payload == b"fine"

    check()
    return check


@BOTH
def test_packet_larger_than_configured_maximum(small_broker, clients, raw, uid, version):
    check = others_on(small_broker, clients, uid)
    c = raw(version, small_broker)
    ack = c.connect(f"big-{uid}")
    if version == 5:
        assert ack.props.get(w.MAXIMUM_PACKET_SIZE) == 1024  # announced [MQTT-3.2.2-...]
    c.send(w.publish(f"t/{uid}", b"x" * 2000, qos=1, pid=1, version=version))
    closed_with(c, version, 0x95)  # Packet too large
    check()


def test_packet_at_configured_maximum_is_accepted(small_broker, clients, raw, uid):
    c = raw(5, small_broker)
    c.connect(f"fits-{uid}")
    header_and_topic = len(w.publish(f"t/{uid}", b"", qos=1, pid=1, version=5))
    c.send(w.publish(f"t/{uid}", b"x" * (1024 - header_and_topic - 1), qos=1, pid=1, version=5))
    assert c.recv_type(w.PUBACK).pid == 1


@pytest.mark.dynamq_only(reason=SILENT_CLOSE)
def test_v5_connect_larger_than_maximum(small_broker, clients, raw, uid):
    check = others_on(small_broker, clients, uid)
    c = raw(5, small_broker)
    c.send(w.connect(f"big-{uid}", version=5, will={"topic": "w", "payload": b"x" * 2000}))
    closed_with(c, 5, 0x95, ptype=w.CONNACK)
    check()


@pytest.mark.dynamq_only(reason="mosquitto 2.0.11 does not enforce its Receive Maximum on incoming QoS 2")
def test_v5_client_exceeding_receive_maximum(small_broker, clients, raw, uid):
    check = others_on(small_broker, clients, uid)
    c = raw(5, small_broker)
    ack = c.connect(f"rm-{uid}")
    assert ack.props.get(w.RECEIVE_MAXIMUM) == 2
    # Three QoS 2 publishes without PUBREL: more unacknowledged than allowed [MQTT-3.3.4-7].
    for pid in (1, 2, 3):
        c.send(w.publish(f"t/{uid}", b"x", qos=2, pid=pid, version=5))
    packets = c.wait_closed(timeout=10)
    assert [p.type for p in packets[:2]] == [w.PUBREC, w.PUBREC]
    assert [(p.type, p.reason) for p in packets[2:]] == [(w.DISCONNECT, 0x93)]  # Receive Maximum exceeded
    check()


def test_many_bad_clients_at_once_do_not_disturb_others(raw, others, uid):
    bad = []
    for i in range(20):
        c = raw(4)
        c.send(b"\x10\xff\xff\xff\xff\xff" if i % 2 else b"\x30\x05\x00\x64abc")
        bad.append(c)
    for c in bad:
        c.wait_closed(timeout=10)
    others()


def test_abrupt_close_mid_packet(raw, others, uid):
    c = connected(raw, 4, uid)
    c.send(w.publish(f"t/{uid}", b"x" * 100, qos=1, pid=1)[:30])
    c.close()
    others()


# ---- invalid topic filters ------------------------------------------------------------

SHARE_AS_PLAIN = "mosquitto 2.0.11 takes an incomplete $share/ filter as a plain filter [MQTT-4.8.2-1/2]"
INVALID_FILTERS = [
    "a/#/b", "a/b#", "a+/b", "$share/g+/t", "",
    pytest.param("$share/g", marks=pytest.mark.dynamq_only(reason=SHARE_AS_PLAIN)),
    pytest.param("$share//t", marks=pytest.mark.dynamq_only(reason=SHARE_AS_PLAIN)),
]


@pytest.mark.parametrize("topic_filter", INVALID_FILTERS)
def test_v5_invalid_topic_filter(raw, others, uid, topic_filter):
    c = connected(raw, 5, uid)
    c.send(w.subscribe(1, [(topic_filter, 1)], 5))
    # Either a SUBACK refusing that filter (0x8F Topic Filter invalid) on a connection that
    # stays usable, or DISCONNECT (malformed / protocol error / 0x8F) then close.
    first = c.recv(timeout=10)
    if first.type == w.SUBACK:
        assert first.codes == [0x8F], first
        c.send(w.pingreq())
        assert c.recv_type(w.PINGRESP)
    else:
        assert first.type == w.DISCONNECT and first.reason in (MALFORMED, PROTOCOL_ERROR, 0x8F), first
        assert c.wait_closed() == []
    others()


@pytest.mark.parametrize("topic_filter", ["a/#/b", "a/b#", "a+/b", ""])
def test_v311_invalid_topic_filter(raw, others, uid, topic_filter):
    c = connected(raw, 4, uid)
    c.send(w.subscribe(1, [(topic_filter, 1)], 4))
    try:
        first = c.recv(timeout=10)
    except w.Closed:
        first = None  # closed: the 3.1.1 answer to a malformed packet [MQTT-4.8.0-1]
    if first is not None:
        assert first.type == w.SUBACK and first.codes == [0x80], first  # or a refusal
    others()


@BOTH
@pytest.mark.parametrize("will_topic", ["w/+", "w/#"])
def test_will_topic_with_wildcard(raw, others, uid, version, will_topic):
    c = raw(version)
    c.send(w.connect(f"bad-{uid}", version=version, will={"topic": will_topic, "payload": b"x"}))
    packets = c.wait_closed(timeout=10)
    # Refused: a CONNACK with an error code (v5: malformed / protocol error / Topic Name
    # invalid; 3.1.1 has no fitting code, so a plain close is the usual answer).
    assert all(p.type == w.CONNACK for p in packets), packets
    if packets:
        code = packets[0].body[1]
        assert code in ((MALFORMED, PROTOCOL_ERROR, 0x90) if version == 5 else (0x02, 0x05)) or (
            version == 4 and code != 0), packets
    others()


def test_v311_password_without_username(raw, others, uid):
    c = raw(4)
    c.send(w.connect(f"bad-{uid}", version=4, password=b"secret"))
    packets = c.wait_closed(timeout=10)  # [MQTT-3.1.2-22]
    assert all(p.type == w.CONNACK and p.body[1] != 0 for p in packets), packets
    others()
