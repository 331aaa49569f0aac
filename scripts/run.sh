#!/usr/bin/env bash
# The main job until `emctl demo` exists: a control plane on an embedded store in ./meshd-data,
# with every example in testdata/examples applied. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
listen="${MESHD_LISTEN:-127.0.0.1:2381}"
cargo build --release --bins --quiet
bin=target/release
"$bin/meshd" control-plane --listen "$listen" --data-dir meshd-data --insecure-no-auth &
meshd=$!
trap 'kill -TERM $meshd 2>/dev/null; wait $meshd 2>/dev/null' EXIT INT TERM
export EMCTL_SERVER="http://$listen"
for _ in $(seq 50); do curl -fs "$EMCTL_SERVER/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
"$bin/emctl" apply -f testdata/examples
cat <<MSG

Control plane running at $EMCTL_SERVER (store: ./meshd-data). Try:
  export EMCTL_SERVER=$EMCTL_SERVER PATH=\$PWD/$bin:\$PATH
  emctl get services
  emctl get servicecanaries -o wide
  emctl describe service vets-service
  emctl edit tenant pet
Press Ctrl-C to stop.
MSG
wait $meshd
