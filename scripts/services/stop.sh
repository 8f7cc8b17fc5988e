#!/usr/bin/env bash
# Stops what start.sh started.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${NUBO_SERVICES_DIR:-$(cd "$here/../.." && pwd)/.services}"
"$here/redis-set.sh" stop "$state/redis"
[ -f "$state/mariadb/mysqld.pid" ] && kill "$(cat "$state/mariadb/mysqld.pid")" 2>/dev/null
pkill -f "ferretdb-launcher -listen 127.0.0.1:27018" 2>/dev/null
pkill -f "s3rver --address 127.0.0.1 --port 4569" 2>/dev/null
echo "[services] stopped"
