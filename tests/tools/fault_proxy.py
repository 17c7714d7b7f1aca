#!/usr/bin/python3
"""FAKE FOR FAULT INJECTION ONLY: an HTTP/1.1 proxy in front of a real local DynamoDB engine
(DynamoDB Local or dynalite) that makes some requests fail the way real DynamoDB can and the
local engines never do: throttling, 5xx, slow answers, dropped connections, UnprocessedItems.
Everything it does not fault is forwarded byte for byte to the real engine.

    /usr/bin/python3 tests/tools/fault_proxy.py --upstream http://127.0.0.1:8000 [--port 0]
        [--fault KIND[:key=value...]]... [--seed N]

Prints "PORT" (the port it listens on, 127.0.0.1) on stdout once it accepts connections.

Faults (a list of rules, first match wins for each request):
  kind       what the client gets
  throttle   400 ProvisionedThroughputExceededException
  throttling 400 ThrottlingException
  limit      400 RequestLimitExceeded
  validation 400 ValidationException            (not retryable: to prove it is not retried)
  internal   500 InternalServerError
  unavailable 503 ServiceUnavailable
  slow       the real answer, after `delay` seconds (default 2)
  drop       the connection is closed after the request is read, without an answer
  unprocessed (BatchWriteItem only) the first `keep` write requests (default: half, rounded
             down) go to the engine, the others come back in UnprocessedItems
Rule options: count=N (apply to the next N matching requests; default 1; 0 = unlimited),
fraction=F (apply to each matching request with probability F instead of a count),
op=Operation (match only X-Amz-Target DynamoDB_20120810.<Operation>; default any),
delay=S (slow), keep=K (unprocessed).
  e.g. --fault throttle:count=3:op=PutItem --fault unprocessed:op=BatchWriteItem:keep=2

Control endpoint on the same port (JSON over HTTP, never forwarded):
  POST /__fault/rules   body: [{"kind": "throttle", "count": 3, "op": "PutItem"}, ...]
                        replaces the rule list
  POST /__fault/reset   clears rules and statistics
  GET  /__fault/stats   {"requests": {"PutItem": 4, ...}, "faults": {"throttle": 3, ...},
                         "forwarded": {"PutItem": 1, ...}, "rules": [remaining rules]}
"""
import argparse
import asyncio
import json
import random
import sys
import urllib.parse
import zlib

KINDS = {
    "throttle": (400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                 "The level of configured provisioned throughput for the table was exceeded. "
                 "(fault_proxy)"),
    "throttling": (400, "com.amazon.coral.availability#ThrottlingException",
                   "Rate of requests exceeds the allowed throughput. (fault_proxy)"),
    "limit": (400, "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
              "Throughput exceeds the current throughput limit for your account. (fault_proxy)"),
    "validation": (400, "com.amazon.coral.validate#ValidationException",
                   "Injected validation error (fault_proxy)"),
    "internal": (500, "com.amazonaws.dynamodb.v20120810#InternalServerError",
                 "Internal server error (fault_proxy)"),
    "unavailable": (503, "com.amazonaws.dynamodb.v20120810#ServiceUnavailable",
                    "Service unavailable (fault_proxy)"),
}
ACTIONS = set(KINDS) | {"slow", "drop", "unprocessed"}
REASONS = {200: "OK", 400: "Bad Request", 500: "Internal Server Error", 503: "Service Unavailable"}


class Rule:
    def __init__(self, kind, count=1, fraction=None, op=None, delay=2.0, keep=None):
        if kind not in ACTIONS:
            raise ValueError(f"unknown fault kind {kind!r} (one of {', '.join(sorted(ACTIONS))})")
        self.kind = kind
        self.count = int(count)
        self.fraction = None if fraction is None else float(fraction)
        self.op = op
        self.delay = float(delay)
        self.keep = None if keep is None else int(keep)
        self.used = 0

    @classmethod
    def parse(cls, spec):
        kind, *options = spec.split(":")
        return cls(kind, **dict(o.split("=", 1) for o in options))

    def to_json(self):
        return {"kind": self.kind, "count": self.count, "fraction": self.fraction, "op": self.op,
                "delay": self.delay, "keep": self.keep, "used": self.used}

    def exhausted(self):
        return self.fraction is None and self.count > 0 and self.used >= self.count

    def takes(self, op, rng):
        if self.exhausted() or (self.op is not None and self.op != op):
            return False
        if self.kind == "unprocessed" and op != "BatchWriteItem":
            return False
        if self.fraction is not None and rng.random() >= self.fraction:
            return False
        self.used += 1
        return True


class State:
    def __init__(self, rules, seed):
        self.rules = rules
        self.rng = random.Random(seed)
        self.reset_stats()

    def reset_stats(self):
        self.requests, self.faults, self.forwarded = {}, {}, {}

    def pick(self, op):
        self.requests[op] = self.requests.get(op, 0) + 1
        for rule in self.rules:
            if rule.takes(op, self.rng):
                self.faults[rule.kind] = self.faults.get(rule.kind, 0) + 1
                return rule
        return None

    def stats(self):
        return {"requests": self.requests, "faults": self.faults, "forwarded": self.forwarded,
                "rules": [r.to_json() for r in self.rules if not r.exhausted()]}


class Message:
    """One HTTP/1.1 request or response: start line, headers (in order), body."""

    def __init__(self, start, headers, body):
        self.start, self.headers, self.body = start, headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def set_header(self, name, value):
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))

    def encode(self):
        head = self.start + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in self.headers) + "\r\n"
        return head.encode("latin-1") + self.body


