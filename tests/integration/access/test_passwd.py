"""`dynamq passwd`: add, change and delete users; the file it writes is what the broker
reads (mode 0600, malformed files refused with file:line at start-up)."""

import os
import stat
import subprocess

from harness import dynamq_bin

from broker.clients import V5

from .helpers import passwd


def connack(clients, broker, user, password):
    c = clients(broker, f"p-{user}", V5, user, password)
    code = c.connect(expect_success=False)
    c.stop()
    return code


def test_add_creates_the_file_with_mode_0600(tmp_path):
    path = tmp_path / "pw"
    done = passwd(path, "alice", password="wonderland")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("alice:$pbkdf2-sha512$100000$"), text
    assert "wonderland" not in text


def test_add_change_delete_as_the_broker_sees_it(tmp_path, start_broker, clients):
    path = tmp_path / "pw"
    assert passwd("--iterations", "10000", path, "alice", password="one").returncode == 0
    assert passwd("--iterations", "10000", path, "bob", password="b").returncode == 0
    b1 = start_broker("auth.allow_anonymous = false", f"auth.password_file = {path}")
    assert connack(clients, b1, "alice", "one") == 0
    assert connack(clients, b1, "bob", "b") == 0
    b1.proc.stop()

    changed = passwd("--iterations", "10000", path, "alice", password="two")
    assert changed.returncode == 0, changed.stderr
    assert "changed" in changed.stdout
    deleted = passwd("--delete", path, "bob")
    assert deleted.returncode == 0, deleted.stderr
    assert [line.split(":")[0] for line in path.read_text().splitlines()] == ["alice"]

    b2 = start_broker("auth.allow_anonymous = false", f"auth.password_file = {path}")
    assert connack(clients, b2, "alice", "one") == 0x86
    assert connack(clients, b2, "alice", "two") == 0
    assert connack(clients, b2, "bob", "b") == 0x86


def test_change_keeps_comments_and_mode(tmp_path):
    path = tmp_path / "pw"
    assert passwd("--iterations", "10000", path, "alice", password="a").returncode == 0
    path.write_text("# managed by ops\n" + path.read_text())
    os.chmod(path, 0o640)
    assert passwd("--iterations", "10000", path, "alice", password="b").returncode == 0
    assert path.read_text().startswith("# managed by ops\nalice:")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_refusals(tmp_path):
    path = tmp_path / "pw"
    assert passwd(path, "a:b", password="x").returncode == 1           # bad user name
    assert passwd(path, "alice", password="").returncode == 1          # empty password
    assert not path.exists()
    missing = passwd("--delete", path, "nobody")
    assert missing.returncode == 1
    path.write_text("alice:not-a-hash\n")
    malformed = passwd(path, "bob", password="x")
    assert malformed.returncode == 2
    assert f"{path}:1: user `alice`" in malformed.stderr
    assert path.read_text() == "alice:not-a-hash\n"  # left as it was


def test_reads_mosquitto_passwd_files(tmp_path, start_broker, clients):
    path = tmp_path / "mosquitto_pw"
    done = subprocess.run(["mosquitto_passwd", "-b", "-c", str(path), "carol", "c-pass"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert path.read_text().startswith("carol:$7$")
    b = start_broker("auth.allow_anonymous = false", f"auth.password_file = {path}")
    assert connack(clients, b, "carol", "c-pass") == 0
    assert connack(clients, b, "carol", "nope") == 0x86


def test_malformed_password_file_stops_start_up_with_file_and_line(tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("# users\nalice:$pbkdf2-sha512$100000$short$short\n")
    conf = tmp_path / "dynamq.conf"
    conf.write_text(f"listener.tcp.default.bind = 127.0.0.1:0\nadmin.bind = 127.0.0.1:0\n"
                    f"auth.password_file = {pw}\n")
    done = subprocess.run([dynamq_bin(), "--config", str(conf)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert f"{pw}:2: user `alice`: " in done.stderr, done.stderr


def test_missing_password_file_names_the_config_line(tmp_path):
    conf = tmp_path / "dynamq.conf"
    conf.write_text("listener.tcp.default.bind = 127.0.0.1:0\nadmin.bind = 127.0.0.1:0\n"
                    f"auth.password_file = {tmp_path / 'nope'}\n")
    done = subprocess.run([dynamq_bin(), "--config", str(conf)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert f"{conf}:3: `auth.password_file`: cannot read" in done.stderr, done.stderr


def test_bad_auth_values_name_file_and_line(tmp_path):
    conf = tmp_path / "dynamq.conf"
    conf.write_text("listener.tcp.default.bind = 127.0.0.1:0\nauth.allow_anonymous = maybe\n")
    done = subprocess.run([dynamq_bin(), "--config", str(conf)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith(f"{conf}:2: "), done.stderr


def _run_on_terminal(argv, answers, timeout=60):
    """Runs argv with a pseudo-terminal as its controlling terminal and stdin; answers each
    prompt ending in ': ' with the next of `answers`. Returns (exit code, everything shown)."""
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: session leader on the pty
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    shown = b""
    pending = list(answers)
    answered = 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            # One answer per prompt seen (the child turns echo off before prompting).
            while pending and answered < shown.lower().count(b"password:"):
                os.write(fd, pending.pop(0).encode() + b"\n")
                answered += 1
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_prompts_twice_without_echo_on_a_terminal(tmp_path):
    path = tmp_path / "pw"
    code, shown = _run_on_terminal(
        [dynamq_bin(), "passwd", "--iterations", "10000", str(path), "alice"], ["s3cret", "s3cret"])
    assert code == 0, shown
    assert "Password:" in shown and "Reenter password:" in shown, shown
    assert "s3cret" not in shown  # echo was off
    assert path.read_text().startswith("alice:$pbkdf2-sha512$10000$")


def test_mismatched_passwords_on_a_terminal_change_nothing(tmp_path):
    path = tmp_path / "pw"
    code, shown = _run_on_terminal([dynamq_bin(), "passwd", str(path), "alice"], ["one", "two"])
    assert code == 1, shown
    assert "do not match" in shown, shown
    assert not path.exists()
