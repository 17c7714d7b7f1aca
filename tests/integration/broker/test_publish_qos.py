"""QoS 0/1/2 in both directions: downgrade to the granted QoS, packet identifiers,
exactly-once at QoS 2, the inflight window (Receive Maximum / max_inflight) with queueing
past it, DUP resend on session resume, and per-topic ordering under load."""

import pytest

from . import mqtt_wire as w
from .clients import V5, V311

QUIET = 0.5  # seconds a "nothing more arrives" check listens


def no_packet(c, timeout=QUIET):
    """True when nothing arrives on the raw client within `timeout` (connection still open)."""
    try:
        p = c.recv(timeout)
    except TimeoutError:
        return True
    raise AssertionError(f"unexpected packet {p}")


@pytest.mark.parametrize("version", [V311, V5], ids=["3.1.1", "5"])
@pytest.mark.parametrize("pub_qos", [0, 1, 2])
@pytest.mark.parametrize("sub_qos", [0, 1, 2])
def test_delivered_qos_is_min_of_publish_and_granted(clients, uid, version, pub_qos, sub_qos):
    sub = clients.connected(f"s-{uid}", version)
    pub = clients.connected(f"p-{uid}", version)
    assert sub.subscribe(f"q/{uid}", sub_qos) == [sub_qos]
    pub.publish(f"q/{uid}", b"payload", qos=pub_qos)
    m = sub.get()
    assert m.payload == b"payload"
    assert m.qos == min(pub_qos, sub_qos)  # [MQTT-3.8.4-8]


@pytest.mark.parametrize("qos", [1, 2])
def test_outgoing_packet_ids_are_nonzero_and_unique_while_unacked(raw, clients, uid, qos):
    sub = raw(4)
    sub.connect(f"s-{uid}")
    sub.subscribe(1, [(f"ids/{uid}", qos)])
    pub = clients.connected(f"p-{uid}", V311)
    for i in range(5):
        pub.publish(f"ids/{uid}", str(i).encode(), qos=qos)
    got = [sub.recv_type(w.PUBLISH) for _ in range(5)]
    ids = [p.pid for p in got]
    assert all(ids), ids  # [MQTT-2.3.1-1]
    assert len(set(ids)) == 5, ids  # in use until acknowledged [MQTT-2.3.1-2]
    assert [p.payload for p in got] == [b"0", b"1", b"2", b"3", b"4"]


def test_qos1_publisher_gets_puback_with_its_packet_id(raw, uid):
    c = raw(4)
    c.connect(uid)
    c.send(w.publish(f"a/{uid}", b"x", qos=1, pid=4242))
    p = c.recv_type(w.PUBACK)
    assert p.pid == 4242


def test_qos2_publisher_flow_and_exactly_once_with_dup_resend(raw, clients, uid):
    sub = clients.connected(f"s-{uid}", V311)
    # Granted QoS 1: paho hands QoS 2 messages over only at PUBREL, which could reorder
    # them behind the QoS 1 marker on the client side.
    sub.subscribe(f"eo/{uid}", 1)
    c = raw(4)
    c.connect(f"p-{uid}")
    c.send(w.publish(f"eo/{uid}", b"once", qos=2, pid=7))
    assert c.recv_type(w.PUBREC).pid == 7
    # The publisher did not see the PUBREC (as far as it knows) and resends with DUP.
    c.send(w.publish(f"eo/{uid}", b"once", qos=2, pid=7, dup=True))
    assert c.recv_type(w.PUBREC).pid == 7
    c.send(w.ack(w.PUBREL, 7))
    assert c.recv_type(w.PUBCOMP).pid == 7
    # A later message on the same topic proves the duplicate was not delivered.
    c.send(w.publish(f"eo/{uid}", b"marker", qos=1, pid=8))
    c.recv_type(w.PUBACK)
    got = sub.until(lambda m: m.payload == b"marker")
    assert [m.payload for m in got] == [b"once", b"marker"]  # [MQTT-4.3.3-...] exactly once


