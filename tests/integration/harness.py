"""Generic process helpers shared by every integration test package (broker/, dynamo/, ...).

Imported as `harness` (tests/integration is on sys.path: pytest puts the rootdir of a
package-less conftest there).

Nothing here knows MQTT or DynamoDB: free ports, polling with a deadline, starting a
process with its output captured to a log file, stopping it by PID (SIGTERM, then
SIGKILL), and attaching the logs of every process still running to a failing test's
report so a failure shows what the broker said.
"""

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def dynamq_bin():
    """The broker binary under test: $DYNAMQ_BIN, else <repo>/build/src/app/dynamq."""
    return os.environ.get("DYNAMQ_BIN", str(REPO_ROOT / "build" / "src" / "app" / "dynamq"))


def free_port(host="127.0.0.1"):
    """A TCP port that was free a moment ago (bind port 0, read it back, release it).

    Prefer letting the server bind port 0 itself and report it; this is for servers
    that cannot (the race window is tiny on loopback).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(condition, timeout, interval=0.02, message="condition"):
    """Polls `condition()` until it returns a truthy value, which is returned.

    Fails the test with `message` when `timeout` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def port_accepts(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# Every ManagedProcess still running; their logs go into failing tests' reports.
_live = []
_live_lock = threading.Lock()


class ManagedProcess:
    """A child process whose stdout+stderr go to a log file and which is stopped by PID."""

    def __init__(self, argv, log_path, name=None, env=None, cwd=None):
        self.argv = [str(a) for a in argv]
        self.name = name or Path(self.argv[0]).name
        self.log_path = Path(log_path)
        self._log_file = open(self.log_path, "wb")
        self.popen = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,  # our signals reach only this process, never the test runner
        )
        self.pid = self.popen.pid
        with _live_lock:
            _live.append(self)

    def alive(self):
        return self.popen.poll() is None

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_for_log(self, needle, timeout):
        """Polls the log until it contains `needle` (a str); returns the log text."""
        return wait_until(
            lambda: (needle in self.log_text()) and self.log_text(),
            timeout,
            message=f"{self.name} log line containing {needle!r}",
        )

    def wait_for_port(self, host, port, timeout=15.0):
        """Polls until host:port accepts a TCP connection; fails if the process exits."""

        def ready():
            if not self.alive():
                pytest.fail(
                    f"{self.name} exited with {self.popen.returncode} before listening:\n"
                    + self.log_text()[-4000:]
                )
            return port_accepts(host, port)

        wait_until(ready, timeout, message=f"{self.name} to accept on {host}:{port}")

    def stop(self, grace=5.0):
        """SIGTERM, then SIGKILL after `grace` seconds; returns the exit code."""
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait(timeout=10)
        self._log_file.close()
        with _live_lock:
            if self in _live:
                _live.remove(self)
        return self.popen.returncode

    def kill(self):
        """SIGKILL at once (a crash, as seen by clients and storage)."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
        return self.stop()




def made_for_one_test(make, close):
    """Body of a factory fixture (`yield from made_for_one_test(make, close)`): the test gets
    a function that calls make(n, *args, **kwargs), n = how many it made before, and
    everything made is closed, newest first, at teardown."""
    made = []

    def new(*args, **kwargs):
        thing = make(len(made), *args, **kwargs)
        made.append(thing)
        return thing

    yield new
    for thing in reversed(made):
        close(thing)


def live_processes():
    """Every ManagedProcess started and not yet stopped (for failure reports)."""
    with _live_lock:
        return list(_live)
