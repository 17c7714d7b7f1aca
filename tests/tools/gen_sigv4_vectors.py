#!/usr/bin/python3
"""Generates SigV4 test vectors for dynamq's DynamoDB client, using botocore as the
independent reference implementation (Debian's python3-botocore; run with /usr/bin/python3).

    /usr/bin/python3 tests/tools/gen_sigv4_vectors.py [OUTPUT]
    (default OUTPUT: tests/unit/dynamo/data/sigv4_vectors.json)

The output is deterministic: running it twice gives the same bytes, so a diff in review
means botocore or the inputs changed.

Format (UTF-8 JSON, non-ASCII characters written raw, not \\u-escaped):

{
  "generator": "tests/tools/gen_sigv4_vectors.py",
  "reference": "botocore <version>",
  "aws_doc_example": { ... },         # see below
  "vectors": [
    {
      "name":          unique, descriptive ("PutItem utf8 session-token us-west-2 ..."),
      "method":        "POST",
      "url":           full endpoint URL, e.g. "http://127.0.0.1:8000/" or
                       "https://dynamodb.eu-central-1.amazonaws.com:443/"
      "host":          the Host header value botocore derives from the URL (lower case,
                       default port 80/443 dropped, IPv6 literal in brackets),
      "headers":       [[name, value], ...] the request's headers BEFORE signing, in the
                       order given to the signer: Content-Type and X-Amz-Target
                       ("DynamoDB_20120810.<Operation>"). Every one of them is signed.
                       The signer itself adds Host (from the URL), X-Amz-Date and, when
                       a session token is set, X-Amz-Security-Token.
      "body":          the request body as text; sign its UTF-8 encoding,
      "body_sha256":   hex SHA-256 of those UTF-8 bytes (also the payload hash),
      "access_key", "secret_key":  credentials,
      "session_token": string, or null when there is none,
      "region", "service" ("dynamodb"),
      "amz_date":      "YYYYMMDDTHHMMSSZ", the signing time,
      "expected": {
        "canonical_request":  botocore's canonical request (lines joined by "\\n"),
        "string_to_sign":     botocore's string to sign,
        "signed_headers":     "content-type;host;x-amz-date;x-amz-target[;x-amz-security-token]"
                              (sorted, as in the Authorization header),
        "signature":          lower-case hex HMAC-SHA256,
        "authorization":      the full Authorization header value,
        "headers":            [[name, value], ...] every header after signing, including
                              Host, X-Amz-Date, X-Amz-Security-Token and Authorization
      }
    }, ...
  ]
}

"aws_doc_example" is the worked example published in the AWS SigV4 documentation
(IAM ListUsers, GET with a query string, secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
20150830T123600Z); it has the same fields, and this script checks that botocore
reproduces the documented signature before writing anything.
"""
import hashlib
import json
import os
import sys

from botocore import __version__ as botocore_version
from botocore.auth import SigV4Auth, _host_from_url
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "dynamodb"
CONTENT_TYPE = "application/x-amz-json-1.0"

# (operation, body object). Bodies carry UTF-8 in item values: CJK, accents, emoji
# (4-byte UTF-8, a surrogate pair in JSON's \u form), and JSON-escaped characters.
OPERATIONS = [
    ("ListTables", {}),
    ("DescribeTable", {"TableName": "mqtt_msg"}),
    (
        "CreateTable",
        {
            "TableName": "mqtt_sub",
            "KeySchema": [
                {"AttributeName": "clientid", "KeyType": "HASH"},
                {"AttributeName": "topic", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "clientid", "AttributeType": "S"},
                {"AttributeName": "topic", "AttributeType": "S"},
            ],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        },
    ),
    (
        "PutItem",
        {
            "TableName": "mqtt_msg",
            "Item": {
                "msgid": {"S": "Mjg4MTk1MDYwNTk0NjYwNzYzMTg4MDk3OTQ2MDU2Nzg1OTD"},
                "topic": {"S": "传感器/温度"},
                "sender": {"S": "mqttjs_231b962d5c"},
                "qos": {"N": "1"},
                "retain": {"N": "0"},
                "payload": {"S": "{ \"msg\": \"Grüße, 世界! 🚀\" }"},
                "arrived": {"N": "1562308553"},
            },
        },
    ),
    (
        "GetItem",
        {"TableName": "mqtt_client", "Key": {"clientid": {"S": "gerät-ü-Ω"}}, "ConsistentRead": True},
    ),
    (
        "UpdateItem",
        {
            "TableName": "mqtt_topic_msg_map",
            "Key": {"topic": {"S": "café/状态"}},
            "UpdateExpression": "ADD #m :ids",
            "ExpressionAttributeNames": {"#m": "MsgId"},
            "ExpressionAttributeValues": {":ids": {"SS": ["aWQx", "aWQy"]}},
        },
    ),
    (
        "Query",
        {
            "TableName": "mqtt_sub",
            "KeyConditionExpression": "clientid = :c",
            "ExpressionAttributeValues": {":c": {"S": "клиент-1"}},
        },
    ),
    (
        "BatchWriteItem",
        {
            "RequestItems": {
                "mqtt_msg": [
                    {"PutRequest": {"Item": {"msgid": {"S": "a"}, "payload": {"B": "AAEC/w=="}}}},
                    {"PutRequest": {"Item": {"msgid": {"S": "b"}, "payload": {"S": "tab\there \\ \"q\" ☃"}}}},
                    {"DeleteRequest": {"Key": {"msgid": {"S": "c"}}}},
                ]
            }
        },
    ),
    ("DeleteTable", {"TableName": "mqtt_acked"}),
]

