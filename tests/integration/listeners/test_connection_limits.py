"""Connection limits across listeners: net.max_connections (all listeners together) and a
listener's own max_connections close a connection past the limit at once, count and log it,
and take new ones again when a place frees up. Connections that open and send nothing are
closed after handshake_timeout (TLS) or mqtt.connect_timeout (no CONNECT) while the other
clients carry on. A connection the broker closes over TLS ends with close_notify."""

import socket
import ssl
import time

from harness import wait_until

from .conftest import (HOST, client_tls_context, connect_packet, mqtt_session, recv_some,
                       tls_listener, wait_closed)

PINGREQ, PINGRESP = b"\xc0\x00", b"\xd0\x00"


def refused_at_once(port, tls_context=None):
    """True when a new connection is closed by the broker without a CONNACK."""
    sock = socket.create_connection((HOST, port), timeout=10)
    try:
        if tls_context is not None:
            try:
                sock = tls_context.wrap_socket(sock, server_hostname=HOST)
            except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
                return True  # closed before the handshake could finish
        try:
            sock.sendall(connect_packet("over-the-limit"))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            return True
        return recv_some(sock) == b""
    finally:
        sock.close()


def admitted(port, client_id, tls_context=None):
    """A session once the broker admits one more connection (polls: places free up
    asynchronously after a client leaves)."""

    def attempt():
        try:
            return mqtt_session(port, client_id, tls_context)
        except (AssertionError, OSError):
            return None

    return wait_until(attempt, 15, interval=0.05, message=f"{client_id} to be admitted")


def test_global_max_connections_spans_listeners(dynamq, pki):
    d = dynamq(["net.max_connections = 3", "mqtt.connect_timeout = 60",
                "listener.tcp.default.bind = 127.0.0.1:0",
                "listener.tcp.default.max_connections = 100"]
               + tls_listener("ssl", "default", pki, max_connections=100))
    tcp, tls = d.port("tcp:default"), d.port("ssl:default")
    ctx = client_tls_context(pki)
    sessions = [mqtt_session(tcp, "g1"), mqtt_session(tls, "g2", ctx), mqtt_session(tcp, "g3")]
    try:
        assert refused_at_once(tcp)
        assert refused_at_once(tls, ctx)
        d.wait_for_log("refused 127.0.0.1:")
        assert "(net.max_connections 3 reached;" in d.log()
        # The three admitted sessions are unaffected.
        for s in sessions:
            s.sendall(PINGREQ)
            assert recv_some(s) == PINGRESP
        sessions.pop(0).close()  # a tcp place frees up; a TLS client may take it
        sessions.append(admitted(tls, "g4", ctx))
        assert refused_at_once(tcp)
    finally:
        for s in sessions:
            s.close()


def test_listener_max_connections(dynamq):
    d = dynamq(["mqtt.connect_timeout = 60", "listener.tcp.small.bind = 127.0.0.1:0",
                "listener.tcp.small.max_connections = 2", "listener.tcp.big.bind = 127.0.0.1:0"])
    small, big = d.port("tcp:small"), d.port("tcp:big")
    sessions = [mqtt_session(small, "l1"), mqtt_session(small, "l2")]
    try:
        assert refused_at_once(small)
        d.wait_for_log("tcp:small: refused 127.0.0.1:")
        assert "(max_connections 2 reached;" in d.log()
        sessions.append(mqtt_session(big, "l3"))  # the other listener has room
        sessions.pop(0).close()
        sessions.append(admitted(small, "l4"))
    finally:
        for s in sessions:
            s.close()


def test_silent_connections_are_closed_and_others_carry_on(dynamq, pki):
    d = dynamq(["mqtt.connect_timeout = 2", "listener.tcp.default.bind = 127.0.0.1:0"]
               + tls_listener("ssl", "default", pki, handshake_timeout="1s"))
    tcp, tls = d.port("tcp:default"), d.port("ssl:default")
    ctx = client_tls_context(pki)
    busy = mqtt_session(tls, "busy", ctx)
    try:
        silent, opened = {}, {}
        silent["tcp"] = socket.create_connection((HOST, tcp), timeout=10)
        opened["tcp"] = time.monotonic()
        silent["tls, no ClientHello"] = socket.create_connection((HOST, tls), timeout=10)
        opened["tls, no ClientHello"] = time.monotonic()
        silent["tls, no CONNECT"] = ctx.wrap_socket(
            socket.create_connection((HOST, tls), timeout=10), server_hostname=HOST)
        opened["tls, no CONNECT"] = time.monotonic()
        # Each lifetime runs from when its connect returned: a slow machine only lengthens it.
        minimum = {"tcp": 2, "tls, no ClientHello": 1, "tls, no CONNECT": 2}
        for name, sock in silent.items():
            lived = wait_closed(sock, 20) - opened[name]
            assert lived >= 0.9 * minimum[name], f"{name}: closed after {lived:.2f} s"
            sock.close()
        d.wait_for_log("TLS handshake failed: no handshake within 1000 ms")
        d.wait_for_log("no CONNECT within 2000 ms")
        busy.sendall(PINGREQ)
        assert recv_some(busy) == PINGRESP
    finally:
        busy.close()


def test_broker_close_over_tls_sends_close_notify(dynamq, pki):
    d = dynamq(tls_listener("ssl", "default", pki))
    ctx = client_tls_context(pki)
    # suppress_ragged_eofs=False: a TCP FIN without close_notify raises SSLEOFError.
    sock = ctx.wrap_socket(socket.create_connection((HOST, d.port("ssl:default")), timeout=10),
                           server_hostname=HOST, suppress_ragged_eofs=False)
    try:
        bad = bytearray(connect_packet("bad-level"))
        bad[8] = 9  # protocol level 9: CONNACK 0x01, then the broker closes
        sock.sendall(bytes(bad))
        sock.settimeout(10)
        assert sock.recv(4) == b"\x20\x02\x00\x01"
        assert sock.recv(1) == b""  # close_notify, not an SSLEOFError
    finally:
        sock.close()
