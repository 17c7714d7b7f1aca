"""Fixtures that start the broker under test: dynamq (default) or, to validate the tests
themselves, Debian's mosquitto 2.0.11 (DYNAMQ_TEST_BROKER=mosquitto).

Options are given in one neutral vocabulary (BrokerOptions) and translated into each
broker's config file. A module gets one shared broker (`broker`); a test that needs
special limits starts its own with `broker_factory(**options)`.
"""

import os
import re
import tempfile
from pathlib import Path

import pytest

from harness import ManagedProcess, dynamq_bin, free_port, made_for_one_test, wait_until

BROKER_KIND = os.environ.get("DYNAMQ_TEST_BROKER", "dynamq")
HOST = "127.0.0.1"

# Defaults for every test broker: short connect timeout so the timeout test stays fast.
DEFAULTS = {
    "connect_timeout": 1,
}


class Broker:
    """A running broker: host, port, kind, its process and log."""

    def __init__(self, kind, proc, port, options, conf_path):
        self.kind, self.proc, self.port, self.options = kind, proc, port, options
        self.host = HOST
        self.conf_path = conf_path

    @property
    def addr(self):
        return (self.host, self.port)

    def log(self):
        return self.proc.log_text()

    def alive(self):
        return self.proc.alive()

    def stop(self):
        return self.proc.stop()


def _dynamq_conf(options):
    """dynamq's etc/dynamq.conf keys (src/app/serve_command.cpp)."""
    keys = {
        "connect_timeout": "mqtt.connect_timeout",
        "max_packet_size": "mqtt.max_packet_size",
        "max_inflight": "mqtt.max_inflight",
        "max_queued_messages": "mqtt.max_queued_messages",
        "session_expiry_max": "mqtt.session_expiry_max",
        "keep_alive_max": "mqtt.keepalive_max",
        "topic_alias_maximum": "mqtt.topic_alias_max",
        "max_qos": "mqtt.max_qos",
        "retain_available": "mqtt.retain_available",
    }
    # admin.bind: a free port too, so test brokers never hold the default 18083.
    lines = ["listener.tcp.default.bind = 127.0.0.1:0", "admin.bind = 127.0.0.1:0", "log.level = debug"]
    for name, value in options.items():
        lines.append(f"{keys[name]} = {value}")
    return "\n".join(lines) + "\n"


def _mosquitto_conf(options, port):
    """mosquitto.conf(5) of 2.0.11; options it has no equivalent for are left out."""
    keys = {
        "max_packet_size": "max_packet_size",
        "max_inflight": "max_inflight_messages",
        "max_queued_messages": "max_queued_messages",
        "keep_alive_max": "max_keepalive",
        "topic_alias_maximum": "max_topic_alias",
        "max_qos": "max_qos",
        "retain_available": "retain_available",
    }
    lines = [
        f"listener {port} {HOST}",
        "allow_anonymous true",
        "persistence false",
        "log_dest stderr",
        "log_type all",
        "max_queued_messages 1000",
        "max_inflight_messages 32",
    ]
    for name, value in options.items():
        if name == "session_expiry_max":
            continue  # persistent_client_expiration has no seconds unit and never caps v5 SEI
        if name in keys:
            lines.append(f"{keys[name]} {value}")
    return "\n".join(lines) + "\n"


def _read_dynamq_port(proc, ports_file):
    """The bound port: from --ports-file when the binary writes one, else the log line."""

    def found():
        if ports_file.exists():
            text = ports_file.read_text()
            m = re.search(r"(\d+)\s*$", text.strip())
            if m:
                return int(m.group(1))
        m = re.search(r"listening on [^\s]*?:(\d+)", proc.log_text())
        if m:
            return int(m.group(1))
        if not proc.alive():
            pytest.fail(f"dynamq exited with {proc.popen.returncode}:\n{proc.log_text()[-4000:]}")
        return None

    return wait_until(found, 15, message="dynamq to report its port")


def start_broker(workdir, kind=BROKER_KIND, **options):
    """Starts a broker with DEFAULTS + options in `workdir`; returns a Broker once it accepts."""
    opts = dict(DEFAULTS, **options)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if kind == "mosquitto":
        port = free_port()
        conf = workdir / "mosquitto.conf"
        conf.write_text(_mosquitto_conf(opts, port))
        proc = ManagedProcess(["/usr/sbin/mosquitto", "-c", conf], workdir / "mosquitto.log", "mosquitto")
    elif kind == "dynamq":
        conf = workdir / "dynamq.conf"
        conf.write_text(_dynamq_conf(opts))
        ports_file = workdir / "ports"
        proc = ManagedProcess(
            [dynamq_bin(), "--config", conf, "--ports-file", ports_file], workdir / "dynamq.log", "dynamq"
        )
        port = _read_dynamq_port(proc, ports_file)
    else:
        raise ValueError(f"DYNAMQ_TEST_BROKER must be dynamq or mosquitto, not {kind!r}")
    proc.wait_for_port(HOST, port)
    return Broker(kind, proc, port, opts, conf)


@pytest.fixture(scope="module")
def broker():
    """One broker (default options) shared by the tests of a module."""
    with tempfile.TemporaryDirectory(prefix="dynamq-it-") as tmp:
        b = start_broker(tmp)
        yield b
        b.stop()


@pytest.fixture
def broker_factory(tmp_path):
    """Starts brokers with specific options for one test; stops them afterwards."""
    def start(n, **options):
        return start_broker(tmp_path / f"broker{n}", **options)

    yield from made_for_one_test(start, lambda b: b.stop())


@pytest.fixture
def uid(request):
    """A short unique token per test for client ids and topics."""
    import uuid

    return f"{request.node.name[:20]}-{uuid.uuid4().hex[:8]}".replace("[", "-").replace("]", "")


def pytest_collection_modifyitems(config, items):
    # DYNAMQ_TEST_ALL=1 runs dynamq-only tests on mosquitto too, to re-check the reasons.
    if BROKER_KIND == "dynamq" or os.environ.get("DYNAMQ_TEST_ALL") == "1":
        return
    for item in items:
        marker = item.get_closest_marker("dynamq_only")
        if marker:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"dynamq-only (not run on {BROKER_KIND}): {reason}"))


@pytest.fixture
def clients(broker):
    """paho clients on the module's broker, all stopped at teardown."""
    from .clients import Clients

    c = Clients(broker)
    yield c
    c.close_all()


@pytest.fixture
def raw(broker):
    """raw(version=4, broker=None) → a RawClient (byte-exact); all closed at teardown."""
    from .mqtt_wire import RawClient

    def open_client(_, version=4, target=None):
        b = target or broker
        return RawClient(b.host, b.port, version)

    yield from made_for_one_test(open_client, RawClient.close)
