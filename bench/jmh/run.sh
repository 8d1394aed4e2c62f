#!/usr/bin/env bash
# Builds proxy-core, compiles the benchmarks against its jar and runs them with the GC profiler.
# Extra arguments go to JMH, e.g. `./run.sh RouterBenchmark`. The short default run (one fork, 3 warm-up
# and 5 measured one-second iterations) is replaced by JMH_OPTS, e.g. JMH_OPTS="-f 2 -wi 5 -i 10".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

(cd "$root" && mvn -B -o -q -DskipTests package -pl proxy-core)
(cd "$here" && mvn -B -o -q compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime)

cp="$here/target/classes:$root/proxy-core/target/proxy-core-0.1.0-SNAPSHOT.jar:$(cat "$here/target/classpath.txt")"
# shellcheck disable=SC2086  # JMH_OPTS is a list of options
exec java -cp "$cp" org.openjdk.jmh.Main -prof gc ${JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s} -rf text \
    -rff "$here/target/jmh-result.txt" "$@"
