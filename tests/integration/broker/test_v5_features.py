"""MQTT 5: topic aliases both ways, subscription options (no local, retain as published,
retain handling 0/1/2), request/response and other properties passed through, client
Maximum Packet Size honoured, reason strings only where allowed."""

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.subscribeoptions import SubscribeOptions

from . import mqtt_wire as w
from .clients import V5, props


def marker_until(sub, pub, topic):
    pub.publish(topic, b"marker", qos=1)
    return sub.until(lambda m: m.payload == b"marker" and m.topic == topic)[:-1]


# ---- topic aliases --------------------------------------------------------------------


def test_client_to_broker_topic_alias(raw, clients, uid):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"al/{uid}", 1)
    c = raw(5)
    ack = c.connect(f"p-{uid}")
    assert ack.props.get(w.TOPIC_ALIAS_MAXIMUM, 0) >= 1, "broker must allow aliases for this test"
    c.send(w.publish(f"al/{uid}", b"set", qos=1, pid=1, version=5, props=[(w.TOPIC_ALIAS, 1)]))
    c.recv_type(w.PUBACK)
    c.send(w.publish("", b"via-alias", qos=1, pid=2, version=5, props=[(w.TOPIC_ALIAS, 1)]))
    assert c.recv_type(w.PUBACK).reason == 0
    got = sub.get_n(2)
    assert [(m.topic, m.payload) for m in got] == [(f"al/{uid}", b"set"), (f"al/{uid}", b"via-alias")]
    # Subscribers never see the publisher's alias [MQTT-3.3.2-...]: paho would show it.
    assert not hasattr(got[1].properties, "TopicAlias")


def test_client_alias_can_be_remapped(raw, clients, uid):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"al/{uid}/+", 1)
    c = raw(5)
    c.connect(f"p-{uid}")
    c.send(w.publish(f"al/{uid}/a", b"1", qos=1, pid=1, version=5, props=[(w.TOPIC_ALIAS, 1)]))
    c.send(w.publish(f"al/{uid}/b", b"2", qos=1, pid=2, version=5, props=[(w.TOPIC_ALIAS, 1)]))
    c.send(w.publish("", b"3", qos=1, pid=3, version=5, props=[(w.TOPIC_ALIAS, 1)]))
    for _ in range(3):
        c.recv_type(w.PUBACK)
    got = sub.get_n(3)
    assert [(m.topic, m.payload) for m in got] == [
        (f"al/{uid}/a", b"1"), (f"al/{uid}/b", b"2"), (f"al/{uid}/b", b"3")]


def test_broker_to_client_aliases_respect_client_maximum(raw, clients, uid):
    sub = raw(5)
    sub.connect(f"s-{uid}", props=[(w.TOPIC_ALIAS_MAXIMUM, 2)])
    sub.subscribe(1, [(f"ba/{uid}/+", 0)])
    pub = clients.connected(f"p-{uid}", V5)
    sent = [f"ba/{uid}/{i % 4}" for i in range(12)]
    for i, t in enumerate(sent):
        pub.publish(t, str(i).encode(), qos=0, wait=False)
    pub.publish(sent[0], b"end", qos=1)
    aliases = {}
    got = []
    while len(got) < len(sent) + 1:
        p = sub.recv_type(w.PUBLISH)
        alias = p.props.get(w.TOPIC_ALIAS)
        if alias is not None:
            assert 1 <= alias <= 2, f"alias {alias} above the client's maximum [MQTT-3.3.2-9]"
            if p.topic:
                aliases[alias] = p.topic
            else:
                assert alias in aliases, "empty topic with an alias never set [MQTT-3.3.2-...]"
        topic = p.topic or aliases[alias]
        got.append(topic)
    assert got == sent + [sent[0]]


def test_no_broker_aliases_when_client_allows_none(raw, clients, uid):
    sub = raw(5)
    sub.connect(f"s-{uid}")  # no Topic Alias Maximum: 0 [MQTT-3.1.2-...]
    sub.subscribe(1, [(f"na/{uid}", 0)])
    pub = clients.connected(f"p-{uid}", V5)
    for i in range(5):
        pub.publish(f"na/{uid}", str(i).encode(), qos=0)
    for i in range(5):
        p = sub.recv_type(w.PUBLISH)
        assert p.topic == f"na/{uid}" and w.TOPIC_ALIAS not in p.props  # [MQTT-3.3.2-9]


