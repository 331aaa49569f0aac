#!/usr/bin/env bash
# Builds the mesh's two container images without a container engine, from the release binaries:
#
#   docker.io/megaease/meshd:VERSION          /usr/local/bin/meshd: control plane, ingress controller,
#                                             demo app and sidecar (emctl install's default image)
#   docker.io/megaease/meshd-sidecar:VERSION  /usr/local/bin/meshd-sidecar alone: the sidecar the
#                                             injector adds by default (it takes the `sidecar`
#                                             argument the injector writes, as meshd does)
#
# VERSION is the workspace's ([workspace.package] in Cargo.toml). Each image is one layer: the
# stripped binary and what it needs at run time (scripts/image-rootfs.sh: its shared libraries, CA
# certificates, the user nonroot 65532:65532, /tmp), run as 65532:65532 from /home/nonroot. They are
# written as docker-save archives, target/images/meshd.tar and target/images/meshd-sidecar.tar, which
# `docker load` and `ctr -n k8s.io images import` read; the same binaries give the same image IDs.
# The Dockerfile builds the same images with Docker or BuildKit.
#
#   scripts/image.sh             cargo build --release --locked, then both images
#   scripts/image.sh --no-build  the images from the binaries already built
#                                (in $CARGO_TARGET_DIR/release, else target/release)
#                                (also MESHD_IMAGE_NO_BUILD=1)
#   scripts/image.sh --load      also import both into the local cluster's containerd
#                                (scripts/kube-node.sh load)
#   scripts/image.sh spec        what each image is made of, as JSON; builds nothing
#                                (server/tests/image_spec.rs checks the Dockerfile against it)
#
# SOURCE_DATE_EPOCH sets the time stamped on every file and on the image (default 0).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    sed -n '/^#   scripts\/image.sh /,/^#$/ s/^# \{0,1\}//p' "$0"
}

mode=build
build=1
load=0
[[ ${MESHD_IMAGE_NO_BUILD:-} != 1 ]] || build=0
for arg in "$@"; do
    case $arg in
        spec) mode=spec ;;
        --no-build) build=0 ;;
        --load) load=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "error: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

version=$(awk '/^\[/ { section = $0; next }
    section == "[workspace.package]" && $1 == "version" { gsub(/^[^"]*"|".*$/, ""); print; exit }' Cargo.toml)
if [[ -z $version ]]; then
    echo "error: no version in Cargo.toml's [workspace.package]" >&2
    exit 1
fi

images=(meshd meshd-sidecar)
repository=docker.io/megaease
user=65532:65532
workdir=/home/nonroot

# image_spec NAME: one image, as JSON (the fields scripts/oci_archive.py writes into the config).
image_spec() {
    local name=$1 description
    case $name in
        meshd) description="EaseMesh-compatible service mesh: control plane, ingress controller, sidecar and demo app" ;;
        meshd-sidecar) description="EaseMesh-compatible service mesh: the sidecar alone" ;;
    esac
    cat <<EOF
{
    "binary": "$name",
    "path": "/usr/local/bin/$name",
    "entrypoint": ["/usr/local/bin/$name"],
    "user": "$user",
    "workdir": "$workdir",
    "tag": "$repository/$name:$version",
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    "labels": {
      "org.opencontainers.image.title": "$name",
      "org.opencontainers.image.description": "$description",
      "org.opencontainers.image.version": "$version",
      "org.opencontainers.image.licenses": "Apache-2.0"
    }
  }
EOF
}

if [[ $mode == spec ]]; then
    printf '{\n  "meshd": %s,\n  "meshd-sidecar": %s\n}\n' "$(image_spec meshd)" "$(image_spec meshd-sidecar)"
    exit 0
fi

if ((build)); then
    cargo build --release --locked --bin meshd --bin meshd-sidecar
fi
# Cargo's output directory: CARGO_TARGET_DIR when set (CI keeps it outside the work tree).
release=${CARGO_TARGET_DIR:-target}/release
for name in "${images[@]}"; do
    if [[ ! -x $release/$name ]]; then
        echo "error: no $release/$name (run without --no-build)" >&2
        exit 1
    fi
done

out=target/images
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mib() { awk -v bytes="$1" 'BEGIN { printf "%.1f MiB", bytes / 1048576 }'; }
summary=()
for name in "${images[@]}"; do
    rootfs=$work/$name
    scripts/image-rootfs.sh "$release/$name" "$rootfs"
    mkdir -p "$rootfs/usr/local/bin"
    # Strip a copy: target/release keeps its symbols (the benchmarks profile it).
    strip --strip-all -o "$rootfs/usr/local/bin/$name" "$release/$name"
    chmod 0755 "$rootfs/usr/local/bin/$name"
    image_spec "$name" >"$work/$name.json"
    result=$(python3 scripts/oci_archive.py "$rootfs" "$work/$name.json" "$out/$name.tar.partial")
    mv "$out/$name.tar.partial" "$out/$name.tar"
    read -r id size <<<"$result"
    binary_size=$(stat -c %s "$rootfs/usr/local/bin/$name")
    case $name in
        meshd) limit=40 ;;
        meshd-sidecar) limit=20 ;;
    esac
    line=$(printf '%-14s %s  %s\n  %s; uncompressed %s (binary %s stripped, %s in target/release); target <= %d MiB' \
        "$name" "$repository/$name:$version" "$id" "$out/$name.tar" "$(mib "$size")" "$(mib "$binary_size")" \
        "$(mib "$(stat -c %s "$release/$name")")" "$limit")
    if ((size > limit * 1048576)); then
        line+=" -- OVER TARGET"
    fi
    summary+=("$line")
done

echo "== images"
printf '%s\n' "${summary[@]}"

if ((load)); then
    if [[ ! -f scripts/kube-node.sh ]]; then
        echo "error: --load needs scripts/kube-node.sh (the local cluster's node)" >&2
        exit 1
    fi
    bash scripts/kube-node.sh load "$out/meshd.tar" "$out/meshd-sidecar.tar"
fi
