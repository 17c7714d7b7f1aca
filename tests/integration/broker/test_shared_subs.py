"""Shared subscriptions `$share/group/filter` (MQTT 5 §4.8.2): each message to exactly one
member, every member gets some (round robin), redistribution when a member leaves, no
loss at QoS 1, independent groups, no retained messages on a shared subscribe."""

import pytest

from harness import wait_until

from . import mqtt_wire as w
from .clients import V5, V311


def members(clients, uid, n, group="g", topic=None, qos=1, version=V5):
    topic = topic or f"sh/{uid}"
    subs = []
    for i in range(n):
        c = clients.connected(f"m{i}-{group}-{uid}", version)
        assert c.subscribe(f"$share/{group}/{topic}", qos) == [qos]
        subs.append(c)
    return subs


def drain(subs):
    """Everything already received by each member (non-blocking)."""
    out = []
    for s in subs:
        batch = []
        while not s.messages.empty():
            batch.append(s.messages.get_nowait())
        out.append(batch)
    return out


def publish_n(pub, topic, n, start=0):
    for i in range(start, start + n):
        pub.publish(topic, str(i).encode(), qos=1)


def test_each_message_to_exactly_one_member_round_robin(clients, uid):
    subs = members(clients, uid, 3)
    pub = clients.connected(f"p-{uid}", V5)
    publish_n(pub, f"sh/{uid}", 30)
    got = [[] for _ in subs]

    def total():
        for i, batch in enumerate(drain(subs)):
            got[i] += batch
        return sum(len(g) for g in got) >= 30

    wait_until(total, 10, message="30 shared deliveries")
    payloads = sorted(int(m.payload) for g in got for m in g)
    assert payloads == list(range(30))  # exactly once across the group
    assert all(len(g) > 0 for g in got), [len(g) for g in got]  # every member gets some
    for g in got:  # each member sees its share in publish order
        seq = [int(m.payload) for m in g]
        assert seq == sorted(seq)


def test_non_shared_subscriber_gets_everything_alongside_group(clients, uid):
    subs = members(clients, uid, 2)
    plain = clients.connected(f"plain-{uid}", V5)
    plain.subscribe(f"sh/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V5)
    publish_n(pub, f"sh/{uid}", 10)
    assert [int(m.payload) for m in plain.get_n(10)] == list(range(10))
    seen = []
    wait_until(lambda: seen.extend(m for b in drain(subs) for m in b) or len(seen) >= 10, 10)
    assert sorted(int(m.payload) for m in seen) == list(range(10))


def test_two_groups_each_get_every_message(clients, uid):
    a = members(clients, uid, 2, group="ga")
    b = members(clients, uid, 2, group="gb")
    pub = clients.connected(f"p-{uid}", V5)
    publish_n(pub, f"sh/{uid}", 10)
    for group in (a, b):
        seen = []
        wait_until(lambda: seen.extend(m for x in drain(group) for m in x) or len(seen) >= 10, 10)
        assert sorted(int(m.payload) for m in seen) == list(range(10))


def test_remaining_member_gets_everything_after_one_leaves(clients, uid):
    m0, m1 = members(clients, uid, 2)
    m1.disconnect()
    m1.wait_disconnected()
    pub = clients.connected(f"p-{uid}", V5)
    publish_n(pub, f"sh/{uid}", 10)
    assert [int(m.payload) for m in m0.get_n(10)] == list(range(10))


def test_remaining_member_gets_everything_after_one_unsubscribes(clients, uid):
    m0, m1 = members(clients, uid, 2)
    m1.unsubscribe(f"$share/g/sh/{uid}")
    pub = clients.connected(f"p-{uid}", V5)
    publish_n(pub, f"sh/{uid}", 10)
    assert [int(m.payload) for m in m0.get_n(10)] == list(range(10))


def test_v311_clients_can_share(clients, uid):
    subs = members(clients, uid, 2, version=V311)
    pub = clients.connected(f"p-{uid}", V311)
    publish_n(pub, f"sh/{uid}", 10)
    seen = []
    wait_until(lambda: seen.extend(m for b in drain(subs) for m in b) or len(seen) >= 10, 10)
    assert sorted(int(m.payload) for m in seen) == list(range(10))


def test_shared_filter_with_wildcard(clients, uid):
    subs = members(clients, uid, 2, topic=f"shw/{uid}/+")
    pub = clients.connected(f"p-{uid}", V5)
    for i in range(6):
        pub.publish(f"shw/{uid}/{i}", str(i).encode(), qos=1)
    seen = []
    wait_until(lambda: seen.extend(m for b in drain(subs) for m in b) or len(seen) >= 6, 10)
    assert sorted(int(m.payload) for m in seen) == list(range(6))


@pytest.mark.dynamq_only(
    reason="v5 §3.3.1.3 sends retained messages when a new Non-shared Subscription is made; "
    "mosquitto 2.0.11 sends them to shared subscribers too"
)
def test_shared_subscribe_gets_no_retained_messages(clients, uid):
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"sh/{uid}", b"retained", qos=1, retain=True)
    (m0,) = members(clients, uid, 1)
    pub.publish(f"sh/{uid}", b"live", qos=1)
    assert m0.get().payload == b"live"  # only for Non-shared Subscriptions (§3.3.1.3)
    pub.publish(f"sh/{uid}", b"", qos=1, retain=True)


@pytest.mark.dynamq_only(
    reason="§4.8.2 SHOULD: mosquitto 2.0.11 drops the unacknowledged messages of a member whose "
    "session ends instead of sending them to another member"
)
def test_unacked_qos1_of_leaving_member_goes_to_another_member(raw, clients, uid):
    """No loss at QoS 1: a member that never acknowledges and whose session ends on close."""
    stay = clients.connected(f"stay-{uid}", V5)
    stay.subscribe(f"$share/g/sh/{uid}", 1)
    leaver = raw(5)
    leaver.connect(f"leave-{uid}")  # clean start, session expiry 0: the session ends on close
    leaver.subscribe(1, [(f"$share/g/sh/{uid}", 1)])
    pub = clients.connected(f"p-{uid}", V5)
    publish_n(pub, f"sh/{uid}", 10)
    taken = []
    try:
        while True:
            p = leaver.recv(0.5)
            if p.type == w.PUBLISH:
                taken.append(int(p.payload))
    except TimeoutError:
        pass
    assert taken, "the raw member got no share (round robin)"
    leaver.close()  # its unacknowledged messages must not be lost
    seen = []
    wait_until(lambda: seen.extend(int(m.payload) for m in drain([stay])[0]) or set(seen) >= set(range(10)), 10,
               message="all 10 messages at the staying member")
    assert set(seen) == set(range(10))
