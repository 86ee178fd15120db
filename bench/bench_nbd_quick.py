"""Quick nbdcopy throughput: blocksnap serve (release) vs nbdkit file, same image, same run."""
import configparser, os, signal, socket, statistics, subprocess, sys, time
import boto3

B = os.environ.get("BENCH_DIR", "/tmp/bench") + "/nbd"
os.makedirs(B, exist_ok=True)
BIN = os.environ.get("BLOCKSNAP_BIN", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build-release", "release", "blocksnap"))
SIZE_GIB = int(sys.argv[1]) if len(sys.argv) > 1 else 2
N = int(sys.argv[2]) if len(sys.argv) > 2 else 3
IMG = f"{B}/random-{SIZE_GIB}g.img"

def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait(p):
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", p), 1).close(); return
        except OSError: time.sleep(0.05)
    raise SystemExit(f"port {p} not listening")

def timed(*cmd):
    subprocess.run(["sync"])
    t = time.monotonic(); subprocess.run(cmd, check=True); return time.monotonic() - t

if not os.path.exists(IMG):
    subprocess.run(["dd", "if=/dev/urandom", f"of={IMG}", "bs=1M", f"count={SIZE_GIB*1024}", "status=none"], check=True)
size = SIZE_GIB << 30
results = {}

def run_blocksnap():
    data = f"{B}/bs-data"; subprocess.run(["rm", "-rf", data])
    hp, np_ = port(), port()
    log = open(f"{B}/bs.log", "w")
    proc = subprocess.Popen([BIN, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{hp}", "--nbd-listen", f"127.0.0.1:{np_}"], stdout=log, stderr=log, start_new_session=True)
    try:
        wait(hp); wait(np_)
        for _ in range(100):
            if os.path.exists(f"{data}/credentials"): break
            time.sleep(0.05)
        cp = configparser.ConfigParser(); cp.read(f"{data}/credentials"); c = cp["blocksnap"]
        ec2 = boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{hp}", region_name="us-east-1",
                           aws_access_key_id=c["aws_access_key_id"], aws_secret_access_key=c["aws_secret_access_key"])
        w, r = [], []
        for i in range(N):
            vid = ec2.create_volume(AvailabilityZone="us-east-1a", Size=SIZE_GIB)["VolumeId"]
            ec2.get_waiter("volume_available").wait(VolumeIds=[vid], WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
            uri = f"nbd://127.0.0.1:{np_}/{vid}"
            cpu0 = cpu(proc.pid)
            w.append(timed("nbdcopy", IMG, uri))
            cpu1 = cpu(proc.pid)
            r.append(timed("nbdcopy", uri, "null:"))
            print(f"  server cpu: write {cpu1-cpu0:.2f}s read {cpu(proc.pid)-cpu1:.2f}s", flush=True)
            ec2.delete_volume(VolumeId=vid)
            time.sleep(1)
        return w, r
    finally:
        os.killpg(proc.pid, signal.SIGTERM); proc.wait(30)

def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def run_nbdkit():
    target = f"{B}/nbdkit-target.img"
    w, r = [], []
    for i in range(N):
        subprocess.run(["rm", "-f", target]); subprocess.run(["truncate", "-s", str(size), target], check=True)
        p = port()
        proc = subprocess.Popen(["nbdkit", "-f", "-p", str(p), "-i", "127.0.0.1", "file", target], start_new_session=True)
        try:
            wait(p)
            uri = f"nbd://127.0.0.1:{p}"
            w.append(timed("nbdcopy", IMG, uri))
            r.append(timed("nbdcopy", uri, "null:"))
        finally:
            os.killpg(proc.pid, signal.SIGTERM); proc.wait(30)
    return w, r

runs = [("nbdkit file", run_nbdkit), ("blocksnap", run_blocksnap)]
if os.environ.get("ONLY"): runs = [r for r in runs if r[0] == os.environ["ONLY"]]
for name, fn in runs:
    w, r = fn()
    results[name] = (size / statistics.median(w) / 1e6, size / statistics.median(r) / 1e6)
    print(f"{name:12s} write {results[name][0]:7.0f} MB/s   read {results[name][1]:7.0f} MB/s   (runs w={['%.2f'%x for x in w]} r={['%.2f'%x for x in r]})", flush=True)
if len(results) < 2: sys.exit()
bw, br = results["blocksnap"]; kw, kr = results["nbdkit file"]
print(f"blocksnap / nbdkit: write {bw/kw:.0%}  read {br/kr:.0%}")
