"""A request body trickled past `--request-body-timeout` is answered with an
AWS-shaped 400 and its connection closed; nothing of it is stored, and other
clients are served meanwhile."""

import socket
import time
import xml.etree.ElementTree as ET

import pytest

from helpers import (
    BLOCK,
    b64sha,
    complete,
    http_request_bytes,
    list_blocks,
    make_url,
    rand_block,
    sign_headers,
    start,
)

LIMIT = 4  # seconds, the server's --request-body-timeout here


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    from conftest import Server

    base = tmp_path_factory.mktemp("slow-bodies")
    srv = Server(base / "data", base / "server.log", sweep_interval=1,
                 extra_args=("--request-body-timeout", str(LIMIT)))
    srv.start()
    yield srv
    srv.stop()


def trickle(port: int, head: bytes, first: bytes, give_up_after: float) -> tuple[bytes, float]:
    """Sends `head` + `first`, then one more byte every 0.2 s, reading whatever
    the server answers, until it closes the connection. Returns the answer and
    the seconds from the head to the close."""
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=give_up_after) as s:
        s.settimeout(0.2)
        t0 = time.monotonic()
        s.sendall(head + first)
        while time.monotonic() - t0 < give_up_after:
            try:
                c = s.recv(65536)
                if not c:
                    return b"".join(chunks), time.monotonic() - t0
                chunks.append(c)
            except socket.timeout:
                pass
            except ConnectionResetError:
                return b"".join(chunks), time.monotonic() - t0
            try:
                s.sendall(b"x")
            except (BrokenPipeError, ConnectionResetError):
                pass
    pytest.fail(f"connection still open after {give_up_after} s; got {b''.join(chunks)[:300]!r}")


def split_reply(reply: bytes) -> tuple[int, dict, bytes]:
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return status, headers, body


def test_a_trickled_block_is_refused_and_not_stored(slow_server):
    client = slow_server.client()
    snap = start(client, 1)["SnapshotId"]
    data = rand_block(120, 0)
    path = f"/snapshots/{snap}/blocks/0"
    hdrs = {
        "x-amz-Data-Length": str(BLOCK),
        "x-amz-Checksum": b64sha(data),
        "x-amz-Checksum-Algorithm": "SHA256",
        "Content-Type": "application/octet-stream",
    }
    hdrs = sign_headers(make_url(slow_server.url, path), "PUT", slow_server.root_creds, data, hdrs,
                        unsigned_payload=True)
    hdrs["Content-Length"] = str(BLOCK)
    hdrs["Host"] = f"127.0.0.1:{slow_server.port}"
    reply, seconds = trickle(slow_server.port, http_request_bytes("PUT", path, hdrs), data[:1000], 30)
    status, headers, body = split_reply(reply)
    assert status == 400, reply[:500]
    assert headers.get("x-amzn-errortype", "").startswith("ValidationException"), reply[:500]
    assert f"within {LIMIT} seconds" in body.decode(), body
    assert LIMIT - 0.5 <= seconds < LIMIT + 15, seconds
    # Nothing of the trickled block was stored, and the server still works.
    complete(client, snap, 0)
    assert list_blocks(client, snap)[0] == []
    assert slow_server.alive()


def test_a_trickled_query_request_gets_an_ec2_error(slow_server):
    body = b"Action=DescribeVolumes&Version=2016-11-15"
    hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    hdrs = sign_headers(slow_server.url + "/", "POST", slow_server.root_creds, body, hdrs, service="ec2")
    hdrs["Content-Length"] = str(len(body) + 100_000)  # far more than is ever sent
    hdrs["Host"] = f"127.0.0.1:{slow_server.port}"
    reply, _ = trickle(slow_server.port, http_request_bytes("POST", "/", hdrs), body, 30)
    status, _, xml = split_reply(reply)
    assert status == 400, reply[:500]
    root = ET.fromstring(xml)
    assert root.findtext("./Errors/Error/Code") == "InvalidParameterValue", xml
    assert f"within {LIMIT} seconds" in root.findtext("./Errors/Error/Message"), xml


def test_other_clients_are_served_while_a_body_trickles(slow_server):
    client = slow_server.client()
    ec2 = slow_server.ec2()
    snap = start(client, 1)["SnapshotId"]
    path = f"/snapshots/{snap}/blocks/0"
    with socket.create_connection(("127.0.0.1", slow_server.port), timeout=10) as s:
        s.sendall(http_request_bytes("PUT", path, {"Host": "x", "Content-Length": str(BLOCK)}, b"y" * 10))
        t0 = time.monotonic()
        assert ec2.describe_volumes()["Volumes"] == []
        assert start(client, 1)["Status"] == "pending"
        assert time.monotonic() - t0 < LIMIT
        # The stalled request is closed (its answer is the auth failure: it was never signed).
        s.settimeout(LIMIT + 15)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
        assert split_reply(reply)[0] in (400, 403), reply[:300]
    complete(client, snap, 0)
