"""Independent clients for the WebSocket tests: MQTT.js in node (mqttjs_client.js), paho-mqtt
1.6.1 over tcp / ws / wss with deadlines on every wait, and mosquitto_pub on TCP.
"""

import json
import queue
import subprocess
import threading
from pathlib import Path

import paho.mqtt.client as paho

from .conftest import HERE, mqttjs_module, node

TIMEOUT = 10.0
SCRIPT = HERE / "mqttjs_client.js"


def results(text):
    """The `RESULT {json}` lines printed by mqttjs_client.js / the browser driver."""
    return [json.loads(line[len("RESULT "):]) for line in text.splitlines() if line.startswith("RESULT ")]


def run_mqttjs(*args, timeout=60):
    """Runs mqttjs_client.js to completion (killed at `timeout`); returns its RESULT lines."""
    mqttjs_module()
    proc = subprocess.run([node(), SCRIPT, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"mqttjs_client {args[0]} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return results(proc.stdout)


def mqttjs_argv(*args):
    mqttjs_module()
    return [node(), SCRIPT, *map(str, args)]


def mosquitto_pub(port, topic, payload, qos=1, retain=False):
    argv = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", topic, "-m", payload, "-q", str(qos)]
    if retain:
        argv.append("-r")
    subprocess.run(argv, check=True, timeout=30, capture_output=True)


class Paho:
    """A paho client (tcp, websockets, optionally TLS) with its loop in a thread."""

    def __init__(self, client_id, version=paho.MQTTv311, transport="tcp", ca=None, path="/mqtt"):
        self.paho = paho.Client(client_id=client_id, protocol=version, transport=transport)
        if transport == "websockets":
            self.paho.ws_set_options(path=path)
        if ca:
            self.paho.tls_set(ca_certs=str(ca))
        self.messages = queue.Queue()
        self._connected = threading.Event()
        self._done = {}
        self._lock = threading.Lock()
        self.rc = None
        self.paho.on_connect = self._on_connect
        self.paho.on_message = lambda c, u, m: self.messages.put(m)
        self.paho.on_publish = lambda c, u, mid: self._event(mid).set()
        self.paho.on_subscribe = lambda c, u, mid, *rest: self._event(("sub", mid)).set()

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.rc = rc
        self._connected.set()

    def _event(self, key):
        with self._lock:
            return self._done.setdefault(key, threading.Event())

    def connect(self, host, port):
        self.paho.connect(host, port, 30)
        self.paho.loop_start()
        assert self._connected.wait(TIMEOUT), "no CONNACK"
        assert self.rc == 0, f"CONNACK {self.rc}"

    def subscribe(self, topic, qos=1):
        rc, mid = self.paho.subscribe(topic, qos)
        assert rc == paho.MQTT_ERR_SUCCESS
        assert self._event(("sub", mid)).wait(TIMEOUT), "no SUBACK"

    def publish(self, topic, payload, qos=1, retain=False):
        info = self.paho.publish(topic, payload, qos, retain)
        assert info.rc == paho.MQTT_ERR_SUCCESS
        assert self._event(info.mid).wait(TIMEOUT), f"publish {topic} not completed"

    def get(self, timeout=TIMEOUT):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message within {timeout} s") from None

    def stop(self):
        try:
            self.paho.disconnect()
        finally:
            self.paho.loop_stop()
