"""ACLs (auth.acl_file, mosquitto's format) enforced on real clients: denied PUBLISH (0x87
in MQTT 5 PUBACK/PUBREC; acknowledged and dropped in 3.1.1), denied SUBSCRIBE (SUBACK 0x87 /
0x80), %u and %c patterns, a `#` subscriber not receiving what it may not read (live and
retained), and no client publishing to $SYS.

"Not delivered" is checked with a marker: an allowed message published after the denied
one; once the marker arrives, anything before it would have arrived too.
"""

import pytest

from broker import mqtt_wire as wire
from broker.clients import V311, V5

PASSWORDS = {"alice": b"wonderland", "bob": b"builder"}

ACL = """\
# anonymous clients (none here: anonymous access is refused)
topic read nothing/#

user alice
topic readwrite a/#
topic deny a/secret
topic read shared/#
topic write shared/#

user bob
topic write a/#
topic readwrite b/#
topic read shared/#
topic read $SYS/#

# everyone: a private tree by user name and a status topic by client id
pattern readwrite users/%u/#
pattern write devices/%c/status
pattern read devices/+/status
"""


@pytest.fixture
def broker(start_broker, password_file, tmp_path):
    acl = tmp_path / "acl"
    acl.write_text(ACL)
    return start_broker("auth.allow_anonymous = false", f"auth.password_file = {password_file}",
                        f"auth.acl_file = {acl}")


def connected(clients, broker, cid, version, user):
    c = clients(broker, cid, version, user, PASSWORDS[user].decode())
    c.connect()
    return c


def publisher(raw, broker, cid, user, version=5):
    """A byte-level client (tests/integration/broker/mqtt_wire.py): it shows the reason code
    of every PUBACK / PUBREC, which paho hides."""
    c = raw(broker, version)
    ack = c.connect(cid, username=user, password=PASSWORDS[user])
    assert ack.reason == 0, ack
    return c


def ack_code(client, topic, qos, pid, retain=False):
    """Publishes at QoS 1 or 2 and returns the reason code of its PUBACK / PUBREC."""
    client.send(wire.publish(topic, b"x", qos=qos, pid=pid, retain=retain, version=client.version))
    ack = client.recv_type(wire.PUBACK if qos == 1 else wire.PUBREC)
    assert ack.pid == pid
    return ack.reason


def test_v5_denied_publish_gets_0x87_and_is_not_delivered(broker, clients, raw):
    sub = connected(clients, broker, "sub", V5, "alice")
    assert sub.subscribe("a/#", qos=1) == [1]
    pub = publisher(raw, broker, "pub", "alice")
    assert ack_code(pub, "a/secret", 1, 1) == 0x87
    assert ack_code(pub, "a/secret", 2, 2) == 0x87
    assert ack_code(pub, "nothing/here", 1, 3) == 0x87
    assert ack_code(pub, "a/open", 1, 4) == 0
    got = sub.until(lambda m: m.topic == "a/open")
    assert [m.topic for m in got] == ["a/open"]
    assert broker.stat("denied_publish") == 3


def test_311_denied_publish_is_acknowledged_and_dropped(broker, clients):
    sub = connected(clients, broker, "sub3", V311, "alice")
    assert sub.subscribe("a/#", qos=1) == [1]
    pub = connected(clients, broker, "pub3", V311, "alice")
    pub.publish("a/secret", b"hidden", qos=1)  # completes: PUBACK received
    pub.publish("a/secret", b"hidden", qos=2)  # completes: PUBREC, PUBREL, PUBCOMP
    pub.publish("a/marker", b"m", qos=1)
    got = sub.until(lambda m: m.topic == "a/marker")
    assert [m.topic for m in got] == ["a/marker"]
    assert pub.paho.is_connected()


@pytest.mark.parametrize("version,refused", [(V5, 0x87), (V311, 0x80)])
def test_denied_subscribe_gets_failure_code(broker, clients, version, refused):
    c = connected(clients, broker, f"s-{version}", version, "alice")
    assert c.subscribe("a/secret", qos=1) == [refused]      # denied outright
    assert c.subscribe("b/#", qos=1) == [refused]           # nothing readable there
    assert c.subscribe("users/bob/#", qos=1) == [refused]   # another user's tree
    assert c.subscribe("a/#", qos=1) == [1]
    assert c.subscribe("users/alice/#", qos=1) == [1]


