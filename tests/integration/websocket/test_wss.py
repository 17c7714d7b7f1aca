"""WebSocket over TLS (wss) and paho over plain ws: paho-mqtt 1.6.1 and MQTT.js (node)
trusting a CA the tests made with openssl, the refusal of a client that does not trust it,
and the close handshake over TLS.
"""

import ssl
import subprocess

import pytest

from .clients_ws import SCRIPT, Paho, mosquitto_pub, run_mqttjs
from .conftest import node
from .ws_wire import CLOSE, open_ws


@pytest.mark.parametrize("tls", [False, True], ids=["ws", "wss"])
def test_paho_over_websocket_with_tcp_peers(ws_broker, uid, tls):
    port = ws_broker.wss if tls else ws_broker.ws
    c = Paho(f"{uid}-paho", transport="websockets", ca=ws_broker.certs["ca"] if tls else None)
    c.connect(ws_broker.host, port)
    tcp = Paho(f"{uid}-tcp")
    tcp.connect(ws_broker.host, ws_broker.tcp)
    try:
        c.subscribe(f"{uid}/in", qos=1)
        tcp.subscribe(f"{uid}/out", qos=1)
        mosquitto_pub(ws_broker.tcp, f"{uid}/in", f"tcp-to-paho-{uid}", qos=1)
        m = c.get()
        assert (m.topic, m.payload, m.qos) == (f"{uid}/in", f"tcp-to-paho-{uid}".encode(), 1)
        big = bytes(range(256)) * 400  # 100 KB through TLS records and WebSocket frames
        c.publish(f"{uid}/out", big, qos=1)
        m = tcp.get()
        assert (m.topic, m.payload) == (f"{uid}/out", big)
    finally:
        c.stop()
        tcp.stop()


def test_mqttjs_over_wss_trusting_the_test_ca(ws_broker, uid):
    steps = {r["step"]: r for r in run_mqttjs("scenario", "--url", ws_broker.wss_url(), "--version", 5,
                                              "--prefix", uid, "--ca", ws_broker.certs["ca"])}
    assert steps["connack"]["code"] == 0
    assert len(steps["qos"]["received"]) == 3
    assert steps["big"]["receivedSha"] == steps["big"]["sentSha"]
    assert steps["big"]["received"] == 200 * 1024
    assert steps["retained"]["message"]["retain"] is True
    assert steps["end"]["connected"] is False


def test_mqttjs_over_wss_refuses_an_untrusted_certificate(ws_broker, uid):
    proc = subprocess.run([node(), SCRIPT, "pub", "--url", ws_broker.wss_url(), "--topic", f"{uid}/x",
                           "--payload", "never"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "self-signed certificate in certificate chain" in proc.stderr or "unable to verify" in proc.stderr, \
        proc.stderr
    assert "RESULT" not in proc.stdout


def test_close_handshake_over_wss(ws_broker, uid, certs):
    context = ssl.create_default_context(cafile=str(certs["ca"]))
    old = open_ws(ws_broker, tls_context=context)
    new = open_ws(ws_broker, tls_context=context)
    try:
        old.mqtt_connect(uid, version=5)
        new.mqtt_connect(uid, version=5)  # takes the session over: the broker closes `old`
        # A close frame after the DISCONNECT; the peer never answers it, so the broker closes
        # TCP once net.close_linger (2 s) has passed.
        frames = old.frames_until_eof(timeout=15)
        assert frames[-1][1] == CLOSE, frames
        # Client-initiated close over TLS: echoed, then closed.
        new.send_frame(CLOSE, b"\x03\xe8")
        assert [op for _f, op, _p in new.frames_until_eof()] == [CLOSE]
    finally:
        old.close()
        new.close()
