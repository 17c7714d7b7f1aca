"""A byte-level WebSocket client written from RFC 6455 for protocol tests: it writes the
HTTP upgrade and every frame itself (masked or not, fragmented or not, any opcode), and
reads frames back with deadlines. MQTT packets are built with ../broker/mqtt_wire.py.
"""

import base64
import hashlib
import os
import socket
import ssl
import struct
import time

from broker import mqtt_wire

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    """The server closed the TCP connection (EOF or reset)."""


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
    """One frame (§5.2); clients mask by default, as §5.1 requires."""
    head = bytearray([(0x80 if fin else 0) | (rsv << 4) | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head.append(bit | n)
    elif n < 65536:
        head.append(bit | 126)
        head += struct.pack("!H", n)
    else:
        head.append(bit | 127)
        head += struct.pack("!Q", n)
    if not mask:
        return bytes(head) + payload
    key = os.urandom(4)
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes(head) + key + body


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + reason


class WsClient:
    """A TCP connection that may be upgraded; send raw bytes or frames, read frames."""

    def __init__(self, host, port, timeout=5.0, tls_context=None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls_context is not None:  # wss: TLS first, then the same upgrade and frames
            self.sock = tls_context.wrap_socket(self.sock, server_hostname=host)
        self.buf = bytearray()
        self.host, self.port = host, port
        self.mqtt_buf = bytearray()  # MQTT bytes received in binary messages, not yet decoded
        self.version = 4

    # -- raw bytes --
    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("nothing before the deadline")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("nothing before the deadline") from None
        except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError):
            chunk = b""
        if not chunk:
            raise Closed()
        self.buf += chunk

    # -- the upgrade (§4.1) --
    def request_upgrade(self, path="/mqtt", protocols="mqtt", version=13, upgrade=True):
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if upgrade:
            lines += ["Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                      f"Sec-WebSocket-Version: {version}"]
        if protocols is not None:
            lines.append(f"Sec-WebSocket-Protocol: {protocols}")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        return key

    def read_response(self, timeout=5.0):
        """(status, {lower-case header: value}, body bytes read so far) of the HTTP answer."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        end = self.buf.index(b"\r\n\r\n")
        head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        del self.buf[:end + 4]
        status = int(head[0].split()[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = b""
        if status != 101 and "content-length" in headers:
            want = int(headers["content-length"])
            while len(self.buf) < want:
                self._fill(deadline)
            body = bytes(self.buf[:want])
            del self.buf[:want]
        return status, headers, body

    def upgrade(self, path="/mqtt", protocols="mqtt"):
        """Completes the upgrade; asserts the 101 answer of §4.2.2; returns its headers."""
        key = self.request_upgrade(path, protocols)
        status, headers, _ = self.read_response()
        assert status == 101, f"upgrade answered {status}: {headers}"
        assert headers.get("upgrade", "").lower() == "websocket"
        assert headers.get("sec-websocket-accept") == accept_key(key)
        return headers

    # -- frames (§5) --
    def send_frame(self, opcode, payload=b"", fin=True, mask=True, rsv=0):
        self.send(frame(opcode, payload, fin, mask, rsv))

    def recv_frame(self, timeout=5.0):
        """(fin, opcode, payload) of the next frame; server frames must be unmasked (§5.1)."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 2:
                b0, b1 = self.buf[0], self.buf[1]
                n, pos = b1 & 0x7F, 2
                if n == 126 and len(self.buf) >= 4:
                    (n,) = struct.unpack_from("!H", self.buf, 2)
                    pos = 4
                elif n == 127 and len(self.buf) >= 10:
                    (n,) = struct.unpack_from("!Q", self.buf, 2)
                    pos = 10
                if (b1 & 0x7F) < 126 or pos > 2:
                    assert not b1 & 0x80, "a server must not mask its frames (RFC 6455 5.1)"
                    if len(self.buf) >= pos + n:
                        payload = bytes(self.buf[pos:pos + n])
                        del self.buf[:pos + n]
                        return bool(b0 & 0x80), b0 & 0x0F, payload
            self._fill(deadline)

    def frames_until_eof(self, timeout=5.0):
        """Every frame until the server closes TCP; TimeoutError if it does not."""
        frames = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                frames.append(self.recv_frame(max(0.0, deadline - time.monotonic())))
            except Closed:
                return frames

    # -- MQTT over binary messages --
    def send_mqtt(self, data, frame_size=None):
        """`data` as one binary message of frames of at most `frame_size` bytes (fragmented)."""
        size = frame_size or max(1, len(data))
        chunks = [data[i:i + size] for i in range(0, len(data), size)] or [b""]
        for i, chunk in enumerate(chunks):
            self.send_frame(BINARY if i == 0 else CONT, chunk, fin=i == len(chunks) - 1)

    def recv_packet(self, timeout=5.0):
        """The next MQTT packet out of binary data frames (control frames are answered or kept)."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.mqtt_buf) >= 2:
                try:
                    length, pos = mqtt_wire.read_varint(self.mqtt_buf, 1)
                except IndexError:
                    length = None
                if length is not None and len(self.mqtt_buf) >= pos + length:
                    first = self.mqtt_buf[0]
                    body = bytes(self.mqtt_buf[pos:pos + length])
                    del self.mqtt_buf[:pos + length]
                    return mqtt_wire.decode(first >> 4, first & 0x0F, body, self.version)
            _fin, opcode, payload = self.recv_frame(max(0.0, deadline - time.monotonic()))
            assert opcode in (BINARY, CONT), f"expected MQTT in a binary frame, got opcode {opcode}"
            self.mqtt_buf += payload

    def recv_type(self, ptype, timeout=5.0):
        p = self.recv_packet(timeout)
        assert p.type == ptype, f"expected packet type {ptype}, got {p}"
        return p

    def mqtt_connect(self, client_id, version=4, frame_size=None, **kw):
        self.version = version
        self.send_mqtt(mqtt_wire.connect(client_id, version=version, **kw), frame_size)
        return self.recv_type(mqtt_wire.CONNACK)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def open_ws(broker, path="/mqtt", protocols="mqtt", tls_context=None):
    """An upgraded WsClient on the broker's ws listener (wss with a TLS context)."""
    port = broker.ws if tls_context is None else broker.wss
    c = WsClient(broker.host, port, tls_context=tls_context)
    c.upgrade(path, protocols)
    return c
