#!/usr/bin/env bash
# Side-by-side throughput and latency on loopback: the same upstream (nginx, one worker) reached
# directly, through Rampart, through nginx as a proxy and through HAProxy, with wrk.
#
#   bench/run.sh                          # defaults below
#   DURATION=30s ROUNDS=3 bench/run.sh
#
# Cases: GET of a 100-byte body at 32 and 256 connections, GET of 1 MiB at 32 connections, POST of
# 64 KiB at 32 connections. Within a case, each round runs every target once, the order rotating
# from round to round, so that a slow patch of a busy machine does not land on one target only.
# Rampart's resident set (VmRSS) is sampled during its 256-connection runs.
#
# Environment:
#   DURATION=15s        each measured wrk run
#   WARMUP=30s          Rampart alone, before anything is measured (the JIT needs load to settle)
#   CASE_WARMUP=3s      every target, before the first round of each case
#   ROUNDS=2            rounds per case
#   TARGETS="direct rampart nginx haproxy"   add rampart-nolog for Rampart with its access log off
#   CASES="get100-c32 get100-c256 get1m-c32 post64k-c32"
#   WRK_THREADS=2  WRK_TIMEOUT=5s  PORT_BASE=18080  RAMPART_EXTRA_JVM_FLAGS=
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION="${DURATION:-15s}"
# 30 s: under this load C2 still spends about a quarter of the process's CPU between 10 and 20 s and a
# twentieth between 20 and 30 s, 1-4 % after (measured on the Intel Xeon guest, docs/performance.md).
WARMUP="${WARMUP:-30s}"
CASE_WARMUP="${CASE_WARMUP:-3s}"
ROUNDS="${ROUNDS:-2}"
read -r -a TARGET_LIST <<<"${TARGETS:-direct rampart nginx haproxy}"
read -r -a CASE_LIST <<<"${CASES:-get100-c32 get100-c256 get1m-c32 post64k-c32}"

require_tools wrk nginx haproxy java curl python3
ensure_jar
make_tmp
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
RESULTS="$BENCH_TMP/results"
mkdir -p "$RESULTS"
RSS_SAMPLER_PID=""
# The process doing each target's proxying, whose CPU time is read around every measured run:
# Rampart's JVM, nginx's one worker, HAProxy's one process. None for "direct".
declare -A TARGET_PID=()

on_exit() {
  if [[ -n "$RSS_SAMPLER_PID" ]]; then kill "$RSS_SAMPLER_PID" 2>/dev/null || true; fi
  stop_all
}
trap on_exit EXIT
trap 'exit 130' INT TERM

check_ports_free "$UPSTREAM_PORT" "$RAMPART_PORT" "$RAMPART_ADMIN_PORT" "$NGINX_PROXY_PORT" \
  "$HAPROXY_PORT" "$RAMPART_NOLOG_PORT" "$RAMPART_NOLOG_ADMIN_PORT"

target_port() {
  case "$1" in
    direct) echo "$UPSTREAM_PORT" ;;
    rampart) echo "$RAMPART_PORT" ;;
    rampart-nolog) echo "$RAMPART_NOLOG_PORT" ;;
    nginx) echo "$NGINX_PROXY_PORT" ;;
    haproxy) echo "$HAPROXY_PORT" ;;
    *) die "unknown target $1 (direct, rampart, rampart-nolog, nginx, haproxy)" ;;
  esac
}

# Samples VmRSS of $1 every 200 ms into $2 (one value in kB per line) until killed.
sample_rss() {
  local pid="$1" out="$2"
  while true; do
    awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" >>"$out" 2>/dev/null || return 0
    sleep 0.2
  done
}

record_hwm() {
  local pid="$1" label="$2"
  awk -v label="$label" '/^(VmRSS|VmHWM):/ { print label, $1, $2 }' "/proc/$pid/status" \
    >>"$RESULTS/rss-status.txt" 2>/dev/null || true
}

for target in "${TARGET_LIST[@]}"; do target_port "$target" >/dev/null; done
for c in "${CASE_LIST[@]}"; do case_spec "$c" >/dev/null; done

