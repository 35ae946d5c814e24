# Settings shared by the eventstore scripts. Override any of them in the environment.
#   CALLCONTROL_PG_PORT  port of the local PostgreSQL (default 55432, loopback only)
#   CALLCONTROL_PG_DATA  its data folder (default <repo>/.eventstore/data)
#   CALLCONTROL_DB       connection string the controller, CLI and tests use; set it to point at any
#                        PostgreSQL, and the scripts leave the local one alone.
_es_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CALLCONTROL_PG_PORT=${CALLCONTROL_PG_PORT:-55432}
if [ -z "${CALLCONTROL_PG_DATA:-}" ]; then
  CALLCONTROL_PG_DATA=$_es_repo/.eventstore/data
  # As root the server runs as 'postgres', which may not reach into the checkout (a clone under a
  # private temp folder, say): then keep the cluster under /var/tmp, one per checkout.
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$_es_repo"; then
    CALLCONTROL_PG_DATA=/var/tmp/callcontrol-eventstore/$(echo "$_es_repo" | md5sum | cut -c1-12)/data
  fi
fi
CALLCONTROL_PG_LOG=${CALLCONTROL_PG_LOG:-$(dirname "$CALLCONTROL_PG_DATA")/postgres.log}
_es_default="Host=127.0.0.1;Port=$CALLCONTROL_PG_PORT;Database=callcontrol;Username=callcontrol;Password=callcontrol;Timezone=UTC"
export CALLCONTROL_DB=${CALLCONTROL_DB:-$_es_default}
_es_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# PostgreSQL refuses to run as root: run its programs as the 'postgres' user then.
_es_as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# The local server is ours to manage only when CALLCONTROL_DB is the default.
_es_local() { [ "$CALLCONTROL_DB" = "$_es_default" ]; }
