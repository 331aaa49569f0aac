#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain. Idempotent and quiet when
# everything is present.
set -euo pipefail

need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
# The dashboard's smoke test runs the real binary in a tmux session.
command -v tmux >/dev/null 2>&1 || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
# Real registry client libraries, to test the sidecar's registry emulation against.
if ! python3 -c "import py_eureka_client" 2>/dev/null; then
  echo "== installing py-eureka-client"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore py-eureka-client==0.13.3
fi
if ! python3 -c "import consul" 2>/dev/null; then
  echo "== installing py-consul"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore py-consul==1.8.0
fi
if ! python3 -c "import nacos" 2>/dev/null; then
  echo "== installing nacos-sdk-python (HTTP API v1)"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore nacos-sdk-python==2.0.11
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
# A real Kubernetes for the cluster tests: Kubernetes 1.20's binaries built from Debian's source
# package (kube-apiserver, -controller-manager, -scheduler, kubelet, kube-proxy), etcd, containerd,
# runc, CNI plugins and dnsmasq from Debian, the node's pause and busybox images. Cached under
# ~/.cache/emesh/kubernetes, so this is quick after the first build (about 15 minutes on 2 cores).
"$(dirname "$0")/kube-node.sh" prepare
