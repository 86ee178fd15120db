#!/usr/bin/env python3
"""Generate the SigV4 test fixtures of Tests/AWSSigV4Tests/Fixtures.

1. BotocoreSignedFixtures.swift: requests signed by botocore at a frozen time,
   captured as they go on the wire. The EBS requests come from a real botocore
   `ebs` client whose HTTP layer is replaced by a `before-send` hook; the rest
   are signed with `SigV4Auth` directly. For each request we record the wire
   parts, the body, botocore's canonical request and string to sign (from the
   `botocore.auth` debug log) and the Authorization header or presigned query.

2. AWSTestSuiteFixtures.swift (only with --aws-suite DIR): the AWS Signature
   Version 4 test suite (`.req`, `.creq`, `.sts`, `.authz`, `.sreq` files), as
   shipped in botocore's repository under tests/unit/auth/aws4_testsuite.

The JSON is embedded in Swift raw string literals because the test target
declares no resources (a bare .json file would make SwiftPM warn about
unhandled files).

Usage:
    python3 scripts/gen_sigv4_fixtures.py [--aws-suite PATH/TO/aws4_testsuite]
"""

import argparse
import base64
import datetime
import hashlib
import json
import logging
import os
import sys
from unittest import mock

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.session

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "AWSSigV4Tests", "Fixtures")

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+example/token=="
REGION = "us-east-1"
ENDPOINT_HOST = "ebs.us-east-1.amazonaws.com"
FROZEN = datetime.datetime(2024, 3, 15, 10, 20, 30)  # naive UTC, as botocore uses
TIMESTAMP = FROZEN.strftime("%Y%m%dT%H%M%SZ")
SNAPSHOT = "snap-0123456789abcdef0"
PARENT = "snap-0fedcba9876543210"
# Headers botocore adds after signing whose values vary by machine or run; they are
# not signed, so fixing them changes nothing that is verified.
STABLE_UNSIGNED = {
    "user-agent": f"Botocore/{botocore.__version__}",
    "amz-sdk-invocation-id": "00000000-0000-4000-8000-000000000000",
}


