#!/usr/bin/env bash
# ensure-local.sh makes sure a ClickHouse server answers on RUCHE_CLICKHOUSE_ADDR
# (default 127.0.0.1:9000), for development and the integration tests.
#
#   deploy/clickhouse/ensure-local.sh [--http-port N]
#
# Idempotent: when something already accepts connections on the address it
# exits 0 at once. Otherwise it installs ClickHouse if it is missing (Debian or
# Ubuntu: apt-get; elsewhere it prints the command and exits 1), renders
# config.xml.tmpl and users.xml.tmpl from this directory into the repo's
# var/clickhouse/, starts clickhouse-server as a daemon and waits until
# `SELECT 1` answers. Works as root (CI) and as a normal user; every file the
# server writes stays under var/clickhouse/. Stop it with stop-local.sh.
#
# Settings (environment):
#   RUCHE_CLICKHOUSE_ADDR          host:port of the native protocol (the same
#                                  variable the services read); the host must be
#                                  loopback for a local start.
#   CLICKHOUSE_LOCAL_HTTP_PORT     HTTP port (or --http-port). Default: 8123, or
#                                  the next free port when 8123 is taken.
#   CLICKHOUSE_LOCAL_DIR           state directory (default <repo>/var/clickhouse).
#   CLICKHOUSE_LOCAL_START_TIMEOUT seconds to wait for the server (default 60).
# The script's own settings are not RUCHE_* variables on purpose: Ruche's
# config loader rejects RUCHE_* variables it does not know.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

addr="${RUCHE_CLICKHOUSE_ADDR:-127.0.0.1:9000}"
http_port="${CLICKHOUSE_LOCAL_HTTP_PORT:-}"
dir="${CLICKHOUSE_LOCAL_DIR:-$repo/var/clickhouse}"
start_timeout="${CLICKHOUSE_LOCAL_START_TIMEOUT:-60}"

while [ $# -gt 0 ]; do
	case "$1" in
	--http-port) http_port="${2:?--http-port needs a value}"; shift 2 ;;
	--http-port=*) http_port="${1#*=}"; shift ;;
	-h | --help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "ensure-local: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

log() { echo "ensure-local: $*" >&2; }
die() { log "$*"; exit 1; }

# split_addr sets host and port from "host:port", "[v6]:port" or "host".
split_addr() {
	case "$1" in
	\[*\]:*) host="${1%%]*}"; host="${host#[}"; port="${1##*]:}" ;;
	*:*:*) die "RUCHE_CLICKHOUSE_ADDR=$1: write IPv6 addresses as [host]:port" ;;
	*:*) host="${1%:*}"; port="${1##*:}" ;;
	*) host="$1"; port=9000 ;;
	esac
	[ -n "$host" ] || host=127.0.0.1
	case "$port" in '' | *[!0-9]*) die "RUCHE_CLICKHOUSE_ADDR=$1: port must be a number" ;; esac
}

# accepts HOST PORT succeeds when a TCP connection to HOST:PORT opens.
accepts() {
	if command -v timeout >/dev/null 2>&1; then
		timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
	else
		bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
	fi
}

split_addr "$addr"

if accepts "$host" "$port"; then
	log "something already accepts connections on $host:$port; nothing to do"
	exit 0
fi

case "$host" in
127.0.0.1 | localhost) listen_host=127.0.0.1; probe_host=127.0.0.1 ;;
::1) listen_host=::1; probe_host=::1 ;;
*) die "nothing answers on $host:$port and it is not a loopback address: start ClickHouse there, or set RUCHE_CLICKHOUSE_ADDR=127.0.0.1:9000" ;;
esac

# as_root runs a command as root: directly, or through sudo.
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $* (no sudo found); run it as root, then re-run this script"
	fi
}

is_debian_like() {
	[ -r /etc/os-release ] || return 1
	# shellcheck disable=SC1091
	. /etc/os-release
	case " ${ID:-} ${ID_LIKE:-} " in *" debian "* | *" ubuntu "*) return 0 ;; esac
	return 1
}

# find_server sets server (an array: the command that runs the server) and
# client (the command that runs the client, possibly empty).
find_server() {
	server=() client=()
	if command -v clickhouse-server >/dev/null 2>&1; then
		server=(clickhouse-server)
	elif [ -x /usr/sbin/clickhouse-server ]; then
		server=(/usr/sbin/clickhouse-server)
	elif command -v clickhouse >/dev/null 2>&1; then
		server=(clickhouse server)
	fi
	if command -v clickhouse-client >/dev/null 2>&1; then
		client=(clickhouse-client)
	elif command -v clickhouse >/dev/null 2>&1; then
		client=(clickhouse client)
	fi
}

