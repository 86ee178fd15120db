"""NBD over TLS: `blocksnap serve --nbd-tls` requires NBD_OPT_STARTTLS, and each account's
client certificate (from `blocksnap account nbd-certificate`) opens only that account's
volumes. Driven with nbdcopy and nbdinfo on nbds:// URLs, as README describes."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BIN
from helpers import new_volume, wait_snapshots
from nbd_support import need

MiB = 1 << 20


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300)
    if check:
        assert res.returncode == 0, f"{' '.join(map(str, args))} exited {res.returncode}:\n{res.stdout}\n{res.stderr}"
    return res


def certificate(srv, account_id: str, folder: Path) -> Path:
    out = run(BIN, "account", "nbd-certificate", account_id, "--out", folder, "--data-dir", srv.data_dir)
    assert account_id in out.stdout
    assert {p.name for p in folder.iterdir()} == {"ca-cert.pem", "client-cert.pem", "client-key.pem"}
    assert (folder / "client-key.pem").stat().st_mode & 0o077 == 0, "the client key must be private"
    return folder


def nbds(srv, volume: str, certs: Path) -> str:
    return f"nbds://localhost:{srv.nbd_port}/{volume}?tls-certificates={certs}"


def listed(srv, certs: Path) -> list[str]:
    out = run("nbdinfo", "--list", "--json", nbds(srv, "", certs)).stdout
    return sorted(e["export-name"] for e in json.loads(out)["exports"])


@pytest.fixture
def tls_server(server_factory):
    need("nbdcopy", "nbdinfo")
    return server_factory("nbd-tls", extra_args=("--nbd-tls",))


def test_each_accounts_certificate_opens_only_its_volumes(tls_server, tmp_path):
    srv = tls_server
    alice, bob = srv.tenant("alice"), srv.tenant("bob")
    alice_certs = certificate(srv, alice.id, tmp_path / "alice")
    bob_certs = certificate(srv, bob.id, tmp_path / "bob")
    alice_vol = new_volume(alice.ec2, 1)
    bob_vol = new_volume(bob.ec2, 1)

    # Alice copies an image into her volume over TLS, snapshots it, and reads a new volume
    # made from the snapshot back out over TLS.
    image = tmp_path / "disk.img"
    rng = random.Random(7)
    with open(image, "wb") as f:
        f.truncate(1 << 30)
        for offset in (0, 5 * MiB + 123, 700 * MiB):
            f.seek(offset)
            f.write(rng.randbytes(3 * MiB))
    run("nbdcopy", image, nbds(srv, alice_vol, alice_certs))
    sid = alice.ec2.create_snapshot(VolumeId=alice_vol)["SnapshotId"]
    assert wait_snapshots(alice.ec2, [sid])[0]["State"] == "completed"
    restored = new_volume(alice.ec2, None, SnapshotId=sid)
    out = tmp_path / "restored.img"
    run("nbdcopy", nbds(srv, restored, alice_certs), out)
    assert out.read_bytes() == image.read_bytes(), "the volume restored over TLS differs from the image"

    # NBD_OPT_LIST shows each account its own volumes only.
    assert listed(srv, alice_certs) == sorted([alice_vol, restored])
    assert listed(srv, bob_certs) == [bob_vol]

    # Bob's certificate does not open Alice's volume, and cannot tell it exists.
    res = run("nbdinfo", nbds(srv, alice_vol, bob_certs), check=False)
    assert res.returncode != 0 and "No such file" in res.stderr, res.stderr
    run("nbdinfo", nbds(srv, bob_vol, bob_certs))

    # Plain NBD and TLS without a client certificate are refused.
    res = run("nbdinfo", f"nbd://localhost:{srv.nbd_port}/{alice_vol}", check=False)
    assert res.returncode != 0, "opened without TLS"
    bare = tmp_path / "no-client-cert"
    bare.mkdir()
    shutil.copy(alice_certs / "ca-cert.pem", bare / "ca-cert.pem")
    res = run("nbdinfo", nbds(srv, alice_vol, bare), check=False)
    assert res.returncode != 0, "opened without a client certificate"


def test_certificates_survive_a_restart_and_unknown_accounts_get_none(tls_server, tmp_path):
    srv = tls_server
    tenant = srv.tenant("carol")
    certs = certificate(srv, tenant.id, tmp_path / "carol")
    vol = new_volume(tenant.ec2, 1)
    data = random.Random(3).randbytes(8 * MiB)
    (tmp_path / "small.img").write_bytes(data)
    run("nbdcopy", "--flush", tmp_path / "small.img", nbds(srv, vol, certs))
    srv.stop()
    srv.start()
    # The CA persists in the data directory, so certificates issued before still work.
    assert listed(srv, certs) == [vol]
    run("nbdcopy", nbds(srv, vol, certs), tmp_path / "back.img")
    assert (tmp_path / "back.img").read_bytes()[: 8 * MiB] == data
    res = run(BIN, "account", "nbd-certificate", "000000000000", "--out", tmp_path / "nobody",
              "--data-dir", srv.data_dir, check=False)
    assert res.returncode != 0 and "no account" in res.stderr, res.stderr


def test_plain_nbd_is_refused_off_loopback(tmp_path):
    res = subprocess.run(
        [BIN, "serve", "--data-dir", str(tmp_path / "d"), "--listen", "127.0.0.1:0", "--nbd-listen", "0.0.0.0:10809"],
        capture_output=True, text=True, timeout=60)
    assert res.returncode != 0
    assert "--nbd-tls" in res.stderr, res.stderr
    assert not (tmp_path / "d").exists(), "a refused configuration must not touch the data directory"