def test_user_and_client_id_patterns(broker, clients, raw):
    alice = connected(clients, broker, "alice-phone", V5, "alice")
    bob = publisher(raw, broker, "bob-1", "bob")
    assert alice.subscribe("users/alice/#", qos=1) == [1]
    assert alice.subscribe("devices/+/status", qos=1) == [1]
    assert ack_code(bob, "users/alice/inbox", 1, 1) == 0x87  # %u: bob's own tree only
    assert ack_code(bob, "users/bob/inbox", 1, 2) == 0
    assert ack_code(bob, "devices/alice-phone/status", 1, 3) == 0x87  # %c: own id only
    assert ack_code(bob, "devices/bob-1/status", 1, 4) == 0
    alice_pub = publisher(raw, broker, "alice-tablet", "alice")
    assert ack_code(alice_pub, "users/alice/inbox", 1, 5) == 0
    got = alice.until(lambda m: m.topic == "users/alice/inbox")
    assert [m.topic for m in got] == ["devices/bob-1/status", "users/alice/inbox"]


def test_hash_subscriber_only_receives_readable_topics(broker, clients, raw):
    sub = connected(clients, broker, "wide", V5, "alice")
    assert sub.subscribe("#", qos=1) == [1]  # granted: part of it is readable
    bob = publisher(raw, broker, "bob-2", "bob")
    assert ack_code(bob, "b/private", 1, 1) == 0  # bob may write, alice may not read
    assert ack_code(bob, "users/bob/x", 1, 2) == 0
    assert ack_code(bob, "a/for-alice", 1, 3) == 0
    got = sub.until(lambda m: m.topic == "a/for-alice")
    assert [m.topic for m in got] == ["a/for-alice"]
    assert broker.stat("denied_delivery") >= 2


def test_retained_messages_are_read_checked(broker, clients, raw):
    bob = publisher(raw, broker, "bob-3", "bob")
    assert ack_code(bob, "b/retained", 1, 1, retain=True) == 0
    assert ack_code(bob, "a/retained", 1, 2, retain=True) == 0
    sub = connected(clients, broker, "late", V5, "alice")
    assert sub.subscribe("#", qos=1) == [1]
    m = sub.get()
    assert (m.topic, m.payload, m.retain) == ("a/retained", b"x", True)
    # Nothing else was queued for it: a live marker is the next message.
    assert ack_code(bob, "a/marker", 1, 3) == 0
    assert sub.get().topic == "a/marker"


@pytest.mark.parametrize("version", [V311, V5])
def test_no_client_publishes_to_sys(broker, clients, raw, version):
    watcher = connected(clients, broker, f"sys-watch-{version}", V5, "bob")
    assert watcher.subscribe("$SYS/#", qos=1) == [1]
    assert watcher.subscribe("b/marker", qos=1) == [1]
    forger = publisher(raw, broker, f"forger-{version}", "bob", version=version)
    # MQTT 5: 0x87; 3.1.1: a positive PUBACK (it has no negative one) and the message dropped.
    assert ack_code(forger, "$SYS/broker/version", 1, 1) == (0x87 if version == V5 else 0)
    assert ack_code(forger, "b/marker", 1, 2) == 0
    got = watcher.until(lambda m: m.topic == "b/marker")
    assert [m.topic for m in got] == ["b/marker"]


def test_sys_publish_refused_without_any_acl(start_broker, clients, raw):
    b = start_broker()  # no auth keys at all
    watcher = clients(b, "w", V5)
    watcher.connect()
    assert watcher.subscribe("$SYS/#", qos=1) == [1]
    assert watcher.subscribe("marker", qos=1) == [1]
    forger = raw(b, 5)
    assert forger.connect("f").reason == 0
    assert ack_code(forger, "$SYS/anything", 1, 1) == 0x87
    assert ack_code(forger, "marker", 1, 2) == 0
    got = watcher.until(lambda m: m.topic == "marker")
    assert [m.topic for m in got] == ["marker"]


def test_malformed_acl_stops_start_up_with_file_and_line(tmp_path):
    import subprocess

    from harness import dynamq_bin

    acl = tmp_path / "acl"
    acl.write_text("user alice\ntopic read a/#\ntopic sometimes b\n")
    conf = tmp_path / "dynamq.conf"
    conf.write_text(f"listener.tcp.default.bind = 127.0.0.1:0\nadmin.bind = 127.0.0.1:0\n"
                    f"auth.acl_file = {acl}\n")
    done = subprocess.run([dynamq_bin(), "--config", str(conf)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert f"{acl}:3: unknown access `sometimes`" in done.stderr, done.stderr


@pytest.mark.parametrize("version,refused", [(4, 5), (5, 0x87)])
def test_will_on_a_forbidden_topic_refuses_the_connect(broker, raw, version, refused):
    for topic in ("nothing/will", "$SYS/will"):
        c = raw(broker, version)
        ack = c.connect(f"will-{version}", username="bob", password=PASSWORDS["bob"],
                        will={"topic": topic, "payload": b"bye"})
        assert ack.reason == refused, topic
        c.wait_closed()
    c = raw(broker, version)
    ack = c.connect(f"will-ok-{version}", username="bob", password=PASSWORDS["bob"],
                    will={"topic": "b/will", "payload": b"bye"})
    assert ack.reason == 0
