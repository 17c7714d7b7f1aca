"""Fixtures for the access-control tests: a dynamq started with auth.* keys, password files
written by `dynamq passwd` itself, and paho clients with user names and passwords.
"""

import re
import subprocess
from pathlib import Path

import pytest

from harness import ManagedProcess, dynamq_bin, made_for_one_test, wait_until

from .helpers import passwd

HOST = "127.0.0.1"


class AccessBroker:
    """A running dynamq: host, port, admin endpoint, its log."""

    def __init__(self, proc, port, workdir):
        self.proc, self.port, self.workdir = proc, port, workdir
        self.host = HOST

    def log(self):
        return self.proc.log_text()

    def stats(self):
        """`dynamq ctl stats` as {"broker.denied_publish": 3, ...}."""
        m = wait_until(lambda: re.search(r"admin endpoint on (\S+?:\d+)", self.log()), 10,
                       message="the admin endpoint line")
        done = subprocess.run([dynamq_bin(), "ctl", "--admin", m.group(1), "stats"],
                              capture_output=True, text=True, timeout=20)
        assert done.returncode == 0, done.stderr
        out = {}
        for line in done.stdout.splitlines():
            key, _, value = line.partition(" = ")
            out[key] = value
        return out

    def stat(self, name):
        return int(self.stats()[f"broker.{name}"])


def start_dynamq(workdir, lines):
    """dynamq with `lines` (key = value) added to a loopback, port-0 config; waits until it
    accepts connections."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "dynamq.conf"
    base = ["listener.tcp.default.bind = 127.0.0.1:0", "admin.bind = 127.0.0.1:0",
            "log.level = debug"]
    conf.write_text("\n".join(base + list(lines)) + "\n")
    ports = workdir / "ports"
    proc = ManagedProcess([dynamq_bin(), "--config", conf, "--ports-file", ports],
                          workdir / "dynamq.log", "dynamq")

    def port():
        if ports.exists():
            m = re.search(r"(\d+)\s*$", ports.read_text().strip())
            if m:
                return int(m.group(1))
        if not proc.alive():
            pytest.fail(f"dynamq exited with {proc.popen.returncode}:\n{proc.log_text()[-4000:]}")
        return None

    p = wait_until(port, 15, message="dynamq to report its port")
    proc.wait_for_port(HOST, p)
    return AccessBroker(proc, p, workdir)


@pytest.fixture
def start_broker(tmp_path):
    """start_broker(*lines) → AccessBroker; every broker is stopped (by PID) at teardown."""
    yield from made_for_one_test(lambda n, *lines: start_dynamq(tmp_path / f"broker{n}", lines),
                                 lambda b: b.proc.stop())


@pytest.fixture
def password_file(tmp_path):
    """A password file with alice/wonderland and bob/builder, written by `dynamq passwd`.
    (10,000 iterations keep the tests quick; the default is 100,000.)"""
    path = tmp_path / "passwords"
    for user, pw in (("alice", "wonderland"), ("bob", "builder")):
        done = passwd("--iterations", "10000", path, user, password=pw)
        assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def clients():
    """paho clients (tests/integration/broker/clients.py) with credentials; stopped at teardown."""
    from broker.clients import Client

    def new(_, broker, client_id, version, username=None, password=None):
        c = Client(broker, client_id, version)
        if username is not None:
            c.paho.username_pw_set(username, password)
        return c

    yield from made_for_one_test(new, Client.stop)


@pytest.fixture
def raw():
    """raw(broker, version) → a connected-socket RawClient (byte-exact packets); all closed
    at teardown."""
    from broker.mqtt_wire import RawClient

    yield from made_for_one_test(
        lambda _, broker, version=5: RawClient(broker.host, broker.port, version), RawClient.close)
