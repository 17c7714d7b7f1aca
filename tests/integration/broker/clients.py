"""Independent clients for the tests: a synchronous wrapper over paho-mqtt 1.6.1 (MQTT 3.1,
3.1.1 and 5) whose every wait has a deadline, and helpers running mosquitto_pub/_sub.
"""

import queue
import subprocess
import threading
import time

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

V31, V311, V5 = paho.MQTTv31, paho.MQTTv311, paho.MQTTv5
TIMEOUT = 5.0


def props(packet_type=PacketTypes.PUBLISH, **values):
    """paho Properties for a packet type, e.g. props(PacketTypes.CONNECT, SessionExpiryInterval=10)."""
    p = Properties(packet_type)
    for name, value in values.items():
        setattr(p, name, value)
    return p


class Client:
    """A paho client with its network loop in a thread; received messages go to a queue."""

    def __init__(self, broker, client_id, version=V5, clean=True, keepalive=60, userdata=None):
        self.broker, self.client_id, self.version = broker, client_id, version
        self.clean = clean
        self.keepalive = keepalive
        kwargs = {"client_id": client_id, "protocol": version}
        if version != V5:
            kwargs["clean_session"] = clean
        self.paho = paho.Client(**kwargs)
        self.messages = queue.Queue()
        self.connack = None
        self.disconnects = queue.Queue()
        self._connected = threading.Event()
        self._acks = {}
        self._acks_lock = threading.Lock()
        self._subacks = {}
        p = self.paho
        p.on_connect = self._on_connect
        p.on_message = lambda c, u, m: self.messages.put(m)
        p.on_publish = self._on_publish
        p.on_subscribe = self._on_subscribe
        p.on_unsubscribe = self._on_unsubscribe
        p.on_disconnect = self._on_disconnect

    # -- callbacks (paho's network thread) --
    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connack = {"flags": flags, "rc": rc, "props": properties}
        self._connected.set()

    def _event(self, mid):
        with self._acks_lock:
            return self._acks.setdefault(mid, threading.Event())

    def _on_publish(self, client, userdata, mid):
        self._event(mid).set()

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        self._subacks[mid] = granted
        self._event(("sub", mid)).set()

    def _on_unsubscribe(self, client, userdata, mid, *rest):
        self._event(("unsub", mid)).set()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnects.put((rc, properties))

    # -- operations --
    def will_set(self, topic, payload, qos=0, retain=False, properties=None):
        self.paho.will_set(topic, payload, qos, retain, properties)

    def connect(self, properties=None, clean_start=None, expect_success=True):
        """Connects and waits for CONNACK; returns the reason/return code."""
        b = self.broker
        if self.version == V5:
            start = self.clean if clean_start is None else clean_start
            self.paho.connect(b.host, b.port, self.keepalive, clean_start=start, properties=properties)
        else:
            self.paho.connect(b.host, b.port, self.keepalive)
        self.paho.loop_start()
        assert self._connected.wait(TIMEOUT), f"{self.client_id}: no CONNACK"
        rc = self.connack["rc"]
        code = rc.value if hasattr(rc, "value") else rc
        if expect_success:
            assert code == 0, f"{self.client_id}: CONNACK {rc}"
        return code

    @property
    def session_present(self):
        return bool(self.connack["flags"].get("session present"))

    def subscribe(self, topic, qos=0, options=None, properties=None):
        """Subscribes (waits for SUBACK); returns the granted QoS / reason codes list."""
        if self.version == V5:
            opts = options or SubscribeOptions(qos=qos)
            rc, mid = self.paho.subscribe(topic, options=opts, properties=properties)
        else:
            rc, mid = self.paho.subscribe(topic, qos)
        assert rc == paho.MQTT_ERR_SUCCESS, f"subscribe failed locally: {rc}"
        assert self._event(("sub", mid)).wait(TIMEOUT), f"{self.client_id}: no SUBACK"
        granted = self._subacks[mid]
        return [g.value if hasattr(g, "value") else g for g in granted]

    def unsubscribe(self, topic):
        rc, mid = self.paho.unsubscribe(topic)
        assert self._event(("unsub", mid)).wait(TIMEOUT), f"{self.client_id}: no UNSUBACK"

    def publish(self, topic, payload, qos=0, retain=False, properties=None, wait=True):
        """Publishes; with wait, returns once the QoS flow is complete (sent / PUBACK / PUBCOMP)."""
        info = self.paho.publish(topic, payload, qos, retain, properties)
        assert info.rc == paho.MQTT_ERR_SUCCESS, f"publish failed locally: {info.rc}"
        if wait:
            assert self._event(info.mid).wait(TIMEOUT), f"{self.client_id}: publish {topic} not completed"
        return info

    def publish_many(self, topic, payloads, qos=1, window=20):
        """Publishes in windows of at most `window` unacknowledged messages, waiting for each
        window to complete. paho queues messages past its max inflight (20) and can then send
        a newer one before an older queued one; staying within it keeps publish order."""
        assert window <= 20
        payloads = list(payloads)
        for start in range(0, len(payloads), window):
            infos = [self.publish(topic, p, qos=qos, wait=False) for p in payloads[start:start + window]]
            for info in infos:
                assert self._event(info.mid).wait(TIMEOUT), f"{self.client_id}: publish not completed"

    def get(self, timeout=TIMEOUT):
        """The next received message; fails the test at the deadline."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.client_id}: no message within {timeout} s") from None

    def get_n(self, n, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        out = []
        while len(out) < n:
            remaining = deadline - time.monotonic()
            try:
                out.append(self.messages.get(timeout=max(0.0, remaining)))
            except queue.Empty:
                raise AssertionError(f"{self.client_id}: got {len(out)} of {n} messages") from None
        return out

    def until(self, predicate, timeout=TIMEOUT):
        """Messages received up to and including the first one matching `predicate`."""
        deadline = time.monotonic() + timeout
        out = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                m = self.messages.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError(f"{self.client_id}: marker not received; got {[x.topic for x in out]}") from None
            out.append(m)
            if predicate(m):
                return out

    def wait_disconnected(self, timeout=TIMEOUT):
        """Waits for paho to see the connection end; returns (rc, properties)."""
        try:
            return self.disconnects.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.client_id}: still connected after {timeout} s") from None

    def disconnect(self, reasoncode=None, properties=None):
        """A normal DISCONNECT; stops the network thread."""
        if reasoncode is not None:
            from paho.mqtt.reasoncodes import ReasonCodes

            rc = ReasonCodes(PacketTypes.DISCONNECT, identifier=reasoncode)
            self.paho.disconnect(reasoncode=rc, properties=properties)
        else:
            self.paho.disconnect()
        self.paho.loop_stop()

    def _stop_loop(self):
        """loop_stop() without waiting out paho's 1 s select timeout: flag, wake, join."""
        self.paho._thread_terminate = True
        try:
            self.paho._sockpairW.send(b"0")
        except (OSError, AttributeError):
            pass
        self.paho.loop_stop()

    def drop(self):
        """Ends the TCP connection without DISCONNECT (an abnormal close for the broker)."""
        self._stop_loop()
        sock = self.paho.socket()
        if sock:
            sock.close()

    def stop(self):
        """Teardown: stop the thread and close the socket, whatever the state."""
        try:
            self._stop_loop()
            sock = self.paho.socket()
            if sock:
                sock.close()
        except Exception:
            pass


