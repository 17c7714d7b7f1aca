"""Fixtures for the listener tests (TLS, WebSocket, connection limits): certificates made by
the openssl CLI in a temporary directory (never committed), and a dynamq with any listeners.

`pki` holds a CA, a server certificate for 127.0.0.1/localhost, client certificates with a CN,
an expired server certificate, a self-signed (untrusted) server certificate and a second CA
with a client certificate of its own. `dynamq(lines)` starts the real binary with those config
lines (every listener bound to 127.0.0.1:0) and returns its ports from --ports-file.
"""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from harness import dynamq_bin, wait_until

HOST = "127.0.0.1"
OPENSSL = "/usr/bin/openssl"


def run_openssl(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


class Pki:
    """Certificate files by name: pki.path("server.pem")."""

    def __init__(self, root):
        self.root = Path(root)

    def path(self, name):
        return str(self.root / name)

    def _key_and_csr(self, name, subject):
        run_openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject, cwd=self.root)

    def make_ca(self, name, cn):
        run_openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
                    "-subj", f"/O=dynamq tests/CN={cn}",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.root)

    def issue(self, ca, name, cn, usage):
        """A certificate for `cn` signed by `ca`; usage is serverAuth or clientAuth."""
        self._key_and_csr(name, f"/O=dynamq tests/CN={cn}")
        ext = self.root / f"{name}.ext"
        ext.write_text(
            "[v3]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
            f"extendedKeyUsage={usage}\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
        run_openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                    "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-sha256",
                    "-extfile", ext.name, "-extensions", "v3", cwd=self.root)

    def issue_expired(self, ca, name, cn):
        """A server certificate signed by `ca` that expired in 2020 (`openssl ca` takes dates)."""
        self._key_and_csr(name, f"/O=dynamq tests/CN={cn}")
        db = self.root / f"{ca}-db"
        db.mkdir(exist_ok=True)
        (db / "index.txt").write_text("")
        (db / "serial").write_text("1000\n")
        conf = self.root / f"{ca}-ca.cnf"
        conf.write_text(
            "[ca]\ndefault_ca=own\n[own]\n"
            f"database={db}/index.txt\nnew_certs_dir={db}\nserial={db}/serial\n"
            "default_md=sha256\npolicy=any\nunique_subject=no\nx509_extensions=v3\n"
            "[any]\ncommonName=supplied\norganizationName=optional\n"
            "[v3]\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        run_openssl("ca", "-batch", "-config", conf.name, "-cert", f"{ca}.pem", "-keyfile",
                    f"{ca}.key", "-in", f"{name}.csr", "-out", f"{name}.pem", "-notext",
                    "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", cwd=self.root)

    def self_signed(self, name, cn):
        run_openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
                    "-subj", f"/O=dynamq tests/CN={cn}",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", cwd=self.root)


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki")
    p = Pki(root)
    p.make_ca("ca", "dynamq test CA")
    p.issue("ca", "server", "server-a", "serverAuth")
    p.issue("ca", "server-b", "server-b", "serverAuth")
    p.issue("ca", "alice", "alice", "clientAuth")
    p.issue_expired("ca", "expired", "server-expired")
    p.self_signed("untrusted", "server-untrusted")
    p.make_ca("other-ca", "another CA")
    p.issue("other-ca", "mallory", "alice", "clientAuth")
    yield p
    shutil.rmtree(root, ignore_errors=True)


class Dynamq:
    """A running dynamq: its process, log and listener ports by 'kind:name'."""

    def __init__(self, proc, ports):
        self.proc, self.ports = proc, ports

    def port(self, listener):
        return self.ports[listener]

    def log(self):
        return self.proc.log_text()

    def wait_for_log(self, needle, timeout=15):
        return self.proc.wait_for_log(needle, timeout)

    def sighup(self):
        os.kill(self.proc.pid, signal.SIGHUP)


@pytest.fixture
def dynamq(process_factory, tmp_path):
    """dynamq(lines) → a Dynamq started with those config lines (plus test defaults)."""
    count = 0

    def start(lines):
        nonlocal count
        count += 1
        workdir = tmp_path / f"dynamq{count}"
        workdir.mkdir()
        conf = workdir / "dynamq.conf"
        conf.write_text("\n".join(["admin.bind = 127.0.0.1:0", "log.level = debug", "io_threads = 2",
                                   *lines]) + "\n")
        ports_file = workdir / "ports"
        proc = process_factory([dynamq_bin(), "--config", conf, "--ports-file", ports_file],
                               name="dynamq")
        expected = len({tuple(line.split("=")[0].strip().split(".")[1:3])
                        for line in lines if line.startswith("listener.")})

        def ports():
            if not proc.alive():
                pytest.fail(f"dynamq exited with {proc.popen.returncode}:\n{proc.log_text()[-4000:]}")
            if not ports_file.exists():
                return None
            rows = [r.split() for r in ports_file.read_text().splitlines() if r.strip()]
            return {f"{r[0]}:{r[1]}": int(r[3]) for r in rows} if len(rows) >= expected else None

        return Dynamq(proc, wait_until(ports, 15, message="dynamq to write its ports file"))

    return start


def tls_listener(kind, name, pki, cert="server", **keys):
    """Config lines of an ssl or wss listener on a free loopback port."""
    lines = [f"listener.{kind}.{name}.bind = {HOST}:0",
             f"listener.{kind}.{name}.certfile = {pki.path(cert + '.pem')}",
             f"listener.{kind}.{name}.keyfile = {pki.path(cert + '.key')}"]
    for key, value in keys.items():
        lines.append(f"listener.{kind}.{name}.{key} = {value}")
    return lines


def s_client(port, *args, cafile=None, timeout=20):
    """openssl s_client against the port with stdin closed; returns (returncode, output)."""
    argv = [OPENSSL, "s_client", "-connect", f"{HOST}:{port}", "-brief", "-verify_return_error",
            *args]
    if cafile:
        argv += ["-CAfile", cafile]
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)
    return done.returncode, done.stdout + done.stderr


def connect_packet(client_id):
    """A minimal MQTT 3.1.1 CONNECT (clean session, keep alive 60)."""
    cid = client_id.encode()
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(cid).to_bytes(2, "big") + cid
    return bytes([0x10, len(body)]) + body


def recv_some(sock, timeout=10):
    """What the peer sends next; b'' when it closed (a reset counts as closed)."""
    sock.settimeout(timeout)
    try:
        return sock.recv(4096)
    except (ConnectionResetError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
        return b""


def mqtt_session(port, client_id, tls_context=None):
    """A socket (TLS when a context is given) that has sent CONNECT and got CONNACK 0; fails
    the test otherwise."""
    sock = socket.create_connection((HOST, port), timeout=10)
    if tls_context is not None:
        sock = tls_context.wrap_socket(sock, server_hostname=HOST)
    sock.sendall(connect_packet(client_id))
    got = recv_some(sock)
    assert got[:4] == b"\x20\x02\x00\x00", f"no CONNACK for {client_id}: {got!r}"
    return sock


def client_tls_context(pki, cert=None):
    ctx = ssl.create_default_context(cafile=pki.path("ca.pem"))
    if cert:
        ctx.load_cert_chain(pki.path(cert + ".pem"), pki.path(cert + ".key"))
    return ctx


def wait_closed(sock, timeout):
    """time.monotonic() when the peer closed `sock` (fails after `timeout`)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
    except socket.timeout:
        pytest.fail(f"the connection stayed open for {timeout} s")
    except (ConnectionResetError, ssl.SSLError):
        pass
    return time.monotonic()
