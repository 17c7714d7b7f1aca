"""TLS on the wire with openssl s_client and paho: TLS 1.2 and 1.3 accepted, 1.1 refused, the
cipher list honoured; an untrusted or expired server certificate is rejected by the clients."""

import ssl

import paho.mqtt.client as mqtt
import pytest

from .conftest import s_client, tls_listener
from .paho_tls import PahoClient


@pytest.fixture
def ssl_port(dynamq, pki):
    return dynamq(tls_listener("ssl", "default", pki)).port("ssl:default")


@pytest.mark.parametrize("version,name", [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")])
def test_tls12_and_tls13_handshakes_verify(ssl_port, pki, version, name):
    rc, out = s_client(ssl_port, version, cafile=pki.path("ca.pem"))
    assert rc == 0, out
    assert f"Protocol version: {name}" in out
    assert "Verification: OK" in out
    assert "CN = server-a" in out


def test_tls11_is_refused_by_the_server(ssl_port, pki):
    # SECLEVEL=0 lets OpenSSL 3's client offer TLS 1.1 at all; the refusal must come from the
    # server (a protocol_version alert), not from the client's own policy.
    rc, out = s_client(ssl_port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                       cafile=pki.path("ca.pem"))
    assert rc != 0, out
    assert "no protocols available" not in out, out
    assert "protocol version" in out, out


def test_cipher_list_is_honoured(dynamq, pki):
    d = dynamq(tls_listener("ssl", "strict", pki, ciphers="ECDHE-ECDSA-AES256-GCM-SHA384")
               + tls_listener("ssl", "open", pki))
    strict, open_ = d.port("ssl:strict"), d.port("ssl:open")
    ca = pki.path("ca.pem")
    rc, out = s_client(strict, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384", cafile=ca)
    assert rc == 0, out
    assert "Ciphersuite: ECDHE-ECDSA-AES256-GCM-SHA384" in out
    rc, out = s_client(strict, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", cafile=ca)
    assert rc != 0, out
    # The same client is fine with a listener that keeps OpenSSL's default list.
    rc, out = s_client(open_, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", cafile=ca)
    assert rc == 0, out
    assert "Ciphersuite: ECDHE-ECDSA-AES128-GCM-SHA256" in out


def test_untrusted_server_certificate_is_rejected(dynamq, pki):
    d = dynamq(tls_listener("ssl", "default", pki, cert="untrusted"))
    port = d.port("ssl:default")
    rc, out = s_client(port, cafile=pki.path("ca.pem"))
    assert rc != 0, out
    assert "self-signed certificate" in out or "self signed certificate" in out, out
    with pytest.raises(ssl.SSLCertVerificationError):
        PahoClient(port, ca=pki.path("ca.pem"))


def test_expired_server_certificate_is_rejected(dynamq, pki):
    d = dynamq(tls_listener("ssl", "default", pki, cert="expired"))
    port = d.port("ssl:default")
    d.wait_for_log("expired on 2020-02-01")  # the broker warns at start-up
    rc, out = s_client(port, cafile=pki.path("ca.pem"))
    assert rc != 0, out
    assert "certificate has expired" in out, out
    with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
        PahoClient(port, protocol=mqtt.MQTTv5, ca=pki.path("ca.pem"))
