#!/usr/bin/env bash
# A/B of the CPU convolution against an earlier revision, plus PyTorch, on the same machine in one go
# (docs/performance.md, "conv"). Compiles the convolution files of REV (default HEAD: CpuConv and
# every CpuConv*/Conv*/CpuWinograd/CpuUnfold file it has), each renamed with an "Old" suffix, next to
# tools/perf/conv_ab/ConvAB.java against the kernels classes in $TARGET (default target), then
# runs ROUNDS rounds of [ConvAB (old and new interleaved), torch_bench.py --only conv2d].
#
#   mvn -q -Dd4j.target=target-conv -pl kernels -am compile
#   TARGET=target-conv ROUNDS=3 tools/perf/conv_ab.sh
# The GEMM files (Gemm, GemmKernel, GemmPacking) are the working tree's for both sides; the conv
# helpers (ConvScratch, ConvRows, any Conv*.java) are REV's on the old side.
# With JAVA_OPTS=-Ddiffusion4j.threads=1, ConvAB reports CPU time of the calling thread instead.
# JAVA_OPTS (e.g. -Ddiffusion4j.conv.kc=288) reaches the JVM, for tuning runs; SHAPES (NxCxHxW,...)
# picks cases; TORCH=0 skips PyTorch.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rev="${REV:-HEAD}" target="${TARGET:-target}" rounds="${ROUNDS:-3}" reps="${REPS:-9}"
. "$root/tools/find_java.sh"
java="$(find_java)" || { echo "conv_ab.sh: no JDK 25 found" >&2; exit 1; }
java="$(dirname "$java")" # the bin folder: javac and java
cp="$root/kernels/$target/classes:$root/tensor/$target/classes"
[[ -d "$root/kernels/$target/classes" ]] || { echo "conv_ab.sh: build first: mvn -q -Dd4j.target=$target -pl kernels -am compile" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/diffusion4j/kernels/cpu" "$work/out"
dir=kernels/src/main/java/diffusion4j/kernels/cpu
names="$(cd "$root" && git ls-tree --name-only "$rev" "$dir/" | sed -n 's,.*/\(CpuConv[A-Za-z]*\|Conv[A-Za-z0-9]*\|CpuWinograd\|CpuUnfold\)\.java$,\1,p')"
rename=""
for n in $names; do rename="$rename s/\\b$n\\b/${n}Old/g;"; done
for n in $names; do
  (cd "$root" && git show "$rev:$dir/$n.java") | sed "$rename" > "$work/src/diffusion4j/kernels/cpu/${n}Old.java"
done
cp "$here/conv_ab/ConvAB.java" "$work/src/diffusion4j/kernels/cpu/"
"$java/javac" -nowarn --add-modules jdk.incubator.vector -cp "$cp" -d "$work/out" "$work"/src/diffusion4j/kernels/cpu/*.java 2>&1 | grep -v -i warning || true
export OPENBLAS_CORETYPE=SKYLAKEX
for ((i = 1; i <= rounds; i++)); do
  echo "## round $i, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "$java/java" --add-modules jdk.incubator.vector -Ddiffusion4j.threads=2 ${JAVA_OPTS:-} -cp "$work/out:$cp" diffusion4j.kernels.cpu.ConvAB "$reps" ${SHAPES:-} 2>&1 | grep -v WARNING
  [[ "${TORCH:-1}" == 0 ]] || /usr/bin/python3 "$here/torch_bench.py" --only conv2d 2>&1 >/dev/null | grep '^# torch'
done
