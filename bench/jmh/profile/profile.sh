#!/usr/bin/env bash
# Profiles the packaged proxy under load with JFR: nginx serves a 2 KB document on 127.0.0.1:28081,
# the proxy listens on 127.0.0.1:28080, wrk drives it for a warm-up and then for the recorded run.
# Needs wrk and nginx (apt-get install -y wrk nginx) and `mvn -B -o -DskipTests package` done first.
# usage: profile.sh [output-dir]   (default target/profile); prints the summary of the recording.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:-$here/../target/profile}"
mkdir -p "$out"
warmup="${WARMUP:-20s}"
duration="${DURATION:-30s}"
connections="${CONNECTIONS:-50}"

nginx -c "$here/nginx.conf" -p /tmp &
nginx_pid=$!
java -Xms512m -Xmx512m -XX:+UseParallelGC \
    -jar "$root/proxy-server/target/rampart.jar" --config "$here/proxy.conf" > "$out/proxy.log" 2>&1 &
proxy_pid=$!
trap 'kill "$proxy_pid" "$nginx_pid" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null http://127.0.0.1:28080/ 2>/dev/null && break
  sleep 0.2
done
wrk -t 1 -c "$connections" -d "$warmup" http://127.0.0.1:28080/ > "$out/wrk-warmup.txt"
jcmd "$proxy_pid" JFR.start name=load settings=profile filename="$out/load.jfr" > /dev/null
wrk -t 1 -c "$connections" -d "$duration" --latency http://127.0.0.1:28080/ | tee "$out/wrk.txt"
jcmd "$proxy_pid" JFR.stop name=load > /dev/null
requests="$(awk '/requests in/ {print $1}' "$out/wrk.txt")"
python3 "$here/summarize.py" "$out/load.jfr" 30 "$requests" | tee "$out/summary.txt"
