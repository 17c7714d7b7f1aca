"""The `dynamq` command line and etc/dynamq.conf: --version, --help, the shipped config
starts, and a bad config stops start-up with exactly one `file:line: what` line."""

import re
import subprocess

import pytest

from harness import REPO_ROOT, dynamq_bin

from .conftest import start_broker

pytestmark = pytest.mark.dynamq_only(reason="tests dynamq's own command line")


def run(*args, timeout=20):
    return subprocess.run([dynamq_bin(), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_version():
    done = run("--version")
    assert done.returncode == 0, done.stderr
    assert re.match(r"^dynamq \d+\.\d+", done.stdout.strip()), done.stdout


def test_help_lists_config_option():
    done = run("--help")
    assert done.returncode == 0, done.stderr
    assert "--config" in done.stdout


def test_unknown_command_line_option_fails():
    done = run("--no-such-option")
    assert done.returncode != 0


BAD_CONFIGS = {
    "unknown-key": ("listener.tcp.default.bind = 127.0.0.1:0\n# comment\nmqtt.max_packet_sise = 1024\n", 3,
                    "mqtt.max_packet_sise"),
    "bad-number": ("listener.tcp.default.bind = 127.0.0.1:0\nmqtt.max_inflight = lots\n", 2, "mqtt.max_inflight"),
    "out-of-range": ("\n\nlistener.tcp.default.bind = 127.0.0.1:0\nmqtt.max_qos = 3\n", 4, "mqtt.max_qos"),
    "bad-bind": ("listener.tcp.default.bind = 127.0.0.1:99999\n", 1, "listener.tcp.default.bind"),
    "no-equals": ("listener.tcp.default.bind = 127.0.0.1:0\nthis line has no equals sign\n", 2, None),
    "duplicate-key": ("mqtt.max_inflight = 4\nmqtt.max_inflight = 5\n", 2, "mqtt.max_inflight"),
    "bad-duration": ("mqtt.connect_timeout = soon\n", 1, "mqtt.connect_timeout"),
    "bad-bool": ("mqtt.retain_available = maybe\n", 1, "mqtt.retain_available"),
}


@pytest.mark.parametrize("name", list(BAD_CONFIGS))
def test_bad_config_gives_one_file_line_error(tmp_path, name):
    text, line, key = BAD_CONFIGS[name]
    conf = tmp_path / "dynamq.conf"
    conf.write_text(text)
    done = run("--config", conf)
    assert done.returncode != 0
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{done.stderr}"
    assert lines[0].startswith(f"{conf}:{line}: "), lines[0]
    if key:
        assert key in lines[0]


def test_unknown_key_suggests_the_close_one(tmp_path):
    conf = tmp_path / "dynamq.conf"
    conf.write_text("mqtt.max_packet_sise = 1024\n")
    done = run("--config", conf)
    assert "mqtt.max_packet_size" in done.stderr  # "did you mean"


def test_missing_config_file(tmp_path):
    done = run("--config", tmp_path / "nope.conf")
    assert done.returncode != 0
    assert "nope.conf" in done.stderr


def test_shipped_config_is_valid(tmp_path):
    """etc/dynamq.conf as shipped starts; only every `*.bind` is moved to a free port."""
    shipped = (REPO_ROOT / "etc" / "dynamq.conf").read_text()
    conf = tmp_path / "dynamq.conf"
    conf.write_text(re.sub(r"(?m)^(\s*[\w.]+\.bind\s*=).*$", r"\1 127.0.0.1:0", shipped))
    ports = tmp_path / "ports"
    from harness import ManagedProcess, wait_until

    proc = ManagedProcess([dynamq_bin(), "--config", conf, "--ports-file", ports], tmp_path / "log", "dynamq")
    try:
        wait_until(lambda: ports.exists() or not proc.alive(), 15, message="ports file")
        assert proc.alive(), proc.log_text()
    finally:
        assert proc.stop() == 0, proc.log_text()  # SIGTERM is a clean shutdown: exit 0


def test_sigterm_exits_cleanly(tmp_path):
    b = start_broker(tmp_path)
    assert b.stop() == 0, b.log()
