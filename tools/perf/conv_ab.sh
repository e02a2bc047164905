#!/usr/bin/env bash
# A/B of the CPU convolution against an earlier revision, plus PyTorch, on the same machine in one go
# (docs/performance-history.md, "conv"). Compiles the convolution files of REV (default HEAD: CpuConv and
# every CpuConv*/Conv*/CpuWinograd/Winograd*/CpuUnfold file it has), each renamed with an "Old" suffix, next to
# tools/perf/conv_ab/ConvAB.java against the kernels classes in $TARGET (default target), then
# runs ROUNDS rounds of [ConvAB (old and new interleaved), torch_bench.py --only conv2d].
#
#   mvn -q -Dd4j.target=target-conv -pl kernels -am compile
#   TARGET=target-conv ROUNDS=3 tools/perf/conv_ab.sh
# The GEMM files (Gemm, GemmKernel, GemmPacking) are the working tree's for both sides; the conv
# helpers (ConvScratch, ConvRows, any Conv*.java) are REV's on the old side.
# With JAVA_OPTS=-Ddiffusion4j.threads=1, ConvAB reports CPU time of the calling thread instead.
# JAVA_OPTS (e.g. -Ddiffusion4j.conv.kc=288) reaches the JVM, for tuning runs; SHAPES (NxCxHxW,...)
# picks cases; TORCH=0 skips PyTorch; WARMUP (default 3) untimed calls of each op before the timed REPS
# (the Winograd weight gradient at 256 channels needs about 20 before C2 has compiled all of it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/ab_common.sh"
ab_setup conv_ab.sh
dir=kernels/src/main/java/diffusion4j/kernels/cpu
names="$(cd "$ab_root" && git ls-tree --name-only "${REV:-HEAD}" "$dir/" | sed -n 's,.*/\(CpuConv[A-Za-z]*\|Conv[A-Za-z0-9]*\|CpuWinograd\|Winograd[A-Za-z]*\|CpuUnfold\)\.java$,\1,p')"
# shellcheck disable=SC2086
ab_old "${REV:-HEAD}" $names
ab_compile "$here/conv_ab/ConvAB.java"
# Two threads unless JAVA_OPTS says otherwise (a later -D wins).
JAVA_OPTS="-Dab.warmup=${WARMUP:-3} ${JAVA_OPTS:-}" ab_rounds "${ROUNDS:-3}" ConvAB 2 conv2d "${REPS:-9}" ${SHAPES:-}
