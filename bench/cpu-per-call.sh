#!/bin/bash
# bench/cpu-per-call.sh LABEL BINDIR : fresh DB, start controller, sip-load 100 200 for 15 s, SIGINT, wait.
set -um
L=$1; BIN=$2; export PGPASSWORD=callcontrol
if ss -ulnp | grep -q ':5060 '; then echo "5060 busy" >&2; ss -ulnp | grep 5060; exit 1; fi
DB=bench_$(echo $L | tr A-Z a-z | tr -c "a-z0-9\n" _)_$$
psql -h 127.0.0.1 -p ${PGPORT:?port of a private PostgreSQL} -U callcontrol -d postgres -qc "create database $DB"
export CALLCONTROL_DB="Host=127.0.0.1;Port=$PGPORT;Database=$DB;Username=callcontrol;Password=callcontrol;Timezone=UTC"
LOG=${TMPDIR:-/tmp}/cpu-per-call-$L.log
dotnet $BIN/callcontrol.dll serve --demo --no-link-limits > $LOG 2>&1 &
P=$!
for i in $(seq 1 120); do ss -ulnp | grep -q "127.0.0.1:5060 .*pid=$P" && break; sleep 1; done
sleep 3
echo "== $L ($BIN) pid $P db $DB $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
UAC_IP=127.0.0.11 UAC_PORT=5060 UAS_IP=127.0.0.12 UAS_PORT=5060 SERVICE=+31205550200 DUR=15 /work/shared/bench/sip-load.sh 127.0.0.1:5060 "100 200" $P 2>&1 | cat
kill -INT $P; wait $P
psql -h 127.0.0.1 -p ${PGPORT:?port of a private PostgreSQL} -U callcontrol -d postgres -qc "drop database $DB with (force)"
