#!/usr/bin/env bash
# docker-smoke.sh - build the Rampart image and check that a container of it works end to end.
#
#   scripts/docker-smoke.sh
#
# Steps: build the image (docker, or podman when docker has no engine); start an upstream on the
# host (python3 -m http.server serving one file); run the image in front of it; then check
#   - /readyz and /healthz on the admin port answer 200, the process runs as uid 10001
#   - a request through the proxy returns the upstream's file
#   - /metrics is Prometheus text with rampart_ metrics (rampart_requests_total after that request)
#   - with the upstream stopped, the proxy answers 502 with the JSON envelope, reason
#     UPSTREAM_CONNECT_REFUSED
#   - the image's HEALTHCHECK passes
#   - SIGTERM makes the container exit with status 0 within the stop timeout
# Everything it started (upstream process, container, temp dir) is removed on exit, pass or fail;
# the image is kept (KEEP_IMAGE=0 removes it too).
#
# Knobs (environment):
#   ENGINE=docker|podman   default: docker if its engine answers, else podman
#   IMAGE=rampart:latest   tag to build and run
#   CONTEXT=<repo root>    build context (the directory holding the Dockerfile)
#   SKIP_BUILD=1           run an image built before
#   NETWORK=bridge|host    bridge (default): -p port mapping, upstream reached via the host gateway;
#                          host: the container shares the host's network (ports set via env)
#   BUILD_FLAGS, RUN_FLAGS extra flags for `build` / `run`
#   STOP_TIMEOUT=40        seconds to wait for the exit after SIGTERM (shutdown-grace is 20s)
#   KEEP_IMAGE=1           0: remove the image at the end
#
# Podman on a host with cgroup v1 or low rlimits (like the project's sandbox) needs runc and
# explicit ulimits; see docs/deployment.md ("Verified here"), e.g.
#   CONTAINERS_CONF=/tmp/base-images/containers.conf scripts/docker-smoke.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONTEXT=${CONTEXT:-$ROOT}
IMAGE=${IMAGE:-rampart:latest}
NETWORK=${NETWORK:-bridge}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP_IMAGE=${KEEP_IMAGE:-1}
STOP_TIMEOUT=${STOP_TIMEOUT:-40}
BUILD_FLAGS=${BUILD_FLAGS:-}
RUN_FLAGS=${RUN_FLAGS:-}
NAME="rampart-smoke-$$"

log()  { printf '=== %s\n' "$*"; }
pass() { printf 'ok   %s\n' "$*"; }
die()  { printf 'FAIL %s\n' "$*" >&2; exit 1; }

for tool in curl python3; do
    command -v "$tool" >/dev/null || die "$tool is needed on the host"
done

if [[ -z ${ENGINE:-} ]]; then
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
        ENGINE=docker
    elif command -v podman >/dev/null; then
        ENGINE=podman
    else
        die "neither a docker engine nor podman is available"
    fi
fi
log "engine: $ENGINE ($($ENGINE --version))"

TMP=$(mktemp -d)
UPSTREAM_PID=""
CONTAINER_STARTED=0

cleanup() {
    local rc=$?
    if [[ $rc -ne 0 && $CONTAINER_STARTED -eq 1 ]]; then
        echo "--- last container log lines ($NAME):" >&2
        $ENGINE logs --tail 60 "$NAME" >&2 2>&1 || true
    fi
    if [[ -n $UPSTREAM_PID ]]; then kill "$UPSTREAM_PID" 2>/dev/null || true; wait "$UPSTREAM_PID" 2>/dev/null || true; fi
    if [[ $CONTAINER_STARTED -eq 1 ]]; then $ENGINE rm -f "$NAME" >/dev/null 2>&1 || true; fi
    if [[ $KEEP_IMAGE == 0 ]]; then $ENGINE rmi "$IMAGE" >/dev/null 2>&1 || true; fi
    rm -rf "$TMP"
    if [[ $rc -eq 0 ]]; then log "smoke test passed"; else log "smoke test FAILED (exit $rc)"; fi
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# http_get URL -> prints "STATUS" on the first line, then the body; never fails on HTTP errors.
http_get() {
    curl -sS --max-time 10 -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}\n' "$1" || echo 000
    cat "$TMP/body" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
if [[ $SKIP_BUILD != 1 ]]; then
    log "build $IMAGE from $CONTEXT"
    format_flag=()
    # podman's default OCI format drops HEALTHCHECK; docker format keeps it.
    [[ $ENGINE == podman ]] && format_flag=(--format docker)
    # shellcheck disable=SC2086
    $ENGINE build "${format_flag[@]}" $BUILD_FLAGS -t "$IMAGE" "$CONTEXT"
fi

# ---------------------------------------------------------------------------------------------
UPSTREAM_PORT=$(free_port)
PROXY_PORT=$(free_port)
ADMIN_PORT=$(free_port)
TOKEN="rampart-smoke-$RANDOM$RANDOM"
echo "$TOKEN" > "$TMP/smoke.txt"

net_args=()
case $NETWORK in
    bridge)
        # The container reaches the host through the engine's host gateway name, so the upstream
        # listens on all host interfaces (it serves only the one temporary file).
        upstream_bind=0.0.0.0
        if [[ $ENGINE == docker ]]; then
            upstream_host=host.docker.internal
            net_args=(--add-host host.docker.internal:host-gateway)
        else
            upstream_host=host.containers.internal
            net_args=(--network bridge)
        fi
        net_args+=(-p "127.0.0.1:$PROXY_PORT:8080" -p "127.0.0.1:$ADMIN_PORT:9901")
        ;;
    host)
        upstream_bind=127.0.0.1
        upstream_host=127.0.0.1
        net_args=(--network host -e "RAMPART_PORT=$PROXY_PORT" -e "RAMPART_ADMIN_PORT=$ADMIN_PORT")
        ;;
    *) die "NETWORK must be bridge or host, not '$NETWORK'" ;;
