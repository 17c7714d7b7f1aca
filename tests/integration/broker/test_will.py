"""Will messages: published on an abnormal close (and keep-alive expiry), not on a normal
DISCONNECT, DISCONNECT 0x04 (with will), MQTT 5 Will Delay Interval with and without a
reconnect, retained wills, will properties."""

import time

import pytest

from . import mqtt_wire as w
from .clients import V5, V311, props
from paho.mqtt.packettypes import PacketTypes


def watcher(clients, uid, topic):
    """A subscriber to the will topic plus the marker topic; returns it."""
    sub = clients.connected(f"w-{uid}", V5)
    sub.subscribe(topic, 1)
    sub.subscribe(f"mk/{uid}", 1)
    return sub


def marker(clients, uid):
    clients.connected(f"m{len(clients.all)}-{uid}", V5).publish(f"mk/{uid}", b"marker", qos=1)


@pytest.mark.parametrize("version", [V311, V5], ids=["3.1.1", "5"])
def test_will_published_on_abnormal_close(clients, uid, version):
    sub = watcher(clients, uid, f"will/{uid}")
    c = clients.new(f"c-{uid}", version)
    c.will_set(f"will/{uid}", b"gone", qos=1)
    c.connect()
    c.drop()
    m = sub.get()
    assert (m.topic, m.payload, m.qos) == (f"will/{uid}", b"gone", 1)  # [MQTT-3.1.2-8]


@pytest.mark.parametrize("version", [V311, V5], ids=["3.1.1", "5"])
def test_will_not_published_on_normal_disconnect(clients, uid, version):
    sub = watcher(clients, uid, f"will/{uid}")
    c = clients.new(f"c-{uid}", version)
    c.will_set(f"will/{uid}", b"gone", qos=1)
    c.connect()
    c.disconnect()
    c.wait_disconnected()
    marker(clients, uid)
    got = sub.until(lambda m: m.topic == f"mk/{uid}")
    assert [m.topic for m in got] == [f"mk/{uid}"]  # will deleted on DISCONNECT [MQTT-3.1.2-10]


def test_v5_disconnect_with_will_message_reason_publishes_will(clients, uid):
    sub = watcher(clients, uid, f"will/{uid}")
    c = clients.new(f"c-{uid}", V5)
    c.will_set(f"will/{uid}", b"on-purpose", qos=1)
    c.connect()
    c.disconnect(reasoncode=0x04)  # Disconnect with Will Message [MQTT-3.14.2-...]
    m = sub.get()
    assert m.payload == b"on-purpose"


def test_retained_will_is_kept_for_later_subscribers(clients, uid):
    c = clients.new(f"c-{uid}", V311)
    c.will_set(f"will/{uid}", b"retained-will", qos=1, retain=True)
    c.connect()
    live = watcher(clients, uid, f"will/{uid}")
    c.drop()
    assert live.get().payload == b"retained-will"
    late = clients.connected(f"late-{uid}", V311)
    late.subscribe(f"will/{uid}", 1)
    m = late.get()
    assert m.payload == b"retained-will" and m.retain


def test_v5_will_properties_passed_through(clients, uid):
    sub = watcher(clients, uid, f"will/{uid}")
    c = clients.new(f"c-{uid}", V5)
    p = props(PacketTypes.WILLMESSAGE, ContentType="text/plain", ResponseTopic=f"resp/{uid}",
              CorrelationData=b"\x01\x02", UserProperty=[("k", "v")])
    c.will_set(f"will/{uid}", b"w", qos=1, properties=p)
    c.connect()
    c.drop()
    m = sub.get()
    assert m.properties.ContentType == "text/plain"
    assert m.properties.ResponseTopic == f"resp/{uid}"
    assert m.properties.CorrelationData == b"\x01\x02"
    assert ("k", "v") in m.properties.UserProperty


def test_v5_will_delay_interval_delays_the_will(clients, uid):
    sub = watcher(clients, uid, f"will/{uid}")
    c = clients.new(f"c-{uid}", V5)
    c.will_set(f"will/{uid}", b"late", qos=1, properties=props(PacketTypes.WILLMESSAGE, WillDelayInterval=2))
    c.connect(properties=props(PacketTypes.CONNECT, SessionExpiryInterval=60))
    dropped = time.monotonic()
    c.drop()
    m = sub.get(timeout=15)
    waited = time.monotonic() - dropped
    assert m.payload == b"late"
    assert waited >= 1.5, f"will sent {waited:.2f} s after the close despite a 2 s delay [MQTT-3.1.3-9]"


