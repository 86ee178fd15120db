"""SigV4 authentication, credentials and account isolation."""

import datetime as dt
import json
import secrets
import time

import requests
from botocore import UNSIGNED

from conftest import make_client
from helpers import (
    UNKNOWN_SNAPSHOT,
    b64sha,
    assert_aws_error,
    expect_error,
    json_body,
    list_blocks,
    make_url,
    put,
    raw,
    rand_block,
    start,
    tokens_of,
    upload,
)


def test_root_keys_from_environment_work(server, client):
    resp = start(client, 1)
    assert resp["Status"] == "pending"


def test_wrong_secret_is_invalid_signature(server):
    bad = server.client((server.root_creds[0], server.root_creds[1] + "x"))
    e = expect_error(lambda: bad.start_snapshot(VolumeSize=1), "InvalidSignatureException", 403)
    # Also on a GET with a path parameter.
    expect_error(lambda: bad.list_snapshot_blocks(SnapshotId=UNKNOWN_SNAPSHOT), "InvalidSignatureException", 403)
    assert e.response["Error"]["Message"]


def test_unknown_access_key_is_unrecognized_client(server):
    stranger = server.client(("AKIA" + secrets.token_hex(8).upper(), "s3cr3t-" + secrets.token_hex(16)))
    expect_error(lambda: stranger.start_snapshot(VolumeSize=1), "UnrecognizedClientException", 403)


def test_missing_authentication(server):
    anon = make_client(server.url, ("x", "y"), signature_version=UNSIGNED)
    expect_error(lambda: anon.start_snapshot(VolumeSize=1), "MissingAuthenticationTokenException", 403)
    r = raw(server, "GET", f"/snapshots/{UNKNOWN_SNAPSHOT}/blocks", sign=False)
    assert_aws_error(r, 403, "MissingAuthenticationTokenException")


