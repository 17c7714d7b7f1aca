"""MQTT.js (npm `mqtt`, in node) over ws:// against dynamq, alone and together with clients
on TCP (paho, mosquitto_pub): both protocol versions, every QoS, retained, a 200 KB message
that spans many frames, and a clean disconnect.
"""

import pytest

from harness import wait_until

from .clients_ws import Paho, mosquitto_pub, mqttjs_argv, results, run_mqttjs


@pytest.mark.parametrize("version", [4, 5])
def test_mqttjs_scenario(ws_broker, uid, version):
    steps = {r["step"]: r for r in run_mqttjs("scenario", "--url", ws_broker.ws_url(), "--version", version,
                                              "--prefix", uid)}
    assert steps["connack"] == {"step": "connack", "sessionPresent": False, "code": 0}
    assert steps["suback"]["granted"] == [{"topic": f"{uid}/q/+", "qos": 2}, {"topic": f"{uid}/big", "qos": 1}]
    received = sorted(steps["qos"]["received"], key=lambda m: m["qos"])
    assert received == [
        {"topic": f"{uid}/q/{q}", "payload": f"{uid}-qos{q}", "qos": q, "retain": False} for q in (0, 1, 2)
    ]
    big = steps["big"]
    assert big["sent"] == big["received"] == 200 * 1024
    assert big["receivedSha"] == big["sentSha"]
    assert big["qos"] == 1
    assert steps["retained"]["message"] == {"topic": f"{uid}/r", "payload": f"{uid}-retained", "qos": 1,
                                            "retain": True}
    assert steps["end"]["connected"] is False
    ws_broker.wait_for_log(f"client '{uid}-a' ")


def test_mqttjs_publishes_paho_on_tcp_receives(ws_broker, uid):
    sub = Paho(f"{uid}-tcp")
    sub.connect(ws_broker.host, ws_broker.tcp)
    try:
        sub.subscribe(f"{uid}/to-tcp", qos=1)
        run_mqttjs("pub", "--url", ws_broker.ws_url(), "--topic", f"{uid}/to-tcp", "--payload", f"from-ws-{uid}",
                   "--qos", 1)
        m = sub.get()
        assert (m.topic, m.payload, m.qos) == (f"{uid}/to-tcp", f"from-ws-{uid}".encode(), 1)
    finally:
        sub.stop()


@pytest.mark.parametrize("version", [4, 5])
def test_tcp_publishes_mqttjs_receives(ws_broker, uid, process_factory, version):
    topic = f"{uid}/to-ws"
    sub = process_factory(mqttjs_argv("sub", "--url", ws_broker.ws_url(), "--topic", topic, "--count", 2,
                                      "--qos", 2, "--version", version), name="mqttjs-sub")
    sub.wait_for_log('"step":"subscribed"', 30)
    mosquitto_pub(ws_broker.tcp, topic, f"mosquitto-{uid}", qos=1)
    paho_pub = Paho(f"{uid}-paho")
    paho_pub.connect(ws_broker.host, ws_broker.tcp)
    try:
        paho_pub.publish(topic, f"paho-{uid}", qos=2)
    finally:
        paho_pub.stop()
    wait_until(lambda: not sub.alive(), 30, message="the MQTT.js subscriber to get both messages and end")
    assert sub.popen.returncode == 0, sub.log_text()
    got = [r for r in results(sub.log_text()) if r["step"] == "message"]
    assert [(m["topic"], m["payload"], m["qos"]) for m in got] == [
        (topic, f"mosquitto-{uid}", 1),
        (topic, f"paho-{uid}", 2),
    ]
