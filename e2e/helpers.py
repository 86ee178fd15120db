"""Shared helpers for the blocksnap end-to-end suite: block data, checksums,
EBS direct API wrappers, error assertions and raw (hand-signed) HTTP."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
import re
import socket
import struct
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from unittest import mock
from urllib.parse import quote, urlencode

import botocore.auth
import pytest
import requests
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

BLOCK = 524288  # EBS direct block size, always
BLOCKS_PER_GIB = 2048
REGION = "us-east-1"
ZERO_BLOCK = bytes(BLOCK)
SNAP_ID_RE = re.compile(r"^snap-[0-9a-f]+$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9+/=]+$")
UNKNOWN_SNAPSHOT = "snap-0123456789abcdef0"

# ---------------------------------------------------------------- block data

_POOL_LEN = 2 * BLOCK
_pools: dict[int, bytes] = {}


def _pool(seed: int) -> bytes:
    pool = _pools.get(seed)
    if pool is None:
        pool = random.Random(seed).randbytes(_POOL_LEN)
        _pools[seed] = pool
    return pool


def rand_block(seed: int, idx: int) -> bytes:
    """A deterministic, incompressible block, distinct for every (seed, idx).

    Cheap to regenerate (a slice of a seeded random pool behind a unique
    header), so large uploads need not keep their data in memory.
    """
    pool = _pool(seed % 64)
    header = struct.pack(">QQ", seed, idx)
    off = (idx * 7919 + seed * 104729) % (_POOL_LEN - BLOCK)
    return header + pool[off : off + BLOCK - len(header)]


def text_block(seed: int, idx: int) -> bytes:
    """A deterministic compressible block (log-like text), distinct per (seed, idx)."""
    r = random.Random(seed * 1_000_003 + idx)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "snapshot", "block", "volume", "ebs"]
    lines = []
    size = 0
    n = 0
    while size < BLOCK:
        line = f"{seed}:{idx}:{n} " + " ".join(r.choice(words) for _ in range(8)) + "\n"
        lines.append(line)
        size += len(line)
        n += 1
    return "".join(lines).encode()[:BLOCK]


def small_block(tag: int) -> bytes:
    """A cheap, highly compressible block, distinct per tag."""
    return struct.pack(">Q", tag) * (BLOCK // 8)


def sha_raw(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def b64sha(data: bytes) -> str:
    return base64.b64encode(sha_raw(data)).decode()


def linear_checksum(blocks: dict) -> str:
    """LINEAR aggregate: SHA-256 over the raw per-block digests in index order."""
    h = hashlib.sha256()
    for idx in sorted(blocks):
        data = blocks[idx]
        h.update(sha_raw(data() if callable(data) else data))
    return base64.b64encode(h.digest()).decode()


# ------------------------------------------------------------ API wrappers


def status_of(resp) -> int:
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def start(client, size: int = 1, **kw) -> dict:
    resp = client.start_snapshot(VolumeSize=size, **kw)
    assert status_of(resp) == 201, resp
    assert SNAP_ID_RE.match(resp["SnapshotId"]), resp["SnapshotId"]
    return resp


def put(client, snap: str, idx: int, data: bytes, progress: int | None = None, checksum: str | None = None):
    kw = {}
    if progress is not None:
        kw["Progress"] = progress
    resp = client.put_snapshot_block(
        SnapshotId=snap,
        BlockIndex=idx,
        BlockData=data,
        DataLength=len(data),
        Checksum=checksum if checksum is not None else b64sha(data),
        ChecksumAlgorithm="SHA256",
        **kw,
    )
    assert status_of(resp) == 201, resp
    return resp


def put_many(client, snap: str, blocks: dict[int, bytes] | list[tuple[int, object]], threads: int = 8):
    """Puts blocks concurrently. Values may be bytes or zero-arg callables producing bytes."""
    items = list(blocks.items()) if isinstance(blocks, dict) else list(blocks)

    def one(item):
        idx, data = item
        if callable(data):
            data = data()
        put(client, snap, idx, data)

    with ThreadPoolExecutor(max_workers=threads) as ex:
        list(ex.map(one, items))


def wait_readable(client, snap: str, timeout: float = 60.0):
    """Polls ListSnapshotBlocks until the (completing) snapshot can be listed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.list_snapshot_blocks(SnapshotId=snap)
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code != "ValidationException" or time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def complete(client, snap: str, count: int, checksum_of: dict[int, bytes] | None = None, **kw) -> dict:
    """CompleteSnapshot (optionally with a LINEAR checksum over `checksum_of`),
    then waits until the snapshot is listable. Returns the complete response."""
    if checksum_of is not None:
        kw.update(
            Checksum=linear_checksum(checksum_of),
            ChecksumAlgorithm="SHA256",
            ChecksumAggregationMethod="LINEAR",
        )
    resp = client.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=count, **kw)
    assert status_of(resp) == 202, resp
    assert resp["Status"] in ("completed", "pending"), resp
    wait_readable(client, snap)
    return resp


