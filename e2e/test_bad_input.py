"""Malformed requests over raw HTTP: each gets an AWS-shaped 4xx, the server
keeps serving, and nothing already stored is touched."""

import socket
import time

import pytest
import requests

from helpers import (
    BLOCK,
    UNKNOWN_SNAPSHOT,
    assert_4xx,
    assert_aws_error,
    assert_snapshot_equals,
    b64sha,
    complete,
    http_request_bytes,
    json_body,
    list_blocks,
    make_url,
    put,
    rand_block,
    raw,
    sign_headers,
    start,
    text_block,
    upload,
)

JSON = {"Content-Type": "application/json"}
STORED = {0: rand_block(90, 0), 1: text_block(90, 1), 700: rand_block(90, 700)}


@pytest.fixture(scope="module")
def stored(client):
    """A completed snapshot that every test checks is still intact afterwards."""
    return upload(client, STORED)


@pytest.fixture
def healthy(server, client, stored):
    """After the test: the server still runs, serves, and the stored snapshot reads back."""
    yield
    assert server.alive(), f"server died; log:\n{server.log_tail()}"
    assert_snapshot_equals(client, stored, STORED)
    start(client, 1)


def block_headers(data: bytes, length: int | None = None, checksum: str | None = None) -> dict:
    return {
        "x-amz-Data-Length": str(BLOCK if length is None else length),
        "x-amz-Checksum": checksum if checksum is not None else b64sha(data),
        "x-amz-Checksum-Algorithm": "SHA256",
        "Content-Type": "application/octet-stream",
    }


def raw_put(server, snap, idx, data, **hdr):
    return raw(server, "PUT", f"/snapshots/{snap}/blocks/{idx}", body=data, headers=block_headers(data, **hdr), unsigned_payload=True)


# ------------------------------------------------------------------ JSON


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"just a string"',
        b'{"VolumeSize": "ten"}',
        b'{"VolumeSize": 1.5}',
        b'{"VolumeSize": 99999999999999999999999999}',
        b'{"VolumeSize": null}',
        b'{"VolumeSize": 1, "Tags": "not-a-list"}',
        b'{"VolumeSize": 1, "Tags": [{"Key": 5, "Value": []}]}',
        b'{"VolumeSize": 1, "Timeout": "soon"}',
        b'{"VolumeSize": 1, "Description": {"a": 1}}',
        b"",
        b"{}",
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=[
        "broken", "binary", "array", "string", "size-string", "size-float", "size-huge", "size-null",
        "tags-string", "tag-types", "timeout-string", "description-object", "empty", "no-size", "deep-nesting",
    ],
)
def test_start_snapshot_bad_json(server, healthy, body):
    r = raw(server, "POST", "/snapshots", body=body, headers=JSON)
    assert_aws_error(r, 400, "ValidationException", "SerializationException")


def test_start_snapshot_huge_json(server, healthy):
    body = json_body({"VolumeSize": 1, "Description": "x" * (8 << 20)})
    try:
        r = raw(server, "POST", "/snapshots", body=body, headers=JSON)
    except requests.ConnectionError:
        return  # refused mid-body: acceptable, the fixture checks the server is fine
    assert_4xx(r)


# ----------------------------------------------------------- block bodies


def test_oversized_block_body(server, client, healthy):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(91, 0) + b"x"
    r = raw_put(server, snap, 0, data, checksum=b64sha(data[:BLOCK]))
    assert_4xx(r)
    r = raw_put(server, snap, 0, data)  # checksum of the whole oversized body
    assert_4xx(r)
    # Far too big: 8 MiB. The server may answer early and close.
    big = rand_block(91, 1) * 16
    try:
        r = raw_put(server, snap, 1, big, checksum=b64sha(big[:BLOCK]))
        assert_4xx(r)
    except requests.ConnectionError:
        pass
    # Nothing was stored.
    complete(client, snap, 0)
    assert list_blocks(client, snap)[0] == []


