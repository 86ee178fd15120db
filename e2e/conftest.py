"""Fixtures for the blocksnap end-to-end suite.

Each server runs as a real `blocksnap serve` process on a free loopback port
with its data directory under pytest's tmp_path. `server` is one shared
server for tests whose state doesn't matter; `server_factory` starts private
servers for tests that restart, crash or move the clock.
"""

from __future__ import annotations

import configparser
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import datetime as dt

import boto3
import botocore.auth
import pytest
from botocore.config import Config

from helpers import REGION

REPO = Path(__file__).resolve().parent.parent
BIN = os.environ.get("BLOCKSNAP_BIN", str(REPO / ".build" / "debug" / "blocksnap"))
READY_TIMEOUT = 60.0
STOP_GRACE = 10.0


# The clock-offset file moves the server's whole clock, its SigV4 skew check
# included, so clients must sign in the same shifted time: botocore's signing
# clock follows the offset last written by Server.set_clock_offset.
_client_clock_offset = 0.0
_real_signing_clock = botocore.auth.get_current_datetime


def _shifted_signing_clock():
    return _real_signing_clock() + dt.timedelta(seconds=_client_clock_offset)


botocore.auth.get_current_datetime = _shifted_signing_clock


def set_client_clock_offset(seconds: float):
    global _client_clock_offset
    _client_clock_offset = float(seconds)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_binary():
    if not os.access(BIN, os.X_OK):
        pytest.fail(
            f"blocksnap binary not found at {BIN}: build it with `swift build --product blocksnap` "
            "or point BLOCKSNAP_BIN at it",
            pytrace=False,
        )


def make_client(url: str, creds: tuple[str, str], service: str = "ebs", **config) -> object:
    """A boto3 client (EBS unless told otherwise) for the server. Client-side
    parameter validation is off so that the server's own validation is what the
    tests exercise, and retries are off so that no server error is hidden by a retry."""
    cfg = dict(
        parameter_validation=False,
        retries={"total_max_attempts": 1},
        max_pool_connections=16,
        connect_timeout=10,
        read_timeout=120,
    )
    cfg.update(config)
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=creds[0],
        aws_secret_access_key=creds[1],
        config=Config(**cfg),
    )


