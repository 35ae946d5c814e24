#!/usr/bin/env bash
# Exit 0 and say so when the event store answers on the configured connection.
set -uo pipefail
. "$(dirname "$0")/env.sh"
if _es_local; then
  [ -n "$_es_bin" ] && "$_es_bin/pg_isready" -h 127.0.0.1 -p "$CALLCONTROL_PG_PORT"
else
  echo "eventstore: external ($CALLCONTROL_DB), not managed here"; exit 0
fi
