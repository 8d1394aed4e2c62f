#!/usr/bin/env bash
# Build-time step of the image (Dockerfile): writes /opt/rampart/rampart.jsa, a class data sharing
# archive of the classes a start and the first requests load, by starting the proxy once with the
# image's own JVM and flags, sending it a few requests and stopping it. Every later start maps the
# archive instead of loading and verifying those classes again: about a third less time to the first
# served request and ~15 MB less resident memory (docs/deployment.md). The archive belongs to this
# java build; a JVM that cannot use it ignores it and starts as without it.
#
# Usage (in the Dockerfile, as root, before USER): cds-archive.sh <java flags...>
set -euo pipefail

archive=/opt/rampart/rampart.jsa
# The proxy is its own upstream here: the admin port answers /readyz and /metrics, so the requests
# below go through the whole forwarding path, pooled connection and relayed response included.
export RAMPART_UPSTREAM=127.0.0.1:9901 RAMPART_PORT=8080 RAMPART_ADMIN_PORT=9901

java "$@" -XX:ArchiveClassesAtExit="$archive" -jar /opt/rampart/rampart.jar --config /etc/rampart/proxy.conf \
    > /tmp/cds-training.log 2>&1 &
pid=$!

ready=0
for _ in $(seq 1 150); do
  if curl -fs -o /dev/null --max-time 1 http://127.0.0.1:9901/readyz; then
    ready=1
    break
  fi
  sleep 0.2
done
if [[ "$ready" != 1 ]]; then
  echo "cds-archive: the proxy did not become ready; its output:" >&2
  cat /tmp/cds-training.log >&2
  exit 1
fi

for path in /readyz /metrics /no-such-page /readyz; do
  curl -s -o /dev/null --max-time 5 "http://127.0.0.1:8080$path"
done
curl -s -o /dev/null --max-time 5 -X POST -H 'Content-Type: application/json' -d '{"a":1}' \
    http://127.0.0.1:8080/readyz

kill -TERM "$pid"
wait "$pid" || true # the exit status of a drained stop; the archive is checked below
if [[ ! -s "$archive" ]]; then
  echo "cds-archive: no archive was written; the proxy's output:" >&2
  cat /tmp/cds-training.log >&2
  exit 1
fi
chmod 444 "$archive"
rm -rf /tmp/cds-training.log /tmp/hsperfdata_* /tmp/*netty*
echo "cds-archive: $(stat -c %s "$archive") bytes in $archive"
