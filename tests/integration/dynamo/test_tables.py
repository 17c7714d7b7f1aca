"""`dynamq tables create | status | delete` against real engines, checked with boto3 and awscli."""

import json
import subprocess

from harness import free_port

from .ddb_helpers import (ACCESS_KEY, REGION, SECRET_KEY, SEED_TABLES, create_table, run_dynamq,
                          write_config)


def describe_all(ddb, prefix=""):
    return {seed: ddb.describe_table(TableName=prefix + seed)["Table"] for seed in SEED_TABLES}


def test_create_matches_the_seed_and_awscli_reads_it(engine, ddb, tmp_path):
    # The seed's names exactly, as a user of the seed would have them.
    conf = write_config(tmp_path / "dynamo.conf", engine.endpoint)
    try:
        out = run_dynamq("tables", "create", "--config", conf)
        assert out.returncode == 0, out.stderr
        for seed, table in describe_all(ddb).items():
            keys, attrs = SEED_TABLES[seed]
            assert table["TableName"] == seed
            assert table["TableStatus"] == "ACTIVE"
            assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == keys
            assert sorted((a["AttributeName"], a["AttributeType"])
                          for a in table["AttributeDefinitions"]) == sorted(attrs)
            throughput = table["ProvisionedThroughput"]
            assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (5, 5)

        # The seed's own check: aws dynamodb scan --endpoint-url ...
        ddb.put_item(TableName="mqtt_client", Item={
            "clientid": {"S": "mqttjs_384b9c73a9"}, "connect_state": {"N": "1"},
            "node": {"S": "emqx@127.0.0.1"}, "online_at": {"N": "1562224940"},
            "offline_at": {"N": "0"}})
        env = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
               "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        for seed in SEED_TABLES:
            scan = subprocess.run(
                ["/usr/bin/aws", "dynamodb", "scan", "--table-name", seed, "--region", REGION,
                 "--endpoint-url", engine.endpoint, "--output", "json"],
                capture_output=True, text=True, timeout=60, env=env)
            assert scan.returncode == 0, scan.stderr
            items = json.loads(scan.stdout)["Items"]
            assert len(items) == (1 if seed == "mqtt_client" else 0)
        scanned = json.loads(subprocess.run(
            ["/usr/bin/aws", "dynamodb", "scan", "--table-name", "mqtt_client", "--region", REGION,
             "--endpoint-url", engine.endpoint, "--output", "json"],
            capture_output=True, text=True, timeout=60, env=env).stdout)
        assert scanned["Items"][0]["node"] == {"S": "emqx@127.0.0.1"}
    finally:
        out = run_dynamq("tables", "delete", "--config", conf)
    assert out.returncode == 0, out.stderr
    names = ddb.list_tables()["TableNames"]
    assert not set(SEED_TABLES) & set(names)


def test_create_is_idempotent_and_status_shows_tables(engine, ddb, tmp_path, prefix):
    conf = write_config(tmp_path / "dynamo.conf", engine.endpoint, prefix)
    first = run_dynamq("tables", "create", "--config", conf)
    assert first.returncode == 0, first.stderr
    assert f"{prefix}mqtt_msg: created" in first.stdout
    second = run_dynamq("tables", "create", "--config", conf)
    assert second.returncode == 0, second.stderr
    assert f"{prefix}mqtt_msg: exists (ACTIVE)" in second.stdout
    assert "created" not in second.stdout

    ddb.put_item(TableName=prefix + "mqtt_sub",
                 Item={"clientid": {"S": "c1"}, "topic": {"S": "a/b"}, "qos": {"N": "1"}})
    status = run_dynamq("tables", "status", "--config", conf)
    assert status.returncode == 0, status.stderr
    lines = {line.split()[0]: line for line in status.stdout.splitlines()}
    assert set(lines) == {prefix + seed for seed in SEED_TABLES}
    sub = lines[prefix + "mqtt_sub"].split()
    assert sub[1] == "ACTIVE"
    assert "clientid (S, HASH), topic (S, RANGE)" in lines[prefix + "mqtt_sub"]
    assert "topic (S, HASH), clientid (S, RANGE)" in lines[prefix + "mqtt_acked"]
    # Engines (like DynamoDB) refresh ItemCount lazily: only its form is checked.
    assert sub[-2] == "items" and sub[-1].isdigit()

    delete = run_dynamq("tables", "delete", "--config", conf)
    assert delete.returncode == 0, delete.stderr
    after = run_dynamq("tables", "status", "--config", conf)
    assert after.returncode == 3
    assert after.stdout.count("MISSING") == 6


def test_delete_touches_only_the_six_tables(engine, ddb, tmp_path, prefix):
    create_table(ddb, prefix + "other", "k")
    conf = write_config(tmp_path / "dynamo.conf", engine.endpoint, prefix)
    assert run_dynamq("tables", "create", "--config", conf).returncode == 0
    out = run_dynamq("tables", "delete", "--config", conf)
    assert out.returncode == 0, out.stderr
    names = [n for n in ddb.list_tables()["TableNames"] if n.startswith(prefix)]
    assert names == [prefix + "other"]
    # Deleting again is fine: absent tables are reported, not errors.
    again = run_dynamq("tables", "delete", "--config", conf)
    assert again.returncode == 0 and again.stdout.count("absent") == 6


