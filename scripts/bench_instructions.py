#!/usr/bin/env python3
"""User-space instructions per request of each proxy on the data path, counted by callgrind: a
figure that does not depend on the machine's noise (../shared/reference/benchmark-method.md §4.3).

Same topology as scripts/bench_proxy.py, with the four proxies (the sidecar pair and the nginx
pair) run under `valgrind --tool=callgrind`, instrumentation switched on only for the measured
requests. The kernel's share (system calls) is not counted here; bench_proxy.py measures it.

  python3 scripts/bench_instructions.py --bin target/release --oha ~/.cache/emesh/tools/bin/oha \\
      --nginx /usr/sbin/nginx [--requests 4000]
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_proxy  # noqa: E402

PAIRS = {"S2": ("sidecar_a", "sidecar_b"), "N2": ("nginx_a", "nginx_b")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--oha", required=True)
    parser.add_argument("--nginx", required=True)
    parser.add_argument("--requests", type=int, default=4000)
    args = parser.parse_args()
    args.seconds = 10
    out_dir = tempfile.mkdtemp(prefix="callgrind-")
    spawn = bench_proxy.Bench.spawn

    def under_callgrind(self, name, argv, cpu, env=None):
        if any(name in pair for pair in PAIRS.values()):
            argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                    f"--callgrind-out-file={out_dir}/{name}.%p"] + argv
        return spawn(self, name, argv, cpu, env)

    bench_proxy.Bench.spawn = under_callgrind
    bench = bench_proxy.Bench(args)
    counts = {}
    try:
        bench.start()
        for config, names in PAIRS.items():
            pids = [str(bench.procs[name].pid) for name in names]
            control = lambda *flags: [subprocess.run(["callgrind_control", *flags, pid],
                                                     check=True, capture_output=True)
                                      for pid in pids]
            control("-i", "on")
            load = [args.oha, "--no-tui", "-c", "4", bench.urls[config]]
            subprocess.run(load + ["-n", "500"], check=True, capture_output=True)
            control("-z")
            subprocess.run(load + ["-n", str(args.requests)], check=True, capture_output=True)
            control("-d")
            control("-i", "off")
            time.sleep(1)
            for name in names:
                dump = sorted(glob.glob(f"{out_dir}/{name}.*.1"))[-1]
                total = next(int(line.split()[1]) for line in open(dump)
                             if line.startswith("summary:"))
                counts[name] = total / args.requests
    finally:
        bench.stop()
    print(f"\n| proxy | instructions per request ({args.requests} requests, oha -c4) |")
    print("|---|---|")
    for name in ("sidecar_a", "sidecar_b", "nginx_a", "nginx_b"):
        print(f"| {name} | {counts[name]:,.0f} |")
    sidecars = counts["sidecar_a"] + counts["sidecar_b"]
    nginxes = counts["nginx_a"] + counts["nginx_b"]
    print(f"\nPair S2/N2: {sidecars / nginxes:.2f} ({sidecars:,.0f} against {nginxes:,.0f})")


if __name__ == "__main__":
    main()
