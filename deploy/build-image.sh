#!/usr/bin/env bash
# Builds deploy/Containerfile with podman, FROM a Debian bookworm made here with debootstrap (no image
# registry needed; Debian's mirror and PyPI are). What docs/deploy.md's "Checked here" ran, as root:
#
#   apt-get install -y podman buildah debootstrap runc
#   PIP_CERT=/etc/ssl/certs/ca-certificates.crt deploy/build-image.sh      # ~10 min on 2 cores (vfs)
#
# Variables: TAG (default localhost/cuaso:dev), WORK (the rootfs, default /tmp/cuaso-image), MIRROR,
# STORAGE_DRIVER (default vfs: works inside a container), PIP_CERT (a CA bundle pip must trust, e.g. a
# TLS-intercepting proxy's; mounted for the build only, not copied into the image).
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${TAG:-localhost/cuaso:dev}
WORK=${WORK:-/tmp/cuaso-image}
BASE=localhost/debian:bookworm-debootstrap
PODMAN=(podman --storage-driver "${STORAGE_DRIVER:-vfs}")

if ! "${PODMAN[@]}" image exists "$BASE"; then
    rm -rf "$WORK/rootfs"
    mkdir -p "$WORK"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" "${MIRROR:-http://deb.debian.org/debian}"
    tar -C "$WORK/rootfs" -c . | "${PODMAN[@]}" import - "$BASE"
fi
cert=()
if [ -n "${PIP_CERT:-}" ]; then
    cert=(-v "$PIP_CERT:/run/host-ca.crt:ro" --build-arg PIP_CERT=/run/host-ca.crt)
fi
# --format docker keeps the HEALTHCHECK (the OCI image format has no such field); --isolation chroot
# and the host's network: no user namespaces or network setup needed inside a container.
"${PODMAN[@]}" build --isolation chroot --network host --format docker "${cert[@]}" \
    --build-arg BASE="$BASE" -f deploy/Containerfile -t "$TAG" .
echo "built $TAG"
