#!/usr/bin/env bash
# Dashboard render benchmark (issue 6): one frame with 10,000 instances into a 200x50 test
# terminal, FRAMES frames (default 200), median/p90/p99; plus the snapshot and filter costs.
# Results go to stdout; record them in docs/benchmarks.md with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
frames="${FRAMES:-200}"
cargo build --release --quiet -p emctl --example dashboard_render
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(uname -r) load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in 1 2 3; do
  echo "## round $round"
  target/release/examples/dashboard_render "$frames"
done
