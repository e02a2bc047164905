#!/usr/bin/env bash
# The one comparison command (docs/performance.md): on this machine, in one go, runs
#   1. the diffusion4j JMH benchmarks of the compared cases (benchmarks/run.sh, JSON out),
#   2. the same cases in PyTorch (tools/perf/torch_bench.py, 2 threads, OPENBLAS_CORETYPE=SKYLAKEX),
#   3. 200 UNet-stage training steps in a fresh JVM and a fresh Python process, for peak RSS,
#   4. the per-op profile of a few UNet-stage steps (where a step's time goes),
# then prints the machine and a markdown table (tools/perf/join.py). Everything is also kept under
# tools/perf/results/<date>_<time>/. About 10-12 minutes on 2 cores. Timings, not tests: nothing fails on a number.
#
#   tools/perf/compare.sh                 # everything
#   RSS_STEPS=200 tools/perf/compare.sh   # the issue's 200 steps for peak RSS (adds ~13 min at ~2 s a step per side on 2 cores)
#   RSS_HEAP= tools/perf/compare.sh       # peak RSS under the JVM's default heap policy instead of -Xmx512m
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/results/$(date +%Y-%m-%d_%H%M%S)"
mkdir -p "$out"
rss_steps="${RSS_STEPS:-40}"
# The RSS run's heap setting, as a JVM app would be configured: without a cap the default max heap
# is 1/4 of RAM and G1 (or Serial/Parallel/ZGC, worse) grows towards it before collecting, so the
# peak measured heap policy (1.2-2.1 GiB with G1, 2.5-5.3 GiB with Parallel/Serial/ZGC), not need.
# The step's live set peaks at 170-190 MiB (heap after full GC); the JVM adds ~170 MiB outside the
# heap. At 512m the peak was 630-690 MiB and the step time within this machine's noise of uncapped
# (quiet paired runs 436-482 vs 432-457 ms); 384m and 256m cost 15-30% more CPU in GC; 192m fails.
rss_heap="${RSS_HEAP--Xmx512m}"
python=/usr/bin/python3
export OPENBLAS_CORETYPE=SKYLAKEX

# PyTorch must multiply on OpenBLAS: Debian's torch links the generic libblas.so.3, and the
# default alternative for it is the netlib reference BLAS (10-70x slower), which made the first
# comparison's GEMM-bound ratios meaningless. Install and select OpenBLAS when missing (as .ci/run
# does for its packages), then check what torch really loads and how fast it multiplies.
blas_alt=libblas.so.3-x86_64-linux-gnu
openblas_lib=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  echo "compare.sh: installing libopenblas0-pthread (PyTorch's BLAS)" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-pthread >/dev/null 2>&1 \
    || { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
         && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-pthread >/dev/null; } \
    || { echo "compare.sh: could not install libopenblas0-pthread; install it by hand" >&2; exit 1; }
fi
if [[ "$(update-alternatives --query "$blas_alt" 2>/dev/null | sed -n 's/^Value: //p')" != "$openblas_lib" ]]; then
  echo "compare.sh: selecting $openblas_lib for $blas_alt" >&2
  $SUDO update-alternatives --set "$blas_alt" "$openblas_lib" >&2
fi
blas_line="$("$python" "$here/torch_bench.py" --check-blas)" || {
  echo "compare.sh: refusing to compare against PyTorch on the reference BLAS (see above)" >&2; exit 1; }
echo "compare.sh: $blas_line" >&2

. "$root/tools/find_java.sh"
java="$(find_java)" || { echo "compare.sh: no JDK 25 found" >&2; exit 1; }

{
  echo "## Machine"
  echo
  echo '```'
  lscpu | grep -E '^(Model name|CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|L2 cache|L3 cache|Flags)' \
    | sed -E 's/^(Flags:\s+).*/\1(avx512f: '"$(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)"', fma: '"$(grep -qw fma /proc/cpuinfo && echo yes || echo no)"')/'
  echo "memory: $(free -g | awk '/^Mem:/ {print $2}') GiB; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$java" -version 2>&1
  echo "torch $($python -c 'import torch; print(torch.__version__)'), $(python3 --version 2>&1), OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE, torch threads 2"
  echo "$blas_line"
  echo '```'
} | tee "$out/machine.md"

echo "compare.sh: JMH (diffusion4j) ..." >&2
"$root/benchmarks/run.sh" --json "$out/jmh.json" \
  'GemmBenchmark.matmul$' 'Conv2dBenchmark' 'GroupNormBenchmark.forwardBackward(Scoped)?$' 'AttentionBenchmark.forwardBackward(Scoped)?$' \
  'UNetStepBenchmark' 'FmaPeakBenchmark' -p size=1024,2048 > "$out/jmh.log" 2>&1 \
  || { tail -30 "$out/jmh.log" >&2; exit 1; }

echo "compare.sh: PyTorch ..." >&2
"$python" "$here/torch_bench.py" --json "$out/torch.json" 2> "$out/torch.log"

jar="$root/benchmarks/target/benchmarks.jar"
jvm=("$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$jar")
echo "compare.sh: peak RSS over $rss_steps steps (JVM heap: ${rss_heap:-default}) ..." >&2
"${jvm[@]}" $rss_heap diffusion4j.benchmarks.UNetStepRunner rss "$rss_steps" 2>/dev/null | tail -1 > "$out/java_rss.json"
"$python" "$here/torch_bench.py" --rss "$rss_steps" > "$out/torch_rss.json"

echo "compare.sh: per-op profile ..." >&2
"${jvm[@]}" diffusion4j.benchmarks.UNetStepRunner profile 3 2>/dev/null > "$out/profile.md"

{
  echo
  echo "## Results"
  echo
  "$python" "$here/join.py" "$out/jmh.json" "$out/torch.json" "$out/java_rss.json" "$out/torch_rss.json"
  echo
  echo "## Per-op profile of the UNet-stage step (diffusion4j, cpu)"
  echo
  cat "$out/profile.md"
} | tee "$out/results.md"
echo "compare.sh: all outputs in $out" >&2