log "starting the upstream (nginx, 1 worker) on $UPSTREAM_PORT"
start_upstream
RAMPART_MAIN_PID=""
for target in "${TARGET_LIST[@]}"; do
  case "$target" in
    rampart)
      log "starting Rampart on $RAMPART_PORT (JVM flags: ${RAMPART_JVM_FLAGS[*]} ${RAMPART_EXTRA_JVM_FLAGS:-})"
      start_rampart rampart "$RAMPART_PORT" "$RAMPART_ADMIN_PORT" "127.0.0.1:$UPSTREAM_PORT" \
        "$BENCH_DIR/rampart.conf"
      RAMPART_MAIN_PID="$RAMPART_PID"
      TARGET_PID[rampart]="$RAMPART_PID"
      record_hwm "$RAMPART_MAIN_PID" "after-start"
      ;;
    rampart-nolog)
      log "starting Rampart with its access log off on $RAMPART_NOLOG_PORT"
      printf 'include file("%s")\nrampart.access-log.enabled = false\n' "$BENCH_DIR/rampart.conf" \
        >"$BENCH_TMP/rampart-nolog.conf"
      start_rampart rampart-nolog "$RAMPART_NOLOG_PORT" "$RAMPART_NOLOG_ADMIN_PORT" \
        "127.0.0.1:$UPSTREAM_PORT" "$BENCH_TMP/rampart-nolog.conf"
      TARGET_PID[rampart-nolog]="$RAMPART_PID"
      ;;
    nginx)
      log "starting nginx as a proxy on $NGINX_PROXY_PORT"
      start_nginx_proxy
      TARGET_PID[nginx]="$(pgrep -P "${BENCH_PIDS[-1]}" | head -1)"
      ;;
    haproxy)
      log "starting HAProxy on $HAPROXY_PORT"
      start_haproxy
      TARGET_PID[haproxy]="${BENCH_PIDS[-1]}"
      ;;
  esac
done

# Warm every JVM target with each kind of request it will see, before anything is measured.
for target in "${TARGET_LIST[@]}"; do
  if [[ "$target" == rampart* ]]; then
    port="$(target_port "$target")"
    log "warming $target for $WARMUP"
    run_wrk "$RESULTS/warmup-$target.txt" "http://127.0.0.1:$port/" 64 "$WARMUP"
  fi
done

for c in "${CASE_LIST[@]}"; do
  read -r path conns extra <<<"$(case_spec "$c")"
  env_args=()
  [[ "$extra" != - ]] && env_args+=("$extra")
  for target in "${TARGET_LIST[@]}"; do
    port="$(target_port "$target")"
    run_wrk "$RESULTS/casewarmup-$c-$target.txt" "http://127.0.0.1:$port$path" "$conns" "$CASE_WARMUP" \
      "${env_args[@]+"${env_args[@]}"}"
  done
  n="${#TARGET_LIST[@]}"
  for ((round = 1; round <= ROUNDS; round++)); do
    for ((i = 0; i < n; i++)); do
      target="${TARGET_LIST[$(((i + round - 1) % n))]}"
      port="$(target_port "$target")"
      log "$c round $round/$ROUNDS: $target ($DURATION, $conns connections)"
      if [[ "$target" == rampart && "$conns" -ge 256 && -n "$RAMPART_MAIN_PID" ]]; then
        sample_rss "$RAMPART_MAIN_PID" "$RESULTS/rss-$c.txt" &
        RSS_SAMPLER_PID=$!
      fi
      pid="${TARGET_PID[$target]:-}"
      cpu_file="$RESULTS/$c--$target--$round.cpu"
      [[ -n "$pid" ]] && cpu_ticks "$pid" >"$cpu_file"
      run_wrk "$RESULTS/$c--$target--$round.txt" "http://127.0.0.1:$port$path" "$conns" "$DURATION" \
        "${env_args[@]+"${env_args[@]}"}"
      [[ -n "$pid" ]] && cpu_ticks "$pid" >>"$cpu_file"
      if [[ -n "$RSS_SAMPLER_PID" ]]; then
        kill "$RSS_SAMPLER_PID" 2>/dev/null || true
        wait "$RSS_SAMPLER_PID" 2>/dev/null || true
        RSS_SAMPLER_PID=""
        record_hwm "$RAMPART_MAIN_PID" "after-$c-round-$round"
      fi
    done
  done
done

if [[ -n "$RAMPART_MAIN_PID" ]]; then
  record_hwm "$RAMPART_MAIN_PID" "end"
  # Errors Rampart logged during the run (stderr: application log; the access log is stdout).
  grep -cE ' (ERROR|WARN) ' "$BENCH_TMP/rampart/rampart.log" >"$RESULTS/rampart-log-problems.txt" || true
fi
for f in "$BENCH_TMP"/*/error.log; do
  [[ -s "$f" ]] && log "note: $f is not empty: $(head -c 300 "$f")"
done

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) DURATION=$DURATION WARMUP=$WARMUP CASE_WARMUP=$CASE_WARMUP ROUNDS=$ROUNDS"
  echo "# targets: ${TARGET_LIST[*]}; cases: ${CASE_LIST[*]}; wrk -t${WRK_THREADS:-2} --timeout ${WRK_TIMEOUT:-5s}"
  echo "# Rampart JVM flags: ${RAMPART_JVM_FLAGS[*]} ${RAMPART_EXTRA_JVM_FLAGS:-}"
  machine_info
  echo "# load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RESULTS/meta.txt"
python3 "$BENCH_DIR/report.py" "$RESULTS" | tee "$BENCH_TMP/report.txt"
log "raw wrk outputs and the report: $BENCH_TMP"
