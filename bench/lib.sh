# Shared by bench/run.sh, bench/startup.sh and bench/fastfail.sh: where things are, the JVM flags,
# the ports, and how each server is started, waited for and stopped. Sourced, not run.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
RAMPART_JAR="${RAMPART_JAR:-$REPO_DIR/proxy-server/target/rampart.jar}"

# The JVM flags Rampart runs with, those of the Dockerfile's ENTRYPOINT (and of docs/deployment.md)
# but its class data sharing archive, which only the image has: the figures are the plain jar's.
# This is the one place the benchmark names them. MaxRAMPercentage is a ceiling relative to the
# memory the JVM sees: in a container with a 384 MiB limit that is 288 MiB
# of heap; on a bare host it is 75% of the host's RAM. -Xms64m starts the heap small wherever it runs,
# and -Xmn32m gives it a young generation large enough to be collected about ten times a second under load;
# -XX:MetaspaceSize=64m spares it the full collection the first requests' classes set off.
# Extra flags: RAMPART_EXTRA_JVM_FLAGS.
# The java that runs Rampart (RAMPART_JAVA=/usr/lib/jvm/<other>/bin/java to measure another JDK; the image
# and the README's figures are Java 17's).
RAMPART_JAVA="${RAMPART_JAVA:-java}"
RAMPART_JVM_FLAGS=(-XX:MaxRAMPercentage=75 -Xms64m -Xmn32m -XX:MetaspaceSize=64m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError)

PORT_BASE="${PORT_BASE:-18080}"
UPSTREAM_PORT=$((PORT_BASE + 1))
RAMPART_PORT=$((PORT_BASE + 2))
RAMPART_ADMIN_PORT=$((PORT_BASE + 3))
NGINX_PROXY_PORT=$((PORT_BASE + 4))
HAPROXY_PORT=$((PORT_BASE + 5))
RAMPART_NOLOG_PORT=$((PORT_BASE + 6))
RAMPART_NOLOG_ADMIN_PORT=$((PORT_BASE + 7))
# A port nothing listens on: the refusing upstream of bench/fastfail.sh.
REFUSING_PORT=$((PORT_BASE + 9))

# The fixed 100-byte body of GET /.
SMALL_BODY="$(printf 'rampart-bench-%086d' 0)"

# Process ids to stop on exit, and the scratch directory; both filled in by the scripts.
BENCH_PIDS=()
BENCH_TMP=""

# One line each: the machine and the software versions, for the record.
machine_info() {
  echo "# machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
  echo "# java: $("$RAMPART_JAVA" -version 2>&1 | head -1); $(nginx -v 2>&1 | head -1); $(haproxy -v 2>/dev/null | head -1 | cut -d' ' -f1-3); wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

require_tools() {
  local missing=()
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    die "missing: ${missing[*]}. On Debian/Ubuntu: apt-get update && apt-get install -y wrk nginx haproxy (and a JDK 17+, curl, python3)"
  fi
}

ensure_jar() {
  if [[ ! -f "$RAMPART_JAR" ]]; then
    log "building $RAMPART_JAR (mvn -B -q -DskipTests package)"
    (cd "$REPO_DIR" && mvn -B -q -DskipTests package) || die "build failed"
  fi
}

make_tmp() {
  BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/rampart-bench.XXXXXX")"
  # nginx workers run as another user when started by root: they must read the files here.
  chmod 755 "$BENCH_TMP"
  log "configs, logs and raw results under $BENCH_TMP"
}

# Stops every process the script started, by pid, then waits for them.
stop_all() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
  drop_access_logs
}

