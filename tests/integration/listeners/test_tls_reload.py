"""SIGHUP reloads the certificates of every ssl and wss listener: new connections see the new
certificate, a connection opened before keeps working, and a reload that fails keeps serving
the certificate that was there."""

import shutil

import paho.mqtt.client as mqtt

from .conftest import s_client, tls_listener
from .paho_tls import PahoClient


def install(pki, live, name, key_of=None):
    """Copies certificate `name` (and the key of `key_of`, default its own) to the live files."""
    shutil.copyfile(pki.path(name + ".pem"), live / "live.pem")
    shutil.copyfile(pki.path((key_of or name) + ".key"), live / "live.key")


def served_cn(port, pki):
    rc, out = s_client(port, cafile=pki.path("ca.pem"))
    assert rc == 0, out
    return next(line for line in out.splitlines() if line.startswith("Peer certificate:"))


def test_sighup_reloads_certificates_for_new_connections_only(dynamq, pki, tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    install(pki, live, "server")
    keys = {"certfile": live / "live.pem", "keyfile": live / "live.key"}
    lines = []
    for kind in ("ssl", "wss"):
        lines += [f"listener.{kind}.default.bind = 127.0.0.1:0"] + [
            f"listener.{kind}.default.{k} = {v}" for k, v in keys.items()]
    d = dynamq(lines)
    ssl_port, wss_port = d.port("ssl:default"), d.port("wss:default")
    assert "CN = server-a" in served_cn(ssl_port, pki)

    old = PahoClient(ssl_port, protocol=mqtt.MQTTv5, ca=pki.path("ca.pem"))
    try:
        old.subscribe("reload/t")

        # A broken reload: server-b's certificate with server-a's key.
        install(pki, live, "server-b", key_of="server")
        d.sighup()
        d.wait_for_log(f"listener ssl:default: certificate reload failed: {live / 'live.key'}: ")
        d.wait_for_log("listener wss:default: certificate reload failed: ")
        assert "CN = server-a" in served_cn(ssl_port, pki)
        assert "CN = server-a" in served_cn(wss_port, pki)

        # A missing file: the same.
        (live / "live.pem").unlink()
        d.sighup()
        d.wait_for_log(f"certificate reload failed: {live / 'live.pem'}: ")
        assert "CN = server-a" in served_cn(ssl_port, pki)

        install(pki, live, "server-b")
        d.sighup()
        d.wait_for_log("listener ssl:default: certificate reloaded: subject CN=server-b")
        d.wait_for_log("listener wss:default: certificate reloaded: subject CN=server-b")
        assert "CN = server-b" in served_cn(ssl_port, pki)
        assert "CN = server-b" in served_cn(wss_port, pki)

        # The connection made with server-a's certificate is still up and working.
        old.publish("reload/t", b"still here")
        assert old.next_message() == ("reload/t", b"still here")
    finally:
        old.close()
    assert d.proc.alive()


def test_sighup_without_tls_listeners_keeps_running(dynamq):
    d = dynamq(["listener.tcp.default.bind = 127.0.0.1:0"])
    d.sighup()
    d.wait_for_log("received SIGHUP: 0 TLS listener(s) reloaded, 0 failed")
    assert d.proc.alive()
