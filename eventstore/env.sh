# Settings shared by the eventstore scripts. Override any of them in the environment.
#   CALLCONTROL_PG_PORT  port of the local PostgreSQL (default 55432, loopback only)
#   CALLCONTROL_PG_DATA  its data folder (default <repo>/.eventstore/data)
#   CALLCONTROL_DB       connection string the controller, CLI and tests use; set it to point at any
#                        PostgreSQL, and the scripts leave the local one alone.
_es_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CALLCONTROL_PG_PORT=${CALLCONTROL_PG_PORT:-55432}
CALLCONTROL_PG_DATA=${CALLCONTROL_PG_DATA:-$_es_repo/.eventstore/data}
CALLCONTROL_PG_LOG=${CALLCONTROL_PG_LOG:-$(dirname "$CALLCONTROL_PG_DATA")/postgres.log}
_es_default="Host=127.0.0.1;Port=$CALLCONTROL_PG_PORT;Database=callcontrol;Username=callcontrol;Password=callcontrol;Timezone=UTC"
export CALLCONTROL_DB=${CALLCONTROL_DB:-$_es_default}
_es_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# PostgreSQL refuses to run as root: run its programs as the 'postgres' user then.
_es_as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# The local server is ours to manage only when CALLCONTROL_DB is the default.
_es_local() { [ "$CALLCONTROL_DB" = "$_es_default" ]; }
