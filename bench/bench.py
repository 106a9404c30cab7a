#!/usr/bin/env python3
"""Benchmarks `kubectl preview list -A` at N environments against the floor (the same LISTs by curl)
and peers, on a fresh local control plane per N. Prints a table; needs `testenv/testenv.sh build`
and a release build (`cargo build --release -p kubectl-preview -p testkit`).

usage: bench/bench.py [--baseline PLUGIN] [N ...]       (default N: 10 100 1000)

--baseline runs another build of the plugin (an earlier commit's release binary) through the same
list -A, get and watch measurements on the same control plane, interleaved with this one, and
prints both: a before/after table from one run on one machine.
"""
import json, os, random, resource, shutil, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
PLUGIN = os.path.join(TARGET, "release/kubectl-preview")
TESTKIT = os.path.join(TARGET, "release/testkit")
BASELINE = None  # --baseline PLUGIN
RUNS = 7  # after one warm-up; median, min, max reported


def sh(cmd, env=None, **kw):
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, **kw)


def timed(cmd, env, runs=RUNS, stdin=None):
    """Wall seconds and peak RSS (KiB) of each run of cmd, after one warm-up."""
    subprocess.run(cmd, env=env, capture_output=True)
    walls, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - start)
        rss.append(usage.ru_maxrss)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{cmd} failed")
    return walls, rss


def stats(values, scale=1000.0, unit="ms"):
    med = statistics.median(values)
    return f"{med * scale:.0f} {unit} ({min(values) * scale:.0f}–{max(values) * scale:.0f})"


class CountingProxy:
    """A loopback TCP proxy that counts the bytes the client receives (TLS passes through)."""

    def __init__(self, target_port):
        self.target = target_port
        self.received = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self.pipe, args=(upstream, client, True), daemon=True).start()

    def pipe(self, src, dst, count):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if count:
                    self.received += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def audited(log, user):
    """The request URIs the plugin sent as `user`, from the API server's audit log."""
    time.sleep(1.0)
    uris = []
    with open(log) as f:
        for line in f:
            if f'"username":"{user}"' in line and '"stage":"ResponseComplete"' in line:
                uris.append(json.loads(line)["requestURI"])
    return uris


