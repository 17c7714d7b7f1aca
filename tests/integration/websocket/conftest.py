"""Fixtures for the WebSocket tests: one dynamq per module with tcp, ws and wss listeners
(each on a port the kernel picks, read back from --ports-file), a test CA and server
certificate made with the openssl CLI in a temporary directory, and the paths of the pinned
npm clients (MQTT.js, playwright-core) that scripts/setup installs.

The prerequisites (node, node_modules/mqtt, node_modules/playwright-core, /usr/bin/chromium)
fail the tests loudly when missing: a skipped browser test would hide a broken setup.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness import REPO_ROOT, ManagedProcess, dynamq_bin, wait_until

HOST = "127.0.0.1"
HERE = Path(__file__).resolve().parent
NODE_MODULES = REPO_ROOT / "node_modules"
CHROMIUM = Path("/usr/bin/chromium")
# Seconds a ws client may take to finish its upgrade (the handshake_timeout test waits it out).
HANDSHAKE_TIMEOUT = 1


def require(path, what):
    """Fails (never skips) when a prerequisite from scripts/setup is missing."""
    if not Path(path).exists():
        pytest.fail(f"{what} missing at {path}: run scripts/setup (as root)")
    return Path(path)


def node():
    found = shutil.which("node")
    if not found:
        pytest.fail("node missing: run scripts/setup (as root)")
    return found


def mqttjs_module():
    return require(NODE_MODULES / "mqtt" / "package.json", "npm package mqtt (MQTT.js)").parent


def make_certs(directory):
    """A CA and a server certificate for 127.0.0.1/localhost, signed by it (openssl CLI)."""
    d = Path(directory)

    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=dynamq test CA",
        "-keyout", "ca.key", "-out", "ca.pem")
    (d / "server.ext").write_text(
        "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
        "extendedKeyUsage = serverAuth\n"
    )
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
        "-out", "server.csr")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "server.ext", "-out", "server.pem")
    return {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key"}


class WsBroker:
    """A running dynamq: `ports[kind]` is the port of listener <kind>.default."""

    def __init__(self, proc, ports, certs, workdir):
        self.proc, self.ports, self.certs, self.workdir = proc, ports, certs, Path(workdir)
        self.host = HOST

    @property
    def tcp(self):
        return self.ports["tcp"]

    @property
    def ws(self):
        return self.ports["ws"]

    @property
    def wss(self):
        return self.ports["wss"]

    def ws_url(self, path="/mqtt"):
        return f"ws://{HOST}:{self.ws}{path}"

    def wss_url(self, path="/mqtt"):
        return f"wss://{HOST}:{self.wss}{path}"

    def log(self):
        return self.proc.log_text()

    def wait_for_log(self, needle, timeout=10):
        return self.proc.wait_for_log(needle, timeout)


def start_ws_broker(workdir, certs, extra=()):
    workdir = Path(workdir)
    conf = workdir / "dynamq.conf"
    lines = [
        f"listener.tcp.default.bind = {HOST}:0",
        f"listener.ws.default.bind = {HOST}:0",
        "listener.ws.default.path = /mqtt",
        f"listener.ws.default.handshake_timeout = {HANDSHAKE_TIMEOUT}",
        f"listener.wss.default.bind = {HOST}:0",
        f"listener.wss.default.certfile = {certs['cert']}",
        f"listener.wss.default.keyfile = {certs['key']}",
        f"admin.bind = {HOST}:0",
        "log.level = debug",
        "mqtt.connect_timeout = 3",
        *extra,
    ]
    conf.write_text("\n".join(lines) + "\n")
    ports_file = workdir / "ports"
    proc = ManagedProcess([dynamq_bin(), "--config", conf, "--ports-file", ports_file],
                          workdir / "dynamq.log", "dynamq")

    def ports():
        if not proc.alive():
            pytest.fail(f"dynamq exited with {proc.popen.returncode}:\n{proc.log_text()[-4000:]}")
        if not ports_file.exists():
            return None
        found = {}
        for line in ports_file.read_text().splitlines():
            kind, name, _addr, port = line.split()
            if name == "default":
                found[kind] = int(port)
        return found if {"tcp", "ws", "wss"} <= found.keys() else None

    found = wait_until(ports, 15, message="dynamq to write its ports file")
    for port in found.values():
        proc.wait_for_port(HOST, port)
    return WsBroker(proc, found, certs, workdir)


@pytest.fixture(scope="session")
def certs():
    with tempfile.TemporaryDirectory(prefix="dynamq-ws-certs-") as tmp:
        yield make_certs(tmp)


@pytest.fixture(scope="module")
def ws_broker(certs):
    with tempfile.TemporaryDirectory(prefix="dynamq-ws-") as tmp:
        b = start_ws_broker(tmp, certs)
        yield b
        b.proc.stop()


@pytest.fixture
def uid(request):
    import uuid

    return f"{request.node.name[:24]}-{uuid.uuid4().hex[:8]}".replace("[", "-").replace("]", "")
