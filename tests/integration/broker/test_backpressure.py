"""Back-pressure (bench/README.md, "Back-pressure"): a publisher flooding a subscriber that
consumes slower than it publishes is paused (not read) instead of having its messages
acknowledged into a queue that overflows; nothing is lost at QoS 1 even with a tiny queue
limit. A client subscribed to its own topic that floods it is never paused (no deadlock)."""

import threading

import pytest

from . import mqtt_wire as w

SLOW = "mosquitto acknowledges into the queue and drops past max_queued_messages"


def _consume(sub, total, seen, errors, delay=0.0):
    """Reads `total` QoS 1 PUBLISHes, acknowledging each (after `delay` s: a slow consumer)."""
    import time

    try:
        while len(seen) < total:
            p = sub.recv_type(w.PUBLISH, timeout=30)
            if delay:
                time.sleep(delay)  # the consumer's own slowness, not a wait for the broker
            seen.append(int(p.payload))
            sub.send(w.ack(w.PUBACK, p.pid))
    except Exception as e:  # reported by the test
        errors.append(e)


@pytest.mark.dynamq_only(reason=SLOW)
def test_slow_subscriber_pauses_publisher_and_loses_nothing(broker_factory, uid):
    # A queue of 20 messages: without back-pressure a burst of 600 would overflow it.
    b = broker_factory(max_queued_messages=20, max_inflight=4)
    sub = w.RawClient(b.host, b.port, 4)
    pub = w.RawClient(b.host, b.port, 4)
    try:
        sub.connect(f"s-{uid}")
        sub.subscribe(1, [(f"bp/{uid}", 1)])
        total = 600
        seen, errors = [], []
        t = threading.Thread(target=_consume, args=(sub, total, seen, errors, 0.001))
        t.start()
        pub.connect(f"p-{uid}")
        # The whole flood in one go, ids 1..600: the broker reads it as fast as it lets itself.
        pub.send(b"".join(w.publish(f"bp/{uid}", b"%d" % i, qos=1, pid=i + 1) for i in range(total)))
        acked = [pub.recv_type(w.PUBACK, timeout=30).pid for _ in range(total)]
        t.join(timeout=60)
        assert not errors, (errors, len(seen))
        assert acked == list(range(1, total + 1))
        assert seen == list(range(total))  # all of them, once, in order: nothing dropped
    finally:
        sub.close()
        pub.close()


def test_client_flooding_its_own_subscription_is_not_deadlocked(broker_factory, uid):
    # Queue limit 40 (high-water mark 20): the flood is far past both. Pausing this client for
    # its own session would stop the PUBACKs that drain that session: it is never paused, and
    # past the queue limit the newest messages are dropped (counted), as without back-pressure.
    b = broker_factory(max_queued_messages=40, max_inflight=4)
    c = w.RawClient(b.host, b.port, 4)
    try:
        c.connect(f"self-{uid}")
        c.subscribe(1, [(f"self/{uid}", 1)])
        total = 400
        c.send(b"".join(w.publish(f"self/{uid}", b"%d" % i, qos=1, pid=i + 1) for i in range(total)))
        got, acks = [], 0

        def read_one():
            nonlocal acks
            p = c.recv(timeout=10)
            if p.type == w.PUBACK:
                acks += 1
            elif p.type == w.PUBLISH:
                got.append(p.payload)
                c.send(w.ack(w.PUBACK, p.pid))

        while acks < total:  # every publish acknowledged: the client was read to the end
            read_one()
        c.send(w.publish(f"self/{uid}", b"end", qos=1, pid=total + 1))
        while not got or got[-1] != b"end":  # and its own deliveries keep flowing
            read_one()
        kept = [int(x) for x in got[:-1]]
        assert len(kept) >= 40
        assert kept == list(range(len(kept)))  # the oldest, in order
    finally:
        c.close()