def test_chunked_block_bodies(server, client, healthy):
    """Transfer-Encoding: chunked cannot smuggle an oversized block past the
    length checks; a chunked body of exactly one block is stored exactly or refused."""
    snap = start(client, 1)["SnapshotId"]

    def chunks(data, size=65536):
        for i in range(0, len(data), size):
            yield data[i : i + size]

    def chunked_put(idx, data, checksum):
        url = make_url(server.url, f"/snapshots/{snap}/blocks/{idx}")
        hdrs = sign_headers(url, "PUT", server.root_creds, b"", block_headers(data, checksum=checksum), unsigned_payload=True)
        return requests.put(url, data=chunks(data), headers=hdrs, timeout=30)

    big = rand_block(101, 0) * 16
    try:
        assert_4xx(chunked_put(0, big, b64sha(big[:BLOCK])))
    except requests.ConnectionError:
        pass
    exact = rand_block(101, 1)
    r = chunked_put(1, exact, b64sha(exact))
    if r.status_code == 201:
        complete(client, snap, 1, checksum_of={1: exact})
        assert_snapshot_equals(client, snap, {1: exact})
    else:
        assert_4xx(r)
        complete(client, snap, 0)
        assert list_blocks(client, snap)[0] == []


def test_content_length_smaller_than_body(server, client, healthy):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(92, 0)
    url = make_url(server.url, f"/snapshots/{snap}/blocks/0")
    hdrs = sign_headers(url, "PUT", server.root_creds, data, block_headers(data), unsigned_payload=True)
    hdrs["Content-Length"] = "1000"
    hdrs["Host"] = f"127.0.0.1:{server.port}"
    reply = _exchange(server.port, http_request_bytes("PUT", f"/snapshots/{snap}/blocks/0", hdrs, data))
    status = _status_of(reply)
    assert 400 <= status < 500, reply[:500]
    complete(client, snap, 0)
    assert list_blocks(client, snap)[0] == []


def test_truncated_body_then_close(server, client, healthy):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(93, 0)
    url = make_url(server.url, f"/snapshots/{snap}/blocks/0")
    hdrs = sign_headers(url, "PUT", server.root_creds, data, block_headers(data), unsigned_payload=True)
    hdrs["Content-Length"] = str(BLOCK)
    hdrs["Host"] = f"127.0.0.1:{server.port}"
    for cut in (0, 1000, BLOCK - 1):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(http_request_bytes("PUT", f"/snapshots/{snap}/blocks/0", hdrs, data[:cut]))
        # closed without the rest
    # A truncated body held open does not block other clients.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(http_request_bytes("PUT", f"/snapshots/{snap}/blocks/0", hdrs, data[: BLOCK // 2]))
        t0 = time.monotonic()
        other = start(client, 1)
        assert time.monotonic() - t0 < 5
        assert other["Status"] == "pending"
    time.sleep(0.5)
    # None of the truncated puts stored a block.
    complete(client, snap, 0)
    assert list_blocks(client, snap)[0] == []


def test_garbage_bytes_on_the_socket(server, healthy):
    for junk in (b"\x00" * 100, b"GET / HTTP/9.9\r\n\r\n", b"NOT HTTP AT ALL\r\n\r\n", b"PUT /snapshots HTTP/1.1\r\nContent-Length: -5\r\n\r\n"):
        reply = _exchange(server.port, junk)
        if reply.startswith(b"HTTP/1."):
            assert _status_of(reply) < 500, reply[:300]


# -------------------------------------------------------------- headers


def test_non_base64_checksum(server, client, healthy):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(94, 0)
    for bad in ("!!!not-base64!!!", "Zm9v", "%%%%", "a" * 64, ""):
        r = raw_put(server, snap, 0, data, checksum=bad)
        assert_aws_error(r, 400, "ValidationException")
    complete(client, snap, 0)


@pytest.mark.parametrize("length", ["abc", "-524288", "99999999999999999999", "", "524288.0"])
def test_bad_data_length_header(server, client, healthy, length):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(95, 0)
    r = raw_put(server, snap, 0, data, length=length)
    assert_aws_error(r, 400, "ValidationException", "SerializationException")


def test_missing_checksum_headers(server, client, healthy):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(96, 0)
    for drop in ("x-amz-Checksum", "x-amz-Checksum-Algorithm", "x-amz-Data-Length"):
        hdrs = block_headers(data)
        del hdrs[drop]
        r = raw(server, "PUT", f"/snapshots/{snap}/blocks/0", body=data, headers=hdrs, unsigned_payload=True)
        assert_aws_error(r, 400, "ValidationException", "SerializationException")
    complete(client, snap, 0)


