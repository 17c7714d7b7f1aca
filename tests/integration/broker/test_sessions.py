"""Sessions: clean session / clean start, Session Expiry Interval (kept before expiry, gone
after), offline queueing of QoS 1/2 and its configured bound, message expiry while queued,
session takeover (v5 DISCONNECT 0x8E)."""

import time

import pytest

from . import mqtt_wire as w
from .clients import V5, V311, Client, props
from paho.mqtt.packettypes import PacketTypes


def sei(seconds):
    return props(PacketTypes.CONNECT, SessionExpiryInterval=seconds)


def test_v311_session_present_only_for_persistent_sessions(clients, uid):
    c = clients.new(f"c-{uid}", V311, clean=False)
    c.connect()
    assert not c.session_present  # new session
    c.disconnect()
    c2 = clients.new(f"c-{uid}", V311, clean=False)
    c2.connect()
    assert c2.session_present  # [MQTT-3.2.2-2]
    c2.disconnect()
    c3 = clients.new(f"c-{uid}", V311, clean=True)
    c3.connect()
    assert not c3.session_present  # [MQTT-3.2.2-1]
    c3.disconnect()
    c4 = clients.new(f"c-{uid}", V311, clean=False)
    c4.connect()
    assert not c4.session_present  # the clean connection discarded the old session


@pytest.mark.parametrize("version", [V311, V5], ids=["3.1.1", "5"])
@pytest.mark.parametrize("qos", [1, 2])
def test_offline_messages_queued_for_persistent_session(clients, uid, version, qos):
    extra = sei(300) if version == V5 else None
    c = clients.new(f"c-{uid}", version, clean=False)
    c.connect(properties=extra)
    c.subscribe(f"off/{uid}", qos)
    c.disconnect()
    pub = clients.connected(f"p-{uid}", version)
    for i in range(5):
        pub.publish(f"off/{uid}", f"m{i}".encode(), qos=qos)
    again = clients.new(f"c-{uid}", version, clean=False)
    again.connect(properties=extra)
    assert again.session_present
    got = again.get_n(5)
    assert [m.payload for m in got] == [f"m{i}".encode() for i in range(5)]
    assert all(m.qos == qos for m in got)
    # The subscription survived too: live messages still arrive.
    pub.publish(f"off/{uid}", b"live", qos=1)
    assert again.get().payload == b"live"


def test_clean_session_gets_no_old_messages(clients, uid):
    c = clients.new(f"c-{uid}", V311, clean=False)
    c.connect()
    c.subscribe(f"off/{uid}", 1)
    c.disconnect()
    pub = clients.connected(f"p-{uid}", V311)
    pub.publish(f"off/{uid}", b"queued", qos=1)
    fresh = clients.new(f"c-{uid}", V311, clean=True)
    fresh.connect()
    assert not fresh.session_present
    fresh.subscribe(f"mk/{uid}", 1)
    pub.publish(f"mk/{uid}", b"marker", qos=1)
    got = fresh.until(lambda m: m.topic == f"mk/{uid}")
    assert [m.payload for m in got] == [b"marker"]


def test_v5_session_expiry_zero_ends_session_at_disconnect(clients, uid):
    c = clients.new(f"c-{uid}", V5, clean=False)
    c.connect(properties=sei(0))
    c.subscribe(f"x/{uid}", 1)
    c.disconnect()
    again = clients.new(f"c-{uid}", V5, clean=False)
    again.connect(properties=sei(0))
    assert not again.session_present  # [MQTT-3.1.2-23]


def test_v5_session_kept_before_expiry_and_gone_after(clients, uid):
    c = clients.new(f"c-{uid}", V5, clean=False)
    c.connect(properties=sei(2))
    c.subscribe(f"exp/{uid}", 1)
    c.disconnect()
    before = clients.new(f"c-{uid}", V5, clean=False)
    before.connect(properties=sei(2))
    assert before.session_present
    before.disconnect()
    # Session expiry is a time-based rule: wait past the 2 s interval, then check.
    time.sleep(3.5)
    after = clients.new(f"c-{uid}", V5, clean=False)
    after.connect(properties=sei(2))
    assert not after.session_present  # [MQTT-3.1.2-23]
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"exp/{uid}", b"to-nobody", qos=1)
    after.subscribe(f"mk/{uid}", 1)
    pub.publish(f"mk/{uid}", b"marker", qos=1)
    got = after.until(lambda m: m.topic == f"mk/{uid}")
    assert [m.payload for m in got] == [b"marker"]  # the old subscription is gone


def test_v5_disconnect_can_shorten_session_expiry(raw, clients, uid):
    # A raw client, because paho closes its socket right after sending DISCONNECT: a
    # reconnect could then reach the broker (on another loop) before that DISCONNECT does,
    # and take the session over legitimately. Here the broker's close proves it was read.
    c = raw(5)
    c.connect(f"c-{uid}", clean=False, props=[(w.SESSION_EXPIRY, 300)])
    c.send(w.disconnect(5, reason=0, props=[(w.SESSION_EXPIRY, 0)]))
    assert c.wait_closed() == []
    again = clients.new(f"c-{uid}", V5, clean=False)
    again.connect(properties=sei(300))
    assert not again.session_present  # [MQTT-3.14.2-...] new interval applied at disconnect