def test_qos2_subscriber_flow_pubrec_pubrel_pubcomp(raw, clients, uid):
    sub = raw(4)
    sub.connect(f"s-{uid}")
    sub.subscribe(1, [(f"q2/{uid}", 2)])
    pub = clients.connected(f"p-{uid}", V311)
    pub.publish(f"q2/{uid}", b"m", qos=2)
    p = sub.recv_type(w.PUBLISH)
    assert p.qos == 2 and p.pid and not p.dup
    sub.send(w.ack(w.PUBREC, p.pid))
    rel = sub.recv_type(w.PUBREL)
    assert rel.pid == p.pid and rel.flags == 0x02  # [MQTT-3.6.1-1]
    sub.send(w.ack(w.PUBCOMP, p.pid))
    # Still connected and working after the flow.
    pub.publish(f"q2/{uid}", b"n", qos=2)
    assert sub.recv_type(w.PUBLISH).payload == b"n"


def test_v5_receive_maximum_limits_unacked_publishes(raw, clients, uid):
    sub = raw(5)
    sub.connect(f"s-{uid}", props=[(w.RECEIVE_MAXIMUM, 2)])
    sub.subscribe(1, [(f"rm/{uid}", 1)])
    pub = clients.connected(f"p-{uid}", V5)
    for i in range(10):
        pub.publish(f"rm/{uid}", str(i).encode(), qos=1)
    first = [sub.recv_type(w.PUBLISH) for _ in range(2)]
    assert no_packet(sub)  # never more than Receive Maximum unacked [MQTT-3.3.4-9]
    got = list(first)
    outstanding = list(first)
    while len(got) < 10:
        # Acknowledge one; exactly one more may follow.
        done = outstanding.pop(0)
        sub.send(w.ack(w.PUBACK, done.pid, version=5))
        p = sub.recv_type(w.PUBLISH)
        got.append(p)
        outstanding.append(p)
        assert len(outstanding) <= 2
    for p in outstanding:
        sub.send(w.ack(w.PUBACK, p.pid, version=5))
    assert [p.payload for p in got] == [str(i).encode() for i in range(10)]  # queued, in order


def test_v311_max_inflight_window_with_queueing(broker_factory, uid):
    b = broker_factory(max_inflight=3)
    from .clients import Client

    sub = w.RawClient(b.host, b.port, 4)
    pub = Client(b, f"p-{uid}", V311)
    try:
        sub.connect(f"s-{uid}")
        sub.subscribe(1, [(f"if/{uid}", 1)])
        pub.connect()
        for i in range(8):
            pub.publish(f"if/{uid}", str(i).encode(), qos=1)
        got = [sub.recv_type(w.PUBLISH) for _ in range(3)]
        assert no_packet(sub)
        while len(got) < 8:
            sub.send(w.ack(w.PUBACK, got[len(got) - 3].pid))
            got.append(sub.recv_type(w.PUBLISH))
        assert [p.payload for p in got] == [str(i).encode() for i in range(8)]
    finally:
        sub.close()
        pub.stop()


@pytest.mark.parametrize("version", [4, 5], ids=["3.1.1", "5"])
def test_unacked_qos1_resent_with_dup_on_session_resume(raw, clients, uid, version):
    props = [(w.SESSION_EXPIRY, 60)] if version == 5 else None
    sub = raw(version)
    sub.connect(f"s-{uid}", clean=False, props=props)
    sub.subscribe(1, [(f"dup/{uid}", 1)])
    pub = clients.connected(f"p-{uid}", V311)
    pub.publish(f"dup/{uid}", b"unacked", qos=1)
    first = sub.recv_type(w.PUBLISH)
    assert not first.dup
    sub.close()  # no PUBACK

    again = raw(version)
    ack = again.connect(f"s-{uid}", clean=False, props=props)
    assert ack.session_present
    p = again.recv_type(w.PUBLISH)
    assert (p.payload, p.pid, p.dup, p.qos) == (b"unacked", first.pid, True, 1)  # [MQTT-4.4.0-1]
    again.send(w.ack(w.PUBACK, p.pid, version))
    pub.publish(f"dup/{uid}", b"next", qos=1)
    assert again.recv_type(w.PUBLISH).payload == b"next"


def test_qos2_pubrel_resent_on_session_resume(raw, clients, uid):
    sub = raw(4)
    sub.connect(f"s-{uid}", clean=False)
    sub.subscribe(1, [(f"rel/{uid}", 2)])
    pub = clients.connected(f"p-{uid}", V311)
    pub.publish(f"rel/{uid}", b"m", qos=2)
    p = sub.recv_type(w.PUBLISH)
    sub.send(w.ack(w.PUBREC, p.pid))
    assert sub.recv_type(w.PUBREL).pid == p.pid
    sub.close()  # no PUBCOMP

    again = raw(4)
    assert again.connect(f"s-{uid}", clean=False).session_present
    rel = again.recv_type(w.PUBREL)  # the PUBREL, not the PUBLISH again [MQTT-4.4.0-1]
    assert rel.pid == p.pid
    again.send(w.ack(w.PUBCOMP, rel.pid))