# ---- subscription options -------------------------------------------------------------


def test_no_local(clients, uid):
    me = clients.connected(f"me-{uid}", V5)
    me.subscribe(f"nl/{uid}", options=SubscribeOptions(qos=1, noLocal=True))
    other = clients.connected(f"o-{uid}", V5)
    me.publish(f"nl/{uid}", b"mine", qos=1)
    got = marker_until(me, other, f"nl/{uid}")
    assert got == []  # own message not delivered [MQTT-3.8.3-3]


def test_without_no_local_own_messages_arrive(clients, uid):
    me = clients.connected(f"me-{uid}", V5)
    me.subscribe(f"nl/{uid}", 1)
    me.publish(f"nl/{uid}", b"mine", qos=1)
    assert me.get().payload == b"mine"


@pytest.mark.parametrize("rap", [False, True])
def test_retain_as_published(clients, uid, rap):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"rap/{uid}", options=SubscribeOptions(qos=1, retainAsPublished=rap))
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"rap/{uid}", b"r", qos=1, retain=True)
    pub.publish(f"rap/{uid}", b"n", qos=1, retain=False)
    got = sub.get_n(2)
    assert [bool(m.retain) for m in got] == [rap, False]  # [MQTT-3.3.1-12/13]
    pub.publish(f"rap/{uid}", b"", qos=1, retain=True)


def test_retain_handling_0_1_2(clients, uid):
    topic = f"rh/{uid}"
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(topic, b"kept", qos=1, retain=True)

    def retained_on(sub, rh, marker_topic):
        sub.subscribe(topic, options=SubscribeOptions(qos=1, retainHandling=rh))
        return [m.payload for m in marker_until(sub, pub, marker_topic)]

    s0 = clients.connected(f"s0-{uid}", V5)
    s0.subscribe(f"mk0/{uid}", 1)
    assert retained_on(s0, 0, f"mk0/{uid}") == [b"kept"]
    assert retained_on(s0, 0, f"mk0/{uid}") == [b"kept"]  # again on re-subscribe [MQTT-3.3.1-9]
    s1 = clients.connected(f"s1-{uid}", V5)
    s1.subscribe(f"mk1/{uid}", 1)
    assert retained_on(s1, 1, f"mk1/{uid}") == [b"kept"]  # new subscription
    assert retained_on(s1, 1, f"mk1/{uid}") == []  # existing one: not sent [MQTT-3.3.1-10]
    s2 = clients.connected(f"s2-{uid}", V5)
    s2.subscribe(f"mk2/{uid}", 1)
    assert retained_on(s2, 2, f"mk2/{uid}") == []  # never [MQTT-3.3.1-11]
    pub.publish(topic, b"", qos=1, retain=True)


# ---- properties passed through --------------------------------------------------------


def test_request_response_properties_passed_through(clients, uid):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"req/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V5)
    p = props(ResponseTopic=f"resp/{uid}", CorrelationData=b"\x00\xffid", ContentType="application/json",
              PayloadFormatIndicator=1,
              UserProperty=[("a", "1"), ("b", "2"), ("a", "3")])
    pub.publish(f"req/{uid}", b'{"x":1}', qos=1, properties=p)
    m = sub.get()
    assert m.properties.ResponseTopic == f"resp/{uid}"  # [MQTT-3.3.2-15]
    assert m.properties.CorrelationData == b"\x00\xffid"  # [MQTT-3.3.2-16]
    assert m.properties.ContentType == "application/json"  # [MQTT-3.3.2-20]
    assert m.properties.PayloadFormatIndicator == 1  # [MQTT-3.3.2-4]
    assert m.properties.UserProperty == [("a", "1"), ("b", "2"), ("a", "3")]  # in order [MQTT-3.3.2-18]


