"""Helpers of the DynamoDB integration tests (fixtures are in conftest.py): the seed's table
definitions, config files, running the real `dynamq` binary and the probe tool built on
dynamq's DynamoDB client, the fault-injection fake's control API."""

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from harness import REPO_ROOT, dynamq_bin, wait_until

SCRIPTS = REPO_ROOT / "scripts" / "dynamodb"
FAULT_PROXY = REPO_ROOT / "tests" / "tools" / "fault_proxy.py"
REGION = "us-west-2"
# The seed's keys (etc/plugins/dynamo.conf); engines accept any credentials.
ACCESS_KEY = "AKIAU5IM2XOC7AQWG7HK"
SECRET_KEY = "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"

# The seed's six table definitions (seed/backend_dynamodb.zh.md), verbatim.
SEED_TABLES = {
    "mqtt_client": ([("clientid", "HASH")], [("clientid", "S")]),
    "mqtt_sub": ([("clientid", "HASH"), ("topic", "RANGE")], [("clientid", "S"), ("topic", "S")]),
    "mqtt_msg": ([("msgid", "HASH")], [("msgid", "S")]),
    "mqtt_topic_msg_map": ([("topic", "HASH")], [("topic", "S")]),
    "mqtt_retain": ([("topic", "HASH")], [("topic", "S")]),
    "mqtt_acked": ([("topic", "HASH"), ("clientid", "RANGE")], [("topic", "S"), ("clientid", "S")]),
}


class Engine:
    def __init__(self, kind, pid, port):
        self.kind, self.pid, self.port = kind, pid, port
        self.endpoint = f"http://127.0.0.1:{port}"

    def client(self, **config):
        return boto3.client(
            "dynamodb", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, **config))


def write_config(path, endpoint, prefix=None, extra=(), secret=SECRET_KEY, access_key=ACCESS_KEY):
    """The seed's file with another endpoint (and optionally a prefix / extra keys)."""
    text = (REPO_ROOT / "etc" / "plugins" / "dynamo.conf").read_text()
    text = text.replace("http://localhost:8000", endpoint)
    text = text.replace("AKIAU5IM2XOC7AQWG7HK", access_key).replace(SECRET_KEY, secret)
    lines = [text]
    if prefix:
        lines.append(f"backend.dynamo.table_prefix = {prefix}")
    lines.extend(extra)
    path.write_text("\n".join(lines) + "\n")
    return path


def run_dynamq(*args, timeout=120, env=None):
    """Runs the real binary; returns the CompletedProcess (text)."""
    return subprocess.run([dynamq_bin(), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def probe_bin():
    """dynamq_dynamo_probe (tests/tools/dynamo_probe): $DYNAMQ_DYNAMO_PROBE, else the build
    directory of $DYNAMQ_BIN."""
    path = os.environ.get("DYNAMQ_DYNAMO_PROBE")
    if path:
        return Path(path)
    return Path(dynamq_bin()).resolve().parents[2] / "tests" / "tools" / "dynamo_probe" / \
        "dynamq_dynamo_probe"


def run_probe(endpoint, requests, *options, timeout=120):
    """Runs requests through dynamq's client; returns (exit code, parsed stdout)."""
    binary = probe_bin()
    if not binary.exists():
        pytest.fail(f"{binary} is missing: build the dynamq_dynamo_probe target (DYNAMQ_BENCH=ON)")
    out = subprocess.run([str(binary), "--endpoint", endpoint, "--region", REGION, *options],
                         input=json.dumps(requests), capture_output=True, text=True,
                         timeout=timeout)
    if not out.stdout.strip():
        pytest.fail(f"probe printed nothing (exit {out.returncode}): {out.stderr}")
    return out.returncode, json.loads(out.stdout)


class FaultProxy:
    """tests/tools/fault_proxy.py (a fake for fault injection only) in front of an engine."""

    def __init__(self, proc, port):
        self.proc, self.port = proc, port
        self.endpoint = f"http://127.0.0.1:{port}"

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def rules(self, rules):
        return self._call("POST", "/__fault/rules", rules)

    def reset(self):
        return self._call("POST", "/__fault/reset", {})

    def stats(self):
        return self._call("GET", "/__fault/stats")


def create_table(ddb, name, hash_key, range_key=None):
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    attrs = [{"AttributeName": hash_key, "AttributeType": "S"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
        attrs.append({"AttributeName": range_key, "AttributeType": "S"})
    ddb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attrs,
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    wait_until(lambda: ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE",
               60, interval=0.05, message=f"table {name} ACTIVE")
