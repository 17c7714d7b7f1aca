"""A small, independent MQTT wire codec for byte-exact tests, written from the specs
(MQTT 3.1.1 OASIS standard, MQTT 5.0 OASIS standard) — not from dynamq's code.

Encoders build packets (optionally wrong on purpose); RawClient reads whole packets
from a socket with deadlines and tells a clean close from a timeout.
"""

import socket
import struct
import time

# Control packet types (both versions, §2.1.2).
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP = 8, 9, 10, 11, 12, 13
DISCONNECT, AUTH = 14, 15

# MQTT 5 property identifiers (§2.2.2.2) and their value kinds.
PAYLOAD_FORMAT = 0x01
MESSAGE_EXPIRY = 0x02
CONTENT_TYPE = 0x03
RESPONSE_TOPIC = 0x08
CORRELATION_DATA = 0x09
SUBSCRIPTION_ID = 0x0B
SESSION_EXPIRY = 0x11
ASSIGNED_CLIENT_ID = 0x12
SERVER_KEEP_ALIVE = 0x13
AUTH_METHOD = 0x15
REQUEST_PROBLEM_INFO = 0x17
WILL_DELAY = 0x18
REQUEST_RESPONSE_INFO = 0x19
RESPONSE_INFO = 0x1A
SERVER_REFERENCE = 0x1C
REASON_STRING = 0x1F
RECEIVE_MAXIMUM = 0x21
TOPIC_ALIAS_MAXIMUM = 0x22
TOPIC_ALIAS = 0x23
MAXIMUM_QOS = 0x24
RETAIN_AVAILABLE = 0x25
USER_PROPERTY = 0x26
MAXIMUM_PACKET_SIZE = 0x27
WILDCARD_SUB_AVAILABLE = 0x28
SUB_ID_AVAILABLE = 0x29
SHARED_SUB_AVAILABLE = 0x2A

_BYTE = {PAYLOAD_FORMAT, REQUEST_PROBLEM_INFO, REQUEST_RESPONSE_INFO, MAXIMUM_QOS,
         RETAIN_AVAILABLE, WILDCARD_SUB_AVAILABLE, SUB_ID_AVAILABLE, SHARED_SUB_AVAILABLE}
_TWO = {SERVER_KEEP_ALIVE, RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS}
_FOUR = {MESSAGE_EXPIRY, SESSION_EXPIRY, WILL_DELAY, MAXIMUM_PACKET_SIZE}
_VARINT = {SUBSCRIPTION_ID}
_STRING = {CONTENT_TYPE, RESPONSE_TOPIC, ASSIGNED_CLIENT_ID, AUTH_METHOD, RESPONSE_INFO,
           SERVER_REFERENCE, REASON_STRING}
_BINARY = {CORRELATION_DATA, 0x16}