# Endpoints: explicit non-default ports, explicit default ports (dropped from Host),
# implicit ports, IPv6 literal, upper-case host (Host is lower-cased).
ENDPOINTS = [
    "http://localhost:8000/",
    "http://127.0.0.1:8000/",
    "https://dynamodb.us-east-1.amazonaws.com/",
    "https://dynamodb.eu-central-1.amazonaws.com:443/",
    "http://localhost:80/",
    "https://dynamodb.ap-southeast-1.amazonaws.com:8443/",
    "http://[::1]:8000/",
    "http://DynamoDB.Local:8000/",
]

REGIONS = ["us-west-2", "us-east-1", "eu-central-1", "ap-southeast-1", "cn-north-1"]

# Dates: ordinary, year boundary, leap day, day boundary, far future.
DATES = [
    "20190705T063553Z",
    "20151231T235959Z",
    "20240229T120000Z",
    "20260101T000000Z",
    "20991231T235959Z",
]

CREDENTIALS = [
    ("AKIAU5IM2XOC7AQWG7HK", "TZt7XoRi+vtCJYQ9YsAinh19jR1rngm/hxZMWR2P", None),
    (
        "ASIAEXAMPLESESSION01",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY",
        "FwoGZXIvYXdzEJr//////////wEaDExampleSessionToken+/=Zm9vYmFy",
    ),
    ("local", "local", None),
    ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "short-token"),
]


def sign(method, url, headers, body_bytes, access_key, secret_key, token, region, service, amz_date):
    """Runs botocore's SigV4Auth on one request at a fixed time; returns the pieces."""
    request = AWSRequest(method=method, url=url, data=body_bytes, headers=dict(headers))
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(access_key, secret_key, token), service, region)
    # add_auth() would take the current time; these are its steps with a fixed one.
    signer._modify_request_before_signing(request)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    signature = signer.signature(string_to_sign, request)
    signed_headers = signer.signed_headers(signer.headers_to_sign(request))
    signer._inject_signature_to_request(request, signature)
    host = _host_from_url(url)
    after = [["Host", host]] + [[k, v] for k, v in request.headers.items()]
    return {
        "canonical_request": canonical,
        "string_to_sign": string_to_sign,
        "signed_headers": signed_headers,
        "signature": signature,
        "authorization": request.headers["Authorization"],
        "headers": after,
    }, host


def vector(name, method, url, headers, body, creds, region, amz_date, service=SERVICE):
    access_key, secret_key, token = creds
    body_bytes = body.encode("utf-8")
    expected, host = sign(method, url, headers, body_bytes, access_key, secret_key, token, region,
                          service, amz_date)
    return {
        "name": name,
        "method": method,
        "url": url,
        "host": host,
        "headers": [list(h) for h in headers],
        "body": body,
        "body_sha256": hashlib.sha256(body_bytes).hexdigest(),
        "access_key": access_key,
        "secret_key": secret_key,
        "session_token": token,
        "region": region,
        "service": service,
        "amz_date": amz_date,
        "expected": expected,
    }


def aws_doc_example():
    """The AWS documentation's worked SigV4 example; its signature is published."""
    v = vector(
        "AWS documentation example (IAM ListUsers)",
        "GET",
        "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
        [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"]],
        "",
        ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None),
        "us-east-1",
        "20150830T123600Z",
        service="iam",
    )
    published = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    if v["expected"]["signature"] != published:
        sys.exit("botocore does not reproduce the AWS documentation's example signature")
    return v


def dynamodb_vectors():
    out = []
    i = 0
    for op_index, (operation, body_obj) in enumerate(OPERATIONS):
        # Every operation meets several endpoints, regions, dates and credentials;
        # rotating the lists by different strides covers each value many times.
        for k in range(4):
            url = ENDPOINTS[(op_index * 3 + k) % len(ENDPOINTS)]
            region = REGIONS[(op_index + k * 2) % len(REGIONS)]
            amz_date = DATES[(op_index * 2 + k) % len(DATES)]
            creds = CREDENTIALS[(op_index + k) % len(CREDENTIALS)]
            # Compact JSON as a client would send it; half the vectors keep non-ASCII
            # raw (UTF-8 bytes on the wire), half \u-escape it, both are valid bodies.
            body = json.dumps(body_obj, separators=(",", ":"), ensure_ascii=(k % 2 == 1))
            headers = [
                ["Content-Type", CONTENT_TYPE],
                ["X-Amz-Target", f"DynamoDB_20120810.{operation}"],
            ]
            token_tag = "session-token" if creds[2] else "no-token"
            ascii_tag = "escaped" if k % 2 else "utf8"
            name = f"{i:02d} {operation} {ascii_tag} {token_tag} {region} {amz_date} {url}"
            out.append(vector(name, "POST", url, headers, body, creds, region, amz_date))
            i += 1
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "unit", "dynamo", "data", "sigv4_vectors.json")
    path = sys.argv[1] if len(sys.argv) > 1 else default
    doc = {
        "generator": "tests/tools/gen_sigv4_vectors.py",
        "reference": f"botocore {botocore_version}",
        "aws_doc_example": aws_doc_example(),
        "vectors": dynamodb_vectors(),
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(doc['vectors'])} vectors + the AWS documentation example to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
