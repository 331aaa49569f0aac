#!/usr/bin/env bash
# Data-path benchmark (issue 4): app -> sidecar -> sidecar -> app against direct and against a pair
# of Debian nginx proxies with upstream keep-alive, all measured in the same rounds. Prints added
# p50/p99 at fixed rates (oha, open loop with latency correction), requests per second per core
# (wrk, closed loop; CPU from /proc), RSS, and user-space instructions per request (callgrind).
# Record results in docs/benchmarks.md with the command.
#
#   ROUNDS=9 SECONDS_PER_RUN=10 RATES="200 1000 2000" scripts/bench-proxy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${EMESH_TOOLS:-$HOME/.cache/emesh/tools}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}" >&2
  as_root apt-get update -qq
  # Debian starts nginx on port 80 after installing it; the benchmark runs its own instances.
  as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -x "$tools/bin/oha" ]; then
  echo "== installing oha 1.16.0 (fixed-rate load generator) into $tools" >&2
  cargo install --quiet --locked oha --version 1.16.0 --root "$tools"
fi
cargo build --release --quiet --bins
bin="${CARGO_TARGET_DIR:-target}/release"
nginx="$(command -v nginx || echo /usr/sbin/nginx)"
python3 scripts/bench_proxy.py --bin "$bin" --oha "$tools/bin/oha" --nginx "$nginx" "$@"
# Instructions per request under callgrind: the figure the machine's noise does not move.
python3 scripts/bench_instructions.py --bin "$bin" --oha "$tools/bin/oha" --nginx "$nginx"
