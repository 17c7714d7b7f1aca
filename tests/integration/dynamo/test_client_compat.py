"""dynamq's DynamoDB client (through the probe tool) and boto3 read each other's items exactly:
every attribute type, binary, non-ASCII, 38-digit numbers, nested maps and lists, sets;
Query/Scan pagination, batches larger than one call, conditional writes."""

import base64

import pytest

from .ddb_helpers import create_table, run_probe

# Numbers in canonical form (engines normalise "1.50" to "1.5", as DynamoDB does).
ITEM = {
    "k": {"S": "gerät/温度/🚀"},
    "s": {"S": "Grüße, 世界 \"quoted\" \\ tab\t newline\n"},
    "n": {"N": "-12.5"},
    "big": {"N": "12345678901234567890123456789012345678"},
    "tiny": {"N": "0.000000000000000000000000000000000001"},
    "b": {"B": base64.b64encode(bytes(range(256))).decode()},
    "ss": {"SS": ["a", "ß", "中"]},
    "ns": {"NS": ["1", "2.5", "-3"]},
    "bs": {"BS": [base64.b64encode(b"\x00\xff").decode(), base64.b64encode(b"x").decode()]},
    "t": {"BOOL": True},
    "f": {"BOOL": False},
    "z": {"NULL": True},
    "m": {"M": {"inner": {"M": {"deep": {"L": [{"S": "é"}, {"N": "7"}, {"NULL": True},
                                               {"M": {}}, {"L": []}]}}},
                "bin": {"B": base64.b64encode(b"\x01\x02").decode()}}},
    "l": {"L": [{"S": "x"}, {"BOOL": False}, {"SS": ["only"]}]},
}


def boto_to_wire(value):
    """boto3's low-level form (bytes for binary) -> DynamoDB JSON (base64 text)."""
    (tag, v), = value.items()
    if tag == "B":
        return {"B": base64.b64encode(v).decode()}
    if tag == "BS":
        return {"BS": sorted(base64.b64encode(x).decode() for x in v)}
    if tag in ("SS", "NS"):
        return {tag: sorted(v)}
    if tag == "M":
        return {"M": {k: boto_to_wire(x) for k, x in v.items()}}
    if tag == "L":
        return {"L": [boto_to_wire(x) for x in v]}
    return {tag: v}


def wire_to_boto(value):
    (tag, v), = value.items()
    if tag == "B":
        return {"B": base64.b64decode(v)}
    if tag == "BS":
        return {"BS": [base64.b64decode(x) for x in v]}
    if tag == "M":
        return {"M": {k: wire_to_boto(x) for k, x in v.items()}}
    if tag == "L":
        return {"L": [wire_to_boto(x) for x in v]}
    return {tag: v}


def canonical(item):
    """Sets compared as sets (DynamoDB does not keep their order)."""
    return {k: boto_to_wire(wire_to_boto(v)) for k, v in item.items()}


@pytest.fixture
def table(ddb, prefix):
    name = prefix + "compat"
    create_table(ddb, name, "k")
    yield name
    ddb.delete_table(TableName=name)


def test_written_by_dynamq_read_by_boto3(engine, ddb, table):
    code, out = run_probe(engine.endpoint, {"op": "PutItem", "TableName": table, "Item": ITEM})
    assert code == 0, out
    got = ddb.get_item(TableName=table, Key={"k": ITEM["k"]}, ConsistentRead=True)["Item"]
    assert {k: boto_to_wire(v) for k, v in got.items()} == canonical(ITEM)


def test_written_by_boto3_read_by_dynamq(engine, ddb, table):
    ddb.put_item(TableName=table, Item={k: wire_to_boto(v) for k, v in ITEM.items()})
    code, out = run_probe(engine.endpoint, [
        {"op": "GetItem", "TableName": table, "Key": {"k": ITEM["k"]}, "ConsistentRead": True},
        {"op": "Scan", "TableName": table},
        {"op": "BatchGetItem", "RequestItems": {table: {"Keys": [{"k": ITEM["k"]}]}}},
    ])
    assert code == 0, out
    get, scan, batch = out
    assert canonical(get["result"]["Item"]) == canonical(ITEM)
    assert [canonical(i) for i in scan["result"]["Items"]] == [canonical(ITEM)]
    assert [canonical(i) for i in batch["result"]["Responses"][table]] == [canonical(ITEM)]