class SigningLog(logging.Handler):
    """Collects the canonical requests and strings to sign botocore logs."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.entries = []

    def emit(self, record):
        if record.msg.startswith("CanonicalRequest:"):
            self.entries.append({"canonicalRequest": record.args[0]})
        elif record.msg.startswith("StringToSign:"):
            self.entries[-1]["stringToSign"] = record.args[0]


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def wire_headers(prepared_headers, host):
    headers = [("Host", host)]  # urllib3 adds it from the URL; botocore signed it
    for name, value in prepared_headers.items():
        headers.append((name, STABLE_UNSIGNED.get(name.lower(), text(value))))
    return [list(h) for h in headers]


def split_url(url):
    parts = botocore.compat.urlsplit(url)
    return parts.netloc, parts.path, parts.query


def record(name, service, method, url, headers, body, log_entry, *, token=None, presigned=None):
    host, path, query = split_url(url)
    body = body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = headers or [["Host", host]]
    authorization = next((v for n, v in headers if n.lower() == "authorization"), None)
    return {
        "name": name,
        "service": service,
        "region": REGION,
        "accessKeyId": ACCESS_KEY,
        "secretAccessKey": SECRET_KEY,
        "sessionToken": token,
        "date": TIMESTAMP,
        "method": method,
        "path": path,
        "query": query,
        "headers": headers,
        "bodyBase64": base64.b64encode(body).decode("ascii"),
        "bodySHA256": hashlib.sha256(body).hexdigest(),
        "canonicalRequest": log_entry["canonicalRequest"],
        "stringToSign": log_entry["stringToSign"],
        "authorization": authorization,
        "presigned": presigned,
    }


def ebs_cases(log):
    """Signs EBS direct API calls with a real botocore client, capturing the wire requests."""
    cases = []
    sent = []

    def before_send(request, **kwargs):
        sent.append(request)
        raw = mock.Mock()
        raw.stream.return_value = iter([b"{}"])
        return botocore.awsrequest.AWSResponse(request.url, 200, {}, raw)

    def client(token=None):
        c = botocore.session.get_session().create_client(
            "ebs", region_name=REGION, endpoint_url=f"https://{ENDPOINT_HOST}",
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, aws_session_token=token,
        )
        c.meta.events.register("before-send", before_send)
        return c

    block = bytes((i * 7 + 3) % 256 for i in range(4096))
    checksum = base64.b64encode(hashlib.sha256(block).digest()).decode("ascii")
    calls = [
        ("ebs-start-snapshot", None, lambda c: c.start_snapshot(
            VolumeSize=8, ParentSnapshotId=PARENT, Description="nightly: vol-1 \u00e9t\u00e9",
            ClientToken="550e8400-e29b-41d4-a716-446655440000", Timeout=60,
            Tags=[{"Key": "team", "Value": "storage"}])),
        ("ebs-put-snapshot-block-unsigned", None, lambda c: c.put_snapshot_block(
            SnapshotId=SNAPSHOT, BlockIndex=5, BlockData=block, DataLength=len(block),
            Progress=42, Checksum=checksum, ChecksumAlgorithm="SHA256")),
        ("ebs-list-snapshot-blocks-query", None, lambda c: c.list_snapshot_blocks(
            SnapshotId=SNAPSHOT, NextToken="AAUBAf/+tok=n e~\u00e9*!'()", MaxResults=100, StartingBlockIndex=3)),
        ("ebs-list-changed-blocks", None, lambda c: c.list_changed_blocks(
            FirstSnapshotId=PARENT, SecondSnapshotId=SNAPSHOT, MaxResults=500)),
        ("ebs-complete-snapshot-session-token", SESSION_TOKEN, lambda c: c.complete_snapshot(
            SnapshotId=SNAPSHOT, ChangedBlocksCount=12, Checksum=checksum, ChecksumAlgorithm="SHA256",
            ChecksumAggregationMethod="LINEAR")),
    ]
    for name, token, call in calls:
        before = len(log.entries)
        call(client(token))
        request = sent[-1]
        assert len(log.entries) == before + 1, name
        cases.append(record(
            name, "ebs", request.method, request.url, wire_headers(request.headers, ENDPOINT_HOST),
            request.body, log.entries[-1], token=token))

    for name, token, expires in [("ebs-presigned-get-snapshot-block", None, 300),
                                 ("ebs-presigned-session-token", SESSION_TOKEN, 3600)]:
        params = {"SnapshotId": SNAPSHOT, "BlockIndex": 3, "BlockToken": "EXAMPLE/+tok=="}
        url = client(token).generate_presigned_url("get_snapshot_block", Params=params, ExpiresIn=expires)
        query = split_url(url)[2]
        unsigned_query = query.split("&X-Amz-Algorithm=")[0]
        cases.append(record(
            name, "ebs", "GET", url, None, b"", log.entries[-1], token=token,
            presigned={"expires": expires, "unsignedQuery": unsigned_query}))
    return cases


def direct_cases(log):
    """Signs requests with SigV4Auth directly, for paths and queries the EBS model never produces."""
    cases = []
    credentials = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY)
    host = "example.amazonaws.com"
    url = f"https://{host}/files/a%20b/c%2Fd/%C3%BC~x/./y/../z//?flag&b=&a=1%2B2&%C3%A9=x&a=0"
    request = botocore.awsrequest.AWSRequest(
        method="GET", url=url,
        headers={"Host": host, "X-Amz-Meta-Note": "  two   spaces  ", "Content-Type": "text/plain"})
    botocore.auth.SigV4Auth(credentials, "service", REGION).add_auth(request)
    headers = [[n, text(v)] for n, v in request.headers.items()]
    cases.append(record("direct-odd-path-and-query", "service", "GET", url, headers, b"", log.entries[-1]))

    body = b"Action=ListUsers&Version=2010-05-08"
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=f"https://{host}/",
        headers={"Host": host, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                 "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()},
        data=body)
    botocore.auth.SigV4Auth(credentials, "service", REGION).add_auth(request)
    headers = [[n, text(v)] for n, v in request.headers.items()]
    cases.append(record("direct-form-post-content-sha256", "service", "POST", request.url, headers, body,
                        log.entries[-1]))
    return cases


def aws_suite_cases(suite_dir):
    cases = []
    for dirpath, _, filenames in sorted(os.walk(suite_dir)):
        for filename in sorted(f for f in filenames if f.endswith(".req")):
            stem = os.path.join(dirpath, filename[:-4])

            def read(ext):
                with open(stem + ext, encoding="utf-8", newline="") as f:
                    return f.read().replace("\r\n", "\n")

            cases.append({
                "name": os.path.relpath(dirpath, suite_dir).replace(os.sep, "/"),
                "req": read(".req"), "creq": read(".creq"), "sts": read(".sts"),
                "authz": read(".authz"), "sreq": read(".sreq"),
            })
    return cases


def write_swift(filename, variable, comment_lines, payload):
    body = json.dumps(payload, indent=1, ensure_ascii=True, sort_keys=True)
    assert '"""#' not in body
    lines = [f"// {line}".rstrip() for line in comment_lines]
    # Indented as swift-format indents a multi-line literal; the closing delimiter's indentation is stripped.
    body = "\n".join("    " + line for line in body.splitlines())
    text = "\n".join(lines) + f"\n\nlet {variable} = #\"\"\"\n{body}\n    \"\"\"#\n"
    path = os.path.join(FIXTURES, filename)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(payload)} cases)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aws-suite", help="path to botocore's tests/unit/auth/aws4_testsuite")
    args = parser.parse_args()
    os.makedirs(FIXTURES, exist_ok=True)

    log = SigningLog()
    auth_logger = logging.getLogger("botocore.auth")
    auth_logger.setLevel(logging.DEBUG)
    auth_logger.addHandler(log)
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: FROZEN):
        cases = ebs_cases(log) + direct_cases(log)
    write_swift(
        "BotocoreSignedFixtures.swift", "botocoreSignedJSON",
        [f"Generated by scripts/gen_sigv4_fixtures.py with botocore {botocore.__version__}; do not edit.",
         f"Requests signed by botocore at {TIMESTAMP}, as sent on the wire (Host added as urllib3 adds it;",
         "unsigned User-Agent and amz-sdk-invocation-id values fixed for reproducibility)."],
        cases)

    if args.aws_suite:
        write_swift(
            "AWSTestSuiteFixtures.swift", "awsTestSuiteJSON",
            ["Generated by scripts/gen_sigv4_fixtures.py --aws-suite; do not edit.",
             "AWS Signature Version 4 Test Suite",
             "Copyright 2019 Amazon.com, Inc. or its affiliates. All Rights Reserved.",
             "Licensed under the Apache License, Version 2.0 (taken from botocore's tests/unit/auth/aws4_testsuite)."],
            aws_suite_cases(args.aws_suite))
    return 0


if __name__ == "__main__":
    sys.exit(main())
