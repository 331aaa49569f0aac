#!/usr/bin/env python3
"""Data-path benchmark driver, called by scripts/bench-proxy.sh (which installs the tools).

Topology, all on loopback (127.0.0.2 stands in for the remote host):
  D   load -> app                                            (physical baseline)
  N2  load -> nginx (127.0.0.1) -> nginx (127.0.0.2) -> app  (reference C proxy pair, keep-alive)
  S2  load -> sidecar A egress -> sidecar B ingress (127.0.0.2) -> app   (the mesh's egress path)
The app is nginx answering `return 200` with a 1 kB body. Every proxy runs one worker (nginx:
one process; meshd sidecar: a current-thread runtime). Each round runs the configs in shuffled
order. Latency profile: everything pinned to CPU 0, oha at fixed rates with latency correction.
Throughput profile: proxies on CPU 0, load generator and app on CPU 1, wrk closed loop; CPU per
request from /proc/PID/stat of the proxies. A third profile measures the round trip over one
connection, closed loop, everything on CPU 0. Figures are medians over rounds with their
interquartile range, and S2 is compared with N2 by an exact Mann-Whitney test over the rounds
(../shared/reference/benchmark-method.md §4.3).
"""

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench_stats import median_iqr, quartiles, verdict

PORTS = {"app": 18080, "nginx_a": 18081, "nginx_b": 18082, "sc_a_egress": 18090,
         "sc_a_ingress": 18091, "sc_a_admin": 18092, "sc_a_registry": 18093,
         "sc_b_egress": 18094, "sc_b_ingress": 18095, "sc_b_admin": 18096, "sc_b_registry": 18097}
BODY = "x" * 1024
TICKS = os.sysconf("SC_CLK_TCK")
PROXIES = {"D": [], "N2": ["nginx_a", "nginx_b"], "S2": ["sidecar_a", "sidecar_b"]}


def nginx_conf(prefix, listen, server_block, upstream=""):
    return f"""
daemon off; master_process off; worker_processes 1; pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off; keepalive_requests 1000000; keepalive_timeout 75s;
  client_body_temp_path {prefix}/tmp; proxy_temp_path {prefix}/tmp; fastcgi_temp_path {prefix}/tmp;
  uwsgi_temp_path {prefix}/tmp; scgi_temp_path {prefix}/tmp;
  {upstream}
  server {{ listen {listen}; {server_block} }}
}}"""