find_server
if [ ${#server[@]} -eq 0 ]; then
	if is_debian_like && command -v apt-get >/dev/null 2>&1; then
		log "clickhouse-server is not installed; installing it with apt-get"
		as_root apt-get update
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y clickhouse-server clickhouse-client
		find_server
		[ ${#server[@]} -gt 0 ] || die "apt-get installed clickhouse-server but it is not on PATH"
	else
		case "$(uname -s)" in
		Darwin) cmd="brew install --cask clickhouse" ;;
		*) cmd="curl https://clickhouse.com/ | sh && sudo ./clickhouse install" ;;
		esac
		die "clickhouse-server is not installed. Install it with:
    $cmd
then re-run $0"
	fi
fi

pidfile="$dir/clickhouse-server.pid"

mkdir -p "$dir"/{data,tmp,user_files,format_schemas,logs} 2>/dev/null &&
	[ -w "$dir" ] && [ -w "$dir/data" ] && [ -w "$dir/logs" ] ||
	die "$dir is not writable by $(id -un) (created by another user?); remove it, or set CLICKHOUSE_LOCAL_DIR to another directory"

# running prints the pid of the server started from $dir, if it is alive.
running() {
	[ -s "$pidfile" ] || return 1
	local pid
	pid="$(cat "$pidfile")"
	kill -0 "$pid" 2>/dev/null || return 1
	if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q clickhouse; then
		return 1
	fi
	echo "$pid"
}

port_free() { ! accepts 127.0.0.1 "$1" && ! accepts ::1 "$1"; }

if pid="$(running)"; then
	log "a server started from $dir is already running (pid $pid); waiting for it on $host:$port"
else
	rm -f "$pidfile"
	if [ -z "$http_port" ]; then
		http_port=8123
		while ! port_free "$http_port"; do
			http_port=$((http_port + 1))
			[ "$http_port" -lt 8200 ] || die "no free HTTP port in 8123-8199; set CLICKHOUSE_LOCAL_HTTP_PORT"
		done
	else
		case "$http_port" in '' | *[!0-9]*) die "HTTP port must be a number, got '$http_port'" ;; esac
		port_free "$http_port" || die "HTTP port $http_port is taken; choose another with --http-port or CLICKHOUSE_LOCAL_HTTP_PORT"
	fi
	[ "$http_port" != "$port" ] || die "the HTTP port and the native port are both $port"

	# sed replacement text: escape \, & and the | delimiter.
	esc() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
	render() {
		sed -e "s|@ROOT@|$(esc "$dir")|g" \
			-e "s|@LISTEN_HOST@|$listen_host|g" \
			-e "s|@TCP_PORT@|$port|g" \
			-e "s|@HTTP_PORT@|$http_port|g" "$1" >"$2"
	}
	render "$here/config.xml.tmpl" "$dir/config.xml"
	render "$here/users.xml.tmpl" "$dir/users.xml"

	log "starting ${server[*]} (tcp $listen_host:$port, http $listen_host:$http_port, state in $dir)"
	# The server chdirs into its data directory; it must not hold the caller's
	# cwd, and it must not inherit the caller's stdio (CI waits on open pipes).
	(cd "$dir" && "${server[@]}" --config-file="$dir/config.xml" --pid-file="$pidfile" --daemon \
		</dev/null >>"$dir/logs/stdout.log" 2>&1) ||
		die "${server[*]} failed to start; see $dir/logs/"
fi

fail() {
	log "$1"
	for f in "$dir/logs/clickhouse-server.err.log" "$dir/logs/stdout.log"; do
		if [ -s "$f" ]; then
			log "--- errors and last lines of $f"
			grep '<Error>' "$f" | tail -n 3 >&2 || true
			tail -n 20 "$f" >&2
		fi
	done
	exit 1
}

# answers succeeds when SELECT 1 returns 1 (or, without a client, when the
# port accepts connections).
answers() {
	if [ ${#client[@]} -gt 0 ]; then
		[ "$("${client[@]}" --host "$probe_host" --port "$port" --query 'SELECT 1' 2>/dev/null)" = 1 ]
	else
		accepts "$probe_host" "$port"
	fi
}

deadline=$((SECONDS + start_timeout))
started_grace=$((SECONDS + 10))
until answers; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		fail "ClickHouse did not answer SELECT 1 on $probe_host:$port within ${start_timeout}s"
	fi
	# The daemon writes its pid file a moment after forking: a missing file is
	# only an error after a grace period, a dead pid at once.
	if [ -s "$pidfile" ] && ! running >/dev/null; then
		fail "clickhouse-server exited during start-up"
	elif [ ! -s "$pidfile" ] && [ "$SECONDS" -ge "$started_grace" ]; then
		fail "clickhouse-server did not write $pidfile; it probably exited during start-up"
	fi
	sleep 0.5
done

version=""
if [ ${#client[@]} -gt 0 ]; then
	version="$("${client[@]}" --host "$probe_host" --port "$port" --query 'SELECT version()' 2>/dev/null || true)"
fi
log "ClickHouse ${version:-(unknown version)} ready on $host:$port (pid $(running || echo ?)); stop it with deploy/clickhouse/stop-local.sh"
