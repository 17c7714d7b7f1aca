"""MQTT.js in a real browser: Debian's headless Chromium, driven by playwright-core, opens a
page served on localhost that loads the browser build of the pinned MQTT.js and connects to
dynamq over ws://. A message published by a TCP client (mosquitto_pub) must reach the page,
and one published by the page must reach a TCP subscriber (paho).

Chromium, node and the npm packages come from scripts/setup; when one is missing the test
fails (never skips), so a broken setup cannot pass as green.
"""

import re
import uuid
from urllib.parse import urlencode

import pytest

from harness import wait_until

from .clients_ws import Paho, mosquitto_pub, results
from .conftest import CHROMIUM, HERE, NODE_MODULES, mqttjs_module, node, require

BROWSER = HERE / "browser"


@pytest.fixture
def page_server(process_factory):
    """serve_page.py on a port it picks itself; returns the page's base URL."""
    mqttjs_module()
    server = process_factory(["/usr/bin/python3", BROWSER / "serve_page.py", NODE_MODULES], name="serve-page")
    log = server.wait_for_log("serving on", 15)
    port = int(re.search(r"serving on (\d+)", log).group(1))
    return f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize("version", [4, 5])
def test_mqttjs_in_headless_chromium_both_ways(ws_broker, uid, process_factory, page_server, version):
    chromium = require(CHROMIUM, "Debian chromium (apt package chromium)")
    require(NODE_MODULES / "playwright-core" / "package.json", "npm package playwright-core")
    to_page_topic, from_page_topic = f"{uid}/to-page", f"{uid}/from-page"
    to_page, from_page = f"from-tcp-{uuid.uuid4().hex}", f"from-page-{uuid.uuid4().hex}"

    tcp_sub = Paho(f"{uid}-tcp-sub")
    tcp_sub.connect(ws_broker.host, ws_broker.tcp)
    try:
        tcp_sub.subscribe(from_page_topic, qos=1)
        url = page_server + "?" + urlencode(
            {"ws": ws_broker.ws_url(), "id": f"{uid}-page", "sub": to_page_topic, "version": version})
        driver = process_factory([node(), BROWSER / "drive_page.js", "--url", url, "--pub-topic", from_page_topic,
                                  "--pub-payload", from_page, "--chromium", chromium], name="drive-page")
        driver.wait_for_log('"step":"subscribed"', 90)
        mosquitto_pub(ws_broker.tcp, to_page_topic, to_page, qos=1)
        m = tcp_sub.get(timeout=60)
        assert (m.topic, m.payload, m.qos) == (from_page_topic, from_page.encode(), 1)
    finally:
        tcp_sub.stop()

    wait_until(lambda: not driver.alive(), 60, message="the browser driver to finish")
    assert driver.popen.returncode == 0, driver.log_text()
    steps = {r["step"]: r for r in results(driver.log_text())}
    assert steps["subscribed"]["connack"] == {"sessionPresent": False, "code": 0}
    assert steps["subscribed"]["granted"] == [1]
    assert "Chrome/" in steps["subscribed"]["userAgent"]
    assert steps["received"]["messages"] == [
        {"topic": to_page_topic, "payload": to_page, "qos": 1, "retain": False}]
    assert steps["received"]["dom"] == [f"{to_page_topic} {to_page}"]
    assert steps["ended"]["errors"] == []
    # The page really came in over the ws listener.
    log = ws_broker.wait_for_log(f"{uid}-page")
    assert re.search(rf"client '{re.escape(uid)}-page' 127\.0\.0\.1:\d+: connected", log)