# The proxies' access logs grow by about 1 GB per minute of load and a run leaves several: they are
# deleted when the run ends (every other file is kept) unless KEEP_ACCESS_LOGS=1.
drop_access_logs() {
  [[ -n "$BENCH_TMP" && "${KEEP_ACCESS_LOGS:-0}" != 1 ]] || return 0
  local logs
  mapfile -t logs < <(find "$BENCH_TMP" -name access.log -type f 2>/dev/null)
  ((${#logs[@]} > 0)) || return 0
  local mb
  mb=$(du -cm "${logs[@]}" | tail -1 | cut -f1)
  rm -f "${logs[@]}"
  log "deleted ${#logs[@]} access log(s), ${mb} MB (KEEP_ACCESS_LOGS=1 keeps them)"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

check_ports_free() {
  local port
  for port in "$@"; do
    port_in_use "$port" && die "port $port is taken; choose other ports with PORT_BASE=..."
  done
  return 0
}

# Waits until GET url answers 200, up to $2 seconds.
wait_for_200() {
  local url="$1" limit="${2:-30}" i
  for ((i = 0; i < limit * 20; i++)); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null)" == 200 ]]; then
      return 0
    fi
    sleep 0.05
  done
  die "no 200 from $url within ${limit}s"
}

# Lines nginx needs when started by root: its workers otherwise become "nobody", which cannot
# write the temp directories under BENCH_TMP.
nginx_user_line() {
  if [[ $EUID -eq 0 ]]; then echo "user root;"; fi
}

# The start of every nginx.conf here, up to and inside "http {": one worker in the foreground, pid and
# error log under $1, access_log $2 ("off" or a file), temp paths under $1/tmp.
nginx_prologue() {
  local dir="$1" access_log="$2"
  cat <<EOF
$(nginx_user_line)
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; }
http {
  access_log $access_log;
$(nginx_temp_paths "$dir/tmp")
EOF
}

nginx_temp_paths() {
  local dir="$1"
  mkdir -p "$dir"
  cat <<EOF
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
EOF
}

# case name → "path connections extra-env"
case_spec() {
  case "$1" in
    get100-c32) echo "/ 32 -" ;;
    get100-c256) echo "/ 256 -" ;;
    get1m-c32) echo "/1m 32 -" ;;
    post64k-c32) echo "/post 32 BENCH_POST_BYTES=65536" ;;
    # A browser's request fields (bench/wrk/bench.lua) and a response with 25 fields (GET /heavy).
    headers-c32) echo "/heavy 32 BENCH_HEADERS=browser" ;;
    *) die "unknown case $1" ;;
  esac
}

# The upstream every target reaches: nginx, one worker. GET / → the fixed 100-byte body,
# GET /heavy → the same body with 25 response fields, GET /1m → a 1 MiB file, POST /post → reads and
# discards the body, answers a short body.
start_upstream() {
  local dir="$BENCH_TMP/upstream"
  mkdir -p "$dir/www"
  head -c 1048576 /dev/urandom >"$dir/www/1m"
  cat >"$dir/nginx.conf" <<EOF
$(nginx_prologue "$dir" off)
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  sendfile on;
  tcp_nopush on;
  server {
    listen 127.0.0.1:$UPSTREAM_PORT backlog=4096 reuseport;
    location = / {
      default_type text/plain;
      return 200 "$SMALL_BODY";
    }
    location = /1m {
      root $dir/www;
      default_type application/octet-stream;
    }
    # The response fields of a web application (20 of its own: cookies, CORS, security fields, ETag,
    # Vary; 25 with nginx's, 1.4 KB): the response side of bench/headers.sh and of the headers-c32 case.
    location = /heavy {
      default_type "text/html; charset=utf-8";
      add_header Set-Cookie "session=eyJ1aWQiOjQ4MjkxMCwicm9sZSI6ImN1c3RvbWVyIn0.Zm9vYmFyYmF6cXV4; Path=/; HttpOnly; Secure; SameSite=Lax" always;
      add_header Set-Cookie "csrftoken=k3J9xQm2Vb7LpN0sYt4Rw8Ez1Hc6Ua5Df; Path=/; Max-Age=31449600; Secure; SameSite=Lax" always;
      add_header Set-Cookie "ab_bucket=checkout_v3_b; Path=/; Max-Age=2592000; Secure" always;
      add_header Cache-Control "private, no-cache, must-revalidate" always;
      add_header ETag "W/\\"5f3a-18c3e0b0c7d\\"" always;
      add_header Vary "Accept-Encoding, Origin, Cookie" always;
      add_header Access-Control-Allow-Origin "https://shop.example.com" always;
      add_header Access-Control-Allow-Credentials "true" always;
      add_header Access-Control-Expose-Headers "ETag, X-Request-Id, X-RateLimit-Remaining" always;
      add_header Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" always;
      add_header Content-Security-Policy "default-src 'self'; script-src 'self' https://cdn.example.com; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'" always;
      add_header X-Content-Type-Options "nosniff" always;
      add_header X-Frame-Options "DENY" always;
      add_header Referrer-Policy "strict-origin-when-cross-origin" always;
      add_header Permissions-Policy "camera=(), microphone=(), geolocation=(), payment=()" always;
      add_header Cross-Origin-Opener-Policy "same-origin" always;
      add_header X-RateLimit-Limit "1000" always;
      add_header X-RateLimit-Remaining "998" always;
      add_header Server-Timing "app;dur=12.4, db;dur=3.1, cache;desc=hit" always;
      add_header X-Trace-Id "4bf92f3577b34da6a3ce929d0e0e4736" always;
      return 200 "$SMALL_BODY";
    }
    # "return" discards the request body: nginx reads it off the connection before the next
    # request (ngx_http_discard_request_body), so keep-alive and byte accounting stay correct.
    location = /post {
      client_max_body_size 1m;
      default_type text/plain;
      return 200 "ok\n";
    }
  }
}
EOF
  nginx -p "$dir" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  BENCH_PIDS+=($!)
  wait_for_200 "http://127.0.0.1:$UPSTREAM_PORT/" 10
}

