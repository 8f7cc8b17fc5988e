#!/usr/bin/env bash
# Starts (or stops) a Redis primary, one replica and three sentinels on 127.0.0.1.
#   redis-set.sh start BASE_PORT DIR   → primary BASE, replica BASE+1, sentinels BASE+20000..+20002
#   redis-set.sh stop DIR
# The master name the sentinels monitor is "nubo-primary". Append-only persistence (fsync every second)
# keeps queued async events across a Redis restart.
set -euo pipefail
action="$1"
case "$action" in
  start)
    base="$2"; dir="$3"
    mkdir -p "$dir"
    for role in primary replica; do
      port=$base; [ "$role" = replica ] && port=$((base + 1))
      if redis-cli -p "$port" ping >/dev/null 2>&1; then continue; fi
      extra=(); [ "$role" = replica ] && extra=(--replicaof 127.0.0.1 "$base")
      redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly yes --appendfsync everysec --appenddirname "appendonly-$port" \
        --dir "$dir" --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" "${extra[@]}"
    done
    for i in 0 1 2; do
      port=$((base + 20000 + i))
      if redis-cli -p "$port" ping >/dev/null 2>&1; then continue; fi
      conf="$dir/sentinel-$port.conf"
      cat > "$conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
pidfile $dir/sentinel-$port.pid
logfile $dir/sentinel-$port.log
dir $dir
sentinel resolve-hostnames no
sentinel monitor nubo-primary 127.0.0.1 $base 2
sentinel down-after-milliseconds nubo-primary 1000
sentinel failover-timeout nubo-primary 5000
sentinel parallel-syncs nubo-primary 1
CONF
      redis-sentinel "$conf"
    done
    for port in "$base" $((base + 1)) $((base + 20000)) $((base + 20001)) $((base + 20002)); do
      for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
      redis-cli -p "$port" ping >/dev/null 2>&1 || { echo "[services] Redis on port $port did not start: see $dir/*.log" >&2; exit 1; }
    done
    ;;
  stop)
    dir="$2"
    for pidfile in "$dir"/*.pid; do
      [ -f "$pidfile" ] || continue
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    done
    ;;
  *) echo "usage: redis-set.sh start BASE_PORT DIR | stop DIR" >&2; exit 2 ;;
esac
