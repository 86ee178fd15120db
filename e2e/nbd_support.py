"""What the NBD end-to-end tests share: whether the server has NBD at all, libnbd's Python
binding (Debian installs it for the system Python only), skips for missing clients, and
waiting for the NBD listener of a `conftest.Server`."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time

import pytest

from conftest import BIN


def serve_accepts_nbd_listen() -> bool:
    try:
        out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=30)
    except OSError:
        return False
    return "--nbd-listen" in out.stdout + out.stderr


requires_nbd_listen = pytest.mark.skipif(
    not serve_accepts_nbd_listen(), reason="blocksnap serve does not accept --nbd-listen yet"
)


def _import_libnbd():
    try:
        import nbd  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            import nbd  # noqa: F401
        except ImportError:
            return None
    return sys.modules["nbd"]


nbd = _import_libnbd()


def need(*tools: str):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")


def need_libnbd():
    if nbd is None:
        pytest.skip("libnbd's Python binding is not installed (Debian python3-libnbd)")


def wait_nbd_listening(port: int, log_tail=lambda: "", timeout: float = 60):
    """Until the port greets with NBDMAGIC."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(8) == b"NBDMAGIC":
                    return
        except OSError:
            pass
        time.sleep(0.05)
    pytest.fail(f"NBD not listening on {port}; log tail:\n{log_tail()}", pytrace=False)