def upload(client, blocks: dict[int, bytes], size: int = 1, parent: str | None = None, threads: int = 8, **kw) -> str:
    """Starts, fills and completes a snapshot; returns its id."""
    if parent is not None:
        kw["ParentSnapshotId"] = parent
    snap = start(client, size, **kw)["SnapshotId"]
    put_many(client, snap, blocks, threads=threads)
    complete(client, snap, len(blocks), checksum_of=blocks)
    return snap


def list_blocks(client, snap: str, max_results: int | None = None, **kw) -> tuple[list[dict], list[dict]]:
    """All blocks of a snapshot, following NextToken. Returns (blocks, pages)."""
    blocks, pages = [], []
    token = None
    while True:
        args = dict(SnapshotId=snap, **kw)
        if max_results is not None:
            args["MaxResults"] = max_results
        if token:
            args["NextToken"] = token
        page = client.list_snapshot_blocks(**args)
        pages.append(page)
        blocks.extend(page.get("Blocks", []))
        token = page.get("NextToken")
        if not token:
            return blocks, pages
        assert len(pages) < 100_000, "pagination does not end"


def list_changed(client, first: str | None, second: str, max_results: int | None = None, **kw):
    """All changed blocks between two snapshots, following NextToken. Returns (changed, pages)."""
    changed, pages = [], []
    token = None
    while True:
        args = dict(SecondSnapshotId=second, **kw)
        if first is not None:
            args["FirstSnapshotId"] = first
        if max_results is not None:
            args["MaxResults"] = max_results
        if token:
            args["NextToken"] = token
        page = client.list_changed_blocks(**args)
        pages.append(page)
        changed.extend(page.get("ChangedBlocks", []))
        token = page.get("NextToken")
        if not token:
            return changed, pages
        assert len(pages) < 100_000, "pagination does not end"


def get_block(client, snap: str, idx: int, token: str) -> bytes:
    """GetSnapshotBlock; checks the response headers against the bytes."""
    resp = client.get_snapshot_block(SnapshotId=snap, BlockIndex=idx, BlockToken=token)
    data = resp["BlockData"].read()
    assert len(data) == BLOCK, f"block {idx}: {len(data)} bytes"
    assert resp["DataLength"] == BLOCK
    assert resp["ChecksumAlgorithm"] == "SHA256"
    assert resp["Checksum"] == b64sha(data), f"block {idx}: checksum header does not match the data"
    return data


def read_snapshot(client, snap: str, threads: int = 8) -> dict[int, bytes]:
    """Every listed block of a snapshot, read back."""
    blocks, _ = list_blocks(client, snap)
    idxs = [b["BlockIndex"] for b in blocks]
    assert len(idxs) == len(set(idxs)), "a block index is listed twice"

    def one(b):
        return b["BlockIndex"], get_block(client, snap, b["BlockIndex"], b["BlockToken"])

    with ThreadPoolExecutor(max_workers=threads) as ex:
        return dict(ex.map(one, blocks))


def assert_snapshot_equals(client, snap: str, expected: dict[int, bytes], threads: int = 8):
    """The snapshot lists exactly `expected`'s indexes and each reads back byte-identical."""
    blocks, _ = list_blocks(client, snap)
    listed = [b["BlockIndex"] for b in blocks]
    assert listed == sorted(expected), (
        f"{snap}: listed {len(listed)} blocks, expected {len(expected)}; "
        f"missing {sorted(set(expected) - set(listed))[:10]}, extra {sorted(set(listed) - set(expected))[:10]}"
    )

    def one(b):
        idx = b["BlockIndex"]
        data = get_block(client, snap, idx, b["BlockToken"])
        want = expected[idx]
        if callable(want):
            want = want()
        return idx, data == want

    with ThreadPoolExecutor(max_workers=threads) as ex:
        bad = [idx for idx, ok in ex.map(one, blocks) if not ok]
    assert not bad, f"{snap}: blocks with wrong content: {bad[:20]}"


