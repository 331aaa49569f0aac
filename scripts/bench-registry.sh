#!/usr/bin/env bash
# Registry benchmark (issue 3): 10,000 instances heartbeating at 2,000 beats/s against meshd, in
# two shapes (1 service x 10,000 and 1,000 services x 10), ROUNDS rounds each; meshd CPU and RSS
# from /proc, heartbeat latency, expiry accuracy, `emctl get serviceinstance` wall time.
# Results go to stdout; record them in docs/benchmarks.md with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
seconds="${SECONDS_PER_ROUND:-30}"
cargo build --release --quiet --bins
cargo build --release --quiet -p server --example registry_bench
bin=target/release
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(uname -r) load: $(cut -d' ' -f1-3 /proc/loadavg)"
for shape in "1 10000" "1000 10"; do
  set -- $shape
  for round in $(seq "$rounds"); do
    data=$(mktemp -d)
    "$bin/meshd" control-plane --listen 127.0.0.1:0 --data-dir "$data" --insecure-no-auth >"$data/out" 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do grep -q listening "$data/out" 2>/dev/null && break; sleep 0.05; done
    url=$(sed 's/.* //' "$data/out")
    echo "## shape $1 x $2, round $round"
    "$bin/examples/registry_bench" "$url" "$pid" "$bin/emctl" "$1" "$2" 2000 "$seconds"
    kill -TERM "$pid"; wait "$pid" || true
    rm -rf "$data"
  done
done