class Clients:
    """Creates clients for one test and stops all of them at teardown."""

    def __init__(self, broker):
        self.broker = broker
        self.all = []

    def new(self, client_id, version=V5, clean=True, keepalive=60, broker=None):
        c = Client(broker or self.broker, client_id, version, clean, keepalive)
        self.all.append(c)
        return c

    def connected(self, client_id, version=V5, clean=True, keepalive=60, properties=None, broker=None):
        c = self.new(client_id, version, clean, keepalive, broker)
        c.connect(properties=properties)
        return c

    def close_all(self):
        for c in self.all:
            c.stop()


def mosquitto_pub(broker, topic, message, qos=0, retain=False, version="mqttv311", extra=()):
    """Runs mosquitto_pub once; returns the CompletedProcess (asserting exit code 0)."""
    argv = ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-V", version,
            "-t", topic, "-m", message, "-q", str(qos)]
    if retain:
        argv.append("-r")
    argv += list(extra)
    done = subprocess.run(argv, capture_output=True, timeout=20)
    assert done.returncode == 0, done.stderr.decode()
    return done


class MosquittoSub:
    """mosquitto_sub -d -v in the background; its output lines are read into a queue.

    -d makes it print "received SUBACK", which tells when the subscription is in place.
    """

    def __init__(self, broker, topic, qos=0, version="mqttv311", extra=()):
        # stdbuf: line-buffer its stdout, a pipe would otherwise hold the lines back.
        argv = ["stdbuf", "-oL", "mosquitto_sub", "-h", broker.host, "-p", str(broker.port),
                "-V", version, "-t", topic, "-q", str(qos), "-v", "-d"] + list(extra)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode(errors="replace").rstrip("\n"))

    def wait_for(self, predicate, timeout=TIMEOUT):
        """Lines up to and including the first one matching predicate."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"mosquitto_sub: no matching line; got {seen}") from None
            seen.append(line)
            if predicate(line):
                return seen

    def wait_subscribed(self):
        return self.wait_for(lambda line: "received suback" in line.lower())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