def test_offline_queue_is_bounded_and_newest_are_dropped(broker_factory, uid):
    b = broker_factory(max_queued_messages=5, max_inflight=2)
    c = Client(b, f"c-{uid}", V311, clean=False)
    pub = Client(b, f"p-{uid}", V311)
    again = Client(b, f"c-{uid}", V311, clean=False)
    try:
        c.connect()
        c.subscribe(f"bound/{uid}", 1)
        c.disconnect()
        pub.connect()
        for i in range(20):
            pub.publish(f"bound/{uid}", str(i).encode(), qos=1)
        again.connect()
        assert again.session_present
        # Live marker after the queue: everything before it is what was kept.
        pub.publish(f"bound/{uid}", b"marker", qos=1)
        got = [int(m.payload) for m in again.until(lambda m: m.payload == b"marker")[:-1]]
        # The queue holds max_queued_messages (plus at most the inflight window); the oldest
        # are kept in order and the rest were dropped, not delivered.
        assert 5 <= len(got) <= 7, got
        assert got == list(range(len(got)))
    finally:
        for x in (c, pub, again):
            x.stop()


def test_v5_message_expiry_while_queued(clients, uid):
    c = clients.new(f"c-{uid}", V5, clean=False)
    c.connect(properties=sei(300))
    c.subscribe(f"mexp/{uid}", 1)
    c.disconnect()
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"mexp/{uid}", b"short", qos=1, properties=props(MessageExpiryInterval=1))
    pub.publish(f"mexp/{uid}", b"long", qos=1, properties=props(MessageExpiryInterval=100))
    pub.publish(f"mexp/{uid}", b"forever", qos=1)
    # Message expiry is time-based: let the 1 s message expire.
    time.sleep(2.5)
    again = clients.new(f"c-{uid}", V5, clean=False)
    again.connect(properties=sei(300))
    got = again.get_n(2)
    assert [m.payload for m in got] == [b"long", b"forever"]  # [MQTT-3.3.2-5]
    remaining = got[0].properties.MessageExpiryInterval
    assert 0 < remaining < 100  # reduced by the time it waited [MQTT-3.3.2-6]
    assert not hasattr(got[1].properties, "MessageExpiryInterval")


def test_takeover_closes_old_connection_v311(clients, uid):
    old = clients.connected(f"c-{uid}", V311)
    new = clients.new(f"c-{uid}", V311)
    new.connect()
    rc, _ = old.wait_disconnected()
    assert rc != 0  # closed by the server [MQTT-3.1.4-3]
    new.subscribe(f"t/{uid}", 1)
    new.publish(f"t/{uid}", b"still-works", qos=1)
    assert new.get().payload == b"still-works"


@pytest.mark.dynamq_only(reason="mosquitto 2.0.11 closes the old connection without DISCONNECT 0x8E")
def test_takeover_sends_disconnect_0x8e_to_v5_client(raw, uid):
    old = raw(5)
    old.connect(f"c-{uid}", props=[(w.SESSION_EXPIRY, 60)], clean=False)
    old.subscribe(1, [(f"t/{uid}", 1)])
    new = raw(5)
    ack = new.connect(f"c-{uid}", props=[(w.SESSION_EXPIRY, 60)], clean=False)
    assert ack.reason == 0 and ack.session_present  # the session moves to the new connection
    packets = old.wait_closed()
    assert [(p.type, p.reason) for p in packets] == [(w.DISCONNECT, 0x8E)]  # Session taken over
    # The subscription came along.
    new.send(w.publish(f"t/{uid}", b"x", qos=1, pid=1, version=5))
    got = [new.recv(), new.recv()]
    assert sorted(p.type for p in got) == [w.PUBLISH, w.PUBACK]


def test_takeover_publishes_will_of_old_connection(clients, uid):
    watcher = clients.connected(f"w-{uid}", V5)
    watcher.subscribe(f"will/{uid}", 1)
    old = clients.new(f"c-{uid}", V311)
    old.will_set(f"will/{uid}", b"taken-over", qos=1)
    old.connect()
    clients.connected(f"c-{uid}", V311)
    assert watcher.get().payload == b"taken-over"  # the old network connection closed abnormally


