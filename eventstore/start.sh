#!/usr/bin/env bash
# Starts the local PostgreSQL for the event store (creating the cluster and the 'callcontrol'
# database on first use). With --foreground it runs as a child of the caller (so ./run owns it and
# Ctrl-C stops it); otherwise it is started as a daemon. Does nothing when CALLCONTROL_DB points
# elsewhere or the server already answers.
set -euo pipefail
. "$(dirname "$0")/env.sh"
if ! _es_local; then echo "eventstore: CALLCONTROL_DB points elsewhere; not starting a local PostgreSQL" >&2; exit 0; fi
[ -n "$_es_bin" ] || { echo "eventstore: PostgreSQL is not installed (run eventstore/install.sh)" >&2; exit 1; }
if "$_es_bin/pg_isready" -q -h 127.0.0.1 -p "$CALLCONTROL_PG_PORT"; then exit 0; fi
dir=$(dirname "$CALLCONTROL_PG_DATA"); mkdir -p "$dir"; chmod 755 "$(dirname "$dir")" 2>/dev/null || true
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  runuser -u postgres -- test -x "$dir" || { echo "eventstore: user postgres cannot reach $dir; set CALLCONTROL_PG_DATA to a folder it can" >&2; exit 1; }
fi
if [ ! -s "$CALLCONTROL_PG_DATA/PG_VERSION" ]; then
  pw=$(mktemp); echo callcontrol > "$pw"; chmod 644 "$pw"
  _es_as_owner "$_es_bin/initdb" -D "$CALLCONTROL_PG_DATA" -U callcontrol --pwfile="$pw" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pw"
  cat >> "$CALLCONTROL_PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $CALLCONTROL_PG_PORT
unix_socket_directories = ''
max_connections = 300
shared_buffers = 256MB
synchronous_commit = on
fsync = on
timezone = 'UTC'
CONF
fi
opts="-c port=$CALLCONTROL_PG_PORT"
# One log for both modes, owned by the server's user: --foreground opens it from this shell (root under CI),
# pg_ctl opens it as postgres; a root-owned log left by ./run made a later daemon start fail.
touch "$CALLCONTROL_PG_LOG"
if [ "$(id -u)" = 0 ]; then chown postgres: "$CALLCONTROL_PG_LOG"; fi
if [ "${1:-}" = "--foreground" ]; then
  _es_as_owner "$_es_bin/postgres" -D "$CALLCONTROL_PG_DATA" $opts >>"$CALLCONTROL_PG_LOG" 2>&1 &
  echo $! > "$dir/foreground.pid"
else
  _es_as_owner "$_es_bin/pg_ctl" -D "$CALLCONTROL_PG_DATA" -o "$opts" -l "$CALLCONTROL_PG_LOG" -w start >/dev/null
fi
for _ in $(seq 1 60); do "$_es_bin/pg_isready" -q -h 127.0.0.1 -p "$CALLCONTROL_PG_PORT" && break; sleep 0.5; done
"$_es_bin/pg_isready" -q -h 127.0.0.1 -p "$CALLCONTROL_PG_PORT" || { echo "eventstore: PostgreSQL did not start; see $CALLCONTROL_PG_LOG" >&2; tail -5 "$CALLCONTROL_PG_LOG" >&2; exit 1; }
export PGPASSWORD=callcontrol
if ! psql -h 127.0.0.1 -p "$CALLCONTROL_PG_PORT" -U callcontrol -d postgres -tAc "select 1 from pg_database where datname='callcontrol'" | grep -q 1; then
  psql -h 127.0.0.1 -p "$CALLCONTROL_PG_PORT" -U callcontrol -d postgres -qc "create database callcontrol" >/dev/null
fi
echo "eventstore: PostgreSQL on 127.0.0.1:$CALLCONTROL_PG_PORT (data $CALLCONTROL_PG_DATA)" >&2
