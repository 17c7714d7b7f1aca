"""Authentication with a password file written by `dynamq passwd`, checked by independent
clients: paho (3.1.1 and 5) and mosquitto_pub/mosquitto_sub with -u/-P.

CONNACK codes (our choice, see README "Authentication and ACLs"): wrong password, unknown
user or a user name without password → 0x86 Bad User Name or Password (3.1.1: 4); no user
name while anonymous clients are refused → 0x87 Not authorized (3.1.1: 5). mosquitto 2.0.11
answers 5 / 0x87 to all of them.
"""

import subprocess

import pytest

from broker.clients import V311, V5, MosquittoSub

BAD_USER_OR_PASSWORD = {V311: 4, V5: 0x86}
NOT_AUTHORIZED = {V311: 5, V5: 0x87}


@pytest.fixture
def broker(start_broker, password_file):
    return start_broker("auth.allow_anonymous = false", f"auth.password_file = {password_file}")


def connack(clients, broker, version, user=None, password=None, cid="c"):
    c = clients(broker, f"{cid}-{version}", version, user, password)
    code = c.connect(expect_success=False)
    c.stop()
    return code


@pytest.mark.parametrize("version", [V311, V5])
def test_good_password_connects(broker, clients, version):
    assert connack(clients, broker, version, "alice", "wonderland") == 0
    assert connack(clients, broker, version, "bob", "builder") == 0


@pytest.mark.parametrize("version", [V311, V5])
def test_wrong_password_is_refused_with_bad_user_name_or_password(broker, clients, version):
    assert connack(clients, broker, version, "alice", "wonderlan") == BAD_USER_OR_PASSWORD[version]
    assert connack(clients, broker, version, "alice", "builder") == BAD_USER_OR_PASSWORD[version]


@pytest.mark.parametrize("version", [V311, V5])
def test_unknown_user_is_refused_with_bad_user_name_or_password(broker, clients, version):
    assert connack(clients, broker, version, "mallory", "wonderland") == BAD_USER_OR_PASSWORD[version]


@pytest.mark.parametrize("version", [V311, V5])
def test_user_without_password_is_refused(broker, clients, version):
    assert connack(clients, broker, version, "alice", None) == BAD_USER_OR_PASSWORD[version]


@pytest.mark.parametrize("version", [V311, V5])
def test_anonymous_refused_with_not_authorized(broker, clients, version):
    assert connack(clients, broker, version) == NOT_AUTHORIZED[version]


def test_refusals_are_counted_and_passwords_never_logged(broker, clients):
    assert connack(clients, broker, V5, "alice", "Sup3rSecretGuess") == 0x86
    assert connack(clients, broker, V311, "alice", "wonderland") == 0
    assert broker.stat("auth_failures") >= 1
    log = broker.log()
    assert "user 'alice': bad user name or password" in log
    assert "Sup3rSecretGuess" not in log
    assert "wonderland" not in log


def test_anonymous_allowed_still_checks_given_passwords(start_broker, password_file, clients):
    b = start_broker("auth.allow_anonymous = true", f"auth.password_file = {password_file}")
    assert connack(clients, b, V5) == 0
    assert connack(clients, b, V5, "alice", "wrong") == 0x86
    assert connack(clients, b, V5, "alice", "wonderland") == 0


def test_mosquitto_clients_with_user_and_password(broker):
    host, port = broker.host, str(broker.port)
    sub = MosquittoSub(broker, "greetings/#", qos=1, extra=["-u", "alice", "-P", "wonderland"])
    try:
        sub.wait_subscribed()
        done = subprocess.run(["mosquitto_pub", "-h", host, "-p", port, "-u", "bob", "-P", "builder",
                               "-t", "greetings/1", "-m", "hello", "-q", "1"],
                              capture_output=True, text=True, timeout=20)
        assert done.returncode == 0, done.stderr
        sub.wait_for(lambda line: line == "greetings/1 hello")
    finally:
        sub.stop()
    refused = subprocess.run(["mosquitto_pub", "-h", host, "-p", port, "-u", "bob", "-P", "wrong",
                              "-t", "greetings/1", "-m", "x"],
                             capture_output=True, text=True, timeout=20)
    assert refused.returncode != 0
    assert "bad user name or password" in (refused.stderr + refused.stdout).lower()


def test_repeated_connects_are_answered_from_the_verified_cache(broker, clients):
    # The first connect pays PBKDF2 on a worker thread; later ones hit the cache. Both must
    # answer correctly; a wrong password after a cached success is still refused.
    for _ in range(5):
        assert connack(clients, broker, V5, "alice", "wonderland") == 0
    assert connack(clients, broker, V5, "alice", "wonderland!") == 0x86
    assert connack(clients, broker, V5, "alice", "wonderland") == 0
