"""RFC 6455 at the frame level, with a WebSocket client written here (ws_wire.py): how MQTT
bytes may be cut into frames, control frames, the close handshake from either side, and the
upgrades and frames the broker must refuse.
"""

import re
import struct

from broker import mqtt_wire as mw
from harness import wait_until

from .clients_ws import Paho
from .ws_wire import BINARY, CLOSE, CONT, PING, PONG, TEXT, Closed, WsClient, close_payload, open_ws
from .conftest import HANDSHAKE_TIMEOUT


def close_code(payload):
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None


def assert_closed_with(frames, code):
    """The server's last frames end with a close frame carrying `code` (then TCP closed)."""
    closes = [p for _fin, op, p in frames if op == CLOSE]
    assert closes, f"no close frame before TCP closed; frames: {frames}"
    assert close_code(closes[0]) == code, f"close code {close_code(closes[0])}, wanted {code}"


def test_mqtt_packets_split_across_many_frames(ws_broker, uid):
    with open_ws(ws_broker) as c:
        # CONNECT one byte per frame, each frame its own complete WebSocket message.
        for byte in mw.connect(uid, version=4):
            c.send_frame(BINARY, bytes([byte]))
        assert c.recv_type(mw.CONNACK).reason == 0
        sub = mw.subscribe(1, [(f"{uid}/t", 1)])
        for i in range(0, len(sub), 3):
            c.send_frame(BINARY, sub[i:i + 3])
        assert c.recv_type(mw.SUBACK).codes == [1]
        pub = mw.publish(f"{uid}/t", b"x" * 1000, qos=1, pid=7)
        for i in range(0, len(pub), 100):
            c.send_frame(BINARY, pub[i:i + 100])
        got = {p.type: p for p in (c.recv_packet(), c.recv_packet())}
        assert got[mw.PUBACK].pid == 7
        assert got[mw.PUBLISH].payload == b"x" * 1000


def test_several_mqtt_packets_packed_in_one_frame(ws_broker, uid):
    with open_ws(ws_broker) as c:
        c.send_frame(BINARY, mw.connect(uid) + mw.subscribe(1, [(f"{uid}/p", 0)])
                     + mw.publish(f"{uid}/p", b"packed", qos=1, pid=2) + mw.pingreq())
        types = [c.recv_packet().type for _ in range(5)]
        assert types[:2] == [mw.CONNACK, mw.SUBACK]
        assert sorted(types[2:]) == sorted([mw.PUBACK, mw.PUBLISH, mw.PINGRESP])


def test_fragmented_message_with_a_ping_between_fragments(ws_broker, uid):
    with open_ws(ws_broker) as c:
        c.mqtt_connect(uid)
        c.send_mqtt(mw.subscribe(1, [(f"{uid}/f", 0)]))
        c.recv_type(mw.SUBACK)
        pub = mw.publish(f"{uid}/f", bytes(range(256)) * 40, qos=0)
        third = len(pub) // 3
        c.send_frame(BINARY, pub[:third], fin=False)
        c.send_frame(PING, b"between", fin=True)  # control frames may interleave (5.4)
        c.send_frame(CONT, pub[third:2 * third], fin=False)
        c.send_frame(CONT, pub[2 * third:], fin=True)
        fin, op, payload = c.recv_frame()
        assert (fin, op, payload) == (True, PONG, b"between")
        p = c.recv_type(mw.PUBLISH)
        assert p.payload == bytes(range(256)) * 40


def test_ping_is_answered_with_a_pong_carrying_its_payload(ws_broker):
    with open_ws(ws_broker) as c:
        c.send_frame(PING, b"are you there")
        assert c.recv_frame() == (True, PONG, b"are you there")
        c.send_frame(PING, b"")
        assert c.recv_frame() == (True, PONG, b"")


def test_client_close_is_echoed_then_tcp_closed(ws_broker, uid):
    watcher = Paho(f"{uid}-watch")
    watcher.connect(ws_broker.host, ws_broker.tcp)
    c = open_ws(ws_broker)
    try:
        watcher.subscribe(f"{uid}/will", qos=1)
        c.mqtt_connect(uid, will={"topic": f"{uid}/will", "payload": b"gone", "qos": 1})
        c.send_frame(CLOSE, close_payload(1000, b"bye"))
        frames = c.frames_until_eof()
        assert [op for _f, op, _p in frames] == [CLOSE]
        assert close_code(frames[0][2]) == 1000
        # A WebSocket close without MQTT DISCONNECT is an abnormal end: the will goes out.
        m = watcher.get()
        assert (m.topic, m.payload) == (f"{uid}/will", b"gone")
    finally:
        c.close()
        watcher.stop()


