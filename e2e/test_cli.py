"""The coldsnap-like CLI: upload an image, wait, download it, compare."""

import hashlib
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BIN, REPO
from helpers import BLOCK, SNAP_ID_RE, ZERO_BLOCK, list_blocks, list_changed, rand_block, text_block

GIB = 1 << 30
CLI_TIMEOUT = 300


def _help(sub: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, sub, "--help"], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def cli():
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"blocksnap binary not found at {BIN}", pytrace=False)
    helps = {}
    for sub in ("upload", "download", "wait"):
        res = _help(sub)
        if res.returncode != 0:
            pytest.skip(f"`blocksnap {sub} --help` exited {res.returncode}: the CLI client is not implemented yet")
        helps[sub] = res.stdout + res.stderr
    return helps


def make_image(path: Path, seed: int) -> dict[int, bytes]:
    """A deterministic 1 GiB sparse image with zero, random and text blocks.

    Uses the repository's scripts/make_image.py for the first 64 MiB when it
    exists, else scatters 96 data blocks over the GiB; the rest are holes.
    Returns {index: data} of the non-zero blocks."""
    script = REPO / "scripts" / "make_image.py"
    if script.exists():
        subprocess.run(
            [sys.executable, str(script), str(path), "--size-gib", "0.0625", "--seed", str(seed), "--sparse"],
            check=True, capture_output=True, timeout=300,
        )
        with open(path, "r+b") as f:
            f.truncate(GIB)
    else:
        rng = random.Random(seed)
        idxs = sorted(rng.sample(range(2048), 96))
        with open(path, "wb") as f:
            f.truncate(GIB)
            for n, i in enumerate(idxs):
                f.seek(i * BLOCK)
                f.write(rand_block(seed, i) if n % 2 else text_block(seed, i))
    blocks = {}
    with open(path, "rb") as f:
        for i in range(GIB // BLOCK):
            data = f.read(BLOCK)
            if data != ZERO_BLOCK:
                blocks[i] = data
    assert 10 < len(blocks) < 2048, f"image has {len(blocks)} data blocks"
    return blocks


def write_block(path: Path, idx: int, data: bytes):
    with open(path, "r+b") as f:
        f.seek(idx * BLOCK)
        f.write(data)


class Cli:
    def __init__(self, server, tmp_path: Path, helps: dict):
        self.server = server
        self.helps = helps
        creds = tmp_path / "aws-credentials"
        creds.write_text(
            "[e2e]\n"
            f"aws_access_key_id = {server.root_creds[0]}\n"
            f"aws_secret_access_key = {server.root_creds[1]}\n"
        )
        config = tmp_path / "aws-config"
        config.write_text(f"[profile e2e]\nregion = us-east-1\nendpoint_url = {server.url}\n")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(
            AWS_SHARED_CREDENTIALS_FILE=str(creds),
            AWS_CONFIG_FILE=str(config),
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
        )

    def common(self, sub: str) -> list[str]:
        args = []
        h = self.helps.get(sub, "")
        if sub == "upload" or "--endpoint" in h:
            args += ["--endpoint", self.server.url]
        if sub == "upload" or "--profile" in h:
            args += ["--profile", "e2e"]
        return args

    def run(self, sub: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [BIN, sub, *args, *self.common(sub)]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT, env=self.env, stdin=subprocess.DEVNULL)
        if check:
            assert res.returncode == 0, f"{' '.join(cmd)} exited {res.returncode}\nstdout: {res.stdout[-2000:]}\nstderr: {res.stderr[-2000:]}"
        return res

    def upload(self, image: Path, *extra: str) -> str:
        res = self.run("upload", str(image), *extra)
        lines = [ln.strip() for ln in res.stdout.splitlines() if ln.strip()]
        assert lines, f"upload printed nothing; stderr: {res.stderr[-2000:]}"
        snap = lines[-1]
        assert SNAP_ID_RE.match(snap), f"last stdout line is not a snapshot id: {snap!r}"
        return snap


def cmp(a: Path, b: Path):
    res = subprocess.run(["cmp", str(a), str(b)], capture_output=True, text=True)
    assert res.returncode == 0, f"images differ: {res.stdout}{res.stderr}"


def test_cli_round_trip_and_incremental(cli, server, client, tmp_path):
    tool = Cli(server, tmp_path, cli)
    image = tmp_path / "base.img"
    blocks = make_image(image, 160)

    snap = tool.upload(image, "--description", "e2e cli")
    tool.run("wait", snap)
    out = tmp_path / "down.img"
    tool.run("download", snap, str(out))
    assert out.stat().st_size == GIB
    cmp(image, out)
    # Zero blocks of a first snapshot need not be stored: exactly the data blocks are listed.
    assert [b["BlockIndex"] for b in list_blocks(client, snap)[0]] == sorted(blocks)
    # The download is sparse (holes for the zero blocks).
    assert out.stat().st_blocks * 512 < GIB // 2, f"download allocates {out.stat().st_blocks * 512} bytes"

    # Incremental: mutate a few blocks and re-upload with --parent.
    mutated = tmp_path / "mutated.img"
    subprocess.run(["cp", "--sparse=always", str(image), str(mutated)], check=True)
    data_idxs = sorted(blocks)
    holes = sorted(set(range(2048)) - set(blocks))
    changes = {
        data_idxs[0]: rand_block(161, 0),  # data rewritten
        data_idxs[10]: text_block(161, 1),  # data rewritten
        data_idxs[20]: ZERO_BLOCK,  # data zeroed: must hide the parent's block
        holes[5]: rand_block(161, 2),  # hole filled
        2047 if 2047 in holes else holes[-1]: text_block(161, 3),
    }
    for idx, data in changes.items():
        write_block(mutated, idx, data)
    snap2 = tool.upload(mutated, "--parent", snap)
    tool.run("wait", snap2)
    out2 = tmp_path / "down2.img"
    tool.run("download", snap2, str(out2))
    cmp(mutated, out2)
    changed, _ = list_changed(client, snap, snap2)
    assert sorted(c["BlockIndex"] for c in changed) == sorted(changes), "the incremental upload sent other blocks"
    # The first snapshot is unchanged.
    out3 = tmp_path / "down3.img"
    tool.run("download", snap, str(out3))
    cmp(image, out3)


def manifest_checksum(blocks: list, with_fingerprints: bool) -> str:
    """The manifest's checksum, as docs/cli.md defines it for format versions 1 and 2."""
    h = hashlib.sha256()
    for entry in blocks:
        h.update(entry[0].to_bytes(8, "big"))
        h.update(bytes.fromhex(entry[1]))
        if with_fingerprints:
            h.update(bytes.fromhex(entry[2]))
    return h.hexdigest()


def test_cli_incremental_by_fingerprint_sha256_and_old_manifests(cli, server, client, tmp_path):
    tool = Cli(server, tmp_path, cli)
    manifests = tmp_path / "manifests"
    image = tmp_path / "base.img"
    blocks = make_image(image, 171)
    snap = tool.upload(image, "--manifest-dir", str(manifests))
    tool.run("wait", snap)

    # The manifest (format 2) holds every data block's SHA-256 and XXH3-128 fingerprint.
    manifest = json.loads((manifests / f"{snap}.json").read_text())
    assert manifest["version"] == 2
    assert [e[0] for e in manifest["blocks"]] == sorted(blocks)
    for idx, sha, fingerprint in manifest["blocks"]:
        assert sha == hashlib.sha256(blocks[idx]).hexdigest()
        assert re.fullmatch(r"[0-9a-f]{32}", fingerprint)
    assert manifest["checksum"] == manifest_checksum(manifest["blocks"], True)

    mutated = tmp_path / "mutated.img"
    subprocess.run(["cp", "--sparse=always", str(image), str(mutated)], check=True)
    data_idxs = sorted(blocks)
    changes = {data_idxs[1]: rand_block(172, 0), data_idxs[7]: text_block(172, 1), data_idxs[9]: ZERO_BLOCK}
    # A change in the last byte only: the fingerprint must see it.
    last_byte = bytearray(blocks[data_idxs[12]])
    last_byte[-1] ^= 0x01
    changes[data_idxs[12]] = bytes(last_byte)
    for idx, data in changes.items():
        write_block(mutated, idx, data)

    def incremental(*extra: str) -> str:
        res = tool.run("upload", str(mutated), "--parent", snap, "--manifest-dir", str(manifests), *extra)
        child = res.stdout.strip().splitlines()[-1]
        assert f"sent {len(changes)} of" in res.stderr + res.stdout, res.stderr[-2000:]
        assert "parent digests from manifest" in res.stderr + res.stdout, res.stderr[-2000:]
        tool.run("wait", child)
        changed, _ = list_changed(client, snap, child)
        assert sorted(c["BlockIndex"] for c in changed) == sorted(changes)
        out = tmp_path / f"{child}.img"
        tool.run("download", child, str(out))
        cmp(mutated, out)
        return child

    by_fingerprint = incremental()
    by_sha256 = incremental("--compare", "sha256")
    # The children's manifests agree with each other: the skipped blocks carry the parent's digests.
    first = json.loads((manifests / f"{by_fingerprint}.json").read_text())["blocks"]
    second = json.loads((manifests / f"{by_sha256}.json").read_text())["blocks"]
    assert first == second

    # A format 1 manifest (from an older blocksnap: no fingerprints) is still used, by SHA-256.
    old = dict(manifest, version=1, blocks=[e[:2] for e in manifest["blocks"]])
    old["checksum"] = manifest_checksum(old["blocks"], False)
    (manifests / f"{snap}.json").write_text(json.dumps(old))
    incremental()

    # A tampered fingerprint fails the checksum: the manifest is refused and the parent read instead.
    tampered = json.loads(json.dumps(manifest))
    tampered["blocks"][0][2] = "0" * 32
    (manifests / f"{snap}.json").write_text(json.dumps(tampered))
    res = tool.run("upload", str(mutated), "--parent", snap, "--manifest-dir", str(manifests))
    assert "parent digests from downloaded" in res.stderr + res.stdout, res.stderr[-2000:]
    assert f"sent {len(changes)} of" in res.stderr + res.stdout

    # Without manifests: the parent is read back (and fingerprinted from what was read); a
    # first upload computes no fingerprints and writes no manifest, and still stores the image.
    before = sorted(p.name for p in manifests.iterdir())
    res = tool.run("upload", str(mutated), "--parent", snap, "--no-manifest", "--manifest-dir", str(manifests))
    assert "parent digests from downloaded" in res.stderr + res.stdout and f"sent {len(changes)} of" in res.stderr + res.stdout
    plain = tool.upload(mutated, "--no-manifest", "--manifest-dir", str(manifests))
    assert sorted(p.name for p in manifests.iterdir()) == before
    tool.run("wait", plain)
    out = tmp_path / "plain.img"
    tool.run("download", plain, str(out))
    cmp(mutated, out)

    res = tool.run("upload", str(mutated), "--parent", snap, "--compare", "md5", check=False)
    assert res.returncode == 64 and "compare" in res.stderr, res


def test_cli_errors_are_reported(cli, server, tmp_path):
    tool = Cli(server, tmp_path, cli)
    res = tool.run("upload", str(tmp_path / "no-such-image.img"), check=False)
    assert res.returncode != 0 and res.stderr.strip(), res
    res = tool.run("download", "snap-0123456789abcdef0", str(tmp_path / "x.img"), check=False)
    assert res.returncode != 0 and res.stderr.strip(), res
    assert not (tmp_path / "x.img").exists() or (tmp_path / "x.img").stat().st_size == 0
    # A snapshot never found within a --timeout shorter than the not-found grace is reported as
    # not found (exit 1), not as a slow snapshot.
    res = tool.run("wait", "snap-0123456789abcdef0", "--timeout", "1.5", "--interval", "0.5", check=False)
    assert res.returncode == 1, res
    assert "NotFound" in res.stderr and "timed out" not in res.stderr, res.stderr[-1000:]


def test_cli_rejects_bad_credentials(cli, server, tmp_path):
    tool = Cli(server, tmp_path, cli)
    creds = Path(tool.env["AWS_SHARED_CREDENTIALS_FILE"])
    creds.write_text(creds.read_text().replace(server.root_creds[1], server.root_creds[1] + "x"))
    image = tmp_path / "tiny.img"
    with open(image, "wb") as f:
        f.truncate(GIB)
        f.write(rand_block(162, 0))
    res = tool.run("upload", str(image), check=False)
    assert res.returncode != 0, res
    assert re.search(r"signature|credential|403|denied|auth", res.stderr, re.I), res.stderr[-1000:]


@pytest.mark.parametrize("option, value, words", [
    ("--keep-freed-mib", "5000", "--keep-freed-mib"),
    ("--keep-freed-mib", "-1", "--keep-freed-mib"),
    ("--cow-retain-mib", "-1", "--cow-retain-mib"),
    ("--timeout-sweep-interval", "0", "--timeout-sweep-interval"),
    ("--request-body-timeout", "0", "--request-body-timeout"),
    ("--request-body-timeout", "3601", "--request-body-timeout"),
])
def test_serve_refuses_out_of_range_options(tmp_path, option, value, words):
    # Refused while the options are checked: no server starts, nothing is created.
    data = tmp_path / "data"
    res = subprocess.run([str(BIN), "serve", "--data-dir", str(data), "--listen", "127.0.0.1:0", option, value],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 64, res
    assert words in res.stderr, res.stderr
    assert not data.exists()
