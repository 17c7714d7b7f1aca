"""Fixtures for the DynamoDB integration tests: real engines, the real `dynamq` binary, the
probe tool built on dynamq's client, boto3, and the fault-injection fake.

`engine` is parametrized over both local engines (DynamoDB Local and dynalite); each is
started once per session with scripts/dynamodb on a free port and stopped by PID at the end.
Tests isolate themselves with a table prefix of their own (backend.dynamo.table_prefix).
"""

import subprocess
import sys
import uuid

import pytest

from harness import ManagedProcess, free_port

from .ddb_helpers import FAULT_PROXY, SCRIPTS, Engine, FaultProxy


def _start_engine(kind):
    out = subprocess.run([str(SCRIPTS), "start", kind, "0"], capture_output=True, text=True,
                         timeout=120)
    if out.returncode != 0:
        pytest.fail(f"scripts/dynamodb start {kind} failed:\n{out.stderr}")
    pid, port = out.stdout.split()
    return Engine(kind, int(pid), int(port))


@pytest.fixture(scope="session", params=["local", "dynalite"])
def engine(request):
    eng = _start_engine(request.param)
    yield eng
    subprocess.run([str(SCRIPTS), "stop", str(eng.pid)], timeout=60)


@pytest.fixture
def ddb(engine):
    """A boto3 DynamoDB client on the engine."""
    return engine.client()


@pytest.fixture
def prefix():
    """A table prefix unique to one test."""
    return "t" + uuid.uuid4().hex[:8] + "_"


@pytest.fixture
def fault_proxy(engine, tmp_path):
    """tests/tools/fault_proxy.py (a fake for fault injection only) in front of the engine."""
    port = free_port()
    proc = ManagedProcess([sys.executable, FAULT_PROXY, "--upstream", engine.endpoint,
                           "--port", port], tmp_path / "fault_proxy.log", "fault_proxy")
    proc.wait_for_port("127.0.0.1", port)
    yield FaultProxy(proc, port)
    proc.stop()
