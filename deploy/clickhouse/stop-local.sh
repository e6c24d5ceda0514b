#!/usr/bin/env bash
# stop-local.sh stops the ClickHouse server that ensure-local.sh started from
# the repo's var/clickhouse/ (or CLICKHOUSE_LOCAL_DIR): SIGTERM, then SIGKILL
# after 30 seconds. It only signals the pid recorded in that directory's pid
# file, and exits 0 when nothing is running. Data stays in place; remove
# var/clickhouse/ to start from scratch.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dir="${CLICKHOUSE_LOCAL_DIR:-$repo/var/clickhouse}"
pidfile="$dir/clickhouse-server.pid"

log() { echo "stop-local: $*" >&2; }

if [ ! -s "$pidfile" ]; then
	log "no pid file at $pidfile; nothing to stop"
	exit 0
fi
pid="$(cat "$pidfile")"
case "$pid" in '' | *[!0-9]*) log "pid file $pidfile holds '$pid', not a pid"; exit 1 ;; esac
if ! kill -0 "$pid" 2>/dev/null; then
	log "pid $pid is not running; removing the stale pid file"
	rm -f "$pidfile"
	exit 0
fi
if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q clickhouse; then
	log "pid $pid is not a ClickHouse server (pid reused?); removing the stale pid file"
	rm -f "$pidfile"
	exit 0
fi

kill -TERM "$pid"
for _ in $(seq 1 60); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.5
done
if kill -0 "$pid" 2>/dev/null; then
	log "pid $pid still running after 30s; sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
fi
rm -f "$pidfile"
log "stopped ClickHouse (pid $pid)"
