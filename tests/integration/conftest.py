"""Top-level pytest configuration for the integration tests: generic fixtures only.

Process helpers live in harness.py (import them with `from harness import ...`); MQTT- or
DynamoDB-specific fixtures live in each package's own conftest.py.
"""

from pathlib import Path

import pytest

from harness import ManagedProcess, live_processes, made_for_one_test


@pytest.fixture
def process_factory(tmp_path):
    """Starts ManagedProcesses for one test and stops all of them (by PID) at teardown."""

    def start(n, argv, name=None, env=None, cwd=None):
        label = name or Path(str(argv[0])).name
        return ManagedProcess(argv, tmp_path / f"{label}-{n}.log", label, env, cwd)

    yield from made_for_one_test(start, ManagedProcess.stop)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for proc in live_processes():
            tail = proc.log_text()[-8000:]
            report.sections.append((f"log of {proc.name} (pid {proc.pid})", tail))
