#!/usr/bin/env bash
# The cost of realistic header sets: Rampart beside nginx, each in front of the same upstream, for
# four cases at CONNS (32) connections of GET of a 100-byte body:
#   minimal  wrk's own request (Host only) and the upstream's few response fields (as bench/run.sh)
#   req      a browser's request fields (17, about 1.5 KB with its cookies: bench/wrk/bench.lua)
#   resp     a response with 25 fields (3 Set-Cookie, CORS, security fields, ETag, Vary, ...), 1.4 KB
#            (GET /heavy of the upstream, bench/lib.sh)
#   both     the two together
# Setup as bench/run.sh's (bench/lib.sh): upstream nginx, one worker; Rampart with bench/rampart.conf,
# access log on; nginx as a proxy with one worker and an upstream keepalive pool, access log on.
# Warms each proxy for WARMUP, then ROUNDS rounds of every case at both proxies, the order of the two
# alternating, DURATION each. Prints requests/s and the proxy process's CPU µs per request (user +
# system from /proc/PID/stat), medians, and Rampart/nginx ratios taken within each round.
#
# Environment: DURATION=5s WARMUP=20s ROUNDS=4 CONNS=32 CASES="minimal req resp both" PORT_BASE=18080
#              RAMPART_JAR RAMPART_EXTRA_JVM_FLAGS WRK_THREADS=2
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION="${DURATION:-5s}"
WARMUP="${WARMUP:-20s}"
ROUNDS="${ROUNDS:-4}"
CONNS="${CONNS:-32}"
read -r -a CASE_LIST <<<"${CASES:-minimal req resp both}"

require_tools wrk nginx java curl python3
ensure_jar
make_tmp
RESULTS="$BENCH_TMP/results"
mkdir -p "$RESULTS"
trap stop_all EXIT
trap 'exit 130' INT TERM
check_ports_free "$UPSTREAM_PORT" "$RAMPART_PORT" "$RAMPART_ADMIN_PORT" "$NGINX_PROXY_PORT"

# case name → "path BENCH_HEADERS"
header_case() {
  case "$1" in
    minimal) echo "/ none" ;;
    req) echo "/ browser" ;;
    resp) echo "/heavy none" ;;
    both) echo "/heavy browser" ;;
    *) die "unknown case $1" ;;
  esac
}

run_case() { # $1 out, $2 url, $3 duration, $4 BENCH_HEADERS
  run_wrk "$1" "$2" "$CONNS" "$3" BENCH_HEADERS="$4"
}

machine_info | tee "$RESULTS/machine.txt"
start_upstream
start_rampart rampart "$RAMPART_PORT" "$RAMPART_ADMIN_PORT" "127.0.0.1:$UPSTREAM_PORT" "$BENCH_DIR/rampart.conf"
R_PID="$RAMPART_PID"
start_nginx_proxy
N_PID=$(pgrep -P "$(cat "$BENCH_TMP/nginx-proxy/nginx.pid")" nginx | head -1)
[[ -n "$N_PID" ]] || die "no nginx worker found"
# What each side answers, once, for the record.
curl -s -o /dev/null -D "$RESULTS/heavy-rampart.head" "http://127.0.0.1:$RAMPART_PORT/heavy"
curl -s -o /dev/null -D "$RESULTS/heavy-nginx.head" "http://127.0.0.1:$NGINX_PROXY_PORT/heavy"

log "warm-up: ${WARMUP} each, the heaviest case"
run_case "$RESULTS/warmup-rampart.txt" "http://127.0.0.1:$RAMPART_PORT/heavy" "$WARMUP" browser
run_case "$RESULTS/warmup-nginx.txt" "http://127.0.0.1:$NGINX_PROXY_PORT/heavy" "$WARMUP" browser

for ((round = 1; round <= ROUNDS; round++)); do
  for case_name in "${CASE_LIST[@]}"; do
    read -r path headers <<<"$(header_case "$case_name")"
    if ((round % 2)); then order="rampart nginx"; else order="nginx rampart"; fi
    for target in $order; do
      if [[ "$target" == rampart ]]; then port="$RAMPART_PORT"; pid="$R_PID"; else port="$NGINX_PROXY_PORT"; pid="$N_PID"; fi
      log "round $round $case_name: $target"
      out="$RESULTS/$case_name.$round.$target"
      cpu_ticks "$pid" >"$out.cpu"
      run_case "$out.txt" "http://127.0.0.1:$port$path" "$DURATION" "$headers"
      cpu_ticks "$pid" >>"$out.cpu"
    done
  done
done

python3 - "$RESULTS" "$ROUNDS" "${CASE_LIST[@]}" <<'PY'
import json, os, statistics, sys, pathlib
results, rounds, cases = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
tick = os.sysconf("SC_CLK_TCK")
def read(path):
    for line in path.read_text().splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    return None
print(f"{'case':8} {'Rampart req/s':>13} {'nginx req/s':>11} {'ratio':>6}   {'Rampart µs/req':>14} {'nginx µs/req':>12} {'ratio':>6}  errors")
for case in cases:
    rps, cpu, rr, cr, errors = {"rampart": [], "nginx": []}, {"rampart": [], "nginx": []}, [], [], 0
    for i in range(1, rounds + 1):
        got = {}
        for t in ("rampart", "nginx"):
            r = read(results / f"{case}.{i}.{t}.txt")
            if r is None:
                continue
            before, after = (int(x) for x in (results / f"{case}.{i}.{t}.cpu").read_text().split())
            got[t] = (r["requests"] / (r["duration_us"] / 1e6), (after - before) / tick * 1e6 / max(1, r["requests"]))
            errors += sum(r["errors"].values())
            rps[t].append(got[t][0]); cpu[t].append(got[t][1])
        if len(got) == 2:
            rr.append(got["rampart"][0] / got["nginx"][0]); cr.append(got["rampart"][1] / got["nginx"][1])
    med = statistics.median
    print(f"{case:8} {med(rps['rampart']):13,.0f} {med(rps['nginx']):11,.0f} {med(rr):6.2f}   "
          f"{med(cpu['rampart']):14.1f} {med(cpu['nginx']):12.1f} {med(cr):6.2f}  {errors}")
    print(f"{'':8} runs: rampart req/s {' '.join(f'{x:.0f}' for x in rps['rampart'])}; nginx {' '.join(f'{x:.0f}' for x in rps['nginx'])}")
    print(f"{'':8}       rampart µs {' '.join(f'{x:.1f}' for x in cpu['rampart'])}; nginx {' '.join(f'{x:.1f}' for x in cpu['nginx'])}")
PY
log "results under $RESULTS"