def tokens_of(blocks: list[dict]) -> dict[int, str]:
    return {b["BlockIndex"]: b["BlockToken"] for b in blocks}


# ------------------------------------------------------------------ errors


def expect_error(fn, code: str | tuple, status: int | None = None, reason: str | None = None, reason_present: bool = False):
    """Calls fn, which must fail with the given AWS error code (or one of a tuple of codes);
    returns the ClientError."""
    with pytest.raises(ClientError) as info:
        fn()
    e = info.value
    got = e.response["Error"]["Code"]
    got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
    codes = code if isinstance(code, tuple) else (code,)
    assert got in codes, f"expected {code}, got {got} ({got_status}): {e.response.get('Error')}"
    if status is not None:
        assert got_status == status, f"{code}: expected HTTP {status}, got {got_status}"
    if reason is not None:
        assert e.response.get("Reason") == reason, f"expected Reason {reason}, got response {e.response}"
    if reason_present:
        assert e.response.get("Reason"), f"no Reason in {e.response}"
    return e


# ---------------------------------------------------------------- raw HTTP


def sign_headers(
    url: str,
    method: str,
    creds: tuple[str, str],
    body: bytes = b"",
    headers: dict | None = None,
    unsigned_payload: bool = False,
    when: dt.datetime | None = None,
    service: str = "ebs",
) -> dict:
    """SigV4 headers (service ebs unless told otherwise) for a raw request, signed the way botocore signs."""
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    if unsigned_payload:
        req.context["payload_signing_enabled"] = False
    auth = botocore.auth.SigV4Auth(Credentials(*creds), service, REGION)
    if when is None:
        auth.add_auth(req)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when.replace(tzinfo=None)):
            auth.add_auth(req)
    return dict(req.headers.items())


def make_url(base: str, path: str, query: dict | None = None) -> str:
    url = base + path
    if query:
        url += "?" + urlencode(sorted(query.items()), quote_via=quote)
    return url


def raw(
    server,
    method: str,
    path: str,
    query: dict | None = None,
    body: bytes = b"",
    headers: dict | None = None,
    creds: tuple[str, str] | None = None,
    unsigned_payload: bool = False,
    when: dt.datetime | None = None,
    sign: bool = True,
    timeout: float = 30,
) -> requests.Response:
    """A hand-built request to the server, SigV4-signed unless sign=False."""
    url = make_url(server.url, path, query)
    hdrs = dict(headers or {})
    if sign:
        hdrs = sign_headers(url, method, creds or server.root_creds, body, hdrs, unsigned_payload, when)
    return requests.request(method, url, data=body, headers=hdrs, timeout=timeout)


def assert_aws_error(resp: requests.Response, status: int | tuple, *codes: str) -> dict:
    """An AWS rest-json error: the status, x-amzn-ErrorType naming one of `codes`,
    and a JSON body with a Message. Returns the body."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert resp.status_code in statuses, f"HTTP {resp.status_code} (want {statuses}): {resp.headers} {resp.text[:500]}"
    etype = resp.headers.get("x-amzn-ErrorType", "")
    assert etype, f"no x-amzn-ErrorType header: {resp.headers} {resp.text[:300]}"
    code = etype.split(":")[0]
    if codes:
        assert code in codes, f"x-amzn-ErrorType {etype!r}, want one of {codes}: {resp.text[:300]}"
    try:
        body = resp.json()
    except ValueError:
        raise AssertionError(f"error body is not JSON: {resp.text[:300]!r}")
    assert isinstance(body, dict) and isinstance(body.get("Message"), str), f"no Message in {body}"
    return body


def assert_4xx(resp: requests.Response):
    """Any AWS-shaped client error (4xx with x-amzn-ErrorType and a JSON Message)."""
    return assert_aws_error(resp, tuple(range(400, 500)))


def send_raw_bytes(port: int, data: bytes, read: bool = True, timeout: float = 10) -> bytes:
    """Writes bytes on a fresh TCP connection, optionally reads until close or timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if not read:
            return b""
        s.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                chunks.append(c)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def http_request_bytes(method: str, path: str, headers: dict, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def json_body(obj) -> bytes:
    return json.dumps(obj).encode()


# --------------------------------------------------------------------- EC2

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
EC2_VERSION = "2016-11-15"
AZ = "us-east-1a"
VOL_ID_RE = re.compile(r"^vol-[0-9a-f]{17}$")
INSTANCE_ID_RE = re.compile(r"^i-[0-9a-f]{17}$")
ACCOUNT_ID_RE = re.compile(r"^[0-9]{12}$")
EC2_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UNKNOWN_VOLUME = "vol-0123456789abcdef0"
UNKNOWN_INSTANCE = "i-0123456789abcdef0"
FAST_WAIT = {"Delay": 0.2, "MaxAttempts": 300}


def unique(prefix: str = "e2e") -> str:
    return f"{prefix}-{random.getrandbits(48):012x}"


def tag_spec(resource_type: str, tags: dict) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def tags_of(resource: dict) -> dict:
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or []}


