"""Top-level pytest configuration for the integration tests: generic fixtures only.

Process helpers live in harness.py (import them with `from harness import ...`); MQTT- or
DynamoDB-specific fixtures live in each package's own conftest.py.
"""

from pathlib import Path

import pytest

from harness import ManagedProcess, live_processes


@pytest.fixture
def process_factory(tmp_path):
    """Starts ManagedProcesses for one test and stops all of them (by PID) at teardown."""
    started = []

    def start(argv, name=None, env=None, cwd=None):
        label = name or Path(str(argv[0])).name
        proc = ManagedProcess(argv, tmp_path / f"{label}-{len(started)}.log", label, env, cwd)
        started.append(proc)
        return proc

    yield start
    for proc in reversed(started):
        proc.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for proc in live_processes():
            tail = proc.log_text()[-8000:]
            report.sections.append((f"log of {proc.name} (pid {proc.pid})", tail))
