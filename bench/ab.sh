#!/usr/bin/env bash
# A/B comparison of two Rampart jars on a shared, noisy machine: both run at once behind the same
# upstream (bench/rampart.conf, access log on, to a file), and wrk alternates between them
# A, B, B, A, A, B, ... so that a slow patch of the machine falls on both. Prints, per case, each
# run's requests/s and p99, the median of each jar, and the median of the per-pair ratios B/A; and
# the CPU time each jar's process used per request (user + system, from /proc/PID/stat), which
# other load on the machine disturbs far less than requests/s.
#
#   JAR_A=/tmp/old.jar JAR_B=proxy-server/target/rampart.jar bench/ab.sh
#
# Environment:
#   JAR_A, JAR_B        the two jars (required)
#   DURATION=5s         each measured wrk run
#   WARMUP=15s          each jar alone, before anything is measured
#   PAIRS=4             A/B pairs per case
#   CASES="get100-c32 get100-c256"   as in bench/run.sh (also get1m-c32, post64k-c32)
#   B_EXTRA_JVM_FLAGS=  extra JVM flags for B only (e.g. to compare a setting with one jar)
#   B_JAVA=             the java that runs B (e.g. another JDK's bin/java; A runs RAMPART_JAVA, default java)
#   WRK_THREADS=2  WRK_TIMEOUT=5s  PORT_BASE=18080  RAMPART_EXTRA_JVM_FLAGS=
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${JAR_A:?JAR_A=path/to/a.jar}"
: "${JAR_B:?JAR_B=path/to/b.jar}"
DURATION="${DURATION:-5s}"
WARMUP="${WARMUP:-15s}"
PAIRS="${PAIRS:-4}"
read -r -a CASE_LIST <<<"${CASES:-get100-c32 get100-c256}"

require_tools wrk nginx java curl python3
make_tmp
RESULTS="$BENCH_TMP/results"
mkdir -p "$RESULTS"
trap stop_all EXIT
trap 'exit 130' INT TERM

A_PORT="$RAMPART_PORT"
A_ADMIN="$RAMPART_ADMIN_PORT"
B_PORT="$RAMPART_NOLOG_PORT"
B_ADMIN="$RAMPART_NOLOG_ADMIN_PORT"
check_ports_free "$UPSTREAM_PORT" "$A_PORT" "$A_ADMIN" "$B_PORT" "$B_ADMIN"

machine_info | tee "$RESULTS/machine.txt"
start_upstream
RAMPART_JAR="$JAR_A" start_rampart a "$A_PORT" "$A_ADMIN" "127.0.0.1:$UPSTREAM_PORT" "$BENCH_DIR/rampart.conf"
A_PID="$RAMPART_PID"
RAMPART_EXTRA_JVM_FLAGS="${RAMPART_EXTRA_JVM_FLAGS:-} ${B_EXTRA_JVM_FLAGS:-}" RAMPART_JAR="$JAR_B" \
  RAMPART_JAVA="${B_JAVA:-$RAMPART_JAVA}" \
  start_rampart b "$B_PORT" "$B_ADMIN" "127.0.0.1:$UPSTREAM_PORT" "$BENCH_DIR/rampart.conf"
B_PID="$RAMPART_PID"
[[ -n "${B_JAVA:-}" ]] && echo "# java of b: $("$B_JAVA" -version 2>&1 | head -1)" | tee -a "$RESULTS/machine.txt"

log "warm-up: ${WARMUP} each"
run_wrk "$RESULTS/warmup-a.txt" "http://127.0.0.1:$A_PORT/" 64 "$WARMUP"
run_wrk "$RESULTS/warmup-b.txt" "http://127.0.0.1:$B_PORT/" 64 "$WARMUP"

for case_name in "${CASE_LIST[@]}"; do
  read -r path conns extra <<<"$(case_spec "$case_name")"
  env_args=()
  [[ "$extra" != "-" ]] && env_args+=("$extra")
  for ((i = 1; i <= PAIRS; i++)); do
    if ((i % 2)); then order="a b"; else order="b a"; fi
    for target in $order; do
      if [[ "$target" == a ]]; then port="$A_PORT"; pid="$A_PID"; else port="$B_PORT"; pid="$B_PID"; fi
      log "$case_name pair $i: $target"
      cpu_ticks "$pid" >"$RESULTS/$case_name.$i.$target.cpu"
      run_wrk "$RESULTS/$case_name.$i.$target.txt" "http://127.0.0.1:$port$path" "$conns" "$DURATION" "${env_args[@]}"
      cpu_ticks "$pid" >>"$RESULTS/$case_name.$i.$target.cpu"
    done
  done
done

for target in a b; do
  if [[ "$target" == a ]]; then pid="$A_PID"; else pid="$B_PID"; fi
  awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" >"$RESULTS/hwm-$target.txt" 2>/dev/null || true
done

python3 - "$RESULTS" "$PAIRS" "${CASE_LIST[@]}" <<'EOF'
import json, os, statistics, sys, pathlib
results, pairs, cases = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
tick = os.sysconf("SC_CLK_TCK")
def cpu_us(path, requests):
    before, after = (int(x) for x in path.read_text().split())
    return (after - before) / tick * 1e6 / max(1, requests)
def read(path):
    for line in path.read_text().splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    return None
for case in cases:
    runs = {"a": [], "b": []}
    cpu = {"a": [], "b": []}
    ratios, errors = [], 0
    for i in range(1, pairs + 1):
        pair = {t: read(results / f"{case}.{i}.{t}.txt") for t in "ab"}
        if None in pair.values():
            continue
        rps = {t: r["requests"] / (r["duration_us"] / 1e6) for t, r in pair.items()}
        for t, r in pair.items():
            runs[t].append((rps[t], r["latency_us"]["p99"] / 1000))
            errors += sum(r["errors"].values())
            cpu[t].append(cpu_us(results / f"{case}.{i}.{t}.cpu", r["requests"]))
        ratios.append(rps["b"] / rps["a"])
    print(f"{case}:")
    for t in "ab":
        cells = "  ".join(f"{r:8.0f}/{p:6.1f}ms" for r, p in runs[t])
        if runs[t]:
            print(f"  {t}: {cells}   median {statistics.median(r for r, _ in runs[t]):8.0f} req/s,"
                  f" p99 {statistics.median(p for _, p in runs[t]):6.1f} ms,"
                  f" CPU {statistics.median(cpu[t]):5.1f} us/request ({' '.join(f'{c:.1f}' for c in cpu[t])})")
    if ratios:
        print(f"  B/A req/s per pair: {' '.join(f'{r:.2f}' for r in ratios)}   median {statistics.median(ratios):.2f}"
              f"   errors {errors}")
for t in "ab":
    hwm = results / f"hwm-{t}.txt"
    if hwm.exists() and hwm.read_text().strip():
        print(f"VmHWM {t}: {int(hwm.read_text().strip()) // 1024} MB")
EOF
log "results under $RESULTS"
