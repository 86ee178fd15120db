"""aws-cli against blocksnap, unchanged: the EBS direct commands round-trip real bytes."""

import json
import os
import shutil
import subprocess

import pytest

from helpers import b64sha, rand_block


def _aws(server, env, *args):
    res = subprocess.run(
        ["aws", "ebs", *args, "--endpoint-url", server.url, "--region", "us-east-1", "--output", "json"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert res.returncode == 0, f"aws ebs {' '.join(args)} exited {res.returncode}: {res.stderr[-1500:]}"
    return json.loads(res.stdout) if res.stdout.strip() else {}


@pytest.mark.skipif(shutil.which("aws") is None, reason="aws-cli is not installed")
def test_aws_cli_round_trip(server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=server.root_creds[0],
        AWS_SECRET_ACCESS_KEY=server.root_creds[1],
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    snap = _aws(server, env, "start-snapshot", "--volume-size", "1", "--description", "from aws-cli")
    assert snap["Status"] == "pending" and snap["BlockSize"] == 524288
    sid = snap["SnapshotId"]
    data = rand_block(190, 3)
    block_file = tmp_path / "block.bin"
    block_file.write_bytes(data)
    put = _aws(
        server, env, "put-snapshot-block", "--snapshot-id", sid, "--block-index", "3",
        "--block-data", str(block_file), "--data-length", "524288",
        "--checksum", b64sha(data), "--checksum-algorithm", "SHA256",
    )
    assert put["Checksum"] == b64sha(data)
    done = _aws(server, env, "complete-snapshot", "--snapshot-id", sid, "--changed-blocks-count", "1")
    assert done["Status"] in ("completed", "pending")
    listing = _aws(server, env, "list-snapshot-blocks", "--snapshot-id", sid)
    assert [b["BlockIndex"] for b in listing["Blocks"]] == [3]
    out = tmp_path / "out.bin"
    got = _aws(
        server, env, "get-snapshot-block", "--snapshot-id", sid, "--block-index", "3",
        "--block-token", listing["Blocks"][0]["BlockToken"], str(out),
    )
    assert got["Checksum"] == b64sha(data)
    assert out.read_bytes() == data
