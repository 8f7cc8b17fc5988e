#!/usr/bin/env bash
# Installs (when missing) and starts, on loopback, every service the distributed tests need, and
# writes their addresses to .services/env. Safe to run again: running services are left alone.
#   Redis     primary 127.0.0.1:6380, replica :6381, sentinels :26380-26382 (master "nubo-primary")
#   MariaDB   127.0.0.1:3307, user nubo / nubo-test-password
#   FerretDB  127.0.0.1:27018 (MongoDB wire protocol, SQLite backend)
#   s3rver    127.0.0.1:4569 (S3 API, path-style, credentials S3RVER / S3RVER)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
state="${NUBO_SERVICES_DIR:-$root/.services}"
mkdir -p "$state"
"$here/install.sh" redis mariadb ferretdb

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  local name="$1" port="$2" log="$3"
  for _ in $(seq 1 300); do port_open "$port" && return 0; sleep 0.1; done
  echo "[services] $name did not open port $port within 30 s: see $log" >&2
  exit 1
}

echo "[services] Redis primary, replica and sentinels"
"$here/redis-set.sh" start 6380 "$state/redis"

if ! port_open 3307; then
  echo "[services] MariaDB on 127.0.0.1:3307"
  db="$state/mariadb"
  if [ ! -d "$db/data/mysql" ]; then
    mkdir -p "$db/data"
    mariadb-install-db --user="$(id -un)" --datadir="$db/data" --auth-root-authentication-method=socket >"$db/install.log" 2>&1 \
      || { echo "[services] mariadb-install-db failed: see $db/install.log" >&2; exit 1; }
  fi
  (mariadbd --user="$(id -un)" --datadir="$db/data" --bind-address=127.0.0.1 --port=3307 --socket="$db/mysqld.sock" \
     --pid-file="$db/mysqld.pid" --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 \
     >"$db/mysqld.log" 2>&1 &)
  wait_port MariaDB 3307 "$db/mysqld.log"
  mariadb --socket="$db/mysqld.sock" -uroot <<'SQL'
CREATE USER IF NOT EXISTS 'nubo'@'127.0.0.1' IDENTIFIED BY 'nubo-test-password';
GRANT ALL PRIVILEGES ON *.* TO 'nubo'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
fi

# A server already on 3307 must be a working one (not, say, one whose data directory is gone).
if ! mariadb -h127.0.0.1 -P3307 -unubo -pnubo-test-password -e 'CREATE DATABASE IF NOT EXISTS nubo_start_check; DROP DATABASE nubo_start_check' >/dev/null 2>&1; then
  echo "[services] the MariaDB on 127.0.0.1:3307 does not work for user nubo: stop it (scripts/services/stop.sh, or the process that holds port 3307) and run this again" >&2
  exit 1
fi

if ! port_open 27018; then
  echo "[services] FerretDB on 127.0.0.1:27018 (SQLite backend)"
  fdb="$state/ferretdb"
  mkdir -p "$fdb/data"
  ("$state/bin/ferretdb-launcher" -listen 127.0.0.1:27018 -dir "$fdb/data" >"$fdb/ferretdb.log" 2>&1 &)
  wait_port FerretDB 27018 "$fdb/ferretdb.log"
fi

if ! port_open 4569; then
  echo "[services] s3rver on 127.0.0.1:4569"
  s3="$state/s3"
  mkdir -p "$s3/data"
  s3rver_bin="$root/node_modules/.bin/s3rver"
  [ -x "$s3rver_bin" ] || { echo "[services] s3rver is missing: run npm ci first" >&2; exit 1; }
  ("$s3rver_bin" --address 127.0.0.1 --port 4569 --directory "$s3/data" --silent >"$s3/s3rver.log" 2>&1 &)
  wait_port s3rver 4569 "$s3/s3rver.log"
fi

cat > "$state/env" <<ENV
NUBO_TEST_REDIS_URL=redis://127.0.0.1:6380
NUBO_TEST_REDIS_SENTINELS=127.0.0.1:26380,127.0.0.1:26381,127.0.0.1:26382
NUBO_TEST_REDIS_MASTER=nubo-primary
NUBO_TEST_MYSQL_URL=mysql://nubo:nubo-test-password@127.0.0.1:3307
NUBO_TEST_MONGO_URL=mongodb://127.0.0.1:27018
NUBO_TEST_S3_ENDPOINT=http://127.0.0.1:4569
ENV
echo "[services] all running; addresses in $state/env"
