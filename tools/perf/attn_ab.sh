#!/usr/bin/env bash
# A/B of the CPU attention against an earlier revision, plus PyTorch, on the same machine in one go
# (as tools/perf/conv_ab.sh does for the convolution). Compiles the attention classes of REV (default HEAD), renamed *Old, next
# to tools/perf/attn_ab/AttnAB.java against the kernels classes in $TARGET (default target), then
# runs ROUNDS rounds of [AttnAB (old and new interleaved), torch_bench.py --only attention].
#
#   mvn -q -Dd4j.target=target-attn -pl kernels -am compile
#   TARGET=target-attn ROUNDS=3 tools/perf/attn_ab.sh
#   THREADS=1 (default 2) times both sides on one thread: less exposed to a loaded machine's
#   scheduling (PyTorch keeps its 2 threads, so compare its numbers with THREADS=2 runs only).
#   TORCH=0 leaves PyTorch out; SHAPES=128x64x64 (comma-separated BxLxD) picks the cases.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/ab_common.sh"
ab_setup attn_ab.sh
# The attention classes of REV, renamed with an Old suffix, so the old side runs REV's row path too.
ab_old "${REV:-HEAD}" CpuAttention CpuAttentionRows AttentionTile AttentionTranspose
ab_compile "$here/attn_ab/AttnAB.java"
ab_rounds "${ROUNDS:-3}" AttnAB "${THREADS:-2}" attention "${REPS:-9}" ${SHAPES:-}