def test_clock_skew_over_15_minutes_is_refused(server):
    body = json_body({"VolumeSize": 1})
    for minutes in (-20, 20):
        when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes)
        r = raw(server, "POST", "/snapshots", body=body, when=when, headers={"Content-Type": "application/json"})
        err = assert_aws_error(r, 403, "InvalidSignatureException")
        assert "expired" in err["Message"].lower() or minutes > 0, err
    # Within the limit it works: the check is on skew, not on exact time.
    when = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)
    r = raw(server, "POST", "/snapshots", body=body, when=when, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text


def test_signed_payload_hash_is_checked(server):
    url = make_url(server.url, "/snapshots")
    from helpers import sign_headers

    signed_for = json_body({"VolumeSize": 1, "Description": "signed"})
    hdrs = sign_headers(url, "POST", server.root_creds, signed_for, {"Content-Type": "application/json"})
    sent = json_body({"VolumeSize": 2, "Description": "tamper"})  # same length, other content
    assert len(sent) == len(signed_for)
    r = requests.post(url, data=sent, headers=hdrs, timeout=30)
    assert_aws_error(r, 403, "InvalidSignatureException")
    # Control: the untampered request is accepted.
    hdrs = sign_headers(url, "POST", server.root_creds, signed_for, {"Content-Type": "application/json"})
    r = requests.post(url, data=signed_for, headers=hdrs, timeout=30)
    assert r.status_code == 201, r.text
    assert r.json()["Description"] == "signed"


def test_unsigned_payload_is_accepted(server):
    r = raw(
        server, "POST", "/snapshots", body=json_body({"VolumeSize": 3}),
        headers={"Content-Type": "application/json"}, unsigned_payload=True,
    )
    assert r.status_code == 201, r.text
    assert r.json()["VolumeSize"] == 3


def test_tampered_signed_header_is_refused(server, client):
    snap = start(client, 1)["SnapshotId"]
    url = make_url(server.url, f"/snapshots/{snap}/blocks/0")
    data = rand_block(1, 0)
    from helpers import sign_headers

    hdrs = {
        "x-amz-Data-Length": "524288",
        "x-amz-Checksum": b64sha(data),
        "x-amz-Checksum-Algorithm": "SHA256",
        "Content-Type": "application/octet-stream",
    }
    signed = sign_headers(url, "PUT", server.root_creds, data, hdrs, unsigned_payload=True)
    # The checksum header is signed: swapping it (and the data) must break the signature.
    other = rand_block(1, 1)
    signed["x-amz-Checksum"] = b64sha(other)
    r = requests.put(url, data=other, headers=signed, timeout=30)
    assert_aws_error(r, 403, "InvalidSignatureException")
    signed = sign_headers(url, "PUT", server.root_creds, data, hdrs, unsigned_payload=True)
    r = requests.put(url, data=data, headers=signed, timeout=30)
    assert r.status_code == 201, r.text


def test_unsigned_payload_needs_its_checksum_headers_signed(server, client):
    """With UNSIGNED-PAYLOAD only the signed x-amz-Checksum protects the block: a request whose
    checksum headers were added after signing is refused (403), and nothing is stored."""
    from helpers import sign_headers

    snap = start(client, 1)["SnapshotId"]
    data = rand_block(2, 0)
    block_headers = {
        "x-amz-Data-Length": "524288",
        "x-amz-Checksum": b64sha(data),
        "x-amz-Checksum-Algorithm": "SHA256",
    }
    url = make_url(server.url, f"/snapshots/{snap}/blocks/1")
    signed = sign_headers(url, "PUT", server.root_creds, data, {"Content-Type": "application/octet-stream"},
                          unsigned_payload=True)
    assert "x-amz-checksum" not in signed["Authorization"].lower()
    r = requests.put(url, data=data, headers={**signed, **block_headers}, timeout=30)
    err = assert_aws_error(r, 403, "InvalidSignatureException")
    assert "x-amz-checksum" in err["Message"], err
    # Signed as botocore signs it, a block is accepted; the refused one was never written.
    url = make_url(server.url, f"/snapshots/{snap}/blocks/0")
    signed = sign_headers(url, "PUT", server.root_creds, data, block_headers, unsigned_payload=True)
    assert requests.put(url, data=data, headers=signed, timeout=30).status_code == 201
    client.complete_snapshot(SnapshotId=snap, ChangedBlocksCount=1)
    assert [b["BlockIndex"] for b in list_blocks(client, snap)[0]] == [0]


def test_presigned_list_snapshot_blocks(server, client):
    blocks = {3: rand_block(11, 3), 9: rand_block(11, 9)}
    snap = upload(client, blocks)
    url = client.generate_presigned_url("list_snapshot_blocks", Params={"SnapshotId": snap}, ExpiresIn=300)
    assert "X-Amz-Signature=" in url
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [b["BlockIndex"] for b in body["Blocks"]] == [3, 9]
    assert body["BlockSize"] == 524288

    # Tampering with a signed query parameter breaks it.
    bad = url.replace("X-Amz-Expires=300", "X-Amz-Expires=301")
    assert bad != url
    assert_aws_error(requests.get(bad, timeout=30), 403)
    # So does a wrong signature.
    sig = url.split("X-Amz-Signature=")[1].split("&")[0]
    flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
    assert_aws_error(requests.get(url.replace(sig, flipped), timeout=30), 403, "InvalidSignatureException")


def test_presigned_get_snapshot_block(server, client):
    data = rand_block(16, 4)
    snap = upload(client, {4: data})
    token = tokens_of(list_blocks(client, snap)[0])[4]
    url = client.generate_presigned_url(
        "get_snapshot_block", Params={"SnapshotId": snap, "BlockIndex": 4, "BlockToken": token}, ExpiresIn=300
    )
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.text[:300]
    assert r.content == data
    assert r.headers["x-amz-Checksum"] == b64sha(data)
    assert r.headers["x-amz-Data-Length"] == "524288"


def test_presigned_url_expires(server, client):
    snap = upload(client, {0: rand_block(12, 0)})
    url = client.generate_presigned_url("list_snapshot_blocks", Params={"SnapshotId": snap}, ExpiresIn=1)
    time.sleep(2.5)
    assert_aws_error(requests.get(url, timeout=30), 403)


def test_generated_root_credentials_file(server_factory):
    srv = server_factory("gen", env_keys=False)
    creds = srv.root_creds  # read from DATA_DIR/credentials, profile blocksnap
    assert creds[0] and creds[1]
    c = srv.client()
    snap = start(c, 1)["SnapshotId"]
    put(c, snap, 0, rand_block(13, 0))
    # Secrets are never logged.
    log = srv.log_path.read_text(errors="replace")
    assert creds[1] not in log, "the root secret key appears in the server log"
    # Keys are generated once: a restart keeps them.
    srv.restart()
    assert srv.read_credentials_file() == creds
    expect_error(lambda: srv.client().complete_snapshot(SnapshotId=snap, ChangedBlocksCount=2), "ValidationException")
    srv.client().complete_snapshot(SnapshotId=snap, ChangedBlocksCount=1)


def test_env_secret_not_logged(server_factory):
    srv = server_factory("envlog")
    c = srv.client()
    start(c, 1)
    expect_error(lambda: srv.client((srv.root_creds[0], "wrong")).start_snapshot(VolumeSize=1), "InvalidSignatureException")
    srv.stop()
    assert srv.root_creds[1] not in srv.log_path.read_text(errors="replace")


def test_account_create_while_running(server):
    acct, c = server.account_client("e2e-fresh")
    assert len(acct["AccountId"]) == 12 and acct["AccountId"].isdigit(), acct
    resp = start(c, 1, Description="mine")
    assert resp["OwnerId"] == acct["AccountId"]
    acct2 = server.create_account("e2e-fresh-2")
    assert acct2["AccountId"] != acct["AccountId"]
    assert acct2["AccessKeyId"] != acct["AccessKeyId"]


def test_accounts_are_isolated(server, client, other_account):
    acct_b, b = other_account
    blocks = {0: rand_block(14, 0), 5: rand_block(14, 5)}
    snap = upload(client, blocks)
    token = tokens_of(list_blocks(client, snap)[0])[5]
    pending = start(client, 1)["SnapshotId"]

    nf = "ResourceNotFoundException"
    expect_error(lambda: b.list_snapshot_blocks(SnapshotId=snap), nf, 404)
    expect_error(lambda: b.get_snapshot_block(SnapshotId=snap, BlockIndex=5, BlockToken=token), nf, 404)
    expect_error(lambda: b.list_changed_blocks(FirstSnapshotId=snap, SecondSnapshotId=snap), nf, 404)
    expect_error(lambda: put(b, pending, 0, rand_block(14, 99)), nf, 404)
    expect_error(lambda: b.complete_snapshot(SnapshotId=pending, ChangedBlocksCount=0), nf, 404)
    expect_error(lambda: b.start_snapshot(VolumeSize=1, ParentSnapshotId=snap), nf, 404)

    # B's own snapshot cannot be compared with A's either.
    own = upload(b, {5: rand_block(15, 5)})
    expect_error(lambda: b.list_changed_blocks(FirstSnapshotId=snap, SecondSnapshotId=own), nf, 404)
    expect_error(lambda: client.list_changed_blocks(FirstSnapshotId=snap, SecondSnapshotId=own), nf, 404)

    # A's pending snapshot was untouched by B's attempts.
    client.complete_snapshot(SnapshotId=pending, ChangedBlocksCount=0)


def test_client_token_is_per_account(server, client, other_account):
    acct_b, b = other_account
    token = "tok-" + secrets.token_hex(8)
    a = client.start_snapshot(VolumeSize=1, ClientToken=token)
    bb = b.start_snapshot(VolumeSize=1, ClientToken=token)
    assert a["SnapshotId"] != bb["SnapshotId"]
    assert bb["OwnerId"] == acct_b["AccountId"]
    assert a["OwnerId"] != acct_b["AccountId"]


def test_error_envelope_shape(server):
    r = raw(server, "POST", "/snapshots", body=json_body({"VolumeSize": 0}), headers={"Content-Type": "application/json"})
    body = assert_aws_error(r, 400, "ValidationException")
    assert body.get("Reason") == "INVALID_VOLUME_SIZE", body
    assert r.headers.get("Content-Type", "").startswith("application/"), r.headers
    json.dumps(body)