def varint(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        if n:
            byte |= 0x80
        out.append(byte)
        if not n:
            return bytes(out)


def utf8(s):
    data = s.encode() if isinstance(s, str) else bytes(s)
    return struct.pack("!H", len(data)) + data


def binary(b):
    return struct.pack("!H", len(b)) + bytes(b)


def properties(props=None):
    """Encodes a property list: a list of (id, value) pairs (user property value = (k, v))."""
    body = bytearray()
    for pid, value in props or []:
        body += varint(pid)
        if pid in _BYTE:
            body += bytes([value])
        elif pid in _TWO:
            body += struct.pack("!H", value)
        elif pid in _FOUR:
            body += struct.pack("!I", value)
        elif pid in _VARINT:
            body += varint(value)
        elif pid in _STRING:
            body += utf8(value)
        elif pid in _BINARY:
            body += binary(value)
        elif pid == USER_PROPERTY:
            body += utf8(value[0]) + utf8(value[1])
        else:
            raise ValueError(f"unknown property {pid:#x}")
    return varint(len(body)) + bytes(body)


def packet(ptype, flags, body):
    return bytes([(ptype << 4) | flags]) + varint(len(body)) + bytes(body)


def connect(client_id, version=4, clean=True, keepalive=60, props=None, will=None,
            username=None, password=None):
    """CONNECT. version 3 (3.1, "MQIsdp"), 4 (3.1.1) or 5.

    will: dict(topic, payload, qos=0, retain=False, props=None).
    """
    name = b"MQIsdp" if version == 3 else b"MQTT"
    flags = 0x02 if clean else 0
    if will:
        flags |= 0x04 | (will.get("qos", 0) << 3) | (0x20 if will.get("retain") else 0)
    if username is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    body = utf8(name) + bytes([version, flags]) + struct.pack("!H", keepalive)
    if version == 5:
        body += properties(props)
    body += utf8(client_id)
    if will:
        if version == 5:
            body += properties(will.get("props"))
        body += utf8(will["topic"]) + binary(will["payload"])
    if username is not None:
        body += utf8(username)
    if password is not None:
        body += binary(password)
    return packet(CONNECT, 0, body)


def publish(topic, payload, qos=0, retain=False, dup=False, pid=None, version=4, props=None):
    flags = (qos << 1) | (1 if retain else 0) | (0x08 if dup else 0)
    body = utf8(topic)
    if qos:
        body += struct.pack("!H", pid)
    if version == 5:
        body += properties(props)
    return packet(PUBLISH, flags, body + bytes(payload))


def subscribe(pid, filters, version=4, props=None):
    """filters: list of (filter, options byte); options = qos | nl<<2 | rap<<3 | rh<<4."""
    body = struct.pack("!H", pid)
    if version == 5:
        body += properties(props)
    for topic_filter, options in filters:
        body += utf8(topic_filter) + bytes([options])
    return packet(SUBSCRIBE, 0x02, body)


def ack(ptype, pid, version=4, reason=None, props=None):
    """PUBACK / PUBREC / PUBREL / PUBCOMP."""
    flags = 0x02 if ptype == PUBREL else 0
    body = struct.pack("!H", pid)
    if version == 5 and (reason or props):
        body += bytes([reason or 0])
        if props:
            body += properties(props)
    return packet(ptype, flags, body)


def disconnect(version=4, reason=None, props=None):
    body = b""
    if version == 5 and (reason is not None or props):
        body = bytes([reason or 0]) + (properties(props) if props else b"")
    return packet(DISCONNECT, 0, body)


def pingreq():
    return packet(PINGREQ, 0, b"")


# ---- decoding -------------------------------------------------------------------------


def read_varint(data, pos):
    value, mult = 0, 1
    for _ in range(4):
        byte = data[pos]
        pos += 1
        value += (byte & 0x7F) * mult
        if not byte & 0x80:
            return value, pos
        mult *= 128
    raise ValueError("malformed variable byte integer")


def read_utf8(data, pos):
    (n,) = struct.unpack_from("!H", data, pos)
    return bytes(data[pos + 2:pos + 2 + n]), pos + 2 + n


def parse_properties(data, pos):
    """Returns ({id: value or [values] for user properties / subscription ids}, new pos)."""
    length, pos = read_varint(data, pos)
    end = pos + length
    props = {}
    while pos < end:
        pid, pos = read_varint(data, pos)
        if pid in _BYTE:
            value, pos = data[pos], pos + 1
        elif pid in _TWO:
            (value,), pos = struct.unpack_from("!H", data, pos), pos + 2
        elif pid in _FOUR:
            (value,), pos = struct.unpack_from("!I", data, pos), pos + 4
        elif pid in _VARINT:
            value, pos = read_varint(data, pos)
        elif pid in _STRING:
            raw, pos = read_utf8(data, pos)
            value = raw.decode()
        elif pid in _BINARY:
            value, pos = read_utf8(data, pos)
        elif pid == USER_PROPERTY:
            k, pos = read_utf8(data, pos)
            v, pos = read_utf8(data, pos)
            value = (k.decode(), v.decode())
        else:
            raise ValueError(f"unknown property {pid:#x}")
        if pid in (USER_PROPERTY, SUBSCRIPTION_ID):
            props.setdefault(pid, []).append(value)
        else:
            props[pid] = value
    return props, end


class Packet:
    """A decoded packet; fields depend on the type (see decode())."""

    def __init__(self, ptype, flags, body):
        self.type, self.flags, self.body = ptype, flags, body
        self.props = {}
        self.reason = None

    def __repr__(self):
        fields = {k: v for k, v in vars(self).items() if k not in ("body",)}
        return f"Packet({fields})"


def decode(ptype, flags, body, version):
    p = Packet(ptype, flags, body)
    if ptype == CONNACK:
        p.session_present = bool(body[0] & 1)
        p.reason = body[1]
        if version == 5 and len(body) > 2:
            p.props, _ = parse_properties(body, 2)
    elif ptype == PUBLISH:
        p.qos = (flags >> 1) & 3
        p.retain = bool(flags & 1)
        p.dup = bool(flags & 8)
        topic, pos = read_utf8(body, 0)
        p.topic = topic.decode()
        p.pid = None
        if p.qos:
            (p.pid,) = struct.unpack_from("!H", body, pos)
            pos += 2
        if version == 5:
            p.props, pos = parse_properties(body, pos)
        p.payload = bytes(body[pos:])
    elif ptype in (PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, SUBACK):
        (p.pid,) = struct.unpack_from("!H", body, 0)
        pos = 2
        if version == 5 and len(body) > 2:
            if ptype in (SUBACK, UNSUBACK):
                p.props, pos = parse_properties(body, 2)
            else:
                p.reason = body[2]
                if len(body) > 3:
                    p.props, pos = parse_properties(body, 3)
        elif ptype not in (SUBACK, UNSUBACK):
            p.reason = 0
        if ptype in (SUBACK, UNSUBACK):
            p.codes = list(body[pos:])
    elif ptype == DISCONNECT:
        p.reason = body[0] if body else 0
        if len(body) > 1:
            p.props, _ = parse_properties(body, 1)
    return p


class Closed(Exception):
    """The peer closed the connection (EOF or reset)."""


class RawClient:
    """A byte-level client: send() raw bytes, recv() whole decoded packets."""

    def __init__(self, host, port, version=4, timeout=5.0):
        self.version = version
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.closed = False

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no packet before the deadline")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no packet before the deadline") from None
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.closed = True
            raise Closed()
        self.buf += chunk

    def recv(self, timeout=5.0):
        """The next packet; raises Closed on EOF, TimeoutError at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 2:
                try:
                    length, pos = read_varint(self.buf, 1)
                except IndexError:
                    length = None
                if length is not None and len(self.buf) >= pos + length:
                    first = self.buf[0]
                    body = bytes(self.buf[pos:pos + length])
                    del self.buf[:pos + length]
                    return decode(first >> 4, first & 0x0F, body, self.version)
            self._fill(deadline)

    def recv_type(self, ptype, timeout=5.0, skip=()):
        """The next packet, which must be of `ptype` (packets of types in `skip` are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            p = self.recv(max(0.0, deadline - time.monotonic()))
            if p.type in skip:
                continue
            assert p.type == ptype, f"expected packet type {ptype}, got {p}"
            return p

    def wait_closed(self, timeout=5.0):
        """Reads until EOF; returns the packets received before it. TimeoutError if still open."""
        packets = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                packets.append(self.recv(max(0.0, deadline - time.monotonic())))
            except Closed:
                return packets

    def connect(self, client_id, timeout=5.0, **kw):
        """Sends CONNECT and returns the CONNACK."""
        self.send(connect(client_id, version=self.version, **kw))
        return self.recv_type(CONNACK, timeout)

    def subscribe(self, pid, filters, timeout=5.0, props=None):
        self.send(subscribe(pid, filters, self.version, props))
        return self.recv_type(SUBACK, timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
