#!/usr/bin/env python3
"""Writes a one-layer image as a docker-save archive, without a container engine.

    oci_archive.py ROOTFS SPEC OUT

ROOTFS is the directory that becomes the image's root; SPEC is a JSON file describing the image:
`tag` (required), and `entrypoint`, `cmd`, `user` (default 0:0), `workdir` (default /), `env`,
`labels`, `created_by` (optional) — one image of `scripts/image.sh spec` is such a file, and
scripts/kube-node.sh writes them for its pause and busybox images. OUT is the archive to write.
Prints the image ID (sha256 of the config) and the layer's size in bytes.

The archive is the layout `docker save` writes and `docker load` and `ctr images import` read:
`manifest.json` (Config, RepoTags, Layers), the config `<id>.json` whose `rootfs.diff_ids` is the
sha256 of the layer tar, and the layer at `<diff id>/layer.tar`. Both tars are reproducible: entries
sorted by name, every time set to SOURCE_DATE_EPOCH (default 0), owner root (0:0) except the working
directory (when not /), which belongs to the image's user, modes normalised (files 0755 or 0644 by
their execute bit; directories 0755, or 1777 with the sticky bit, or 0700 when closed to others).
The same ROOTFS and SPEC give the same image ID.
"""

import hashlib
import io
import json
import os
import stat
import sys
import tarfile
import time

EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))


def _info(name, kind, mode, uid=0, gid=0, size=0, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.uid, info.gid = uid, gid
    info.uname = info.gname = ""
    info.mtime = EPOCH
    info.size = size
    info.linkname = linkname
    return info


def layer(rootfs, owner, owned_path):
    """The layer tar of ROOTFS, as bytes: regular files, directories and symlinks only."""
    entries = []
    for directory, subdirs, files in os.walk(rootfs):
        subdirs.sort()
        for name in sorted(subdirs + files):
            path = os.path.join(directory, name)
            entries.append(os.path.relpath(path, rootfs))
    entries.sort()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in entries:
            path = os.path.join(rootfs, name)
            st = os.lstat(path)
            uid, gid = owner if name == owned_path else (0, 0)
            if stat.S_ISLNK(st.st_mode):
                tar.addfile(_info(name, tarfile.SYMTYPE, 0o777, uid, gid, linkname=os.readlink(path)))
            elif stat.S_ISDIR(st.st_mode):
                if st.st_mode & stat.S_ISVTX:
                    mode = 0o1777
                elif st.st_mode & 0o077 == 0:
                    mode = 0o700
                else:
                    mode = 0o755
                tar.addfile(_info(name, tarfile.DIRTYPE, mode, uid, gid))
            elif stat.S_ISREG(st.st_mode):
                mode = 0o755 if st.st_mode & 0o100 else 0o644
                with open(path, "rb") as data:
                    tar.addfile(_info(name, tarfile.REGTYPE, mode, uid, gid, size=st.st_size), data)
            else:
                sys.exit(f"error: {path}: only files, directories and symlinks go into an image")
    return out.getvalue()


def archive(files, out):
    """A tar of FILES (name -> bytes) with the directories their names need."""
    names = set(files)
    for name in files:
        parent = os.path.dirname(name)
        while parent:
            names.add(parent)
            parent = os.path.dirname(parent)
    with tarfile.open(out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(names):
            if name in files:
                data = files[name]
                tar.addfile(_info(name, tarfile.REGTYPE, 0o644, size=len(data)), io.BytesIO(data))
            else:
                tar.addfile(_info(name, tarfile.DIRTYPE, 0o755))


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def main():
    if len(sys.argv) != 4:
        sys.exit(f"usage: {sys.argv[0]} ROOTFS SPEC OUT")
    rootfs, spec_path, out = sys.argv[1:]
    with open(spec_path) as file:
        spec = json.load(file)
    user = spec.get("user", "0:0")
    uid, gid = (int(part) for part in user.split(":"))
    workdir = spec.get("workdir", "/")
    owned_path = workdir.strip("/")
    if not os.path.isdir(os.path.join(rootfs, owned_path)):
        sys.exit(f"error: the working directory {workdir} is not in {rootfs}")

    layer_tar = layer(rootfs, (uid, gid), owned_path or None)
    diff_id = hashlib.sha256(layer_tar).hexdigest()
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH))
    settings = {"User": user, "WorkingDir": workdir}
    for key, field in [("Entrypoint", "entrypoint"), ("Cmd", "cmd"), ("Env", "env"), ("Labels", "labels")]:
        if field in spec:
            settings[key] = spec[field]
    created_by = spec.get("created_by", f"scripts/image.sh: {spec.get('binary', spec['tag'])} and its runtime files")
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": settings,
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
        "history": [{"created": created, "created_by": created_by}],
    }
    config_json = canonical(config)
    image_id = hashlib.sha256(config_json).hexdigest()
    manifest = [{"Config": f"{image_id}.json", "RepoTags": [spec["tag"]], "Layers": [f"{diff_id}/layer.tar"]}]
    archive(
        {
            "manifest.json": canonical(manifest),
            f"{image_id}.json": config_json,
            f"{diff_id}/layer.tar": layer_tar,
        },
        out,
    )
    print(f"sha256:{image_id} {len(layer_tar)}")


if __name__ == "__main__":
    main()
