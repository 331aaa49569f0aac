#!/usr/bin/env bash
# Kubernetes numbers (issue 13), measured on the local node (scripts/kube-node.sh) by the journey
# test (emctl/tests/journey.rs) with the images scripts/image.sh builds: time from `emctl install`
# to Ready, from `emctl migrate` to every instance UP, from a ServiceCanary change to the ingress
# routing by it; the control plane's and a sidecar's resident memory in their pods; image sizes.
# ROUNDS journeys (default 3), each on a fresh node; medians with the range. Needs root.
# Results go to stdout; record them in docs/benchmarks.md with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
scripts/image.sh >/dev/null
cargo build --workspace --bins --locked --quiet
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(uname -r) load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  echo "== round $round of $rounds" >&2
  EMESH_JOURNEY_REPORT="$reports/$round.json" cargo test -p emctl --test journey --locked --quiet -- --nocapture >&2
done
python3 - "$reports" <<'EOF'
import json, os, statistics, sys
folder = sys.argv[1]
rounds = [json.load(open(os.path.join(folder, f))) for f in sorted(os.listdir(folder))]
rows = [
    ("install_to_ready_seconds", "emctl install --wait: to every component Ready", "s"),
    ("migrate_to_every_instance_up_seconds", "emctl migrate --yes: to every pod an UP instance", "s"),
    ("canary_change_to_routing_seconds", "ServiceCanary change: to the ingress routing by it", "s"),
    ("deleted_pod_to_instance_removed_seconds", "pod deleted: to its instance removed (deregistered)", "s"),
    ("silent_instance_to_out_of_service_seconds", "hung sidecar: to OUT_OF_SERVICE (2 x 5 s heartbeat)", "s"),
    ("silent_instance_to_removed_seconds", "hung sidecar: to removed (--instance-lease 30s)", "s"),
    ("control_plane_crash_to_answering_seconds", "control plane process killed: to answering again", "s"),
    ("control_plane_pod_replaced_to_answering_seconds", "control plane pod deleted: to its replacement answering", "s"),
    ("control_plane_rss_kib_idle", "control plane RSS, idle after install", "MiB"),
    ("sidecar_rss_kib", "sidecar RSS in a shop pod (largest)", "MiB"),
]
print(f"| measure ({len(rounds)} rounds) | median | min | max |")
print("|---|---|---|---|")
for key, label, unit in rows:
    values = [r[key] for r in rounds if r.get(key) is not None]
    if not values:
        continue
    if unit == "MiB":
        values = [v / 1024 for v in values]
    fmt = (lambda v: f"{v:.1f} {unit}") if unit == "MiB" or statistics.median(values) >= 10 else (lambda v: f"{v:.2f} {unit}")
    print(f"| {label} | {fmt(statistics.median(values))} | {fmt(min(values))} | {fmt(max(values))} |")
EOF
for image in meshd meshd-sidecar; do
  python3 - "target/images/$image.tar" "$image" <<'EOF'
import json, sys, tarfile
archive, name = sys.argv[1], sys.argv[2]
with tarfile.open(archive) as tar:
    manifest = json.load(tar.extractfile("manifest.json"))[0]
    size = sum(tar.getmember(layer).size for layer in manifest["Layers"])
print(f"image {manifest['RepoTags'][0]}: {size / 1048576:.1f} MiB uncompressed")
EOF
done
