#!/usr/bin/env bash
# Runs the JMH benchmarks (docs/benchmarks.md). Builds benchmarks/target/benchmarks.jar first when it
# is missing or older than the sources, then runs every benchmark (or those matching the regexes you
# pass) with the defaults in the benchmark classes: 1 fork, 3 x 1 s warm-up, 5 x 2 s measurement.
#
#   benchmarks/run.sh                                  # everything, JSON to benchmarks/results/<date>.json
#   benchmarks/run.sh Gemm -p size=1024                # a regex and a parameter, passed through to JMH
#   benchmarks/run.sh --json /tmp/r.json Conv2d.forward -wi 1 -i 1 -r 1s
#   benchmarks/run.sh --rebuild -p device=reference    # force a rebuild; time another backend
#   benchmarks/run.sh -p device=cpu,opencl:0 Gemm      # OpenCL too (validated against the cpu backend)
#   (the GPU suite's command line is in docs/benchmarks.md, "The GPU suite")
#
# Own options (must come first): --json PATH (where JMH's JSON goes), --rebuild. Everything else
# goes to JMH unchanged (`benchmarks/run.sh -h` lists JMH's options).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
json=""
rebuild=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --json) json="${2:?--json needs a path}"; shift 2 ;;
    --rebuild) rebuild=1; shift ;;
    *) break ;;
  esac
done

. "$root/tools/find_java.sh"
java="$(find_java)" || { echo "run.sh: no JDK 25 found (set JAVA_HOME or install one under /usr/lib/jvm)" >&2; exit 1; }

stale() {
  [[ ! -f "$jar" ]] && return 0
  [[ -n "$(find "$root/pom.xml" "$root"/{tensor,kernels,autograd,models,benchmarks}/pom.xml "$root"/{tensor,kernels,autograd,models,benchmarks}/src \
            -newer "$jar" -type f -print -quit 2>/dev/null)" ]]
}
if [[ $rebuild == 1 ]] || stale; then
  echo "run.sh: building $jar" >&2
  (cd "$root" && mvn -B -q -pl benchmarks -am package -DskipTests)
fi

if [[ -z "$json" ]]; then
  mkdir -p "$here/results"
  json="$here/results/$(date +%Y-%m-%d_%H%M%S).json"
else
  mkdir -p "$(dirname "$json")"
fi
echo "run.sh: $java; JSON results to $json" >&2

# FlopProfiler adds the gflops secondary result; --add-modules also covers in-process runs (-f 0).
exec "$java" --add-modules jdk.incubator.vector -jar "$jar" \
  -rf json -rff "$json" -prof diffusion4j.benchmarks.FlopProfiler "$@"
