#!/usr/bin/env bash
# soak.sh - run the packaged proxy for MINUTES under mixed traffic with injected faults and report.
#
#   MINUTES=5 scripts/soak.sh
#
# Starts two python3 upstreams (scripts/soak_upstream.py: one healthy, one flaky that answers 503,
# resets before and in the middle of a response, hangs, drops reused connections and sends garbage),
# the proxy jar with paranoid leak detection in front of them, and scripts/soak_client.py for the
# traffic. Every SAMPLE_SECONDS it records the proxy's RSS. At the end it prints requests, outcomes
# by status and envelope reason, p50/p99, RSS over time, and the number of LEAK reports in the proxy
# log. It exits 1 when a request was lost (no response at all) or a leak was reported.
#
# Knobs (environment):
#   MINUTES=5            how long the traffic runs
#   THREADS=16           concurrent client threads
#   SAMPLE_SECONDS=10    RSS sampling period
#   LEAK_LEVEL=paranoid  io.netty.leakDetection.level for the proxy
#   JAR=proxy-server/target/rampart.jar   built with `mvn -B -o package -DskipTests` when missing
#   PROXY_PORT=18080 ADMIN_PORT=19901 HEALTHY_PORT=18081 FLAKY_PORT=18082
#   KEEP_DIR=1           keep the work directory (config, logs, samples) instead of removing it
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=${MINUTES:-5}
THREADS=${THREADS:-16}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-10}
LEAK_LEVEL=${LEAK_LEVEL:-paranoid}
JAR=${JAR:-$ROOT/proxy-server/target/rampart.jar}
PROXY_PORT=${PROXY_PORT:-18080}
ADMIN_PORT=${ADMIN_PORT:-19901}
HEALTHY_PORT=${HEALTHY_PORT:-18081}
FLAKY_PORT=${FLAKY_PORT:-18082}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rampart-soak.XXXXXX")
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [[ ${KEEP_DIR:-0} == 1 ]]; then
        echo "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

if [[ ! -f $JAR ]]; then
    echo "=== building $JAR"
    (cd "$ROOT" && mvn -B -o -q package -DskipTests)
fi

cat >"$WORK/soak.conf" <<EOF
rampart {
  server { host = "127.0.0.1", port = $PROXY_PORT, request-header-timeout = 5s, request-body-timeout = 5s }
  admin { port = $ADMIN_PORT }
  access-log { enabled = false }
  upstreams {
    healthy { endpoints = ["127.0.0.1:$HEALTHY_PORT"] }
    # The breaker stays closed on consecutive failures so the faults keep reaching the proxy's
    # retry and error paths instead of being answered CIRCUIT_OPEN for most of the run.
    flaky { endpoints = ["127.0.0.1:$FLAKY_PORT"], circuit-breaker { consecutive-failures = 0 } }
  }
  routes = [
    { name = healthy, match { path-prefix = "/healthy" }, upstream = healthy }
    { name = flaky, match { path-prefix = "/flaky" }, upstream = flaky, timeout = 4s
      retry { per-try-timeout = 1s, budget { ratio = 0.5, min-per-second = 50 } } }
  ]
}
EOF

python3 "$ROOT/scripts/soak_upstream.py" "$HEALTHY_PORT" >"$WORK/healthy.log" 2>&1 &
PIDS+=($!)
python3 "$ROOT/scripts/soak_upstream.py" "$FLAKY_PORT" --flaky >"$WORK/flaky.log" 2>&1 &
PIDS+=($!)
java -Dio.netty.leakDetection.level="$LEAK_LEVEL" -jar "$JAR" --config "$WORK/soak.conf" >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
PIDS+=("$PROXY_PID")

for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fs "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null || { cat "$WORK/proxy.log"; echo "proxy did not start"; exit 1; }

echo "=== soak: $MINUTES minute(s), $THREADS threads, leak detection $LEAK_LEVEL (proxy pid $PROXY_PID)"
SECONDS_TOTAL=$(python3 -c "print(int(float('$MINUTES') * 60))")
python3 "$ROOT/scripts/soak_client.py" "$PROXY_PORT" "$SECONDS_TOTAL" "$THREADS" >"$WORK/summary.json" &
CLIENT_PID=$!
PIDS+=("$CLIENT_PID")

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$PROXY_PID/status"; }
START=$(date +%s)
while kill -0 "$CLIENT_PID" 2>/dev/null; do
    echo "$(( $(date +%s) - START ))s $(rss_kb)" >>"$WORK/rss.txt"
    sleep "$SAMPLE_SECONDS"
done
wait "$CLIENT_PID"
echo "$(( $(date +%s) - START ))s $(rss_kb)" >>"$WORK/rss.txt"

echo "=== traffic"
cat "$WORK/summary.json"
echo "=== RSS (MiB) over time"
awk '{printf "%s %.0f\n", $1, $2 / 1024}' "$WORK/rss.txt" | paste -sd' ' | fold -s -w 100
LEAKS=$(grep -c "LEAK" "$WORK/proxy.log" || true)
echo "=== leak reports in the proxy log: $LEAKS"
ERRORS=$(grep -c " ERROR " "$WORK/proxy.log" || true)
echo "=== ERROR lines in the proxy log: $ERRORS"
LOST=$(python3 -c "import json,sys; print(json.load(open('$WORK/summary.json'))['lost'])")
if [[ $LOST != 0 || $LEAKS != 0 ]]; then
    echo "FAIL: $LOST lost request(s), $LEAKS leak report(s)"
    exit 1
fi
echo "PASS: no request lost, no leak reported"
