#!/usr/bin/env bash
# Installs, when missing, every service the distributed and Docker tests need:
#   Redis + Sentinel, MariaDB, Docker engine (Debian packages), FerretDB v1.24.2 (Go module, SQLite
#   backend, built through the small launcher in ferretdb-launcher/), and the process sandbox's
#   isolation tools: bubblewrap, slirp4netns, iproute2 (Debian packages), and the Lambda API tests'
#   tools: the AWS CLI (awscli from PyPI) in a virtualenv whose pip also installs functions' packages,
#   and the console tests' browser: Debian's chromium (driven by the npm devDependency playwright-core).
# The S3-compatible server (s3rver) is an npm devDependency and needs no step here.
# Usage: scripts/services/install.sh [redis] [mariadb] [docker] [ferretdb] [isolation] [python-tools] [browser]   (default: all)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin_dir="${NUBO_SERVICES_DIR:-$root/.services}/bin"
python_tools="${NUBO_SERVICES_DIR:-$root/.services}/python-tools"
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(redis mariadb docker ferretdb isolation python-tools browser)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then
    echo "[install] apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  echo "[install] apt-get install ${missing[*]} (this takes a minute or two)"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "[install] installed ${missing[*]}"
}

for item in "${wanted[@]}"; do
  case "$item" in
    redis) apt_install redis-server redis-sentinel ;;
    mariadb) apt_install mariadb-server mariadb-client ;;
    docker) apt_install docker.io iproute2 ;;
    isolation) apt_install bubblewrap slirp4netns iproute2 ;;
    browser) apt_install chromium fonts-dejavu-core ;;
    ferretdb)
      if [ ! -x "$bin_dir/ferretdb-launcher" ]; then
        command -v go >/dev/null || { echo "[install] FerretDB needs Go 1.24+: apt-get install golang, then run this again" >&2; exit 1; }
        mkdir -p "$bin_dir"
        echo "[install] building FerretDB v1.24.2 (SQLite backend) into $bin_dir (downloads modules and compiles for a few minutes the first time)"
        (cd "$here/ferretdb-launcher" && go build -o "$bin_dir/ferretdb-launcher" .)
        echo "[install] FerretDB ready: $bin_dir/ferretdb-launcher"
      fi
      ;;
    python-tools)
      if [ ! -x "$python_tools/bin/aws" ]; then
        python3 -m venv "$python_tools" 2>/dev/null || { apt_install python3-venv; rm -rf "$python_tools"; python3 -m venv "$python_tools"; }
        echo "[install] installing the AWS CLI (awscli 1.46.3 from PyPI) into $python_tools"
        "$python_tools/bin/pip" install -q --disable-pip-version-check awscli==1.46.3
        echo "[install] AWS CLI ready: $python_tools/bin/aws"
      fi
      ;;
    *) echo "[install] unknown service '$item': use redis, mariadb, docker, ferretdb, isolation, python-tools or browser" >&2; exit 2 ;;
  esac
done
