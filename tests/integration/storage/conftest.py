"""Fixtures for the storage tests: a real DynamoDB engine (DynamoDB Local and dynalite, via
scripts/dynamodb), the six tables created by `dynamq tables create` with a per-test table
prefix, and the real dynamq with the storage plugin loaded from the seed's config file.

Tables are read with boto3 (and /usr/bin/aws where the seed page does).
"""

import json
import os
import re
import subprocess
import uuid
from pathlib import Path

import boto3
import pytest

from harness import REPO_ROOT, ManagedProcess, dynamq_bin, free_port, wait_until

HOST = "127.0.0.1"
REGION = "us-west-2"
# The seed's example credentials: the local engines check no signature.
ACCESS_KEY = "AKIAU5IM2XOC7AQWG7HK"
SECRET_KEY = "TZt7XoRi+vtCJYQ9YsAinh19jR1rngm/hxZMWR2P"
ENGINES = ["local", "dynalite"]
SEED_CONF = REPO_ROOT / "etc" / "plugins" / "dynamo.conf"


class Engine:
    """A running local DynamoDB engine (stopped by PID)."""

    def __init__(self, kind, data_dir=None, port=0):
        self.kind, self.data_dir = kind, data_dir
        self.pid = None
        self.port = port
        self.start()

    def start(self):
        args = [str(REPO_ROOT / "scripts" / "dynamodb"), "start", self.kind, str(self.port)]
        if self.data_dir:
            args.append(str(self.data_dir))
        out = subprocess.run(args, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stderr
        pid, port = out.stdout.split()
        self.pid, self.port = int(pid), int(port)

    def stop(self):
        if self.pid:
            subprocess.run([str(REPO_ROOT / "scripts" / "dynamodb"), "stop", str(self.pid)],
                           capture_output=True, timeout=60)
            self.pid = None

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"


@pytest.fixture(scope="session", params=ENGINES)
def engine(request):
    e = Engine(request.param)
    yield e
    e.stop()


class Storage:
    """The tables of one test (prefixed), read with boto3 / awscli."""

    def __init__(self, engine, prefix):
        self.engine, self.prefix = engine, prefix
        self.ddb = boto3.client("dynamodb", endpoint_url=engine.url, region_name=REGION,
                                aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def table(self, seed_name):
        return self.prefix + seed_name

    def scan(self, seed_name):
        items, kwargs = [], {"TableName": self.table(seed_name), "ConsistentRead": True}
        while True:
            page = self.ddb.scan(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get(self, seed_name, **key):
        item = self.ddb.get_item(TableName=self.table(seed_name), ConsistentRead=True,
                                 Key={k: {"S": v} for k, v in key.items()})
        return item.get("Item")

    def aws(self, *args):
        """/usr/bin/aws dynamodb ARGS against the engine; the parsed JSON answer."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                   AWS_DEFAULT_REGION=REGION, AWS_PAGER="")
        out = subprocess.run(["/usr/bin/aws", "dynamodb", *args, "--region", REGION,
                              "--endpoint-url", self.engine.url, "--output", "json"],
                             capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else {}


def write_plugin_conf(path, engine, prefix, extra=""):
    """The seed's file verbatim, pointed at the test engine, plus dynamq's own keys."""
    text = SEED_CONF.read_text().replace("http://localhost:8000", engine.url)
    text += f"\nbackend.dynamo.table_prefix = {prefix}\n" + extra
    Path(path).write_text(text)


def create_tables(conf):
    out = subprocess.run([dynamq_bin(), "tables", "create", "--config", str(conf)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


class StorageBroker:
    """dynamq with the storage plugin; host/port as the MQTT clients expect."""

    def __init__(self, proc, port, admin, conf, plugin_conf):
        self.proc, self.port, self.admin, self.conf, self.plugin_conf = proc, port, admin, conf, plugin_conf
        self.host = HOST

    def ctl(self, *args, check=True):
        out = subprocess.run([dynamq_bin(), "ctl", "--admin", self.admin, *args],
                             capture_output=True, text=True, timeout=60)
        if check:
            assert out.returncode == 0, out.stdout + out.stderr
        return out

    def stats(self):
        text = self.ctl("stats").stdout
        return {m.group(1): m.group(2) for m in re.finditer(r"^(\S+) = (\S+)$", text, re.M)}

    def log(self):
        return self.proc.log_text()


@pytest.fixture
def storage(engine):
    prefix = "t" + uuid.uuid4().hex[:10] + "_"
    return Storage(engine, prefix)


@pytest.fixture
def broker_factory(tmp_path, storage):
    """start(write_mode="async", plugin=True, extra="") -> StorageBroker; tables created once."""
    started = []
    created = []

    def start(write_mode="async", plugin=True, extra="", name="dynamq", engine_override=None,
              storage_override=None):
        st = storage_override or storage
        plugin_conf = tmp_path / f"dynamo-{len(started)}.conf"
        write_plugin_conf(plugin_conf, engine_override or st.engine, st.prefix,
                          f"backend.dynamo.write_mode = {write_mode}\n" + extra)
        if (engine_override, st.prefix) not in created:
            create_tables(plugin_conf)
            created.append((engine_override, st.prefix))
        admin = f"{HOST}:{free_port()}"
        conf = tmp_path / f"{name}-{len(started)}.conf"
        conf.write_text(
            "listener.tcp.default.bind = 127.0.0.1:0\n"
            "log.level = debug\n"
            "node.name = dynamq@127.0.0.1\n"
            f"plugins.dynamo = {'on' if plugin else 'off'}\n"
            f"plugins.dynamo.config = {plugin_conf}\n"
            f"admin.bind = {admin}\n")
        ports = tmp_path / f"{name}-{len(started)}.ports"
        proc = ManagedProcess([dynamq_bin(), "--config", str(conf), "--ports-file", str(ports)],
                              tmp_path / f"{name}-{len(started)}.log", name)
        started.append(proc)

        def port():
            if ports.exists() and ports.read_text().strip():
                return int(ports.read_text().split()[-1])
            if not proc.alive():
                pytest.fail(f"dynamq exited:\n{proc.log_text()[-4000:]}")
            return None

        return StorageBroker(proc, wait_until(port, 20, message="dynamq ports file"), admin, conf,
                             plugin_conf)

    yield start
    for proc in reversed(started):
        proc.stop()