async def read_message(reader, is_response=False):
    """Reads one message; None at a clean end of stream."""
    start = await reader.readline()
    if not start:
        return None
    headers = []
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    msg = Message(start.decode("latin-1").rstrip("\r\n"), headers, b"")
    if (msg.header("Transfer-Encoding") or "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            body += chunk[:-2]
            if size == 0:
                break
        msg.headers = [(k, v) for k, v in msg.headers if k.lower() != "transfer-encoding"]
        msg.set_header("Content-Length", str(len(body)))
        msg.body = body
    elif msg.header("Content-Length") is not None:
        msg.body = await reader.readexactly(int(msg.header("Content-Length")))
    elif is_response and not msg.start.split(" ")[1].startswith(("1", "204", "304")):
        msg.body = await reader.read()  # delimited by the end of the connection
        msg.set_header("Content-Length", str(len(msg.body)))
    return msg


def json_response(status, obj, extra=()):
    body = json.dumps(obj).encode()
    headers = [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body))),
               ("x-amzn-RequestId", "fault-proxy"), ("x-amz-crc32", str(zlib.crc32(body)))]
    headers += list(extra)
    return Message(f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}", headers, body)


class Upstream:
    """A persistent connection to the engine for one client connection."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def send(self, request):
        for attempt in (1, 2):  # the engine may have closed an idle connection
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                self.writer.write(request.encode())
                await self.writer.drain()
                response = await read_message(self.reader, is_response=True)
                if response is None:
                    raise ConnectionError("upstream closed")
                if (response.header("Connection") or "").lower() == "close":
                    self.close()
                return response
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def split_batch(request, keep):
    """(body to forward or None, the write requests held back) for a BatchWriteItem."""
    doc = json.loads(request.body)
    writes = [(table, w) for table, ws in doc.get("RequestItems", {}).items() for w in ws]
    keep = len(writes) // 2 if keep is None else min(keep, len(writes))
    forwarded, held = writes[:keep], writes[keep:]

    def group(pairs):
        out = {}
        for table, w in pairs:
            out.setdefault(table, []).append(w)
        return out

    if not forwarded:
        return None, group(held)
    doc["RequestItems"] = group(forwarded)
    return json.dumps(doc).encode(), group(held)


async def unprocessed(request, rule, upstream, state):
    body, held = split_batch(request, rule.keep)
    if body is None:
        return json_response(200, {"UnprocessedItems": held})
    request.body = body
    request.set_header("Content-Length", str(len(body)))
    response = await upstream.send(request)
    state.forwarded["BatchWriteItem"] = state.forwarded.get("BatchWriteItem", 0) + 1
    if not response.start.split(" ")[1] == "200":
        return response
    doc = json.loads(response.body)
    for table, ws in held.items():
        doc.setdefault("UnprocessedItems", {}).setdefault(table, []).extend(ws)
    merged = json.dumps(doc).encode()
    response.body = merged
    response.set_header("Content-Length", str(len(merged)))
    if response.header("x-amz-crc32") is not None:  # clients check it: keep it true
        response.set_header("x-amz-crc32", str(zlib.crc32(merged)))
    return response


def control(request, state):
    method, path = request.start.split(" ")[:2]
    if path == "/__fault/stats" and method == "GET":
        return json_response(200, state.stats())
    if path == "/__fault/reset" and method == "POST":
        state.rules = []
        state.reset_stats()
        return json_response(200, {"ok": True})
    if path == "/__fault/rules" and method == "POST":
        try:
            state.rules = [Rule(**r) for r in json.loads(request.body or b"[]")]
        except (ValueError, TypeError) as e:
            return json_response(400, {"error": str(e)})
        return json_response(200, {"rules": [r.to_json() for r in state.rules]})
    return json_response(404, {"error": f"no control endpoint {method} {path}"})


async def serve_connection(reader, writer, upstream_addr, state):
    upstream = Upstream(*upstream_addr)
    try:
        while True:
            request = await read_message(reader)
            if request is None:
                break
            path = request.start.split(" ")[1] if " " in request.start else ""
            if path.startswith("/__fault/"):
                response = control(request, state)
            else:
                target = request.header("X-Amz-Target") or ""
                op = target.rpartition(".")[2] or "?"
                rule = state.pick(op)
                if rule is not None and rule.kind == "drop":
                    break  # close without answering
                if rule is not None and rule.kind in KINDS:
                    status, error_type, message = KINDS[rule.kind]
                    response = json_response(status, {"__type": error_type, "message": message})
                elif rule is not None and rule.kind == "unprocessed":
                    response = await unprocessed(request, rule, upstream, state)
                else:
                    if rule is not None and rule.kind == "slow":
                        await asyncio.sleep(rule.delay)
                    response = await upstream.send(request)
                    state.forwarded[op] = state.forwarded.get(op, 0) + 1
            writer.write(response.encode())
            await writer.drain()
            if (request.header("Connection") or "").lower() == "close":
                break
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        upstream.close()
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True, help="engine URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fault", action="append", default=[], help="KIND[:key=value...]")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.upstream)
    state = State([Rule.parse(f) for f in args.fault], args.seed)
    server = await asyncio.start_server(
        lambda r, w: serve_connection(r, w, (url.hostname, url.port or 80), state),
        "127.0.0.1", args.port)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