# Starts Rampart. $1: name (a directory under BENCH_TMP), $2: port, $3: admin port, $4: upstream
# host:port, $5: config file. Sets RAMPART_PID. The access log (stdout) goes to a file.
start_rampart() {
  local name="$1" port="$2" admin="$3" upstream="$4" conf="$5"
  local dir="$BENCH_TMP/$name"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  BENCH_RAMPART_PORT="$port" BENCH_RAMPART_ADMIN_PORT="$admin" BENCH_UPSTREAM="$upstream" \
    "$RAMPART_JAVA" "${RAMPART_JVM_FLAGS[@]}" ${RAMPART_EXTRA_JVM_FLAGS:-} -jar "$RAMPART_JAR" --config "$conf" \
    >"$dir/access.log" 2>"$dir/rampart.log" &
  RAMPART_PID=$!
  BENCH_PIDS+=("$RAMPART_PID")
  wait_for_200 "http://127.0.0.1:$admin/readyz" 60
  # Which socket transport ran (io_uring, or epoll where the kernel refuses it): results depend on it.
  local transport=""
  for _ in $(seq 50); do
    transport=$(grep -o '([a-z_]* transport[^,]*' "$dir/rampart.log" | head -1 | tr -d '(')
    [[ -n "$transport" ]] && break
    sleep 0.1
  done
  log "rampart $name: ${transport:-transport not logged}"
}

# nginx as a reverse proxy: one worker, a keep-alive pool to the upstream, its access log on
# (to a file) like Rampart's.
start_nginx_proxy() {
  local dir="$BENCH_TMP/nginx-proxy"
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF
$(nginx_prologue "$dir" "$dir/access.log")
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  # Keep the 64 KiB POST bodies in memory, as Rampart does (the default 16k spills them to disk).
  client_body_buffer_size 128k;
  upstream app {
    server 127.0.0.1:$UPSTREAM_PORT;
    keepalive 512;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PROXY_PORT backlog=4096;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  nginx -p "$dir" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  BENCH_PIDS+=($!)
  wait_for_200 "http://127.0.0.1:$NGINX_PROXY_PORT/" 10
}

# HAProxy: one thread, idle upstream connections shared between clients (http-reuse always, the
# closest to nginx's keepalive pool). No log target: HAProxy logs only to syslog.
start_haproxy() {
  local dir="$BENCH_TMP/haproxy"
  mkdir -p "$dir"
  cat >"$dir/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8000
  pidfile $dir/haproxy.pid

defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 1s
  timeout client 60s
  timeout server 15s
  timeout http-keep-alive 60s

frontend bench
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend app

backend app
  server up 127.0.0.1:$UPSTREAM_PORT
EOF
  haproxy -db -f "$dir/haproxy.cfg" >"$dir/stdout.log" 2>&1 &
  BENCH_PIDS+=($!)
  wait_for_200 "http://127.0.0.1:$HAPROXY_PORT/" 10
}

# user + system CPU time of process $1 so far (all its threads), in clock ticks (getconf CLK_TCK).
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# Runs wrk with the reporting script; its JSON summary line goes to $1.
# $2: url, $3: connections, $4: duration, $5...: extra env for the script (e.g. BENCH_POST_BYTES=65536).
run_wrk() {
  local out="$1" url="$2" conns="$3" duration="$4"
  shift 4
  local threads="${WRK_THREADS:-2}"
  ((threads > conns)) && threads="$conns"
  env "$@" wrk -t"$threads" -c"$conns" -d"$duration" --timeout "${WRK_TIMEOUT:-5s}" \
    -s "$BENCH_DIR/wrk/bench.lua" "$url" >"$out" 2>&1 || true
}
