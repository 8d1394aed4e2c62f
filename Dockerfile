# Rampart container image: a Maven build stage, then a JRE-only runtime that runs the fat jar
# (proxy-server/target/rampart.jar) as an unprivileged user.
#
# Build (from the repository root):
#   podman build --format docker -t rampart:latest .
#   docker build -t rampart:latest .
#   (--format docker keeps the HEALTHCHECK: podman's default OCI image format has no such field.)
#
# Run, with the app it fronts listening on the host's port 8081 (on 0.0.0.0: the host's gateway name
# below does not reach an app bound to 127.0.0.1 alone):
#   podman run --rm --name rampart -p 8080:8080 -p 127.0.0.1:9901:9901 \
#       -e RAMPART_UPSTREAM=host.containers.internal:8081 --stop-timeout 30 rampart:latest
#   (docker: -e RAMPART_UPSTREAM=host.docker.internal:8081 --add-host host.docker.internal:host-gateway)
#
# Own config: -v ./proxy.conf:/etc/rampart/proxy.conf:ro   Validate it: append `--check --config
# /etc/rampart/proxy.conf` to the run command (the arguments replace CMD).
#
# Stop timeout: SIGTERM starts a drain of up to server.shutdown-grace (20s); docker and podman
# send SIGKILL after 10s unless told otherwise, hence --stop-timeout 30 (compose: stop_grace_period).
#
# docs/deployment.md has the details, the environment variables and what was verified where.

# ---------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build

WORKDIR /build

# The local repository lives outside /root/.m2: some maven image versions declared
# VOLUME /root/.m2, and a RUN step's writes to a volume path are discarded with the layer.
ARG MAVEN_REPO=/var/cache/maven

# Dependency cache layer. Only the POMs are copied, then the whole reactor is packaged with no
# sources at all: every module compiles nothing and jars up an empty jar (and proxy-core an empty
# test-jar), which is exactly what lets proxy-server resolve its proxy-core dependency from the
# reactor. That downloads every dependency and every plugin the real package run below needs.
# (`mvn dependency:go-offline` does not work here: it resolves proxy-server's dependencies
# without building proxy-core, finds dev.rampart:proxy-core in no repository, and it also misses
# plugin dependencies that are resolved lazily.) This layer is rebuilt only when a POM changes.
COPY pom.xml ./
COPY proxy-core/pom.xml proxy-core/
COPY proxy-server/pom.xml proxy-server/
RUN mvn -B -q -Dmaven.repo.local=${MAVEN_REPO} -DskipTests package \
 && rm -rf proxy-core/target proxy-server/target

COPY proxy-core/src proxy-core/src
COPY proxy-server/src proxy-server/src
# Tests are not run here: they run in CI (`mvn -B verify`, .ci/run) on the same sources.
RUN mvn -B -Dmaven.repo.local=${MAVEN_REPO} -DskipTests package

# ---------------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

LABEL org.opencontainers.image.title="rampart" \
      org.opencontainers.image.description="Rampart: a resilient HTTP reverse proxy on Netty"

# A fixed numeric uid/gid, so that Kubernetes' runAsNonRoot can verify it and file ownership on
# mounted volumes is predictable. No home directory and no login shell: the process needs neither.
RUN groupadd --gid 10001 rampart \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin rampart

# Root-owned and read-only for the proxy user: it reads its jar and config, it writes nothing
# but /tmp (Netty unpacks its native io_uring and epoll libraries there; the JVM keeps hsperfdata there).
COPY --from=build /build/proxy-server/target/rampart.jar /opt/rampart/rampart.jar
COPY docker/proxy.conf /etc/rampart/proxy.conf

# Class data sharing: start the proxy once, here, with the ENTRYPOINT's JVM flags, and keep an archive
# of the classes a start and the first requests load (/opt/rampart/rampart.jsa, ~23 MB). Each start
# then maps it rather than loading and verifying them: the first request is served in about half the
# time (1.6 s -> 0.9 s measured) with ~11 MB less resident memory (docs/deployment.md). The script is
# not kept in the image.
COPY docker/cds-archive.sh /tmp/cds-archive.sh
RUN bash /tmp/cds-archive.sh -XX:MaxRAMPercentage=75 -Xms64m -Xmn32m -XX:MetaspaceSize=64m -XX:+UseSerialGC \
        -XX:+ExitOnOutOfMemoryError \
 && rm /tmp/cds-archive.sh

WORKDIR /opt/rampart
USER 10001:10001

# 8080: client traffic (RAMPART_PORT). 9901: admin — /healthz, /readyz, /metrics (RAMPART_ADMIN_PORT).
EXPOSE 8080 9901

