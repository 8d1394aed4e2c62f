#!/usr/bin/env bash
# Builds proxy-core and the benchmarks (a module of the root build) and runs them with the GC profiler.
# Extra arguments go to JMH, e.g. `./run.sh RouterBenchmark`. The short default run (one fork, 3 warm-up
# and 5 measured one-second iterations) is replaced by JMH_OPTS, e.g. JMH_OPTS="-f 2 -wi 5 -i 10".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# One reactor run, so that the benchmarks' classpath takes proxy-core from this build, not a local repository.
(cd "$root" && mvn -B -o -q -DskipTests package dependency:build-classpath -pl proxy-core,bench/jmh \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime)

cp="$here/target/classes:$(cat "$here/target/classpath.txt")"
# shellcheck disable=SC2086  # JMH_OPTS is a list of options
exec java -cp "$cp" org.openjdk.jmh.Main -prof gc ${JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s} -rf text \
    -rff "$here/target/jmh-result.txt" "$@"