def test_broker_closing_after_a_protocol_violation_sends_a_close_frame(ws_broker, uid):
    with open_ws(ws_broker) as c:
        c.mqtt_connect(uid, version=5)
        c.send_mqtt(mw.connect(uid, version=5))  # a second CONNECT: protocol error [MQTT-3.1.0-2]
        frames = c.frames_until_eof()
        data = b"".join(p for _f, op, p in frames if op in (BINARY, CONT))
        assert data[:1] == bytes([mw.DISCONNECT << 4]), f"no DISCONNECT first: {frames}"
        assert data[2] == 0x82  # Protocol Error
        assert frames[-1][1] == CLOSE, f"the last frame is not a close frame: {frames}"
        assert close_code(frames[-1][2]) == 1000
        wait_until(lambda: re.search(rf"client '{re.escape(uid)}' \S+: second CONNECT", ws_broker.log()), 10,
                   message="the protocol error logged with the client id")


def test_takeover_closes_the_old_websocket_with_a_close_frame(ws_broker, uid):
    old = open_ws(ws_broker)
    new = open_ws(ws_broker)
    try:
        old.mqtt_connect(uid, version=5)
        assert new.mqtt_connect(uid, version=5).reason == 0
        frames = old.frames_until_eof()
        data = b"".join(p for _f, op, p in frames if op in (BINARY, CONT))
        assert data[:1] == bytes([mw.DISCONNECT << 4]) and data[2] == 0x8E  # Session taken over
        assert frames[-1][1] == CLOSE
        # The new connection is unaffected.
        new.send_mqtt(mw.pingreq())
        assert new.recv_packet().type == mw.PINGRESP
    finally:
        old.close()
        new.close()


def test_upgrade_without_the_mqtt_subprotocol_is_refused_and_logged(ws_broker):
    for offered in (None, "chat, superchat"):
        with WsClient(ws_broker.host, ws_broker.ws) as c:
            c.request_upgrade("/mqtt", protocols=offered)
            status, headers, body = c.read_response()
            assert status == 400
            assert b"mqtt" in body
            assert "sec-websocket-accept" not in headers
            assert c.frames_until_eof() == []
    ws_broker.wait_for_log("WebSocket upgrade refused: no mqtt subprotocol offered")


def test_upgrade_on_another_path_gets_404(ws_broker):
    with WsClient(ws_broker.host, ws_broker.ws) as c:
        c.request_upgrade("/not-mqtt")
        status, _headers, body = c.read_response()
        assert status == 404
        assert b"/mqtt" in body
        assert c.frames_until_eof() == []
    ws_broker.wait_for_log("WebSocket upgrade refused: path /not-mqtt")


def test_plain_http_request_is_refused(ws_broker):
    with WsClient(ws_broker.host, ws_broker.ws) as c:
        c.request_upgrade("/mqtt", upgrade=False)
        status, _headers, _body = c.read_response()
        assert status == 400


def test_mqttv31_subprotocol_is_accepted(ws_broker, uid):
    with WsClient(ws_broker.host, ws_broker.ws) as c:
        headers = c.upgrade("/mqtt", protocols="mqttv3.1")
        assert headers["sec-websocket-protocol"] == "mqttv3.1"
        assert c.mqtt_connect(uid[:23], version=3).reason == 0


def test_mqtt_subprotocol_preferred_when_both_offered(ws_broker):
    with WsClient(ws_broker.host, ws_broker.ws) as c:
        assert c.upgrade("/mqtt", protocols="mqttv3.1, mqtt")["sec-websocket-protocol"] == "mqtt"


def test_text_frame_is_refused(ws_broker, uid):
    with open_ws(ws_broker) as c:
        c.mqtt_connect(uid)
        c.send_mqtt(mw.subscribe(1, [(f"{uid}/text", 0)]))
        c.recv_type(mw.SUBACK)
        # MQTT must travel in binary frames [MQTT-6.0.0-1]. This PUBLISH is valid UTF-8 (all
        # bytes < 0x80), so only the frame type can be the reason it is refused.
        text = mw.publish(f"{uid}/text", b"hello")
        assert text.decode("utf-8")
        c.send_frame(TEXT, text)
        frames = c.frames_until_eof()
        assert all(op == CLOSE for _f, op, _p in frames), f"answered a text frame: {frames}"
        assert_closed_with(frames, 1003)
        ws_broker.wait_for_log("WebSocket text frame refused (MQTT needs binary frames [MQTT-6.0.0-1])")


def test_unmasked_client_frame_is_refused(ws_broker, uid):
    with open_ws(ws_broker) as c:
        c.mqtt_connect(uid)
        c.send_frame(BINARY, mw.pingreq(), mask=False)  # clients must mask (RFC 6455 5.1)
        frames = c.frames_until_eof()
        assert all(op == CLOSE for _f, op, _p in frames), f"answered an unmasked frame: {frames}"
        assert_closed_with(frames, 1002)


def test_upgrade_that_never_completes_is_closed_after_handshake_timeout(ws_broker):
    with WsClient(ws_broker.host, ws_broker.ws) as c:
        c.send(b"GET /mqtt HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        try:
            # handshake_timeout is HANDSHAKE_TIMEOUT s; allow a wide margin before calling it hung.
            c.read_response(timeout=HANDSHAKE_TIMEOUT + 10)
            raise AssertionError("the broker answered a request that never ended")
        except Closed:
            pass
    ws_broker.wait_for_log(
        f"WebSocket upgrade refused: not completed within handshake_timeout ({HANDSHAKE_TIMEOUT * 1000} ms)")
