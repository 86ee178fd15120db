"""Shared helpers for the blocksnap benchmarks (stdlib only, plus boto3 where noted).

Processes under test are started here, measured from /proc (VmHWM for max RSS,
utime+stime for CPU seconds) and from os.wait4 (the client's rusage), and stopped
by their own pid. Every benchmark writes one JSON file into bench/results/.
"""

import base64
import contextlib
import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
RESULTS_DIR = os.path.join(BENCH_DIR, "results")
BLOCK = 512 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")
MB = 1_000_000
MIB = 1 << 20

ACCESS_KEY = "AKIABENCHBLOCKSNAP01"
SECRET_KEY = "benchSecretKeyForBlocksnapBenchmarks0001"
PROFILE = "bench"
REGION = "us-east-1"


def log(*args):
    print("[%s]" % time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def default_binary():
    return os.environ.get("BLOCKSNAP_BIN") or os.path.join(REPO_DIR, ".build-release", "release", "blocksnap")


def default_workdir():
    return os.environ.get("BENCH_DIR") or "/tmp/bench"


def median(values):
    return statistics.median(values) if values else None


def ratio(a, b):
    return (a / b) if a and b else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s before listening" % proc.returncode)
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("server did not listen on %d within %.0f s" % (port, timeout))


# ---------------------------------------------------------------------------
# /proc measurements
# ---------------------------------------------------------------------------

def proc_status_kib(pid, field):
    """A `kB` field of /proc/PID/status (VmHWM, VmRSS), in KiB, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except OSError:
        return None


def tree_pids(pid):
    """pid and all its descendants (moto_server may fork a reloader child)."""
    out, frontier = [pid], [pid]
    while frontier:
        p = frontier.pop()
        try:
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        out.extend(kids)
        frontier.extend(kids)
    return out


class RssSampler:
    """Samples VmRSS of a process tree every `interval` s; keeps the peak (sum over the tree)
    and per-pid VmHWM, so a peak is caught even between samples."""

    def __init__(self, pid, interval=0.1):
        self.pid, self.interval = pid, interval
        self.peak_rss_kib = 0
        self.hwm_kib = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.sample()
        self._stop.set()
        self._thread.join()

    def sample(self):
        total = 0
        for p in tree_pids(self.pid):
            rss = proc_status_kib(p, "VmRSS") or 0
            hwm = proc_status_kib(p, "VmHWM") or 0
            total += rss
            self.hwm_kib[p] = max(self.hwm_kib.get(p, 0), hwm)
        self.peak_rss_kib = max(self.peak_rss_kib, total)

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    @property
    def max_hwm_mib(self):
        return round(max(self.hwm_kib.values() or [0]) / 1024, 1)

    @property
    def peak_tree_rss_mib(self):
        return round(self.peak_rss_kib / 1024, 1)


def machine_cpu():
    """(busy, idle) CPU seconds of the whole machine so far, from /proc/stat (steal counts as busy)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / CLK_TCK, idle / CLK_TCK


class MachineLoad:
    """Busy / idle CPU seconds of the whole machine over a phase; `others_s(ours)` is what the
    rest of the machine (other users' builds...) used meanwhile."""

    def __enter__(self):
        self.b0, self.i0 = machine_cpu()
        return self

    def __exit__(self, *exc):
        b1, i1 = machine_cpu()
        self.busy_s, self.idle_s = b1 - self.b0, i1 - self.i0

    def others_s(self, ours):
        return round(max(0.0, self.busy_s - ours), 2)


def run_timed(cmd, env=None, stdout_path=None, stderr_path=None, cwd=None):
    """Runs cmd to completion; returns wall seconds, exit code, the child's CPU seconds and
    max RSS (from wait4's rusage) and its stdout/stderr text."""
    out = open(stdout_path, "w+b") if stdout_path else tempfile.TemporaryFile()
    err = open(stderr_path, "w+b") if stderr_path else tempfile.TemporaryFile()
    with out, err:
        load = MachineLoad().__enter__()
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        load.__exit__(None, None, None)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    res = {
        "cmd": " ".join(cmd), "wall_s": round(wall, 3), "rc": p.returncode,
        "cpu_user_s": round(ru.ru_utime, 2), "cpu_sys_s": round(ru.ru_stime, 2),
        "max_rss_mib": round(ru.ru_maxrss / 1024, 1),
        "machine_busy_s": round(load.busy_s, 2), "machine_idle_s": round(load.idle_s, 2),
    }
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s\n%s" % (cmd[0], p.returncode, stdout[-2000:], stderr[-4000:]))
    return res, stdout, stderr


def note_others(res, server_cpu_s=0.0):
    """Adds `others_cpu_s`: CPU seconds the rest of the machine used during the phase
    (machine busy time minus the client's and the server's)."""
    ours = res["cpu_user_s"] + res["cpu_sys_s"] + server_cpu_s
    res["others_cpu_s"] = round(max(0.0, res["machine_busy_s"] - ours), 2)
    return res


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------

class Server:
    """A server process we started: measured from /proc, stopped by its pid."""

    name = "server"

    def __init__(self, cmd, port, env=None, log_path=None):
        self.cmd, self.port, self.env, self.log_path = cmd, port, env, log_path
        self.proc = None
        self.sampler = None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        logf = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if self.log_path:
            logf.close()
        wait_for_port(self.port, self.proc)
        self.sampler = RssSampler(self.pid).__enter__()
        return self

    def cpu_seconds(self):
        return sum(proc_cpu_seconds(p) or 0 for p in tree_pids(self.pid))

    def max_rss_mib(self):
        """Peak RSS so far: the largest VmHWM of the process tree."""
        self.sampler.sample()
        return self.sampler.max_hwm_mib

    def stop(self):
        if self.proc is None:
            return
        if self.sampler:
            self.sampler.__exit__(None, None, None)
        if self.proc.poll() is None:
            # the server runs in its own session; signal that group only (moto's reloader child)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def bench_env(creds_path):
    """Environment for client processes: our credentials file and profile, no proxies."""
    env = dict(os.environ)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
              "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EBS", "AWS_ENDPOINT_URL_EC2",
              "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        env.pop(k, None)
    env["AWS_SHARED_CREDENTIALS_FILE"] = creds_path
    env["AWS_CONFIG_FILE"] = "/dev/null"
    env["AWS_REGION"] = REGION
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def write_credentials(path):
    with open(path, "w") as f:
        f.write("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (PROFILE, ACCESS_KEY, SECRET_KEY))
    os.chmod(path, 0o600)
    return path


def blocksnap_server(binary, data_dir, log_path=None):
    port = free_port()
    env = dict(os.environ)
    env["BLOCKSNAP_ROOT_ACCESS_KEY_ID"] = ACCESS_KEY
    env["BLOCKSNAP_ROOT_SECRET_ACCESS_KEY"] = SECRET_KEY
    cmd = [binary, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:%d" % port]
    s = Server(cmd, port, env=env, log_path=log_path)
    s.name = "blocksnap"
    return s


def moto_server(log_path=None):
    exe = shutil.which("moto_server")
    if not exe:
        raise RuntimeError("moto_server not found: pip install 'moto[server]'")
    port = free_port()
    s = Server([exe, "-p", str(port), "-H", "127.0.0.1"], port, log_path=log_path)
    s.name = "moto"
    return s


def ebs_client(endpoint, max_pool=16):
    import boto3
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=REGION)
    return session.client("ebs", endpoint_url=endpoint,
                          config=Config(max_pool_connections=max_pool, retries={"max_attempts": 1, "mode": "standard"}))


def list_all(client, op, key, **kw):
    """All entries of a paginated ListSnapshotBlocks / ListChangedBlocks call."""
    out, token, pages = [], None, 0
    while True:
        args = dict(kw)
        if token:
            args["NextToken"] = token
        r = getattr(client, op)(**args)
        pages += 1
        out.extend(r.get(key, []))
        token = r.get("NextToken")
        if not token:
            return out, pages


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


# ---------------------------------------------------------------------------
# Files, machine notes, results
# ---------------------------------------------------------------------------

def du_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, f)).st_blocks * 512
    return total


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)