esac

log "upstream: python3 http.server on $upstream_bind:$UPSTREAM_PORT"
python3 -m http.server "$UPSTREAM_PORT" --bind "$upstream_bind" --directory "$TMP" \
    >"$TMP/upstream.log" 2>&1 &
UPSTREAM_PID=$!
for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$UPSTREAM_PORT/smoke.txt" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$UPSTREAM_PORT/smoke.txt" || die "upstream did not start"

log "run $IMAGE as $NAME (network $NETWORK, upstream $upstream_host:$UPSTREAM_PORT)"
# shellcheck disable=SC2086
$ENGINE run -d --name "$NAME" "${net_args[@]}" \
    -e "RAMPART_UPSTREAM=$upstream_host:$UPSTREAM_PORT" $RUN_FLAGS "$IMAGE" >/dev/null
CONTAINER_STARTED=1

PROXY="http://127.0.0.1:$PROXY_PORT"
ADMIN="http://127.0.0.1:$ADMIN_PORT"

ready=0
for _ in $(seq 120); do
    if curl -fsS -o /dev/null --max-time 2 "$ADMIN/readyz" 2>/dev/null; then ready=1; break; fi
    [[ $($ENGINE inspect -f '{{.State.Running}}' "$NAME") == true ]] || die "container exited during start"
    sleep 0.5
done
[[ $ready == 1 ]] || die "/readyz did not answer 200 within 60s"
pass "/readyz 200"

out=$(http_get "$ADMIN/healthz"); [[ ${out%%$'\n'*} == 200 ]] || die "/healthz: ${out%%$'\n'*}"
pass "/healthz 200"

uid=$($ENGINE exec "$NAME" id -u) || die "exec into the container failed"
[[ $uid == 10001 ]] || die "process runs as uid $uid, expected 10001"
pass "runs as uid 10001"

out=$(http_get "$PROXY/smoke.txt")
status=${out%%$'\n'*}; body=${out#*$'\n'}
[[ $status == 200 ]] || die "GET /smoke.txt through the proxy: status $status, body: $body"
[[ $body == "$TOKEN" ]] || die "GET /smoke.txt through the proxy: unexpected body: $body"
pass "proxied GET returns the upstream's body"

# The request is counted when the proxy has finished its exchange, which on a busy machine can be a moment after curl
# has it: asked at once, /metrics may not count it yet, so it is asked for a few seconds.
for _ in $(seq 50); do
    curl -fsS --max-time 10 "$ADMIN/metrics" > "$TMP/metrics" || die "/metrics did not answer 200"
    grep -q '^rampart_requests_total{' "$TMP/metrics" && break
    sleep 0.1
done
grep -q '^rampart_' "$TMP/metrics" || die "/metrics has no rampart_ metric"
grep -q '^rampart_requests_total{' "$TMP/metrics" || die "/metrics has no rampart_requests_total after a request"
pass "/metrics has rampart_ metrics ($(grep -c '^rampart_' "$TMP/metrics") samples)"

kill "$UPSTREAM_PID"; wait "$UPSTREAM_PID" 2>/dev/null || true; UPSTREAM_PID=""
out=$(http_get "$PROXY/smoke.txt")
status=${out%%$'\n'*}; body=${out#*$'\n'}
[[ $status == 502 ]] || die "upstream down: expected 502, got $status ($body)"
grep -qi '^content-type: application/json' "$TMP/headers" || die "upstream down: envelope is not application/json"
[[ $body == *'"reason"'*'UPSTREAM_CONNECT_REFUSED'* ]] || die "upstream down: unexpected envelope: $body"
pass "upstream down: 502 envelope UPSTREAM_CONNECT_REFUSED"

if [[ $ENGINE == podman ]]; then
    $ENGINE healthcheck run "$NAME" >/dev/null || die "HEALTHCHECK failed (podman healthcheck run)"
else
    health=""
    for _ in $(seq 60); do
        health=$($ENGINE inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$NAME")
        [[ $health == healthy || -z $health ]] && break
        sleep 1
    done
    [[ $health == healthy ]] || die "HEALTHCHECK status: '${health:-none in image}'"
fi
pass "HEALTHCHECK healthy"

log "SIGTERM"
$ENGINE kill --signal TERM "$NAME" >/dev/null
code=$(timeout "$STOP_TIMEOUT" "$ENGINE" wait "$NAME" | tail -n1) || die "no exit within ${STOP_TIMEOUT}s of SIGTERM"
[[ $code == 0 ]] || die "exit status after SIGTERM: $code (expected 0)"
pass "SIGTERM: exit status 0"
