"""paho-mqtt 1.6.1 round trips over ssl, ws and wss listeners."""

import queue
import ssl
import threading
import uuid

import paho.mqtt.client as mqtt

HOST = "127.0.0.1"


class PahoClient:
    """A connected paho client (MQTT 3.1.1 or 5, TCP or WebSocket, TLS or not)."""

    def __init__(self, port, protocol=mqtt.MQTTv311, transport="tcp", ca=None, cert=None, key=None,
                 path="/mqtt"):
        self.client_id = f"paho-{uuid.uuid4().hex[:10]}"
        self.messages = queue.Queue()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self.connect_rc = None
        c = mqtt.Client(client_id=self.client_id, protocol=protocol, transport=transport)
        if transport == "websockets":
            c.ws_set_options(path=path)
        if ca:
            c.tls_set(ca_certs=ca, certfile=cert, keyfile=key, cert_reqs=ssl.CERT_REQUIRED)
        c.on_connect = self._on_connect
        c.on_subscribe = lambda *args: self._subscribed.set()
        c.on_message = lambda client, userdata, msg: self.messages.put((msg.topic, msg.payload))
        self.client = c
        # Raises (ssl.SSLError, OSError) when the TLS handshake or the WebSocket upgrade fails.
        c.connect(HOST, port, keepalive=30)
        c.loop_start()
        if not self._connected.wait(10):
            self.close()
            raise AssertionError(f"no CONNACK on port {port}")
        if self.connect_rc != 0:
            self.close()
            raise AssertionError(f"CONNACK {self.connect_rc}")

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connect_rc = rc
        self._connected.set()

    def subscribe(self, topic):
        self._subscribed.clear()
        self.client.subscribe(topic, qos=1)
        assert self._subscribed.wait(10), "no SUBACK"

    def publish(self, topic, payload):
        info = self.client.publish(topic, payload, qos=1)
        info.wait_for_publish(10)
        assert info.is_published(), "no PUBACK"

    def next_message(self, timeout=10):
        return self.messages.get(timeout=timeout)

    def close(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


def round_trip(port, **options):
    """Subscribes and publishes to itself; returns the payload it received."""
    c = PahoClient(port, **options)
    try:
        topic = f"t/{c.client_id}"
        c.subscribe(topic)
        c.publish(topic, b"over " + str(port).encode())
        return c.next_message()[1]
    finally:
        c.close()
