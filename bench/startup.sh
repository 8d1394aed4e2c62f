#!/usr/bin/env bash
# Startup figure: milliseconds from `java -jar rampart.jar` to the first 200 served through the
# proxy (the upstream, nginx, is already up), with the JVM flags of bench/lib.sh. Prints every run
# and the median.
#
#   bench/startup.sh            RUNS=9 bench/startup.sh
#
# Environment: RUNS=5, PORT_BASE=18080, RAMPART_EXTRA_JVM_FLAGS=
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS="${RUNS:-5}"

require_tools nginx java curl python3
ensure_jar
make_tmp
trap stop_all EXIT
trap 'exit 130' INT TERM
check_ports_free "$UPSTREAM_PORT" "$RAMPART_PORT" "$RAMPART_ADMIN_PORT"
start_upstream

times=()
for ((i = 1; i <= RUNS; i++)); do
  # shellcheck disable=SC2086
  ms="$(BENCH_RAMPART_PORT="$RAMPART_PORT" BENCH_RAMPART_ADMIN_PORT="$RAMPART_ADMIN_PORT" \
    BENCH_UPSTREAM="127.0.0.1:$UPSTREAM_PORT" \
    python3 "$BENCH_DIR/time_to_first_200.py" "http://127.0.0.1:$RAMPART_PORT/" "$BENCH_TMP/rampart-$i.log" -- \
    "$RAMPART_JAVA" "${RAMPART_JVM_FLAGS[@]}" ${RAMPART_EXTRA_JVM_FLAGS:-} -jar "$RAMPART_JAR" --config "$BENCH_DIR/rampart.conf")" \
    || die "run $i failed; see $BENCH_TMP/rampart-$i.log"
  log "run $i: first 200 after $ms ms"
  times+=("$ms")
done

median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
echo "startup: time from java -jar to the first 200 through Rampart, $RUNS runs: ${times[*]} ms; median $median ms"
