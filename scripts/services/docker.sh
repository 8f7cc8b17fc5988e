#!/usr/bin/env bash
# Installs (when missing) and starts the Docker engine for the Docker sandbox, then builds the
# worker images FROM scratch (no registry needed). Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$here/install.sh" docker
if ! docker info >/dev/null 2>&1; then
  echo "[services] starting dockerd"
  mkdir -p "$root/.services/docker"
  (dockerd >"$root/.services/docker/dockerd.log" 2>&1 &)
  for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker info >/dev/null 2>&1 || { echo "[services] dockerd did not start: see $root/.services/docker/dockerd.log" >&2; exit 1; }
fi
echo "[services] Docker engine running"
node "$root/packages/cli/dist/bin.js" images build