def test_request_response_round_trip(clients, uid):
    responder = clients.connected(f"r-{uid}", V5)
    responder.subscribe(f"svc/{uid}", 1)
    requester = clients.connected(f"q-{uid}", V5)
    requester.subscribe(f"resp/{uid}", 1)
    requester.publish(f"svc/{uid}", b"ping", qos=1,
                      properties=props(ResponseTopic=f"resp/{uid}", CorrelationData=b"42"))
    req = responder.get()
    responder.publish(req.properties.ResponseTopic, b"pong", qos=1,
                      properties=props(CorrelationData=req.properties.CorrelationData))
    answer = requester.get()
    assert (answer.payload, answer.properties.CorrelationData) == (b"pong", b"42")


def test_client_maximum_packet_size_is_honoured(raw, clients, uid):
    sub = raw(5)
    sub.connect(f"s-{uid}", props=[(w.MAXIMUM_PACKET_SIZE, 200)])
    sub.subscribe(1, [(f"mps/{uid}", 0)])
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"mps/{uid}", b"x" * 500, qos=0)  # too big for the client: discarded
    pub.publish(f"mps/{uid}", b"small", qos=1)
    p = sub.recv_type(w.PUBLISH)
    assert p.payload == b"small"  # the big one was not sent [MQTT-3.1.2-25]


def test_no_reason_string_when_problem_information_not_requested(raw, uid):
    c = raw(5)
    c.connect(f"c-{uid}", props=[(w.REQUEST_PROBLEM_INFO, 0)])
    # A PUBACK (possibly "no matching subscribers") must then carry no reason string or user
    # property [MQTT-3.1.2-29].
    c.send(w.publish(f"nobody/{uid}", b"x", qos=1, pid=1, version=5))
    ack = c.recv_type(w.PUBACK)
    assert w.REASON_STRING not in ack.props and w.USER_PROPERTY not in ack.props
    assert ack.reason in (0x00, 0x10)


def test_reason_strings_are_well_formed_where_sent(raw, uid):
    c = raw(5)
    c.connect(f"c-{uid}")
    c.send(w.publish(f"nobody/{uid}", b"x", qos=1, pid=1, version=5))
    ack = c.recv_type(w.PUBACK)
    assert ack.reason in (0x00, 0x10)  # success, or "no matching subscribers"
    if w.REASON_STRING in ack.props:
        assert isinstance(ack.props[w.REASON_STRING], str) and ack.props[w.REASON_STRING]


def test_suback_grants_each_requested_qos(raw, uid):
    c = raw(5)
    c.connect(f"c-{uid}")
    ack = c.subscribe(1, [(f"a/{uid}", 2), (f"b/{uid}", 1), (f"c/{uid}", 0)])
    assert ack.codes == [2, 1, 0]


def test_broker_aliases_reset_on_new_connection(raw, clients, uid):
    """Aliases live for one network connection [MQTT-3.3.2-7]: after a reconnect the first
    PUBLISH using an alias must carry the topic name again."""
    p = [(w.TOPIC_ALIAS_MAXIMUM, 5), (w.SESSION_EXPIRY, 60)]
    pub = clients.connected(f"p-{uid}", V5)
    for round_ in range(2):
        sub = raw(5)
        sub.connect(f"s-{uid}", clean=False, props=p)
        if round_ == 0:
            sub.subscribe(1, [(f"ar/{uid}", 0)])
        known = {}
        for i in range(3):
            pub.publish(f"ar/{uid}", str(i).encode(), qos=1)
            x = sub.recv_type(w.PUBLISH)
            alias = x.props.get(w.TOPIC_ALIAS)
            if alias is not None and x.topic:
                known[alias] = x.topic
            assert x.topic or alias in known, f"alias {alias} used before being set on this connection"
            assert (x.topic or known[alias]) == f"ar/{uid}"
        sub.close()


def test_subscription_identifier_on_retained_delivery(clients, uid):
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"sir/{uid}", b"kept", qos=1, retain=True)
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"sir/{uid}", 1, properties=props(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=77))
    m = sub.get()
    assert m.retain and m.properties.SubscriptionIdentifier == [77]
    pub.publish(f"sir/{uid}", b"", qos=1, retain=True)