class Server:
    """One `blocksnap serve` process over a data directory; restartable."""

    def __init__(
        self,
        data_dir: Path,
        log_path: Path,
        env_keys: bool = True,
        sweep_interval: float | None = None,
        clock_offset: bool = False,
        extra_args: tuple = (),
    ):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = Path(log_path)
        self.port = free_port()
        # Every server gets its own NBD port (the default 10809 would collide between servers).
        self.nbd_port = free_port()
        self.proc: subprocess.Popen | None = None
        self.env_keys = env_keys
        self.root_creds: tuple[str, str] | None = None
        if env_keys:
            self.root_creds = ("AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))
        self.sweep_interval = sweep_interval
        self.clock_file: Path | None = None
        if clock_offset:
            self.clock_file = self.data_dir.parent / (self.data_dir.name + "-clock-offset")
            self.set_clock_offset(0)
        self.extra_args = tuple(extra_args)
        self._clients: dict = {}

    # -- lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def args(self) -> list[str]:
        a = [
            BIN, "serve",
            "--data-dir", str(self.data_dir),
            "--listen", f"127.0.0.1:{self.port}",
            "--region", REGION,
        ]
        if not any(str(arg).startswith("--nbd-listen") for arg in self.extra_args):
            a += ["--nbd-listen", f"127.0.0.1:{self.nbd_port}"]
        if self.sweep_interval is not None:
            a += ["--timeout-sweep-interval", str(self.sweep_interval)]
        if self.clock_file is not None:
            a += ["--clock-offset-file", str(self.clock_file)]
        return a + list(self.extra_args)

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BLOCKSNAP_ROOT_")}
        if self.env_keys:
            env["BLOCKSNAP_ROOT_ACCESS_KEY_ID"] = self.root_creds[0]
            env["BLOCKSNAP_ROOT_SECRET_ACCESS_KEY"] = self.root_creds[1]
        return env

    def start(self):
        require_binary()
        assert self.proc is None, "already running"
        for attempt in range(3):
            with open(self.log_path, "ab") as log:
                log.write(f"\n==== start {' '.join(self.args())}\n".encode())
                log.flush()
                self.proc = subprocess.Popen(
                    self.args(), env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True,
                )
            if self._wait_ready():
                break
            # It exited: most likely the port was taken meanwhile. Try another.
            self.proc = None
            if attempt == 2:
                pytest.fail(f"blocksnap serve did not start; log tail:\n{self.log_tail()}", pytrace=False)
            self.port = free_port()
        self._clients.clear()
        if self.root_creds is None:
            self.root_creds = self.read_credentials_file()
        return self

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        self.kill()
        pytest.fail(f"blocksnap serve not listening after {READY_TIMEOUT}s; log tail:\n{self.log_tail()}", pytrace=False)

    def stop(self):
        """SIGTERM by PID, SIGKILL after a grace period."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(STOP_GRACE)
        self.proc = None

    def kill(self):
        """kill -9 by PID."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(STOP_GRACE)
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    # -- accounts, credentials, clock

    def read_credentials_file(self) -> tuple[str, str]:
        path = self.data_dir / "credentials"
        deadline = time.monotonic() + 10
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        cp = configparser.ConfigParser()
        assert cp.read(path), f"{path} not written"
        assert cp.has_section("blocksnap"), f"{path} has no [blocksnap] profile: {cp.sections()}"
        sec = cp["blocksnap"]
        return sec["aws_access_key_id"], sec["aws_secret_access_key"]

    def create_account(self, name: str) -> dict:
        res = subprocess.run(
            [BIN, "account", "create", name, "--data-dir", str(self.data_dir)],
            capture_output=True, text=True, timeout=60, env=self.env(),
        )
        assert res.returncode == 0, f"account create failed ({res.returncode}): {res.stderr}"
        acct = json.loads(res.stdout)
        assert set(acct) >= {"AccountId", "AccessKeyId", "SecretAccessKey"}, acct
        return acct

    def set_clock_offset(self, seconds: float):
        assert self.clock_file is not None, "server started without a clock-offset file"
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(f"{seconds}\n")
        os.replace(tmp, self.clock_file)
        set_client_clock_offset(seconds)

    # -- clients

    def client(self, creds: tuple[str, str] | None = None, **config):
        creds = creds or self.root_creds
        if config:
            return make_client(self.url, creds, **config)
        key = (self.port, creds)
        if key not in self._clients:
            self._clients[key] = make_client(self.url, creds)
        return self._clients[key]

    def account_client(self, name: str):
        acct = self.create_account(name)
        return acct, self.client((acct["AccessKeyId"], acct["SecretAccessKey"]))

    def ec2(self, creds: tuple[str, str] | None = None, **config):
        """A boto3 EC2 client for the server (same port, SigV4 service ec2)."""
        creds = creds or self.root_creds
        if config:
            return make_client(self.url, creds, service="ec2", **config)
        key = ("ec2", self.port, creds)
        if key not in self._clients:
            self._clients[key] = make_client(self.url, creds, service="ec2")
        return self._clients[key]

    def tenant(self, name: str | None = None) -> "Tenant":
        """A new account with its EBS and EC2 clients."""
        acct = self.create_account(name or f"e2e-{secrets.token_hex(5)}")
        creds = (acct["AccessKeyId"], acct["SecretAccessKey"])
        return Tenant(acct["AccountId"], creds, self.client(creds), self.ec2(creds), acct)


class Tenant:
    """An account of a server: its id, credentials, EBS client and EC2 client."""

    def __init__(self, account_id: str, creds: tuple[str, str], ebs, ec2, info: dict):
        self.id = account_id
        self.creds = creds
        self.ebs = ebs
        self.ec2 = ec2
        self.info = info


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared server."""
    base = tmp_path_factory.mktemp("shared-server")
    srv = Server(base / "data", base / "server.log")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def client(server):
    """The shared server's root-account client."""
    return server.client()


@pytest.fixture(scope="session")
def ec2(server):
    """The shared server's root-account EC2 client."""
    return server.ec2()


@pytest.fixture
def tenant(server):
    """A fresh account on the shared server (Tenant: id, creds, ebs, ec2), for
    tests that list everything an account has."""
    return server.tenant()


@pytest.fixture(scope="session")
def other_account(server):
    """A second account on the shared server: (account dict, client)."""
    return server.account_client("e2e-other")


class ServerFactory:
    """Starts private servers: factory(name, start=True, **Server kwargs) -> Server."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.servers: list[Server] = []

    def __call__(self, name: str = "srv", start: bool = True, **kw) -> Server:
        # Private servers sweep every second unless told otherwise: their
        # SIGTERM shutdown then never waits out a long sweep sleep.
        kw.setdefault("sweep_interval", 1)
        srv = Server(self.tmp_path / f"{name}-data", self.tmp_path / f"{name}.log", **kw)
        self.servers.append(srv)
        if start:
            srv.start()
        return srv

    def close(self):
        set_client_clock_offset(0)
        for srv in self.servers:
            try:
                srv.stop()
            except Exception:
                srv.kill()


@pytest.fixture
def server_factory(tmp_path):
    factory = ServerFactory(tmp_path)
    yield factory
    factory.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the tails of the logs of the servers the test used."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when != "call" or not rep.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    if "server" in funcargs:
        rep.sections.append(("blocksnap shared server log (tail)", funcargs["server"].log_tail()))
    factory = funcargs.get("server_factory")
    if factory is not None:
        for srv in factory.servers:
            rep.sections.append((f"blocksnap server log {srv.log_path.name} (tail)", srv.log_tail()))