def test_v5_will_not_sent_when_client_reconnects_within_delay(clients, uid):
    sub = watcher(clients, uid, f"will/{uid}")
    c = clients.new(f"c-{uid}", V5)
    c.will_set(f"will/{uid}", b"late", qos=1, properties=props(PacketTypes.WILLMESSAGE, WillDelayInterval=2))
    c.connect(properties=props(PacketTypes.CONNECT, SessionExpiryInterval=60))
    c.drop()
    again = clients.new(f"c-{uid}", V5)
    again.connect(clean_start=False, properties=props(PacketTypes.CONNECT, SessionExpiryInterval=60))
    assert again.session_present
    # The will's delay is a time-based rule: wait past it (plus margin), then check.
    time.sleep(3.0)
    marker(clients, uid)
    got = sub.until(lambda m: m.topic == f"mk/{uid}")
    assert [m.topic for m in got] == [f"mk/{uid}"]  # [MQTT-3.1.3-9]


def test_v5_will_sent_at_session_end_when_delay_is_longer(clients, uid):
    sub = watcher(clients, uid, f"will/{uid}")
    c = clients.new(f"c-{uid}", V5)
    c.will_set(f"will/{uid}", b"at-expiry", qos=1, properties=props(PacketTypes.WILLMESSAGE, WillDelayInterval=300))
    c.connect(properties=props(PacketTypes.CONNECT, SessionExpiryInterval=1))
    c.drop()
    # Whichever comes first: the session ends after 1 s, so the will goes then [MQTT-3.1.2-8].
    assert sub.get(timeout=15).payload == b"at-expiry"


@pytest.mark.parametrize("version", [4, 5], ids=["3.1.1", "5"])
def test_keep_alive_expiry_closes_connection_and_publishes_will(raw, clients, uid, version):
    sub = watcher(clients, uid, f"will/{uid}")
    c = raw(version)
    ack = c.connect(f"c-{uid}", keepalive=2, will={"topic": f"will/{uid}", "payload": b"timeout", "qos": 1})
    assert ack.reason == 0
    start = time.monotonic()
    packets = c.wait_closed(timeout=20)  # silent past 1.5 × keep alive [MQTT-3.1.2-24]
    elapsed = time.monotonic() - start
    # Sane lower bound only: a server must allow at least the keep alive itself.
    assert elapsed >= 2.0, f"closed after {elapsed:.2f} s, before the 2 s keep alive ran out"
    if version == 5:
        # A v5 server may say why first: DISCONNECT 0x8D Keep Alive timeout.
        assert all(p.type == w.DISCONNECT and p.reason == 0x8D for p in packets), packets
    else:
        assert packets == []
    assert sub.get().payload == b"timeout"


def test_pingreq_keeps_connection_alive(raw, uid):
    c = raw(4)
    c.connect(f"c-{uid}", keepalive=1)
    # Three keep-alive periods, each with a PINGREQ in time: the connection stays.
    for _ in range(4):
        c.send(w.pingreq())
        assert c.recv_type(w.PINGRESP).type == w.PINGRESP
        time.sleep(0.7)  # the client's own pacing, below the 1 s keep alive
    c.send(w.pingreq())
    assert c.recv_type(w.PINGRESP).type == w.PINGRESP


@pytest.mark.parametrize("version", [4, 5], ids=["3.1.1", "5"])
def test_will_published_when_server_closes_for_protocol_error(raw, clients, uid, version):
    sub = watcher(clients, uid, f"will/{uid}")
    c = raw(version)
    c.connect(f"c-{uid}", will={"topic": f"will/{uid}", "payload": b"bad-client", "qos": 1})
    c.send(b"\x00\x00")  # a forbidden packet type
    c.wait_closed()
    assert sub.get().payload == b"bad-client"  # [MQTT-3.1.2-8]


@pytest.mark.dynamq_only(reason="mosquitto 2.0.11 refuses max_keepalive below 10 s (too slow for this suite)")
def test_server_keep_alive_is_enforced(broker_factory, uid):
    b = broker_factory(keep_alive_max=1)
    c = w.RawClient(b.host, b.port, 5)
    try:
        ack = c.connect(f"c-{uid}", keepalive=600)
        assert ack.props.get(w.SERVER_KEEP_ALIVE) == 1
        start = time.monotonic()
        c.wait_closed(timeout=20)  # the server's 1 s applies, not the client's 600 s [MQTT-3.2.2-21]
        assert time.monotonic() - start >= 1.0
    finally:
        c.close()


@pytest.mark.dynamq_only(reason="mosquitto 2.0.11 keeps delaying the will although the session ended "
                         "(Session Expiry 0), against [MQTT-3.1.3-9]")
def test_v5_will_sent_at_once_when_session_expiry_is_zero(clients, uid):
    sub = watcher(clients, uid, f"will/{uid}")
    c = clients.new(f"c-{uid}", V5)
    c.will_set(f"will/{uid}", b"now", qos=1, properties=props(PacketTypes.WILLMESSAGE, WillDelayInterval=300))
    c.connect()  # Session Expiry Interval 0: the session ends with the connection
    c.drop()
    assert sub.get(timeout=10).payload == b"now"  # whichever comes first [MQTT-3.1.3-9]