def test_update_condition_delete(engine, ddb, table):
    key = {"k": {"S": "topic/ü"}}
    code, out = run_probe(engine.endpoint, [
        {"op": "UpdateItem", "TableName": table, "Key": key, "UpdateExpression": "ADD #m :ids",
         "ExpressionAttributeNames": {"#m": "MsgId"},
         "ExpressionAttributeValues": {":ids": {"SS": ["id1", "id2"]}}, "ReturnValues": "ALL_NEW"},
        {"op": "UpdateItem", "TableName": table, "Key": key, "UpdateExpression": "ADD #m :ids",
         "ExpressionAttributeNames": {"#m": "MsgId"},
         "ExpressionAttributeValues": {":ids": {"SS": ["id3"]}}},
        {"op": "PutItem", "TableName": table, "Item": key, "ConditionExpression":
         "attribute_not_exists(k)"},
    ])
    assert code == 1  # the conditional put fails
    assert sorted(out[0]["result"]["Attributes"]["MsgId"]["SS"]) == ["id1", "id2"]
    assert out[1]["ok"] is True
    assert out[2]["error"]["type"] == "ConditionalCheckFailedException"
    assert out[2]["error"]["retryable"] is False
    assert out[2]["stats"]["retries"] == 0
    got = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert sorted(got["MsgId"]["SS"]) == ["id1", "id2", "id3"]

    code, out = run_probe(engine.endpoint, {"op": "DeleteItem", "TableName": table, "Key": key,
                                            "ReturnValues": "ALL_OLD"})
    assert code == 0 and sorted(out["result"]["Attributes"]["MsgId"]["SS"]) == ["id1", "id2", "id3"]
    assert "Item" not in ddb.get_item(TableName=table, Key=key, ConsistentRead=True)


def test_batches_and_pagination(engine, ddb, prefix):
    # A hash+range table (like mqtt_sub): 60 writes (> 25 per call) by dynamq, read by boto3;
    # then Query and Scan with Limit 7 follow LastEvaluatedKey to the end.
    name = prefix + "sub"
    create_table(ddb, name, "clientid", "topic")
    try:
        writes = [{"PutRequest": {"Item": {"clientid": {"S": "c1"}, "topic": {"S": f"t/{i:03d}"},
                                           "qos": {"N": str(i % 3)}}}} for i in range(60)]
        code, out = run_probe(engine.endpoint, {"op": "BatchWriteItem",
                                                "RequestItems": {name: writes}})
        assert code == 0 and out["result"]["UnprocessedItems"] == {}, out
        scanned = ddb.scan(TableName=name, ConsistentRead=True)["Items"]
        assert len(scanned) == 60
        assert {i["topic"]["S"] for i in scanned} == {f"t/{i:03d}" for i in range(60)}

        code, out = run_probe(engine.endpoint, [
            {"op": "Query", "TableName": name, "KeyConditionExpression": "clientid = :c",
             "ExpressionAttributeValues": {":c": {"S": "c1"}}, "Limit": 7},
            {"op": "Query", "TableName": name, "KeyConditionExpression": "clientid = :c",
             "ExpressionAttributeValues": {":c": {"S": "c1"}}, "Limit": 7,
             "ScanIndexForward": False},
            {"op": "Scan", "TableName": name, "Limit": 7},
        ])
        assert code == 0, out
        forward = [i["topic"]["S"] for i in out[0]["result"]["Items"]]
        assert forward == [f"t/{i:03d}" for i in range(60)]
        assert [i["topic"]["S"] for i in out[1]["result"]["Items"]] == forward[::-1]
        assert out[2]["result"]["Count"] == 60
        # More than one request per paginated call: pages really were followed.
        assert out[0]["stats"]["requests"] >= 3 * 9  # ceil(60 / 7) pages per call

        deletes = [{"DeleteRequest": {"Key": {"clientid": {"S": "c1"}, "topic": {"S": f"t/{i:03d}"}}}}
                   for i in range(0, 60, 2)]
        code, out = run_probe(engine.endpoint, {"op": "BatchWriteItem",
                                                "RequestItems": {name: deletes}})
        assert code == 0, out
        assert len(ddb.scan(TableName=name, ConsistentRead=True)["Items"]) == 30
    finally:
        ddb.delete_table(TableName=name)


def test_non_retryable_errors_are_reported_not_retried(engine, table):
    code, out = run_probe(engine.endpoint, [
        {"op": "GetItem", "TableName": table + "_missing", "Key": {"k": {"S": "x"}}},
        {"op": "PutItem", "TableName": table, "Item": {"k": {"N": "1"}}},  # wrong key type
    ])
    assert code == 1
    assert out[0]["error"]["type"] == "ResourceNotFoundException"
    assert out[1]["error"]["type"] == "ValidationException"
    assert out[1]["error"]["http_status"] == 400
    assert out[1]["stats"]["retries"] == 0