def ensure_image(workdir, name="base.img", mutate_of=None):
    """Creates the standard images with bench/make_image.py if they are missing."""
    path = os.path.join(workdir, name)
    if os.path.exists(path) and os.path.exists(path + ".json"):
        return path
    os.makedirs(workdir, exist_ok=True)
    mk = os.path.join(BENCH_DIR, "make_image.py")
    if mutate_of:
        cmd = [sys.executable, mk, path, "--mutate", "1", "--base", mutate_of, "--seed", "1"]
    else:
        cmd = [sys.executable, mk, path, "--size-gib", "4", "--seed", "1"]
    log("creating", path, "(", " ".join(cmd[1:]), ")")
    subprocess.run(cmd, check=True)
    return path


def fsync_probe(directory, seconds=1.0):
    """4 KiB write + fsync rounds per second in `directory` (this VM's disk swings a lot)."""
    path = os.path.join(directory, ".fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    buf, n = os.urandom(4096), 0
    try:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            os.pwrite(fd, buf, (n % 256) * 4096)
            os.fsync(fd)
            n += 1
        return round(n / (time.perf_counter() - t0))
    finally:
        os.close(fd)
        os.unlink(path)


def _first_line(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
    except Exception:
        return None


def source_description():
    """What the binary was built from when run_all.sh did not say: the working tree."""
    rev = _first_line(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", REPO_DIR, "status", "--porcelain", "--", "Sources", "Package.swift"],
                           capture_output=True, text=True).stdout.strip()
    return "working tree at %s%s" % (rev, " + uncommitted changes" if dirty else "")


def machine_notes(workdir, binary=None):
    cpu = None
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    mem = None
    with contextlib.suppress(OSError):
        with open("/proc/meminfo") as f:
            mem = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    fs = _first_line(["sh", "-c", "df -T %s | tail -1" % workdir])
    try:
        import boto3
        import moto
        versions = {"boto3": boto3.__version__, "moto": moto.__version__}
    except ImportError:
        versions = {}
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "host": platform.node(), "kernel": platform.release(), "cpu": cpu, "nproc": os.cpu_count(),
        "mem_gib": mem, "workdir_fs": " ".join(fs.split()[:2]) if fs else None,
        "loadavg_at_start": os.getloadavg(),
        "fsync_per_s_at_start": fsync_probe(workdir),
        "blocksnap_source": os.environ.get("BENCH_SOURCE") or source_description(),
        "blocksnap_bin": binary,
        "restic": _first_line(["restic", "version"]),
        "python": platform.python_version(), **versions,
    }


def write_results(name, data):
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, name + ".json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)
        f.write("\n")
    log("wrote", path)
    return path


def base_args(parser):
    parser.add_argument("--runs", "-n", type=int, default=int(os.environ.get("BENCH_RUNS", "3")),
                        help="repetitions; medians are reported (default 3, env BENCH_RUNS)")
    parser.add_argument("--workdir", default=default_workdir(),
                        help="images and scratch data dirs (default /tmp/bench, env BENCH_DIR)")
    parser.add_argument("--binary", default=default_binary(),
                        help="blocksnap binary (default .build-release/release/blocksnap, env BLOCKSNAP_BIN)")
    return parser