@pytest.mark.parametrize("count", ["abc", "-1", "99999999999999999999", ""])
def test_bad_changed_blocks_count(server, client, healthy, count):
    snap = start(client, 1)["SnapshotId"]
    r = raw(server, "POST", f"/snapshots/completion/{snap}", headers={"x-amz-ChangedBlocksCount": count})
    assert_aws_error(r, 400, "ValidationException", "SerializationException")
    complete(client, snap, 0)


# ------------------------------------------------------------- indexes


@pytest.mark.parametrize("index", ["-1", "99999999999999999999", "abc", "1e3", "0x10", "1.5"])
def test_bad_block_index(server, client, healthy, index):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(97, 0)
    r = raw_put(server, snap, index, data)
    assert_aws_error(r, 400, "ValidationException", "SerializationException")
    r = raw(server, "GET", f"/snapshots/{snap}/blocks/{index}", query={"blockToken": "AAAA"})
    assert_aws_error(r, 400, "ValidationException", "SerializationException")
    complete(client, snap, 0)


@pytest.mark.parametrize(
    "query",
    [
        {"startingBlockIndex": "-5"},
        {"startingBlockIndex": "99999999999999999999"},
        {"maxResults": "abc"},
        {"maxResults": "-100"},
        {"pageToken": "!!!"},
    ],
)
def test_bad_list_query(server, stored, healthy, query):
    r = raw(server, "GET", f"/snapshots/{stored}/blocks", query=query)
    assert_aws_error(r, 400, "ValidationException", "SerializationException")


def test_huge_index_inside_int64_is_refused(server, client, healthy):
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(98, 0)
    for idx in (2048, 2**31, 2**31 - 1, 2**63 - 1):
        assert_aws_error(raw_put(server, snap, idx, data), 400, "ValidationException")
    complete(client, snap, 0)


# ---------------------------------------------------------- snapshot ids


def test_unknown_snapshot_ids(server, healthy):
    data = rand_block(99, 0)
    nf = "ResourceNotFoundException"
    assert_aws_error(raw_put(server, UNKNOWN_SNAPSHOT, 0, data), 404, nf)
    assert_aws_error(raw(server, "GET", f"/snapshots/{UNKNOWN_SNAPSHOT}/blocks"), 404, nf)
    assert_aws_error(raw(server, "GET", f"/snapshots/{UNKNOWN_SNAPSHOT}/blocks/0", query={"blockToken": "AAAA"}), 404, nf)
    r = raw(server, "POST", f"/snapshots/completion/{UNKNOWN_SNAPSHOT}", headers={"x-amz-ChangedBlocksCount": "0"})
    assert_aws_error(r, 404, nf)


@pytest.mark.parametrize("snap", ["snap-XYZ", "vol-0123456789abcdef0", "snap-", "snap-" + "a" * 200, "..%2F..%2Fetc"])
def test_malformed_snapshot_ids(server, healthy, snap):
    assert_4xx(raw(server, "GET", f"/snapshots/{snap}/blocks"))
    assert_4xx(raw_put(server, snap, 0, rand_block(99, 1)))
    assert_4xx(raw(server, "POST", "/snapshots", body=json_body({"VolumeSize": 1, "ParentSnapshotId": snap}), headers=JSON))


def test_unknown_routes(server, healthy):
    assert_4xx(raw(server, "GET", "/nothing-here"))
    assert_4xx(raw(server, "DELETE", f"/snapshots/{UNKNOWN_SNAPSHOT}"))
    assert_4xx(raw(server, "PATCH", "/snapshots"))


def test_put_after_bad_input_still_works(server, client, healthy):
    # The ordinary path still works on a fresh snapshot after all the above.
    blocks = {5: rand_block(100, 5)}
    snap = start(client, 1)["SnapshotId"]
    put(client, snap, 5, blocks[5])
    complete(client, snap, 1, checksum_of=blocks)
    assert_snapshot_equals(client, snap, blocks)


# --------------------------------------------------------------- helpers


def _exchange(port: int, request: bytes) -> bytes:
    """Sends a raw request and reads the reply until close or a short timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.settimeout(3)
        chunks = []
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                chunks.append(c)
                if _complete_response(b"".join(chunks)):
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def _complete_response(buf: bytes) -> bool:
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            return len(body) >= int(v.strip())
    return False


def _status_of(reply: bytes) -> int:
    assert reply.startswith(b"HTTP/1."), f"no HTTP response: {reply[:200]!r}"
    return int(reply.split(b" ", 2)[1])
