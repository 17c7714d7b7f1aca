"""Retries of dynamq's DynamoDB client through tests/tools/fault_proxy.py, the fault-injection
fake in front of a real engine: what real DynamoDB does and the local engines never do."""

import pytest

from .ddb_helpers import create_table, run_dynamq, run_probe, write_config

FAST = ["--max-backoff-ms", "50"]  # keep the backoff short; the attempts are what is checked


@pytest.fixture
def table(ddb, prefix):
    name = prefix + "retry"
    create_table(ddb, name, "k")
    yield name
    ddb.delete_table(TableName=name)


def put(table, key):
    return {"op": "PutItem", "TableName": table, "Item": {"k": {"S": key}, "v": {"N": "1"}}}


@pytest.mark.parametrize("kind,error_type", [
    ("throttle", "ProvisionedThroughputExceededException"),
    ("throttling", "ThrottlingException"),
    ("limit", "RequestLimitExceeded"),
    ("internal", "InternalServerError"),
    ("unavailable", "ServiceUnavailable"),
    ("drop", None),
])
def test_retryable_faults_are_retried_until_success(engine, ddb, table, fault_proxy, kind,
                                                    error_type):
    fault_proxy.rules([{"kind": kind, "count": 3, "op": "PutItem"}])
    code, out = run_probe(fault_proxy.endpoint, put(table, kind), *FAST)
    assert code == 0, out
    stats = fault_proxy.stats()
    assert stats["faults"] == {kind: 3}
    assert stats["requests"]["PutItem"] == 4  # three faults, then the real write
    assert stats["forwarded"]["PutItem"] == 1
    assert out["stats"]["retries"] == 3
    assert "Item" in ddb.get_item(TableName=table, Key={"k": {"S": kind}}, ConsistentRead=True)


def test_slow_answer_times_out_and_is_retried(engine, ddb, table, fault_proxy):
    fault_proxy.rules([{"kind": "slow", "count": 1, "op": "PutItem", "delay": 3}])
    code, out = run_probe(fault_proxy.endpoint, put(table, "slow"), "--timeout-ms", "500", *FAST)
    assert code == 0, out
    assert out["stats"]["retries"] >= 1
    assert fault_proxy.stats()["requests"]["PutItem"] >= 2


def test_validation_error_is_not_retried(engine, table, fault_proxy):
    fault_proxy.rules([{"kind": "validation", "count": 1, "op": "PutItem"}])
    code, out = run_probe(fault_proxy.endpoint, put(table, "v"), *FAST)
    assert code == 1
    assert out["error"]["type"] == "ValidationException"
    assert out["error"]["retryable"] is False
    assert fault_proxy.stats()["requests"]["PutItem"] == 1
    assert out["stats"]["retries"] == 0


def test_gives_up_after_max_attempts(engine, table, fault_proxy):
    fault_proxy.rules([{"kind": "throttle", "count": 0, "op": "PutItem"}])  # forever
    code, out = run_probe(fault_proxy.endpoint, put(table, "never"), "--max-attempts", "3", *FAST)
    assert code == 1
    assert out["error"]["type"] == "ProvisionedThroughputExceededException"
    assert fault_proxy.stats()["requests"]["PutItem"] == 3


def test_unprocessed_items_are_resubmitted(engine, ddb, table, fault_proxy):
    # Each of the first three BatchWriteItem calls only passes 10 writes to the engine.
    fault_proxy.rules([{"kind": "unprocessed", "count": 3, "keep": 10}])
    writes = [{"PutRequest": {"Item": {"k": {"S": f"u{i:02d}"}}}} for i in range(25)]
    code, out = run_probe(fault_proxy.endpoint, {"op": "BatchWriteItem",
                                                 "RequestItems": {table: writes}}, *FAST)
    assert code == 0, out
    assert out["result"]["UnprocessedItems"] == {}
    stats = fault_proxy.stats()
    assert stats["faults"] == {"unprocessed": 3}
    assert stats["requests"]["BatchWriteItem"] == 3  # 25 -> 15 left -> 5 left -> done
    items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    assert sorted(i["k"]["S"] for i in items) == [f"u{i:02d}" for i in range(25)]


def test_tables_create_survives_server_errors(engine, ddb, tmp_path, prefix, fault_proxy):
    fault_proxy.rules([{"kind": "internal", "count": 2, "op": "CreateTable"},
                       {"kind": "throttling", "count": 2, "op": "DescribeTable"}])
    conf = write_config(tmp_path / "dynamo.conf", fault_proxy.endpoint, prefix,
                        ["backend.dynamo.max_backoff = 1s"])
    out = run_dynamq("tables", "create", "--config", conf)
    assert out.returncode == 0, out.stderr
    assert fault_proxy.stats()["faults"] == {"internal": 2, "throttling": 2}
    for seed in ("mqtt_client", "mqtt_acked"):
        assert ddb.describe_table(TableName=prefix + seed)["Table"]["TableStatus"] == "ACTIVE"
    assert run_dynamq("tables", "delete", "--config", conf).returncode == 0