def test_message_expiry_interval_forwarded_to_online_subscriber(clients, uid):
    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"me/{uid}", 1)
    pub = clients.connected(f"p-{uid}", V5)
    pub.publish(f"me/{uid}", b"x", qos=1, properties=props(MessageExpiryInterval=300))
    m = sub.get()
    assert 0 < m.properties.MessageExpiryInterval <= 300  # [MQTT-3.3.2-6]


def test_no_local_and_plain_overlapping(clients, uid):
    me = clients.connected(f"me-{uid}", V5)
    me.subscribe(f"nlo/{uid}/+", options=SubscribeOptions(qos=1, noLocal=True))
    me.subscribe(f"nlo/{uid}/#", 1)
    me.publish(f"nlo/{uid}/a", b"mine", qos=1)
    m = me.get()  # delivered through the subscription without No Local
    assert m.payload == b"mine"


REASON_STRINGS = ("issue 2 item 3 asks for reason strings on refusals (optional in §3.2.2.3.7 / §3.14.2.2.3); "
                  "mosquitto 2.0.11 sends none")


@pytest.mark.dynamq_only(reason=REASON_STRINGS)
def test_server_disconnect_carries_reason_string(raw, uid):
    c = raw(5)
    c.connect(f"c-{uid}")
    c.send(w.connect(f"again-{uid}", version=5))  # second CONNECT: Protocol Error
    (d,) = c.wait_closed()
    assert d.type == w.DISCONNECT and d.reason == 0x82
    assert d.props.get(w.REASON_STRING), "DISCONNECT without a Reason String"


@pytest.mark.dynamq_only(reason=REASON_STRINGS)
def test_connack_refusal_carries_reason_string(raw, uid):
    c = raw(5)
    c.send(w.connect(f"c-{uid}", version=5, will={"topic": "w", "payload": b"x", "qos": 3}))
    (ack,) = c.wait_closed()
    assert ack.type == w.CONNACK and ack.reason == 0x81
    assert ack.props.get(w.REASON_STRING), "CONNACK refusal without a Reason String"


def test_mosquitto_pub_v5_properties_reach_paho_subscriber(broker, clients, uid):
    from .clients import mosquitto_pub

    sub = clients.connected(f"s-{uid}", V5)
    sub.subscribe(f"mp/{uid}", 1)
    mosquitto_pub(broker, f"mp/{uid}", "with-props", qos=1, version="mqttv5", extra=[
        "-D", "publish", "user-property", "origin", "mosquitto_pub",
        "-D", "publish", "response-topic", f"resp/{uid}",
        "-D", "publish", "correlation-data", "corr-1",
        "-D", "publish", "content-type", "text/plain",
        "-D", "publish", "message-expiry-interval", "120",
    ])
    m = sub.get()
    assert m.payload == b"with-props"
    assert m.properties.UserProperty == [("origin", "mosquitto_pub")]
    assert m.properties.ResponseTopic == f"resp/{uid}"
    assert m.properties.CorrelationData == b"corr-1"
    assert m.properties.ContentType == "text/plain"
    assert 0 < m.properties.MessageExpiryInterval <= 120


def test_mosquitto_sub_in_shared_group_with_paho_member(broker, clients, uid):
    from harness import wait_until
    from .clients import MosquittoSub

    msub = MosquittoSub(broker, f"$share/g/ms/{uid}", qos=1, version="mqttv5")
    try:
        msub.wait_subscribed()
        member = clients.connected(f"m-{uid}", V5)
        member.subscribe(f"$share/g/ms/{uid}", 1)
        pub = clients.connected(f"p-{uid}", V5)
        for i in range(20):
            pub.publish(f"ms/{uid}", f"n{i}".encode(), qos=1)
        lines = []
        got = []

        def all_arrived():
            while not msub.lines.empty():
                line = msub.lines.get_nowait()
                if line.startswith(f"ms/{uid} "):
                    lines.append(line.split(" ", 1)[1])
            while not member.messages.empty():
                got.append(member.messages.get_nowait().payload.decode())
            return len(lines) + len(got) >= 20

        wait_until(all_arrived, 10, message="20 shared deliveries")
        assert sorted(lines + got) == sorted(f"n{i}" for i in range(20))  # each exactly once
        assert lines and got  # both members took a share
    finally:
        msub.stop()