def test_on_demand_billing(engine, ddb, tmp_path, prefix):
    conf = write_config(tmp_path / "dynamo.conf", engine.endpoint, prefix,
                        ["backend.dynamo.billing_mode = on_demand"])
    out = run_dynamq("tables", "create", "--config", conf)
    assert out.returncode == 0, out.stderr
    table = ddb.describe_table(TableName=prefix + "mqtt_msg")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    run_dynamq("tables", "delete", "--config", conf)


def test_ttl_enabled_or_warned(engine, ddb, tmp_path, prefix):
    conf = write_config(tmp_path / "dynamo.conf", engine.endpoint, prefix,
                        ["backend.dynamo.msg_ttl = 7d"])
    out = run_dynamq("tables", "create", "--config", conf)
    assert out.returncode == 0, out.stderr
    if engine.kind == "local":
        for seed in ("mqtt_msg", "mqtt_topic_msg_map"):
            ttl = ddb.describe_time_to_live(TableName=prefix + seed)["TimeToLiveDescription"]
            assert ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
            assert ttl["AttributeName"] == "expires_at"
        ttl = ddb.describe_time_to_live(TableName=prefix + "mqtt_retain")["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "DISABLED"
        again = run_dynamq("tables", "create", "--config", conf)  # already enabled: still fine
        assert again.returncode == 0, again.stderr
    else:
        # dynalite has no TTL operations: a warning, not a failure.
        assert "warning:" in out.stderr and "TTL" in out.stderr
    run_dynamq("tables", "delete", "--config", conf)


def test_conflicting_schema_is_a_clear_error(engine, ddb, tmp_path, prefix):
    create_table(ddb, prefix + "mqtt_msg", "id")
    conf = write_config(tmp_path / "dynamo.conf", engine.endpoint, prefix)
    out = run_dynamq("tables", "create", "--config", conf)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert (f"table {prefix}mqtt_msg exists with another schema: key schema is id (S, HASH), "
            f"expected msgid (S, HASH)") in lines[0]
    status = run_dynamq("tables", "status", "--config", conf)
    assert status.returncode == 3
    assert "SCHEMA MISMATCH" in status.stdout
    ddb.delete_table(TableName=prefix + "mqtt_msg")
    run_dynamq("tables", "delete", "--config", conf)


def test_wrong_endpoint_is_one_line_error(tmp_path):
    port = free_port()  # nothing listens there
    conf = write_config(tmp_path / "dynamo.conf", f"http://127.0.0.1:{port}")
    for action in ("create", "status", "delete"):
        out = run_dynamq("tables", action, "--config", conf, timeout=60)
        assert out.returncode == 1, out.stdout
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, out.stderr
        assert f"cannot reach DynamoDB at http://127.0.0.1:{port} (pool pool1)" in lines[0]
        assert SECRET_KEY not in out.stderr + out.stdout


def test_config_errors_name_file_and_line(tmp_path):
    conf = tmp_path / "dynamo.conf"
    write_config(conf, "http://127.0.0.1:8000",
                 extra=['backend.dynamo.hook.message.publish.9 = {"action": {"function": '
                        '"on_message_publsh"}, "pool": "pool1"}'])
    line_no = len(conf.read_text().splitlines())
    out = run_dynamq("tables", "status", "--config", conf)
    assert out.returncode == 1
    assert out.stderr.strip() == (
        f"{conf}:{line_no}: `backend.dynamo.hook.message.publish.9`: unknown function "
        "`on_message_publsh`; did you mean `on_message_publish`?")
    assert SECRET_KEY not in out.stderr
    missing = run_dynamq("tables", "status", "--config", tmp_path / "nope.conf")
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"{tmp_path / 'nope.conf'}:0: cannot open the file"


def test_pool_option_and_credential_chain(engine, ddb, tmp_path, prefix):
    # pool1 points nowhere; pool2 at the engine: --pool chooses. pool2 has no keys in the
    # file: the AWS credential chain applies (first without, then with env variables).
    conf = write_config(tmp_path / "dynamo.conf", f"http://127.0.0.1:{free_port()}", prefix,
                        [f"backend.dynamo.pool2.server = {engine.endpoint}"])
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    none = run_dynamq("tables", "create", "--config", conf, "--pool", "pool2", env=bare)
    assert none.returncode == 1
    assert f"no credentials for DynamoDB at {engine.endpoint} (pool pool2)" in none.stderr
    env = dict(bare, AWS_ACCESS_KEY_ID="AKIDENV", AWS_SECRET_ACCESS_KEY="env-secret")
    out = run_dynamq("tables", "create", "--config", conf, "--pool", "pool2", env=env)
    assert out.returncode == 0, out.stderr
    assert ddb.describe_table(TableName=prefix + "mqtt_acked")["Table"]["TableStatus"] == "ACTIVE"
    unknown = run_dynamq("tables", "status", "--config", conf, "--pool", "pool9")
    assert unknown.returncode == 1 and "no pool named `pool9`" in unknown.stderr
    run_dynamq("tables", "delete", "--config", conf, "--pool", "pool2", env=env)