# /healthz is 200 while the process runs. curl is in both the real eclipse-temurin JRE images
# (installed there "for historical reasons") and the local stand-ins. On a base without curl or
# wget, this works with bash alone:
#   CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${RAMPART_ADMIN_PORT:-9901} && printf "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" >&3 && head -n1 <&3 | grep -q " 200 "'
# Kubernetes ignores HEALTHCHECK and uses its own probes (deploy/kubernetes/).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:${RAMPART_ADMIN_PORT:-9901}/healthz" || exit 1

# JVM flags:
# -XX:MaxRAMPercentage=75   heap ceiling = 75% of the container's memory limit. It is a ceiling, not
#                           a reservation: the heap grows only as the live set needs. Netty's direct
#                           memory is off heap; the JVM would let it reach the same size again (150% of
#                           the limit together: 800 held 1 MiB uploads got a 256 MiB container
#                           OOM-killed), so unless -XX:MaxDirectMemorySize is given Rampart holds it to
#                           40% of the limit, where a request past it gets a 503 envelope.
# -Xms64m                   start with a small heap and let it grow as needed. Without it the JVM
#                           starts at 1/64 of the memory it sees: small in a container, but on a large
#                           host (24 GiB: 384 MiB) the first young generation alone is touched in full
#                           before the first collection and the resident set passes 200 MB for nothing.
# -Xmn32m                   a fixed young generation (26 MB of eden) for the ~9 KB of short-lived heap
#                           each proxied request makes. The JVM's own choice at a small heap is a 10 MB
#                           one, collected 20-40 times a second under load, each time stopping the event
#                           loops for 1-2 ms on a busy 2-CPU machine: 2-8 % of the time, and the requests
#                           in flight then wait. With 32 MB: about ten collections a second of the same
#                           length, 5-6 % more requests/s and 5-8 % less CPU per request (48 MB measured
#                           no better; docs/performance.md, "Throughput work"), for ~20 MB more resident
#                           memory (idle: ~109 MB against ~97 with -Xms32m alone). -Xms64m leaves the old
#                           generation 32 MB to start with: with 16 (-Xms48m) the few objects that live
#                           long enough to be promoted filled it about once a minute under load, each time
#                           a ~30 ms full collection; with 32, none in four minutes. -Xmn fits in -Xms, so
#                           the JVM has nothing to warn of (its warnings go to stdout, the access log's
#                           stream). The heap is never below 64 MB; give the container 256 MiB or more
#                           (384 MiB in the manifests; up to ~190 MB resident under benchmark load).
# -XX:MetaspaceSize=64m     the class metadata size at which the JVM first collects to unload classes.
#                           The default (~21 MB) is passed by the classes the first requests load (~22 MB
#                           in all), so every start made one full collection, ~30 ms with the event loops
#                           stopped, about half a second into serving; no class is ever unloaded here.
#                           A threshold, not a reservation: nothing more is committed.
# -XX:+UseSerialGC          Rampart keeps little on the heap for long (config, routes, breaker windows,
#                           meters); request and response bytes sit in Netty's pooled direct buffers.
#                           With a heap of a few hundred MB and the 1-2 CPUs a sidecar gets, Serial's
#                           young collections take milliseconds, it runs no concurrent GC threads, and
#                           it has the smallest native footprint (G1's remembered sets, card tables and
#                           marking bitmaps cost tens of MB at this size), which is what the
#                           < 200 MB RSS target needs. The JVM would pick Serial by itself below 2 CPUs
#                           or 1792 MB; naming it keeps behaviour the same when a pod gets more.
#                           Prefer -XX:+UseG1GC for heaps beyond ~2 GB on many cores (edge deployment).
# -XX:+ExitOnOutOfMemoryError  a JVM that hit an OutOfMemoryError is in an unknown state: exit and let
#                           the orchestrator restart it rather than limp on. (Netty's own
#                           OutOfDirectMemoryError is thrown by Netty, not the JVM, and fails only the
#                           request that needed the buffer.)
# -XX:SharedArchiveFile=/opt/rampart/rampart.jsa  the class data sharing archive made above. A JVM that
#                           cannot use it (another java build; compressed pointers off, as with a heap
#                           past 32 GB: no memory limit on a host of 43 GB or more) starts as without it,
#                           silently. The other flags may change (another collector included).
# Extra flags go in JDK_JAVA_OPTIONS (read by the java launcher, placed before these); to change one of
# these seven, override the entrypoint.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Xms64m", "-Xmn32m", "-XX:MetaspaceSize=64m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-XX:SharedArchiveFile=/opt/rampart/rampart.jsa", "-jar", "/opt/rampart/rampart.jar"]
CMD ["--config", "/etc/rampart/proxy.conf"]
