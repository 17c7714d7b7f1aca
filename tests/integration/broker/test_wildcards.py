"""Topic filters: `+` and `#`, `$`-topics not matched by a leading wildcard, overlapping
subscriptions (one or several copies, subscription identifiers on delivery), unsubscribe."""

import pytest

from .clients import V5, V311, props
from paho.mqtt.packettypes import PacketTypes

# (filter, topic, matches) with {u} replaced by a per-test prefix level.
CASES = [
    ("{u}/a/+/c", "{u}/a/b/c", True),
    ("{u}/a/+/c", "{u}/a/b/x/c", False),
    ("{u}/a/+", "{u}/a/", True),  # empty level matches + [MQTT-4.7.1-3]
    ("{u}/a/#", "{u}/a", True),  # # includes the parent level [MQTT-4.7.1-2]
    ("{u}/a/#", "{u}/a/b/c/d", True),
    ("{u}/a/#", "{u}/ab", False),
    ("{u}/+/+", "{u}/x/y", True),
    ("{u}/+", "{u}/x/y", False),
    ("{u}/a/b", "{u}/a/b/", False),
    ("{u}/A", "{u}/a", False),  # case sensitive
]


def collect(clients, uid, topic_filter, topics, version=V5):
    """Subscribes to `topic_filter`, publishes each topic then a marker; returns the topics
    received before the marker."""
    sub = clients.connected(f"s{len(clients.all)}-{uid}", version)
    sub.subscribe(topic_filter, 1)
    sub.subscribe(f"mk/{uid}", 1)
    pub = clients.connected(f"p{len(clients.all)}-{uid}", version)
    for t in topics:
        pub.publish(t, t.encode(), qos=1)
    pub.publish(f"mk/{uid}", b"marker", qos=1)
    got = sub.until(lambda m: m.topic == f"mk/{uid}")
    return [m.topic for m in got[:-1]]


@pytest.mark.parametrize("topic_filter,topic,matches", CASES)
def test_filter_matching(clients, uid, topic_filter, topic, matches):
    u = uid.replace("/", "_")
    f, t = topic_filter.format(u=u), topic.format(u=u)
    got = collect(clients, uid, f, [t])
    assert got == ([t] if matches else [])


def test_plus_matches_leading_empty_level(clients, uid):
    got = collect(clients, uid, f"+/{uid}/x", [f"/{uid}/x"])
    assert got == [f"/{uid}/x"]


@pytest.mark.parametrize("topic_filter", ["#", "+/x", "+/+"])
def test_dollar_topics_not_matched_by_leading_wildcard(clients, uid, topic_filter):
    got = collect(clients, uid, topic_filter, [f"$d{uid}/x"])
    assert all(not t.startswith("$") for t in got), got  # [MQTT-4.7.2-1]


def test_dollar_topics_matched_by_explicit_prefix(clients, uid):
    got = collect(clients, uid, f"$d{uid}/+", [f"$d{uid}/x"])
    assert got == [f"$d{uid}/x"]


def test_unsubscribe_stops_delivery(clients, uid):
    sub = clients.connected(f"s-{uid}", V311)
    sub.subscribe(f"u/{uid}/#", 1)
    sub.subscribe(f"mk/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V311)
    pub.publish(f"u/{uid}/a", b"before", qos=1)
    assert sub.get().payload == b"before"
    sub.unsubscribe(f"u/{uid}/#")
    pub.publish(f"u/{uid}/a", b"after", qos=1)
    pub.publish(f"mk/{uid}", b"marker", qos=1)
    got = sub.until(lambda m: m.topic == f"mk/{uid}")
    assert [m.payload for m in got] == [b"marker"]


@pytest.mark.dynamq_only(
    reason="mosquitto 2.0.11 sends one copy at the QoS of the first matching subscription, "
    "against [MQTT-3.3.5-1]"
)
def test_v311_overlapping_subscriptions_deliver_at_max_qos(clients, uid):
    sub = clients.connected(f"s-{uid}", V311)
    sub.subscribe(f"o/{uid}/+", 0)
    sub.subscribe(f"o/{uid}/#", 1)
    sub.subscribe(f"mk/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V311)
    pub.publish(f"o/{uid}/a", b"x", qos=1)
    pub.publish(f"mk/{uid}", b"marker", qos=1)
    got = sub.until(lambda m: m.topic == f"mk/{uid}")[:-1]
    # One copy at the maximum QoS, or one copy per subscription [MQTT-3.3.5-1].
    assert 1 <= len(got) <= 2
    assert max(m.qos for m in got) == 1


def test_v5_overlapping_subscriptions_carry_subscription_identifiers(clients, uid):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"o/{uid}/+", 1, properties=props(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=11))
    sub.subscribe(f"o/{uid}/#", 1, properties=props(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=22))
    sub.subscribe(f"mk/{uid}", 1)  # no identifier
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"o/{uid}/a", b"x", qos=1)
    pub.publish(f"mk/{uid}", b"marker", qos=1)
    got = sub.until(lambda m: m.topic == f"mk/{uid}")
    marker, copies = got[-1], got[:-1]
    ids = []
    for m in copies:
        ids += getattr(m.properties, "SubscriptionIdentifier", [])
    # One message with both ids or one per subscription, each with its id [MQTT-3.3.4-3..5].
    assert sorted(ids) == [11, 22] and 1 <= len(copies) <= 2
    assert not hasattr(marker.properties, "SubscriptionIdentifier")


def test_v5_resubscribe_replaces_subscription_identifier(clients, uid):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"r/{uid}", 1, properties=props(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=5))
    sub.subscribe(f"r/{uid}", 1, properties=props(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=6))
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"r/{uid}", b"x", qos=1)
    m = sub.get()
    assert m.properties.SubscriptionIdentifier == [6]  # replaced, one copy [MQTT-3.8.4-3]
