#!/usr/bin/env bash
# Installs, when missing, what the process sandbox isolates workers with: bubblewrap, slirp4netns and
# iproute2 (the egress policy's routes; Debian packages). `npm start` runs it; without root (or sudo) it only says what to install, and
# Nubo then starts in single-user mode.
set -uo pipefail
command -v bwrap >/dev/null && command -v slirp4netns >/dev/null && command -v ip >/dev/null && exit 0
if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
  echo "[nubo] bubblewrap, slirp4netns or iproute2 is missing and this user cannot install them: run 'sudo apt-get install bubblewrap slirp4netns iproute2' so Nubo can isolate functions (until then only its admin may use it)." >&2
  exit 0
fi
"$(dirname "$0")/services/install.sh" isolation \
  || echo "[nubo] could not install bubblewrap and slirp4netns: Nubo starts in single-user mode until they are installed." >&2
exit 0
