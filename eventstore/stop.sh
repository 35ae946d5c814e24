#!/usr/bin/env bash
# Stops the local PostgreSQL of the event store (fast shutdown: open transactions are rolled back,
# committed events are safe).
set -euo pipefail
. "$(dirname "$0")/env.sh"
_es_local || exit 0
[ -s "$CALLCONTROL_PG_DATA/postmaster.pid" ] || exit 0
_es_as_owner "$_es_bin/pg_ctl" -D "$CALLCONTROL_PG_DATA" -m fast -w stop >/dev/null && echo "eventstore: stopped" >&2
