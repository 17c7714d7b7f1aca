"""Every example of the seed page (shared/seed/backend_dynamodb.zh.md), against the real
dynamq with the seed's config file, on DynamoDB Local and dynalite."""

import base64
import time

from broker.clients import V5, V311, Client
from harness import wait_until


def decode_msgid(text):
    """The seed's msgid: unpadded base64 of the decimal digits of the 128-bit id."""
    digits = base64.b64decode(text + "=" * (-len(text) % 4))
    return int(digits)


def test_client_online_then_offline(broker_factory, storage):
    broker = broker_factory()
    c = Client(broker, "mqttjs_384b9c73a9", version=V311)
    c.connect()
    before = int(time.time())
    row = wait_until(lambda: (r := storage.get("mqtt_client", clientid="mqttjs_384b9c73a9"))
                     and r["connect_state"]["N"] == "1" and r, 10, message="online row")
    assert row["node"] == {"S": "dynamq@127.0.0.1"}
    assert row["offline_at"] == {"N": "0"}
    assert abs(int(row["online_at"]["N"]) - before) <= 2
    # The seed's `aws dynamodb scan` shows the same row.
    scan = storage.aws("scan", "--table-name", storage.table("mqtt_client"))
    assert scan["Count"] == 1 and scan["Items"][0]["clientid"] == {"S": "mqttjs_384b9c73a9"}
    c.disconnect()
    row = wait_until(lambda: (r := storage.get("mqtt_client", clientid="mqttjs_384b9c73a9"))
                     and r["connect_state"]["N"] == "0" and r, 10, message="offline row")
    assert int(row["offline_at"]["N"]) >= int(row["online_at"]["N"]) > 0


def test_mqtt_sub_row_subscribes_the_client_at_its_next_connect(broker_factory, storage):
    broker = broker_factory()
    for topic in ("test-dynamo-sub", "test-dynamo-sub-1", "test-dynamo-sub-2"):
        storage.aws("put-item", "--table-name", storage.table("mqtt_sub"), "--item",
                    '{"clientid": {"S": "test-dynamo"}, "topic": {"S": "%s"}, "qos": {"N": "2"}}'
                    % topic)
    sub = Client(broker, "test-dynamo", version=V311)
    sub.connect()
    pub = Client(broker, "publisher", version=V311)
    pub.connect()
    # The subscription is made asynchronously after the Query: publish until it arrives.
    def delivered():
        pub.publish("test-dynamo-sub-2", b"hello", qos=1)
        try:
            return sub.get(timeout=0.3)
        except AssertionError:
            return None
    m = wait_until(delivered, 10, message="delivery through the mqtt_sub subscription")
    assert m.topic == "test-dynamo-sub-2" and m.qos == 1
    sub.stop()
    pub.stop()


def test_publish_writes_mqtt_msg_and_topic_map(broker_factory, storage):
    broker = broker_factory()
    pub = Client(broker, "mqttjs_231b962d5c", version=V311)
    pub.connect()
    pub.publish("test", b'{ "msg": "Hello, World!" }', qos=1)
    items = wait_until(lambda: storage.scan("mqtt_msg"), 10, message="mqtt_msg item")
    assert len(items) == 1
    item = items[0]
    assert item["topic"] == {"S": "test"}
    assert item["sender"] == {"S": "mqttjs_231b962d5c"}
    assert item["qos"] == {"N": "1"} and item["retain"] == {"N": "0"}
    assert item["payload"] == {"S": '{ "msg": "Hello, World!" }'}
    guid = decode_msgid(item["msgid"]["S"])
    assert (guid >> 64) // 1_000_000 == int(item["arrived"]["N"])
    assert abs(int(item["arrived"]["N"]) - time.time()) < 30
    topic_map = wait_until(lambda: storage.get("mqtt_topic_msg_map", topic="test"), 10,
                           message="mqtt_topic_msg_map item")
    assert topic_map["MsgId"] == {"SS": [item["msgid"]["S"]]}
    pub.stop()


def test_retained_publish_and_its_removal(broker_factory, storage):
    broker = broker_factory()
    pub = Client(broker, "mqttjs_d0513acfce", version=V311)
    pub.connect()
    pub.publish("testtopic", b"test", qos=1, retain=True)
    row = wait_until(lambda: storage.get("mqtt_retain", topic="testtopic"), 10,
                     message="mqtt_retain item")
    assert row["payload"] == {"S": "test"} and row["retain"] == {"N": "1"}
    assert row["qos"] == {"N": "1"} and row["sender"] == {"S": "mqttjs_d0513acfce"}
    assert decode_msgid(row["msgid"]["S"]) >> 64 > 0
    pub.publish("testtopic", b"", qos=1, retain=True)
    wait_until(lambda: storage.get("mqtt_retain", topic="testtopic") is None, 10,
               message="mqtt_retain item removed")
    pub.stop()


def test_mqtt_acked_after_the_subscriber_acks(broker_factory, storage):
    broker = broker_factory()
    sub = Client(broker, "mqttjs_861e582a70", version=V311)
    sub.connect()
    sub.subscribe("test", qos=1)
    pub = Client(broker, "publisher", version=V311)
    pub.connect()
    pub.publish("test", b"to be acked", qos=1)
    assert sub.get().payload == b"to be acked"  # paho sends PUBACK
    row = wait_until(lambda: storage.get("mqtt_acked", topic="test", clientid="mqttjs_861e582a70"),
                     10, message="mqtt_acked item")
    guid = decode_msgid(row["msgid"]["S"])
    assert abs((guid >> 64) / 1e6 - time.time()) < 30
    # One-to-one: the acknowledged message is consumed.
    wait_until(lambda: not storage.scan("mqtt_msg"), 10, message="consumed message deleted")
    wait_until(lambda: "MsgId" not in (storage.get("mqtt_topic_msg_map", topic="test") or {}), 10,
               message="id removed from the topic's set")
    sub.stop()
    pub.stop()