def test_resume_resends_inflight_then_queued_in_order(raw, clients, uid):
    """Receive Maximum 2, 6 messages: 2 in flight unacked + 4 queued; after a reconnect the
    two come again with DUP, then the rest, all in publish order [MQTT-4.6.0-1]."""
    p = [(w.RECEIVE_MAXIMUM, 2), (w.SESSION_EXPIRY, 60)]
    sub = raw(5)
    sub.connect(f"s-{uid}", clean=False, props=p)
    sub.subscribe(1, [(f"ro/{uid}", 1)])
    pub = clients.connected(f"p-{uid}", V5)
    for i in range(6):
        pub.publish(f"ro/{uid}", str(i).encode(), qos=1)
    first = [sub.recv_type(w.PUBLISH) for _ in range(2)]
    assert [x.payload for x in first] == [b"0", b"1"]
    sub.close()

    again = raw(5)
    assert again.connect(f"s-{uid}", clean=False, props=p).session_present
    got = []
    while len(got) < 6:
        x = again.recv_type(w.PUBLISH)
        got.append(x)
        again.send(w.ack(w.PUBACK, x.pid, 5))
    assert [x.payload for x in got] == [str(i).encode() for i in range(6)]
    assert [x.dup for x in got[:2]] == [True, True] and not any(x.dup for x in got[2:])


def test_takeover_moves_inflight_messages_to_new_connection(raw, clients, uid):
    old = raw(4)
    old.connect(f"s-{uid}", clean=False)
    old.subscribe(1, [(f"tk/{uid}", 1)])
    pub = clients.connected(f"p-{uid}", V311)
    pub.publish(f"tk/{uid}", b"in-flight", qos=1)
    unacked = old.recv_type(w.PUBLISH)
    new = raw(4)
    assert new.connect(f"s-{uid}", clean=False).session_present
    x = new.recv_type(w.PUBLISH)
    assert (x.payload, x.pid, x.dup) == (b"in-flight", unacked.pid, True)
    new.send(w.ack(w.PUBACK, x.pid))
    assert old.wait_closed() == []


def test_v5_will_not_sent_on_takeover_within_will_delay(clients, uid):
    watcher = clients.connected(f"w-{uid}", V5)
    watcher.subscribe(f"will/{uid}", 1)
    watcher.subscribe(f"mk/{uid}", 1)
    old = clients.new(f"c-{uid}", V5, clean=False)
    old.will_set(f"will/{uid}", b"w", qos=1, properties=props(PacketTypes.WILLMESSAGE, WillDelayInterval=2))
    old.connect(properties=sei(60))
    new = clients.new(f"c-{uid}", V5, clean=False)
    new.connect(properties=sei(60))
    # Will delay is time-based: wait past it, then check with a marker.
    time.sleep(3.0)
    clients.connected(f"m-{uid}", V5).publish(f"mk/{uid}", b"marker", qos=1)
    got = watcher.until(lambda m: m.topic == f"mk/{uid}")
    assert [m.topic for m in got] == [f"mk/{uid}"]  # session continued: no will [MQTT-3.1.3-9]


def test_qos2_duplicate_after_publisher_reconnect_not_delivered_twice(raw, clients, uid):
    sub = clients.connected(f"s-{uid}", V311)
    sub.subscribe(f"d2/{uid}", 1)
    c = raw(4)
    c.connect(f"p-{uid}", clean=False)
    c.send(w.publish(f"d2/{uid}", b"once", qos=2, pid=9))
    c.recv_type(w.PUBREC)
    c.close()
    c2 = raw(4)
    assert c2.connect(f"p-{uid}", clean=False).session_present
    c2.send(w.publish(f"d2/{uid}", b"once", qos=2, pid=9, dup=True))  # it never saw the PUBREC
    assert c2.recv_type(w.PUBREC).pid == 9
    c2.send(w.ack(w.PUBREL, 9))
    assert c2.recv_type(w.PUBCOMP).pid == 9
    c2.send(w.publish(f"d2/{uid}", b"marker", qos=1, pid=10))
    c2.recv_type(w.PUBACK)
    got = sub.until(lambda m: m.payload == b"marker")
    assert [m.payload for m in got] == [b"once", b"marker"]


@pytest.mark.dynamq_only(reason="mosquitto's persistent_client_expiration has no unit below an hour")
def test_v311_persistent_session_expires_after_configured_cap(broker_factory, uid):
    b = broker_factory(session_expiry_max=1)
    c = Client(b, f"c-{uid}", V311, clean=False)
    again = Client(b, f"c-{uid}", V311, clean=False)
    try:
        c.connect()
        c.disconnect()
        time.sleep(2.5)  # session expiry is time-based: wait past the 1 s cap
        again.connect()
        assert not again.session_present
    finally:
        c.stop()
        again.stop()


def test_clean_start_takeover_discards_the_old_session(clients, uid):
    old = clients.new(f"c-{uid}", V5, clean=False)
    old.connect(properties=sei(300))
    old.subscribe(f"cs/{uid}", 1)
    new = clients.new(f"c-{uid}", V5, clean=True)
    new.connect(properties=sei(300))
    assert not new.session_present
    old.wait_disconnected()
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"cs/{uid}", b"old-subscription", qos=1)
    new.subscribe(f"mk/{uid}", 1)
    pub.publish(f"mk/{uid}", b"marker", qos=1)
    got = new.until(lambda m: m.topic == f"mk/{uid}")
    assert [m.payload for m in got] == [b"marker"]