def test_incoming_qos2_completed_after_publisher_reconnects(raw, clients, uid):
    sub = clients.connected(f"s-{uid}", V311)
    sub.subscribe(f"in2/{uid}", 1)  # QoS 1: see test_qos2_publisher_flow_and_exactly_once...
    c = raw(4)
    c.connect(f"p-{uid}", clean=False)
    c.send(w.publish(f"in2/{uid}", b"once", qos=2, pid=11))
    assert c.recv_type(w.PUBREC).pid == 11
    c.close()  # PUBREL never sent on this connection

    c2 = raw(4)
    assert c2.connect(f"p-{uid}", clean=False).session_present
    c2.send(w.ack(w.PUBREL, 11))
    assert c2.recv_type(w.PUBCOMP).pid == 11
    c2.send(w.publish(f"in2/{uid}", b"marker", qos=1, pid=12))
    c2.recv_type(w.PUBACK)
    got = sub.until(lambda m: m.payload == b"marker")
    assert [m.payload for m in got] == [b"once", b"marker"]


@pytest.mark.parametrize("version", [V311, V5], ids=["3.1.1", "5"])
def test_thousand_qos1_messages_arrive_in_order(clients, uid, version):
    sub = clients.connected(f"s-{uid}", version)
    sub.subscribe(f"order/{uid}", 1)
    pub = clients.connected(f"p-{uid}", version)
    pub.publish_many(f"order/{uid}", [str(i).encode() for i in range(1000)], qos=1)
    got = sub.get_n(1000, timeout=60)
    assert [int(m.payload) for m in got] == list(range(1000))  # [MQTT-4.6.0-6]


def test_qos0_from_many_publishers_each_in_order(clients, uid):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"many/{uid}/+", 0)
    pubs = [clients.connected(f"p{i}-{uid}", V5) for i in range(3)]
    for n in range(200):
        for i, p in enumerate(pubs):
            p.publish(f"many/{uid}/{i}", str(n).encode(), qos=0, wait=False)
    for p in pubs:  # a QoS 1 marker per publisher flushes its QoS 0 stream
        p.publish(f"many/{uid}/{pubs.index(p)}", b"end", qos=1)
    got = sub.get_n(603, timeout=30)
    for i in range(3):
        seq = [m.payload for m in got if m.topic == f"many/{uid}/{i}"]
        assert seq == [str(n).encode() for n in range(200)] + [b"end"]


def test_packet_ids_wrap_around_without_zero_or_reuse_in_flight(raw, uid):
    """More than 65535 QoS 1 deliveries to one client: ids wrap, never 0, never reused
    while unacknowledged [MQTT-2.2.1-3]."""
    import threading

    total = 66000
    sub = raw(4)
    sub.connect(f"s-{uid}")
    sub.subscribe(1, [(f"wrap/{uid}", 1)])
    seen = []
    errors = []

    def consume():
        try:
            while len(seen) < total:
                p = sub.recv_type(w.PUBLISH, timeout=30)
                seen.append((p.pid, p.payload))
                sub.send(w.ack(w.PUBACK, p.pid))
        except Exception as e:  # reported below
            errors.append(e)

    t = threading.Thread(target=consume)
    t.start()
    pub = raw(4)
    pub.connect(f"p-{uid}")
    window = 30  # below the default Receive Maximum of both brokers
    pid = 0
    from harness import wait_until

    for start in range(0, total, window):
        # Stay within max_queued_messages of the subscriber: drops past it are legitimate.
        wait_until(lambda: len(seen) >= start - 300 or errors, 30, interval=0.001, message="subscriber progress")
        batch = b""
        for i in range(start, min(total, start + window)):
            pid = pid % 65535 + 1
            batch += w.publish(f"wrap/{uid}", b"%d" % i, qos=1, pid=pid)
        pub.send(batch)
        for _ in range(min(total, start + window) - start):
            pub.recv_type(w.PUBACK, timeout=30)
    t.join(timeout=120)
    assert not errors, (errors, len(seen), seen[-3:])
    assert len(seen) == total
    assert all(pid != 0 for pid, _ in seen)
    assert [int(p) for _, p in seen] == list(range(total))
    assert len({pid for pid, _ in seen}) == 65535  # every id used once the range wrapped
