"""Real clients over the TLS and WebSocket listeners: mosquitto_pub/mosquitto_sub with
--cafile and with --cert/--key against verify_peer, paho (MQTT 3.1.1 and 5) over ssl, ws and
wss; clients without a certificate or with one from another CA are refused; with
use_identity_as_username the broker logs the verified CN."""

import ssl
import subprocess
import uuid

import paho.mqtt.client as mqtt
import pytest

from .conftest import HOST, tls_listener
from .paho_tls import PahoClient, round_trip

MOSQUITTO_SUB = "/usr/bin/mosquitto_sub"
MOSQUITTO_PUB = "/usr/bin/mosquitto_pub"


def mosquitto_tls_args(port, pki, cert=None):
    args = ["-h", HOST, "-p", str(port), "--cafile", pki.path("ca.pem")]
    if cert:
        args += ["--cert", pki.path(cert + ".pem"), "--key", pki.path(cert + ".key")]
    return args


def mosquitto_round_trip(process_factory, port, pki, cert=None):
    """mosquitto_sub waits for one message that mosquitto_pub sends; both over TLS."""
    topic = f"mosq/{uuid.uuid4().hex[:8]}"
    # stdbuf: line-buffered, so the SUBACK line reaches the log while it waits.
    sub = process_factory(["/usr/bin/stdbuf", "-oL", MOSQUITTO_SUB, *mosquitto_tls_args(port, pki, cert), "-t", topic,
                           "-C", "1", "-q", "1", "-d"], name="mosquitto_sub")
    sub.wait_for_log("received SUBACK", 15)
    pub = subprocess.run([MOSQUITTO_PUB, *mosquitto_tls_args(port, pki, cert), "-t", topic,
                          "-q", "1", "-m", "hello over tls"], capture_output=True, text=True,
                         timeout=30)
    assert pub.returncode == 0, pub.stdout + pub.stderr
    sub.wait_for_log("hello over tls", 15)
    sub.popen.wait(timeout=15)
    assert sub.popen.returncode == 0, sub.log_text()


def test_mosquitto_clients_with_cafile(dynamq, pki, process_factory):
    d = dynamq(tls_listener("ssl", "default", pki))
    mosquitto_round_trip(process_factory, d.port("ssl:default"), pki)


@pytest.fixture
def verify_peer(dynamq, pki):
    return dynamq(tls_listener("ssl", "mtls", pki, cacertfile=pki.path("ca.pem"),
                               verify_peer="true", use_identity_as_username="true"))


def test_mosquitto_clients_with_a_client_certificate(verify_peer, pki, process_factory):
    mosquitto_round_trip(process_factory, verify_peer.port("ssl:mtls"), pki, cert="alice")
    # use_identity_as_username: the broker saw and vouched for the certificate's CN.
    verify_peer.wait_for_log("client certificate verified, identity `alice`")


@pytest.mark.parametrize("cert,why", [(None, "peer did not return a certificate"),
                                      ("mallory", "certificate verify failed")])
def test_clients_without_a_trusted_certificate_are_refused(verify_peer, pki, cert, why):
    port = verify_peer.port("ssl:mtls")
    pub = subprocess.run([MOSQUITTO_PUB, *mosquitto_tls_args(port, pki, cert), "-t", "x", "-m", "y"],
                         capture_output=True, text=True, timeout=30)
    assert pub.returncode != 0, pub.stdout + pub.stderr
    verify_peer.wait_for_log(why)
    with pytest.raises((ssl.SSLError, OSError, AssertionError)):
        PahoClient(port, ca=pki.path("ca.pem"),
                   cert=pki.path(cert + ".pem") if cert else None,
                   key=pki.path(cert + ".key") if cert else None)
    assert "identity `alice`" not in verify_peer.log()


@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["3.1.1", "5"])
def test_paho_over_tls(dynamq, pki, protocol):
    d = dynamq(tls_listener("ssl", "default", pki))
    port = d.port("ssl:default")
    assert round_trip(port, protocol=protocol, ca=pki.path("ca.pem")) == f"over {port}".encode()


@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["3.1.1", "5"])
def test_paho_with_a_client_certificate(verify_peer, pki, protocol):
    port = verify_peer.port("ssl:mtls")
    got = round_trip(port, protocol=protocol, ca=pki.path("ca.pem"), cert=pki.path("alice.pem"),
                     key=pki.path("alice.key"))
    assert got == f"over {port}".encode()


@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["3.1.1", "5"])
def test_paho_over_ws_and_wss(dynamq, pki, protocol):
    d = dynamq([f"listener.ws.default.bind = {HOST}:0"] + tls_listener("wss", "default", pki))
    ws, wss = d.port("ws:default"), d.port("wss:default")
    assert round_trip(ws, protocol=protocol, transport="websockets") == f"over {ws}".encode()
    got = round_trip(wss, protocol=protocol, transport="websockets", ca=pki.path("ca.pem"))
    assert got == f"over {wss}".encode()


def test_wss_with_a_client_certificate_and_identity(dynamq, pki):
    d = dynamq(tls_listener("wss", "mtls", pki, cacertfile=pki.path("ca.pem"), verify_peer="true",
                            use_identity_as_username="true"))
    port = d.port("wss:mtls")
    got = round_trip(port, transport="websockets", ca=pki.path("ca.pem"),
                     cert=pki.path("alice.pem"), key=pki.path("alice.key"))
    assert got == f"over {port}".encode()
    d.wait_for_log("wss:mtls")
    d.wait_for_log("client certificate verified, identity `alice`")
    with pytest.raises((ssl.SSLError, OSError, AssertionError)):
        PahoClient(port, transport="websockets", ca=pki.path("ca.pem"))
