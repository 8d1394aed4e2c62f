#!/usr/bin/env bash
# Fast-fail figure: requests/s that Rampart answers with 503 CIRCUIT_OPEN while the breaker of its
# only endpoint is open. The endpoint is a port nothing listens on (connections are refused), a few
# requests open its breaker, and wrk then measures the answers. The breaker's open period is raised
# to 10 minutes for this run so that no half-open probe falls inside the measurement; everything
# else is bench/rampart.conf.
#
# Checks, and fails when one does not hold: the breaker is open before and after; a sampled answer
# is a 503 envelope (application/json) with reason CIRCUIT_OPEN, Proxy-Status and Retry-After; per
# rampart_requests_total, every request during the run was answered CIRCUIT_OPEN and no other way.
#
#   bench/fastfail.sh           DURATION=30s CONNECTIONS=64 bench/fastfail.sh
#
# Environment: DURATION=15s, WARMUP=10s, CONNECTIONS=32, WRK_THREADS=2, PORT_BASE=18080,
# RAMPART_EXTRA_JVM_FLAGS=
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"

require_tools wrk java curl python3
ensure_jar
make_tmp
trap stop_all EXIT
trap 'exit 130' INT TERM
check_ports_free "$RAMPART_PORT" "$RAMPART_ADMIN_PORT" "$REFUSING_PORT"

conf="$BENCH_TMP/rampart-fastfail.conf"
cat >"$conf" <<EOF
include file("$BENCH_DIR/rampart.conf")
rampart.upstreams.app.circuit-breaker { open-duration = 10m, max-open-duration = 10m }
EOF
log "starting Rampart on $RAMPART_PORT in front of 127.0.0.1:$REFUSING_PORT, where nothing listens"
start_rampart rampart "$RAMPART_PORT" "$RAMPART_ADMIN_PORT" "127.0.0.1:$REFUSING_PORT" "$conf"

admin="http://127.0.0.1:$RAMPART_ADMIN_PORT"
proxy="http://127.0.0.1:$RAMPART_PORT/"

breaker_open() {
  curl -s "$admin/admin/breakers" | grep -q '"state":"open"'
}

for ((i = 0; i < 20; i++)); do
  breaker_open && break
  curl -s -o /dev/null "$proxy"
done
breaker_open || die "the breaker did not open after 20 refused requests: $(curl -s "$admin/admin/breakers")"
log "breaker open: $(curl -s "$admin/admin/breakers")"

# One answer, checked field by field.
curl -s -D "$BENCH_TMP/sample.head" -o "$BENCH_TMP/sample.body" "$proxy"
python3 - "$BENCH_TMP/sample.head" "$BENCH_TMP/sample.body" <<'EOF' || die "the sampled answer is not a CIRCUIT_OPEN envelope"
import json, sys
head = open(sys.argv[1]).read().lower()
body = json.load(open(sys.argv[2]))
assert head.startswith("http/1.1 503"), head.splitlines()[0]
assert "content-type: application/json" in head, head
assert "retry-after:" in head and "proxy-status:" in head, head
assert body["code"] == 503 and body["reason"] == "CIRCUIT_OPEN", body
EOF

# {reason: count} from rampart_requests_total.
requests_by_reason() {
  curl -s "$admin/metrics" | python3 -c '
import re, sys, json
counts = {}
for line in sys.stdin:
    m = re.match(r"rampart_requests_total\{(.*)\} (\S+)", line)
    if m:
        reason = re.search(r"reason=\"([^\"]*)\"", m.group(1)).group(1)
        counts[reason] = counts.get(reason, 0) + float(m.group(2))
print(json.dumps(counts))'
}

log "warming up for $WARMUP"
run_wrk "$BENCH_TMP/warmup.txt" "$proxy" "$CONNECTIONS" "$WARMUP"
before="$(requests_by_reason)"
log "measuring for $DURATION at $CONNECTIONS connections"
run_wrk "$BENCH_TMP/fastfail.txt" "$proxy" "$CONNECTIONS" "$DURATION"
# wrk stops without waiting for the last answers; let them be counted.
sleep 1
after="$(requests_by_reason)"
breaker_open || die "the breaker was not open at the end of the run: $(curl -s "$admin/admin/breakers")"

python3 - "$BENCH_TMP/fastfail.txt" "$before" "$after" "$CONNECTIONS" <<'EOF'
import json, sys
run = None
for line in open(sys.argv[1]):
    if line.startswith("BENCH_JSON "):
        run = json.loads(line[len("BENCH_JSON "):])
if run is None:
    sys.exit("wrk printed no result: " + open(sys.argv[1]).read()[:300])
before, after = json.loads(sys.argv[2]), json.loads(sys.argv[3])
delta = {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)}
circuit_open = delta.pop("CIRCUIT_OPEN", 0)
others = {k: v for k, v in delta.items() if v}
errors = run["errors"]
transport = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
rps = run["requests"] / (run["duration_us"] / 1e6)
lat = run["latency_us"]
print(f"fast-fail: {rps:,.0f} requests/s answered 503 CIRCUIT_OPEN at {sys.argv[4]} connections; "
      f"p50 {lat['p50'] / 1000:.2f} ms, p99 {lat['p99'] / 1000:.2f} ms; "
      f"{run['requests']} requests, {errors['status']} of them >= 400 per wrk, {transport} transport errors; "
      f"Rampart counted {circuit_open:.0f} CIRCUIT_OPEN answers and {sum(others.values()):.0f} others {others or ''}")
problems = []
if others:
    problems.append(f"answers other than CIRCUIT_OPEN: {others}")
if circuit_open < run["requests"]:
    problems.append(f"Rampart counted {circuit_open:.0f} CIRCUIT_OPEN answers, wrk completed {run['requests']}")
if errors["status"] != run["requests"]:
    problems.append(f"wrk saw {run['requests'] - errors['status']} answers below 400")
if transport:
    problems.append(f"{transport} transport errors")
if problems:
    sys.exit("fast-fail check failed: " + "; ".join(problems))
EOF
