#!/usr/bin/env bash
# Gathers what BINARY needs at run time into the directory DEST, as the root of an image that has
# nothing else (FROM scratch): the shared libraries `ldd` lists, each at its real path with every
# symlink name on the way there (the merged-/usr links /lib and /lib64, the loader's
# /lib64/ld-linux-x86-64.so.2), the CA certificates, /etc/passwd and /etc/group with the user
# nonroot (65532:65532, home /home/nonroot), /etc/nsswitch.conf (host names from /etc/hosts first,
# then DNS), /home/nonroot and /tmp (mode 1777). The binary itself is not copied.
#
#   scripts/image-rootfs.sh BINARY DEST
#
# Ownership and times are left as they come: scripts/oci_archive.py sets them when it writes the
# layer, and the Dockerfile's build stage before its COPY. Used by both, so they hold the same files.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 BINARY DEST" >&2
    exit 2
fi
binary=$1
dest=$2
[[ -f $binary ]] || { echo "error: no binary at $binary" >&2; exit 1; }
mkdir -p "$dest"

# copy_path PATH: PATH (absolute) as this system has it. Each symlink met on the way is recreated
# with the same target, and the walk goes on from that target, so a name the loader uses
# (/lib/x86_64-linux-gnu/libc.so.6 under a merged /usr) resolves in the image as it does here.
copy_path() {
    local rest=${1#/} prefix="" part current target next
    while [[ -n $rest ]]; do
        part=${rest%%/*}
        if [[ $rest == */* ]]; then rest=${rest#*/}; else rest=""; fi
        current="$prefix/$part"
        if [[ -L $current ]]; then
            target=$(readlink "$current")
            [[ -L $dest$current ]] || ln -sT "$target" "$dest$current"
            if [[ $target == /* ]]; then next=$target; else next="$prefix/$target"; fi
            [[ -z $rest ]] || next="$next/$rest"
            copy_path "$(realpath -m -s "$next")"
            return
        elif [[ -d $current ]]; then
            mkdir -p "$dest$current"
        elif [[ -f $current && -z $rest ]]; then
            [[ -e $dest$current ]] || cp "$current" "$dest$current"
        else
            echo "error: $1: $current is neither a directory, a file nor a symlink" >&2
            exit 1
        fi
        prefix=$current
    done
}

# The libraries: every absolute path in ldd's answer (`libc.so.6 => /lib/.../libc.so.6 (0x...)`, and
# the loader on a line of its own); the kernel's vDSO has none.
if ! deps=$(ldd "$binary" 2>&1); then
    echo "error: ldd $binary: $deps" >&2
    exit 1
fi
if grep -q "not found" <<<"$deps"; then
    echo "error: $binary needs libraries this system does not have:" >&2
    grep "not found" <<<"$deps" >&2
    exit 1
fi
libraries=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' <<<"$deps" | sort -u)
[[ -n $libraries ]] || { echo "error: ldd found no libraries for $binary" >&2; exit 1; }
for library in $libraries; do
    copy_path "$library"
done

mkdir -p "$dest/etc/ssl/certs" "$dest/home/nonroot" "$dest/tmp"
cp /etc/ssl/certs/ca-certificates.crt "$dest/etc/ssl/certs/ca-certificates.crt"
cat >"$dest/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$dest/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
cat >"$dest/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
chmod 0755 "$dest/home/nonroot"
chmod 1777 "$dest/tmp"