def proxy_block(upstream):
    return (f"location / {{ proxy_pass http://{upstream}; proxy_http_version 1.1; "
            f"proxy_set_header Connection \"\"; }}")


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="bench-proxy-")
        self.procs = {}

    # ---- processes -------------------------------------------------------------------------
    def spawn(self, name, argv, cpu, env=None):
        log = open(os.path.join(self.dir, f"{name}.log"), "w")
        proc = subprocess.Popen(["taskset", "-c", str(cpu)] + argv, stdout=log, stderr=log,
                                env={**os.environ, **(env or {})})
        self.procs[name] = proc
        return proc

    def nginx(self, name, listen, block, cpu, upstream=""):
        prefix = os.path.join(self.dir, name)
        os.makedirs(os.path.join(prefix, "tmp"))
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(prefix, listen, block, upstream))
        self.spawn(name, [self.args.nginx, "-e", f"{prefix}/error.log", "-p", prefix, "-c", conf],
                   cpu)

    def pin(self, name, cpu):
        subprocess.run(["taskset", "-pc", str(cpu), str(self.procs[name].pid)],
                       check=True, stdout=subprocess.DEVNULL)

    def start(self):
        b = self.args.bin
        p = PORTS
        self.nginx("app", f"127.0.0.1:{p['app']}",
                   f'location / {{ default_type text/plain; return 200 "{BODY}"; }}', 1)
        for name, listen, target in (("nginx_a", f"127.0.0.1:{p['nginx_a']}", f"127.0.0.2:{p['nginx_b']}"),
                                     ("nginx_b", f"127.0.0.2:{p['nginx_b']}", f"127.0.0.1:{p['app']}")):
            self.nginx(name, listen, proxy_block("next"), 0,
                       f"upstream next {{ server {target}; keepalive 64; }}")
        data = os.path.join(self.dir, "control-plane")
        os.makedirs(data)
        self.spawn("control_plane", [f"{b}/meshd", "control-plane", "--listen", "127.0.0.1:0",
                                          "--data-dir", data, "--insecure-no-auth"], 1)
        url = self.wait_for_line("control_plane", "listening").split()[-1]
        manifest = ("kind: Tenant\nmetadata: {name: bench}\nspec: {}\n---\n"
                    "kind: Service\nmetadata: {name: bench-app}\nspec: {registerTenant: bench}\n---\n"
                    "kind: Service\nmetadata: {name: bench-client}\nspec: {registerTenant: bench}\n")
        subprocess.run([f"{b}/emctl", "--server", url, "apply", "-f", "-"], input=manifest,
                       text=True, check=True, stdout=subprocess.DEVNULL)
        env = {"RUST_LOG": "warn"}
        for side, service, ip in (("b", "bench-app", "127.0.0.2"), ("a", "bench-client", "127.0.0.1")):
            self.spawn(f"sidecar_{side}", [
                f"{b}/meshd-sidecar", "--control-plane", url, "--service", service,
                "--instance-id", f"{service}-1", "--app-port", str(p["app"]), "--ip", ip,
                "--ingress-address", ip, "--ingress-port", str(p[f"sc_{side}_ingress"]),
                "--egress-port", str(p[f"sc_{side}_egress"]),
                "--admin-port", str(p[f"sc_{side}_admin"]),
                "--registry-port", str(p[f"sc_{side}_registry"]),
                "--cache-dir", os.path.join(self.dir, f"cache_{side}")], 0, env)
        admin = f"http://127.0.0.1:{p['sc_a_admin']}"
        address = self.poll(lambda: json.load(urllib.request.urlopen(f"{admin}/config"))
                            ["addresses"]["bench-app"])
        self.urls = {"D": f"http://127.0.0.1:{p['app']}/",
                     "N2": f"http://127.0.0.1:{p['nginx_a']}/",
                     "S2": f"http://{address}/"}
        for name, u in self.urls.items():
            try:
                self.poll(lambda: urllib.request.urlopen(u).read() == BODY.encode())
            except Exception as err:
                logs = {n: open(os.path.join(self.dir, f"{n}.log")).read()[-400:] for n in self.procs}
                raise RuntimeError(f"{name} at {u} does not answer: {err}; logs: {logs}") from err
        self.idle_rss = {name: rss(self.procs[name].pid) for name in ("sidecar_a", "nginx_a")}

    def wait_for_line(self, name, needle):
        path = os.path.join(self.dir, f"{name}.log")
        return self.poll(lambda: next(line for line in open(path) if needle in line))

    def poll(self, probe, seconds=30):
        deadline = time.time() + seconds
        while True:
            try:
                value = probe()
                if value:
                    return value
            except Exception:
                if time.time() > deadline:
                    raise
            if time.time() > deadline:
                raise TimeoutError("benchmark setup did not become ready")
            time.sleep(0.1)

    def stop(self):
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- measurements ----------------------------------------------------------------------
    def place(self, latency):
        """Latency profile: everything on CPU 0. Throughput: proxies on 0, app on 1."""
        for name in ("nginx_a", "nginx_b", "sidecar_a", "sidecar_b"):
            self.pin(name, 0)
        self.pin("app", 0 if latency else 1)

    def latency(self, config, rate):
        """Open loop at a fixed rate: p50/p99, and the proxies' CPU and context switches per
        request over the measured part."""
        oha = [self.args.oha, "--no-tui", "--output-format", "json", "-c", "16",
               "--latency-correction", "-q", str(rate), self.urls[config]]
        subprocess.run(["taskset", "-c", "0"] + oha + ["-z", "3s"], check=True,
                       stdout=subprocess.DEVNULL)
        before = self.usage(config)
        out = subprocess.run(["taskset", "-c", "0"] + oha + ["-z", f"{self.args.seconds}s"],
                             check=True, capture_output=True, text=True).stdout
        used = [a - b for a, b in zip(self.usage(config), before)]
        report = json.loads(out)
        done = sum(report.get("statusCodeDistribution", {}).values()) or 1
        codes = report.get("statusCodeDistribution", {})
        bad = sum(n for code, n in codes.items() if code != "200")
        pct = report["latencyPercentiles"]
        # Requests still in flight when -z ends are reported as aborted: not failures.
        failures = sum(n for why, n in report.get("errorDistribution", {}).items()
                       if "aborted due to deadline" not in why)
        return {"p50": pct["p50"] * 1e6, "p99": pct["p99"] * 1e6, "errors": bad + failures,
                "us_per_req": (used[0] + used[1]) / TICKS * 1e6 / done,
                "switches_per_req": used[2] / done}

    def round_trip(self, config):
        """Closed loop over one connection, everything on CPU 0: the mean round trip, which is
        the critical path's cost with no queueing and no other request in the way."""
        wrk = ["taskset", "-c", "0", "wrk", "-t1", "-c1", self.urls[config]]
        subprocess.run(wrk + ["-d1s"], check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run(wrk + ["-d5s"], check=True, capture_output=True, text=True).stdout
        requests = int(next(l for l in out.splitlines() if "requests in" in l).split()[0])
        seconds = float(next(l for l in out.splitlines() if "requests in" in l).split()[3]
                        .rstrip(",").rstrip("s"))
        return seconds * 1e6 / requests

    def usage(self, config):
        """User ticks, system ticks and context switches of a config's proxies, summed."""
        total = [0, 0, 0]
        for name in PROXIES[config]:
            pid = self.procs[name].pid
            user, system = cpu_ticks(pid)
            status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
            switches = (int(status["voluntary_ctxt_switches"])
                        + int(status["nonvoluntary_ctxt_switches"]))
            total = [total[0] + user, total[1] + system, total[2] + switches]
        return total

    def throughput(self, config):
        pids = PROXIES[config]
        wrk = ["taskset", "-c", "1", "wrk", "-t1", "-c64", "--latency", self.urls[config]]
        subprocess.run(wrk + ["-d2s"], check=True, stdout=subprocess.DEVNULL)
        before = [cpu_ticks(self.procs[n].pid) for n in pids]
        out = subprocess.run(wrk + [f"-d{self.args.seconds}s"], check=True, capture_output=True,
                             text=True).stdout
        after = [cpu_ticks(self.procs[n].pid) for n in pids]
        requests = int(next(l for l in out.splitlines() if "requests in" in l).split()[0])
        rps = float(next(l for l in out.splitlines() if l.startswith("Requests/sec")).split()[1])
        user = sum(a[0] - b[0] for a, b in zip(after, before)) / TICKS
        system = sum(a[1] - b[1] for a, b in zip(after, before)) / TICKS
        cpu = user + system
        errors = sum(int(l.split()[-1]) for l in out.splitlines() if "Non-2xx" in l)
        loaded = {n: rss(self.procs[n].pid) for n in pids}
        return {"rps": rps, "cpu_s": cpu, "per_core": requests / cpu if cpu else None,
                "us_per_req": cpu * 1e6 / requests, "us_user": user * 1e6 / requests,
                "us_sys": system * 1e6 / requests, "errors": errors, "rss": loaded}


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def rss(pid):
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    return {k: int(status[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--oha", required=True)
    parser.add_argument("--nginx", required=True)
    args = parser.parse_args()
    args.rounds = int(os.environ.get("ROUNDS", "7"))
    args.seconds = int(os.environ.get("SECONDS_PER_RUN", "10"))
    rates = [int(r) for r in os.environ.get("RATES", "200 1000 2000").split()]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {commit} {os.uname().release} "
          f"load: {open('/proc/loadavg').read().split()[:3]}  rounds={args.rounds} "
          f"seconds={args.seconds} rates={rates}", flush=True)
    bench = Bench(args)
    lat = {}
    thr = {}
    trip = {}
    try:
        bench.start()
        for rnd in range(args.rounds):
            configs = ["D", "N2", "S2"]
            random.shuffle(configs)
            bench.place(latency=True)
            for rate in rates:
                for config in configs:
                    r = bench.latency(config, rate)
                    lat.setdefault((config, rate), []).append(r)
            for config in configs:
                trip.setdefault(config, []).append(bench.round_trip(config))
            bench.place(latency=False)
            for config in configs:
                thr.setdefault(config, []).append(bench.throughput(config))
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr, flush=True)
        final = {name: rss(bench.procs[name].pid) for name in ("sidecar_a", "sidecar_b",
                                                                 "nginx_a", "nginx_b")}
    finally:
        bench.stop()
    report(rates, lat, thr, trip, bench.idle_rss, final, args.rounds)


def report(rates, lat, thr, trip, idle, final, rounds):
    print("\n## Added latency at fixed rates (config − D in the same round), µs: "
          f"median (IQR) over {rounds} rounds")
    print("\nS2/N2 is the median of the per-round ratios; the test is an exact Mann-Whitney test "
          "of S2's added latency against N2's over the rounds (p < 0.05 claims a difference).")
    print("\n| rate | D p50 | N2 added p50 | S2 added p50 | S2/N2 p50 | p50 test "
          "| N2 added p99 | S2 added p99 | S2/N2 p99 | p99 test | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for rate in rates:
        d, n, s = (lat[(c, rate)] for c in ("D", "N2", "S2"))
        cells = []
        for q in ("p50", "p99"):
            added = {c: [x[q] - base[q] for x, base in zip(runs, d)] for c, runs in
                     (("N2", n), ("S2", s))}
            ratio = [sv / nv if nv > 0 else None for sv, nv in zip(added["S2"], added["N2"])]
            p, says = verdict(added["S2"], added["N2"])
            cells += [median_iqr(added["N2"]), median_iqr(added["S2"]), median_iqr(ratio, 2),
                      f"{says} (p={p:.2f})"]
        errors = sum(x["errors"] for runs in (d, n, s) for x in runs)
        print(f"| {rate}/s | {median_iqr([x['p50'] for x in d])} | " + " | ".join(cells)
              + f" | {errors} |")
    print("\n## Proxy pair's cost per request at fixed rates (measured part of the runs above)")
    print("\n| rate | N2 µs CPU | S2 µs CPU | N2 context switches | S2 context switches |")
    print("|---|---|---|---|---|")
    for rate in rates:
        n, s = lat[("N2", rate)], lat[("S2", rate)]
        print(f"| {rate}/s | {median_iqr([x['us_per_req'] for x in n])} "
              f"| {median_iqr([x['us_per_req'] for x in s])} "
              f"| {median_iqr([x['switches_per_req'] for x in n], 2)} "
              f"| {median_iqr([x['switches_per_req'] for x in s], 2)} |")
    print("\n## Round trip over one connection, closed loop (wrk -t1 -c1, everything on CPU 0), µs")
    print("\n| config | mean round trip | added (config − D in the same round) |")
    print("|---|---|---|")
    for config in ("D", "N2", "S2"):
        added = [x - base for x, base in zip(trip[config], trip["D"])]
        print(f"| {config} | {median_iqr(trip[config])} "
              f"| {median_iqr(added) if config != 'D' else '–'} |")
    added = {c: [x - base for x, base in zip(trip[c], trip["D"])] for c in ("N2", "S2")}
    p, says = verdict(added["S2"], added["N2"])
    print(f"\nS2/N2 added round trip: median "
          f"{quartiles([a / b for a, b in zip(added['S2'], added['N2'])])[1]:.2f}, {says} (p={p:.2f})")
    print("\n## Throughput, closed loop (wrk -t1 -c64; proxies on CPU 0, wrk and app on CPU 1)")
    print("\n| config | requests/s | requests per proxy CPU-second | µs CPU per request (pair) "
          "| of which user / kernel | errors |")
    print("|---|---|---|---|---|---|")
    for config in ("D", "N2", "S2"):
        runs = thr[config]
        per_core = median_iqr([r["per_core"] for r in runs]) if config != "D" else "–"
        us = median_iqr([r["us_per_req"] for r in runs]) if config != "D" else "–"
        split = (f"{statistics.median([r['us_user'] for r in runs]):.0f} / "
                 f"{statistics.median([r['us_sys'] for r in runs]):.0f}") if config != "D" else "–"
        print(f"| {config} | {median_iqr([r['rps'] for r in runs])} | {per_core} | {us} | {split} "
              f"| {sum(r['errors'] for r in runs)} |")
    ratios = [s["per_core"] / n["per_core"] for s, n in zip(thr["S2"], thr["N2"])]
    p, says = verdict([r["us_per_req"] for r in thr["S2"]], [r["us_per_req"] for r in thr["N2"]])
    print(f"\nCPU per request: {says} (p={p:.2f}).")
    print(f"\nS2/N2 requests per core: median {statistics.median(ratios):.2f} "
          f"({min(ratios):.2f}–{max(ratios):.2f}) over {rounds} rounds")
    print("\n## Memory (MiB)\n")
    print("| process | idle RSS (anon + file) | RSS after load | peak (VmHWM) |")
    print("|---|---|---|---|")
    for name in ("sidecar_a", "sidecar_b", "nginx_a", "nginx_b"):
        i = idle.get(name)
        idle_text = f"{i['VmRSS']:.1f} ({i['RssAnon']:.1f} + {i['RssFile']:.1f})" if i else "–"
        f = final[name]
        print(f"| {name} | {idle_text} | {f['VmRSS']:.1f} | {f['VmHWM']:.1f} |")


if __name__ == "__main__":
    main()
