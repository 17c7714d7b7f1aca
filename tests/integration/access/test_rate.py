"""mqtt.max_publish_rate: a client publishing faster is disconnected (MQTT 5: DISCONNECT
0x96 Message rate too high; 3.1.1: closed), counted as rate_limited. The bucket holds one
second's worth, so the first `rate` publishes always pass — the tests rely only on that and
on sending far more than the bucket could refill meanwhile, never on timing."""

import pytest

from broker import mqtt_wire as wire


@pytest.fixture
def broker(start_broker):
    return start_broker("mqtt.max_publish_rate = 5")


@pytest.mark.parametrize("version", [4, 5])
def test_publishing_over_the_rate_disconnects(broker, raw, version):
    c = raw(broker, version)
    assert c.connect(f"fast-{version}").reason == 0
    for pid in range(1, 6):  # the first second's worth
        c.send(wire.publish("rate/t", b"x", qos=1, pid=pid, version=version))
        assert c.recv_type(wire.PUBACK).pid == pid
    flood = b"".join(wire.publish("rate/t", b"x", qos=0, version=version) for _ in range(500))
    try:
        c.send(flood)
    except OSError:
        pass  # the broker may close while we are still sending
    packets = c.wait_closed(timeout=10)
    disconnects = [p for p in packets if p.type == wire.DISCONNECT]
    if version == 5:
        assert [p.reason for p in disconnects] == [0x96]
    else:
        assert disconnects == []  # 3.1.1 servers just close
    assert broker.stat("rate_limited") >= 1


def test_other_clients_are_not_affected(broker, raw):
    calm = raw(broker, 5)
    assert calm.connect("calm").reason == 0
    fast = raw(broker, 5)
    assert fast.connect("fast").reason == 0
    try:
        fast.send(b"".join(wire.publish("rate/t", b"x", version=5) for _ in range(500)))
    except OSError:
        pass
    fast.wait_closed(timeout=10)
    calm.send(wire.publish("rate/calm", b"x", qos=1, pid=1, version=5))
    assert calm.recv_type(wire.PUBACK).reason == 0
