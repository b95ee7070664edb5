#!/usr/bin/env bash
# Build the Argus image (deploy/Containerfile) from Debian's mirror and this repository:
#   deploy/build-image.sh [tag]          -> localhost/argus:<tag> (default: the version)
# Needs, as root: podman, runc, mmdebstrap (Debian packages; ./scripts/setup.sh installs them).
# Podman's storage and configuration come from CONTAINERS_STORAGE_CONF / CONTAINERS_CONF when
# set (the tests use a private store in a temporary directory). The base root filesystem and
# the wheelhouse are cached under var/image/, keyed by what they are made from.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")"
TAG="${1:-$VERSION}"
WORK="${ARGUS_IMAGE_WORK:-$ROOT/var/image}"
MIRROR="${ARGUS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
PACKAGES=python3,python3-venv,nginx,libnginx-mod-rtmp,ffmpeg,tini,ca-certificates
say() { printf '==> %s\n' "$*" >&2; }
mkdir -p "$WORK"

for tool in podman mmdebstrap; do
  command -v "$tool" >/dev/null || { say "$tool is missing (apt-get install podman runc mmdebstrap)"; exit 1; }
done

# crun refuses this kind of host's hybrid cgroups; runc works. Containers get explicit ulimits,
# the caller's own (podman's defaults are above what such a host allows), and run under the
# caller's own memory cgroup.
nofile="$(ulimit -Hn)"; nproc=4096
RUNTIME_OPTS=(--runtime runc --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
parent="$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)"
# A fresh child of it per build: buildah runs every RUN step in the parent path itself.
[ -n "$parent" ] && [ "$parent" != "/" ] && RUNTIME_OPTS+=(--cgroup-parent "$parent/argus-build-$$")

# --- the base: Debian minbase with the packages every role needs ----------------------------
base_key="$(printf '%s %s %s' "$SUITE" "$PACKAGES" "$MIRROR" | sha256sum | cut -c1-12)"
BASE="localhost/argus-base:$SUITE-$base_key"
if ! podman image exists "$BASE"; then
  tarball="$WORK/base-$base_key.tar"
  if [ ! -f "$tarball" ]; then
    say "making the base root filesystem with mmdebstrap ($SUITE: $PACKAGES)"
    mmdebstrap --quiet --variant=minbase --format=tar --include="$PACKAGES" \
      --aptopt='Apt::Install-Recommends "false"' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
      "$SUITE" "$tarball.part" "$MIRROR"
    mv "$tarball.part" "$tarball"
  fi
  say "importing the base as $BASE"
  podman import --quiet "$tarball" "$BASE" >/dev/null
fi

# --- the wheelhouse: every dependency, built for this CPython 3.11 -------------------------
wheel_key="$(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" | sha256sum | cut -c1-12)"
WHEELS="$WORK/wheels-$wheel_key"
if [ ! -d "$WHEELS" ]; then
  say "building the wheelhouse"
  pip="$ROOT/.venv/bin/pip"; [ -x "$pip" ] || pip="python3 -m pip"
  # async-timeout: redis-py needs it on Debian's Python 3.11.2 (the host's may be newer)
  $pip wheel --quiet --wheel-dir "$WHEELS.part" "setuptools>=69" "async-timeout>=4.0.3" "$ROOT" \
    >"$WORK/wheels.log" 2>&1 \
    || { cat "$WORK/wheels.log" >&2; exit 1; }
  rm -f "$WHEELS.part"/argus-*.whl  # the code goes in as source (src/)
  mv "$WHEELS.part" "$WHEELS"
fi

# --- the build context: the wheels and the repository's files (tracked and new, not ignored) -
CONTEXT="$(mktemp -d "$WORK/context.XXXXXX")"
trap 'rm -rf "$CONTEXT"' EXIT
cp -r "$WHEELS" "$CONTEXT/wheels"
mkdir "$CONTEXT/src"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
   | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$CONTEXT/src" -xf -
cp -r "$ROOT/platform/web/node_modules" "$CONTEXT/src/platform/web/node_modules"

say "building localhost/argus:$TAG"
podman build --quiet --pull=never "${RUNTIME_OPTS[@]}" --build-arg "BASE=$BASE" \
  -f "$ROOT/deploy/Containerfile" -t "localhost/argus:$TAG" "$CONTEXT" >/dev/null
podman image inspect --format '{{.Size}}' "localhost/argus:$TAG"