def new_volume(ec2, size: int | None = 1, az: str = AZ, tags: dict | None = None, **kw) -> str:
    """CreateVolume (size None: the snapshot's); returns the id once the volume is available."""
    if tags:
        kw["TagSpecifications"] = tag_spec("volume", tags)
    if size is not None:
        kw["Size"] = size
    resp = ec2.create_volume(AvailabilityZone=az, **kw)
    assert status_of(resp) == 200, resp
    assert VOL_ID_RE.match(resp["VolumeId"]), resp
    ec2.get_waiter("volume_available").wait(VolumeIds=[resp["VolumeId"]], WaiterConfig=FAST_WAIT)
    return resp["VolumeId"]


def wait_snapshots(ec2, ids: list[str]) -> list[dict]:
    """The snapshot_completed waiter over `ids`, then their descriptions (in the order of `ids`)."""
    ec2.get_waiter("snapshot_completed").wait(SnapshotIds=list(ids), WaiterConfig=FAST_WAIT)
    got = {s["SnapshotId"]: s for s in ec2.describe_snapshots(SnapshotIds=list(ids))["Snapshots"]}
    return [got[i] for i in ids]


def ec2_time(when: dt.datetime) -> str:
    """EC2's wire form of a timestamp: ISO 8601 with milliseconds and Z."""
    when = when.astimezone(dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def ec2_query(server, params: dict | list, method: str = "POST", creds=None, sign: bool = True,
              version: bool = True) -> requests.Response:
    """A hand-built EC2 Query request: form-encoded POST body or GET query string, SigV4 (ec2)."""
    items = list(params.items()) if isinstance(params, dict) else list(params)
    if version and not any(k == "Version" for k, _ in items):
        items.append(("Version", EC2_VERSION))
    encoded = urlencode(items, quote_via=lambda v, *_: quote(v, safe="-_.~"))
    if method == "GET":
        url, body, hdrs = server.url + "/?" + encoded, b"", {}
    else:
        url, body = server.url + "/", encoded.encode()
        hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if sign:
        hdrs = sign_headers(url, method, creds or server.root_creds, body, hdrs, service="ec2")
    return requests.request(method, url, data=body, headers=hdrs, timeout=30)


def ec2_xml(resp: requests.Response, action: str):
    """The parsed `<ActionResponse>` document of a successful Query request."""
    assert resp.status_code == 200, f"HTTP {resp.status_code}: {resp.text[:800]}"
    assert resp.headers.get("Content-Type", "").startswith("text/xml"), resp.headers
    root = ET.fromstring(resp.content)
    assert root.tag == f"{{{EC2_NS}}}{action}Response", root.tag
    return root


def ec2_error(resp: requests.Response, status: int, code: str) -> str:
    """An EC2 Query error document (Response/Errors/Error/Code+Message, RequestID);
    checks the status and code, returns the message."""
    assert resp.status_code == status, f"HTTP {resp.status_code} (want {status}): {resp.text[:800]}"
    root = ET.fromstring(resp.content)
    assert root.tag == "Response", resp.text[:500]
    errors = root.findall("./Errors/Error")
    assert len(errors) == 1, resp.text[:500]
    assert errors[0].findtext("Code") == code, f"want {code}: {resp.text[:500]}"
    message = errors[0].findtext("Message")
    assert message, resp.text[:500]
    assert root.findtext("RequestID"), resp.text[:500]
    return message
