#!/usr/bin/env bash
# The one comparison command (docs/performance.md): on this machine, in one go, runs
#   1. ROUNDS rounds (default 3), each of
#      a. the diffusion4j JMH benchmarks of the compared cases (benchmarks/run.sh, JSON out),
#      b. the same cases in PyTorch (tools/perf/torch_bench.py, 2 threads, OPENBLAS_CORETYPE=SKYLAKEX),
#      the two sides taking turns to go first, so a slow spell of this shared machine falls on
#      both sides of some round rather than on one side of the whole comparison;
#   2. 200 UNet-stage training steps in a fresh JVM and a fresh Python process, for peak RSS,
#   3. the per-op profile of a few UNet-stage steps (where a step's time goes),
# then prints the machine and a markdown table (tools/perf/join.py): per case the median over the
# rounds of each side's median, and the median and range of the rounds' ratios. Everything is also
# kept under tools/perf/results/<date>_<time>/. About 12-15 minutes on 2 cores. Timings, not tests:
# nothing fails on a number.
#
#   tools/perf/compare.sh                 # everything
#   RSS_STEPS=200 tools/perf/compare.sh   # the issue's 200 steps for peak RSS
#   RSS_HEAP= tools/perf/compare.sh       # peak RSS under the JVM's default heap policy instead of -Xmx512m
#   ROUNDS=1 JMH_ITER="-wi 3 -i 5 -r 2s" tools/perf/compare.sh   # one long round, as before the tenth session
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/results/$(date +%Y-%m-%d_%H%M%S)"
mkdir -p "$out"
rss_steps="${RSS_STEPS:-40}"
rounds="${ROUNDS:-3}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: ROUNDS must be a positive integer, got '$rounds'" >&2; exit 2; }
# JMH iterations per round (the benchmark classes' own defaults are 3 x 1 s warm-up, 5 x 2 s), in
# sample-time mode: every call is timed and join.py takes the median call, the statistic
# torch_bench.py gives for PyTorch. (The average-time mode's iteration means carry each
# iteration's GC pauses and other outliers, which PyTorch's median drops.)
read -r -a jmh_iter <<< "${JMH_ITER:--wi 2 -w 1s -i 4 -r 1s}"
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

run_jmh() {
  echo "compare.sh: round $1 of $rounds: JMH (diffusion4j) ..." >&2
  "$root/benchmarks/run.sh" --json "$out/jmh.$1.json" \
    'GemmBenchmark.matmul(Scoped)?$' 'Conv2dBenchmark' 'GroupNormBenchmark.forwardBackward(Scoped)?$' 'AttentionBenchmark.forwardBackward(Scoped)?$' \
    'UNetStepBenchmark' 'FmaPeakBenchmark' -p size=1024,2048 -bm sample -tu ms "${jmh_iter[@]}" > "$out/jmh.$1.log" 2>&1 \
    || { tail -30 "$out/jmh.$1.log" >&2; exit 1; }
}
run_torch() {
  echo "compare.sh: round $1 of $rounds: PyTorch ..." >&2
  "$python" "$here/torch_bench.py" --json "$out/torch.$1.json" 2> "$out/torch.$1.log" \
    || { tail -30 "$out/torch.$1.log" >&2; exit 1; }
}
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then run_jmh "$r"; run_torch "$r"; else run_torch "$r"; run_jmh "$r"; fi
done

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
  jmh_files=() torch_files=()
  for ((r = 1; r <= rounds; r++)); do jmh_files+=("$out/jmh.$r.json"); torch_files+=("$out/torch.$r.json"); done
  "$python" "$here/join.py" --jmh "${jmh_files[@]}" --torch "${torch_files[@]}" --rss "$out/java_rss.json" "$out/torch_rss.json"
  echo
  echo "## Per-op profile of the UNet-stage step (diffusion4j, cpu)"
  echo
  cat "$out/profile.md"
} | tee "$out/results.md"
echo "compare.sh: all outputs in $out" >&2
