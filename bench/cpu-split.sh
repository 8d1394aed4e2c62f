#!/usr/bin/env bash
# Where a proxy's CPU goes per request, Rampart next to nginx: the same upstream, the same wrk load
# (GET of the 100-byte body, 32 connections), one proxy at a time. For each it prints requests/s, the
# proxy process's CPU time per request (perf stat task-clock), how much of that is kernel and how much
# its own code (perf record samples by object: [kernel.kallsyms] against the rest), and system calls
# per request (perf stat raw_syscalls:sys_enter). This is the system-wide view JFR does not give: on
# loopback most of a proxy's cost per small request is the kernel's TCP work for its four socket calls.
#
#   bench/cpu-split.sh
#
# Needs perf (Debian: apt-get install -y linux-perf) and the right to profile other processes (root,
# or kernel.perf_event_paranoid <= 1). Environment:
#   DURATION=8s   each measured run      WARMUP=20s   Rampart alone first (JIT)
#   ROUNDS=2      measured runs per proxy, alternating    CONNS=32    PORT_BASE=18080
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION="${DURATION:-8s}"
WARMUP="${WARMUP:-20s}"
ROUNDS="${ROUNDS:-2}"
CONNS="${CONNS:-32}"

require_tools wrk nginx java curl python3 perf
ensure_jar
make_tmp
RESULTS="$BENCH_TMP/results"
mkdir -p "$RESULTS"
trap stop_all EXIT
trap 'exit 130' INT TERM
check_ports_free "$UPSTREAM_PORT" "$RAMPART_PORT" "$RAMPART_ADMIN_PORT" "$NGINX_PROXY_PORT"

machine_info | tee "$RESULTS/machine.txt"
start_upstream
start_rampart rampart "$RAMPART_PORT" "$RAMPART_ADMIN_PORT" "127.0.0.1:$UPSTREAM_PORT" "$BENCH_DIR/rampart.conf"
RAMPART_PROCESS="$RAMPART_PID"
start_nginx_proxy
# The nginx proxy's single worker, the process that does the proxying (the master only waits).
NGINX_WORKER="$(pgrep -f "nginx: worker process" -P "$(cat "$BENCH_TMP/nginx-proxy/nginx.pid")")"

log "warm-up: rampart ${WARMUP}, nginx 5s"
run_wrk "$RESULTS/warmup-rampart.txt" "http://127.0.0.1:$RAMPART_PORT/" 64 "$WARMUP"
run_wrk "$RESULTS/warmup-nginx.txt" "http://127.0.0.1:$NGINX_PROXY_PORT/" 64 5s

seconds="${DURATION%s}"
for ((round = 1; round <= ROUNDS; round++)); do
  for target in rampart nginx; do
    if [[ $target == rampart ]]; then pid="$RAMPART_PROCESS"; port="$RAMPART_PORT"; else pid="$NGINX_WORKER"; port="$NGINX_PROXY_PORT"; fi
    log "round $round: $target (perf stat)"
    perf stat -x, -e task-clock,raw_syscalls:sys_enter -p "$pid" -o "$RESULTS/$target.$round.stat" -- sleep "$seconds" &
    run_wrk "$RESULTS/$target.$round.stat.wrk" "http://127.0.0.1:$port/" "$CONNS" "$DURATION"
    wait $!
    log "round $round: $target (perf record)"
    perf record -q -F 999 -p "$pid" -o "$RESULTS/$target.$round.data" -- sleep "$seconds" >/dev/null 2>&1 &
    run_wrk "$RESULTS/$target.$round.record.wrk" "http://127.0.0.1:$port/" "$CONNS" "$DURATION"
    wait $!
    perf report -i "$RESULTS/$target.$round.data" --stdio --no-children --sort dso -g none 2>/dev/null \
      >"$RESULTS/$target.$round.dso"
  done
done

python3 - "$RESULTS" "$ROUNDS" <<'EOF'
import json, pathlib, statistics, sys
results, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
def wrk(path):
    for line in path.read_text().splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise SystemExit(f"no wrk result in {path}")
def stat(path):
    values = {}
    for line in path.read_text().splitlines():
        cells = line.split(",")
        if len(cells) > 2 and cells[0] and cells[0][0].isdigit():
            values[cells[2]] = float(cells[0])
    return values
def kernel_share(path):
    kernel = total = 0.0
    for line in path.read_text().splitlines():
        cells = line.split()
        if not cells or not cells[0].endswith("%"):
            continue
        share = float(cells[0][:-1])
        total += share
        if "[kernel" in line:
            kernel += share
    return kernel / total if total else float("nan")
print(f"{'proxy':8} {'req/s':>8} {'CPU us/req':>11} {'kernel':>7} {'user':>6} {'syscalls/req':>13}")
for target in ("rampart", "nginx"):
    rows = []
    for r in range(1, rounds + 1):
        w = wrk(results / f"{target}.{r}.stat.wrk")
        s = stat(results / f"{target}.{r}.stat")
        rps = w["requests"] / (w["duration_us"] / 1e6)
        cpu = s["task-clock"] * 1000 / w["requests"]  # task-clock is in ms
        calls = s["raw_syscalls:sys_enter"] / w["requests"]
        k = kernel_share(results / f"{target}.{r}.dso")
        rows.append((rps, cpu, k, calls))
        print(f"{target:8} {rps:8.0f} {cpu:11.1f} {cpu * k:7.1f} {cpu * (1 - k):6.1f} {calls:13.2f}   (round {r})")
    med = [statistics.median(x) for x in zip(*rows)]
    print(f"{target:8} {med[0]:8.0f} {med[1]:11.1f} {med[1] * med[2]:7.1f} {med[1] * (1 - med[2]):6.1f} {med[3]:13.2f}   median")
EOF
log "raw results under $RESULTS (perf report -i <file>.data for the profiles)"
