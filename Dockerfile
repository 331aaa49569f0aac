# The mesh's two images, for Docker or BuildKit. Each is FROM scratch: one binary, stripped, and
# what it needs at run time (scripts/image-rootfs.sh: the shared libraries ldd lists, CA
# certificates, the user nonroot 65532:65532, /tmp), run as 65532:65532 from /home/nonroot.
#
#   meshd          /usr/local/bin/meshd: control plane, ingress controller, demo app and sidecar
#                  (the default target)
#   meshd-sidecar  /usr/local/bin/meshd-sidecar: the sidecar alone, for injected pods
#
# Build, tag and push both (VERSION is [workspace.package] version in Cargo.toml; the build is a
# fat-LTO release build, several minutes), then install the mesh from that registry:
#
#   REGISTRY=registry.example.com:5000 VERSION=0.1.0
#   docker build --target meshd -t $REGISTRY/megaease/meshd:$VERSION .
#   docker build --target meshd-sidecar -t $REGISTRY/megaease/meshd-sidecar:$VERSION .
#   docker push $REGISTRY/megaease/meshd:$VERSION
#   docker push $REGISTRY/megaease/meshd-sidecar:$VERSION
#   emctl install --image-registry-url $REGISTRY   # meshd for the mesh's pods, meshd-sidecar injected
#
# Without a container engine, scripts/image.sh builds the same two images from target/release
# (docker-save archives in target/images/, for `docker load` or `ctr -n k8s.io images import`).
# server/tests/image_spec.rs fails when this file and `scripts/image.sh spec` disagree on a final
# stage's binary path, USER, WORKDIR or ENTRYPOINT, or on VERSION.

ARG VERSION=0.1.0

# Debian 12, the glibc the binaries are built and tested against.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin meshd --bin meshd-sidecar
# Stripped copies of the binaries in /out/bin, each one's runtime files in /out/NAME; owned by root
# except the home directory, which COPY --from keeps.
RUN set -eu; \
    mkdir -p /out/bin; \
    for name in meshd meshd-sidecar; do \
        bash scripts/image-rootfs.sh "target/release/$name" "/out/$name"; \
        strip --strip-all -o "/out/bin/$name" "target/release/$name"; \
        chmod 0755 "/out/bin/$name"; \
    done; \
    chown -R 0:0 /out; \
    chown 65532:65532 /out/meshd/home/nonroot /out/meshd-sidecar/home/nonroot

FROM scratch AS meshd-sidecar
ARG VERSION
LABEL org.opencontainers.image.title="meshd-sidecar" \
      org.opencontainers.image.description="EaseMesh-compatible service mesh: the sidecar alone" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/meshd-sidecar/ /
COPY --from=build /out/bin/meshd-sidecar /usr/local/bin/meshd-sidecar
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/meshd-sidecar"]

FROM scratch AS meshd
ARG VERSION
LABEL org.opencontainers.image.title="meshd" \
      org.opencontainers.image.description="EaseMesh-compatible service mesh: control plane, ingress controller, sidecar and demo app" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/meshd/ /
COPY --from=build /out/bin/meshd /usr/local/bin/meshd
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/meshd"]