def bench(n):
    state = tempfile.mkdtemp(prefix=f"kp-bench-{n}-")
    env = dict(os.environ, KP_TESTENV_DIR=state)
    out = sh([os.path.join(ROOT, "testenv/testenv.sh"), "up"], env=env).stdout
    for line in out.splitlines():
        k, v = line.removeprefix("export ").split("=", 1)
        env[k] = v.strip("'")
    env["KUBECONFIG"] = env["KP_TEST_KUBECONFIG_ADMIN"]
    kubectl = os.path.join(env["KP_TEST_BIN"], "kubectl")
    try:
        t0 = time.perf_counter()
        sh([TESTKIT, "scale", "--envs", str(n), "--namespaces", "10", "--prefix", "bench"], env=env)
        load = time.perf_counter() - t0
        cfg = open(env["KUBECONFIG"]).read()
        server = [l.split("server:")[1].strip() for l in cfg.splitlines() if "server:" in l][0]
        token = [l.split("token:")[1].strip() for l in cfg.splitlines() if "token:" in l][0]
        ca = os.path.join(state, "pki/ca.crt")
        rows = {}

        ours, rss = timed([PLUGIN, "list", "-A"], env)
        rows["ours"] = ours
        base = {}
        if BASELINE:
            base["list"], base["rss"] = timed([BASELINE, "list", "-A"], env)
        user = f"bench-{random.getrandbits(32):x}"
        sh([PLUGIN, "list", "-A", "--as", user, "--as-group", "system:masters"], env=env)
        uris = audited(env["KP_TEST_AUDIT_LOG"], user)
        requests = len(uris)
        port = int(server.rsplit(":", 1)[1])
        proxy = CountingProxy(port)
        proxied = dict(env)
        pcfg = os.path.join(state, "proxied.kubeconfig")
        open(pcfg, "w").write(cfg.replace(server, f"https://127.0.0.1:{proxy.port}"))
        proxied["KUBECONFIG"] = pcfg
        sh([PLUGIN, "list", "-A"], env=proxied)
        received = proxy.received

        # The floor: exactly the requests the plugin sent, concurrently, by curl (gzip, as the
        # plugin asks), bodies discarded.
        curl = ["curl", "-sS", "--no-progress-meter", "--compressed", "--parallel", "--parallel-immediate",
                "--cacert", ca, "-H", f"Authorization: Bearer {token}"]
        for uri in uris:
            curl += ["-o", "/dev/null", server + uri]
        rows["floor"], _ = timed(curl, env)
        # The LISTs that feed local rendering (providers and ResourceSets), by curl: rendering every
        # PR must cost less than reading its inputs (cargo bench --bench core times the rendering).
        inputs = [u for u in uris if "/resourcesetinputproviders" in u or "/resourcesets" in u]
        curl_inputs = curl[:]
        del curl_inputs[curl_inputs.index("-o"):]
        for uri in inputs:
            curl_inputs += ["-o", "/dev/null", server + uri]
        rows["inputs LISTs (curl)"], _ = timed(curl_inputs, env)
        rows["render --local -A -o json"], _ = timed([PLUGIN, "render", "--local", "-A", "-o", "json"], env)
        rows["kubectl get … -o json"], _ = timed([kubectl, "get", "resourcesetinputproviders,resourcesets,kustomizations,ingresses", "-A", "-o", "json"], env)
        fo = env.get("KP_TEST_FLUX_OPERATOR")
        if fo:
            rows["flux-operator get rset -A"], _ = timed([fo, "get", "rset", "-A", "--kubeconfig", env["KUBECONFIG"]], env)
        get_walls, _ = timed([PLUGIN, "get", "10000", "-n", "bench-0"], env)
        watch = watch_latency(env, kubectl, PLUGIN)
        if BASELINE:
            base["get"], _ = timed([BASELINE, "get", "10000", "-n", "bench-0"], env)
            base["watch"] = watch_latency(env, kubectl, BASELINE)
        return dict(n=n, load=load, rows=rows, rss=rss, requests=requests, received=received, get=get_walls, watch=watch, base=base)
    finally:
        subprocess.run([os.path.join(ROOT, "testenv/testenv.sh"), "down"], env=env, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def watch_latency(env, kubectl, plugin):
    """Time from a status write (as the API server acknowledges it) to the redrawn table, and the
    CPU the watcher burns while nothing changes."""
    p = subprocess.Popen([plugin, "list", "-A", "-w"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = []
    reader = threading.Thread(target=lambda: [lines.append((time.perf_counter(), l)) for l in p.stdout], daemon=True)
    reader.start()
    deadline = time.time() + 60
    while not any("10000" in l for _, l in lines) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(2)  # watches established
    latencies = []
    for i in range(5):
        status = "False" if i % 2 == 0 else "True"
        marker = len(lines)
        patch = json.dumps({"status": {"conditions": [{"type": "Ready", "status": status, "reason": "R", "message": f"bench {i}",
                            "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}]}})
        sh([kubectl, "patch", "kustomization", "api-pr-10000", "-n", "bench-0", "--subresource=status", "--type=merge", "-p", patch], env=env)
        acked = time.perf_counter()
        want = "Failed" if status == "False" else "Ready"
        while time.perf_counter() - acked < 10:
            hit = [t for t, l in lines[marker:] if l.startswith("bench-0 ") and " 10000 " in l and want in l]
            if hit:
                latencies.append(hit[0] - acked)
                break
            time.sleep(0.002)
    time.sleep(3)  # the last redraw is done
    with open(f"/proc/{p.pid}/stat") as f:
        before = sum(int(x) for x in f.read().split(")")[1].split()[11:13])
    time.sleep(10)
    with open(f"/proc/{p.pid}/stat") as f:
        after = sum(int(x) for x in f.read().split(")")[1].split()[11:13])
    p.kill()
    return dict(latencies=latencies, idle_ticks=after - before, hz=os.sysconf("SC_CLK_TCK"))


def main():
    global BASELINE
    args = sys.argv[1:]
    if args[:1] == ["--baseline"]:
        BASELINE, args = os.path.abspath(args[1]), args[2:]
    ns = [int(a) for a in args] or [10, 100, 1000]
    help_walls, _ = timed([PLUGIN, "--help"], os.environ, runs=21)
    results = [bench(n) for n in ns]
    print(f"kubectl preview benchmark ({os.cpu_count()} cores); median of {RUNS} runs after a warm-up (min–max)\n")
    print(f"--help start-up: {stats(help_walls, 1000, 'ms')} (21 runs)\n")
    for r in results:
        floor = statistics.median(r["rows"]["floor"])
        ours = statistics.median(r["rows"]["ours"])
        print(f"N = {r['n']} environments in 10 namespaces (fixture loaded in {r['load']:.1f} s)")
        print(f"  {'command':<28} {'wall time':<22} {'ours ÷ it':>9}")
        for name, walls in r["rows"].items():
            ratio = "" if name == "ours" else f"{ours / statistics.median(walls):.2f}"
            label = "kubectl preview list -A" if name == "ours" else name
            print(f"  {label:<28} {stats(walls):<22} {ratio:>9}")
        print(f"  list -A: peak RSS {statistics.median(r['rss']) / 1024:.1f} MB, {r['requests']} API requests, {r['received'] / 1024:.0f} KiB received")
        print(f"  get ENV: {stats(r['get'])}")
        w = r["watch"]
        if w["latencies"]:
            print(f"  list -w: redraw {stats(w['latencies'])} after the API server acknowledged the change; idle CPU {w['idle_ticks'] / w['hz'] * 1000:.0f} ms over 10 s")
        b = r["base"]
        if b:
            print(f"  baseline ({BASELINE}):")
            print(f"    list -A {stats(b['list'])} = {statistics.median(b['list']) / floor:.2f}× the floor; peak RSS {statistics.median(b['rss']) / 1024:.1f} MB")
            print(f"    get ENV {stats(b['get'])}")
            if b["watch"]["latencies"]:
                print(f"    list -w: redraw {stats(b['watch']['latencies'])}")
        print()


if __name__ == "__main__":
    main()
