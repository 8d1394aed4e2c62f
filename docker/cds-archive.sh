#!/usr/bin/env bash
# Build-time step of the image (Dockerfile): writes /opt/rampart/rampart.jsa, a class data sharing
# archive of the classes a start and the first requests load, by starting the proxy once with the
# image's own JVM and flags, sending it a few requests and stopping it. Every later start maps the
# archive instead of loading and verifying those classes again (docs/deployment.md has the figures).
# The archive belongs to this java build and its compressed-pointer setting; a JVM that cannot use it
# ignores it and starts as without it.
#
# Usage (in the Dockerfile, as root, before USER): cds-archive.sh <java flags...>
set -euo pipefail

archive=/opt/rampart/rampart.jsa
log=/tmp/cds-training.log
# The proxy is its own upstream here: the admin port answers /readyz and /metrics, so the requests
# below go through the whole forwarding path, pooled connection and relayed response included. Loopback
# and ports of its own: a build may share the host's network (docker build --network host).
export RAMPART_UPSTREAM=127.0.0.1:39901 RAMPART_PORT=38080 RAMPART_ADMIN_PORT=39901 RAMPART_ADMIN_HOST=127.0.0.1

fail() {
  echo "cds-archive: $1; the proxy's output:" >&2
  cat "$log" >&2 || true
  kill -KILL "$pid" 2>/dev/null || true
  exit 1
}

# -XX:MaxRAM=1g: the build runs without a memory limit, and on a host of 43 GB or more 75 % of it is a heap
# past 32 GB, which turns compressed pointers off; an archive made so is refused by every JVM that has them,
# that is, by the image in any container with a memory limit below that. Only the training run gets it.
java "$@" -XX:MaxRAM=1g -XX:ArchiveClassesAtExit="$archive" -jar /opt/rampart/rampart.jar \
    --config /etc/rampart/proxy.conf > "$log" 2>&1 &
pid=$!

ready=0
for _ in $(seq 1 150); do
  kill -0 "$pid" 2>/dev/null || fail "the proxy exited before it was ready"
  if curl -fs -o /dev/null --max-time 1 http://127.0.0.1:39901/readyz; then
    ready=1
    break
  fi
  sleep 0.2
done
[[ "$ready" == 1 ]] || fail "the proxy did not become ready in 30 s"

for path in /readyz /metrics /no-such-page /readyz; do
  curl -s -o /dev/null --max-time 5 "http://127.0.0.1:38080$path" || fail "GET $path through the proxy failed"
done
curl -s -o /dev/null --max-time 5 -X POST -H 'Content-Type: application/json' -d '{"a":1}' \
    http://127.0.0.1:38080/readyz || fail "a POST through the proxy failed"

kill -TERM "$pid"
wait "$pid" || true # the exit status of a drained stop; the archive is checked below
[[ -s "$archive" ]] || fail "no archive was written"
chmod 444 "$archive"
rm -rf "$log" /tmp/hsperfdata_* /tmp/*netty*
echo "cds-archive: $(stat -c %s "$archive") bytes in $archive"
