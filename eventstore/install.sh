#!/usr/bin/env bash
# Installs what CallControl needs from Debian's packages when it is missing: PostgreSQL and sipp.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
[ ${#need[@]} -eq 0 ] && exit 0
echo "eventstore: installing ${need[*]} from Debian's packages" >&2
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
