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
root="$(cd "$here/../.." && pwd)"
rev="${REV:-HEAD}" target="${TARGET:-target}" rounds="${ROUNDS:-3}" reps="${REPS:-9}" threads="${THREADS:-2}"
. "$root/tools/find_java.sh"
java="$(find_java)" || { echo "attn_ab.sh: no JDK 25 found" >&2; exit 1; }
java="$(dirname "$java")" # the bin folder: javac and java
cp="$root/kernels/$target/classes:$root/tensor/$target/classes"
[[ -d "$root/kernels/$target/classes" ]] || { echo "attn_ab.sh: build first: mvn -q -Dd4j.target=$target -pl kernels -am compile" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/diffusion4j/kernels/cpu" "$work/out"
# The attention classes of REV, each renamed with an Old suffix (and its references to the others), so
# the old side runs REV's row path too and not the working tree's.
rename='s/\bCpuAttention\b/CpuAttentionOld/g; s/\bCpuAttentionRows\b/CpuAttentionRowsOld/g; s/\bAttentionTile\b/AttentionTileOld/g; s/\bAttentionTranspose\b/AttentionTransposeOld/g'
for cls in CpuAttention CpuAttentionRows AttentionTile AttentionTranspose; do
  src="kernels/src/main/java/diffusion4j/kernels/cpu/$cls.java"
  (cd "$root" && git cat-file -e "$rev:$src" 2>/dev/null) || continue
  (cd "$root" && git show "$rev:$src") | sed "$rename" > "$work/src/diffusion4j/kernels/cpu/${cls}Old.java"
done
cp "$here/attn_ab/AttnAB.java" "$work/src/diffusion4j/kernels/cpu/"
"$java/javac" -nowarn --add-modules jdk.incubator.vector -cp "$cp" -d "$work/out" "$work"/src/diffusion4j/kernels/cpu/*.java 2>&1 | grep -v -i warning || true
export OPENBLAS_CORETYPE=SKYLAKEX
for ((i = 1; i <= rounds; i++)); do
  echo "## round $i, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "$java/java" --add-modules jdk.incubator.vector -Ddiffusion4j.threads="$threads" -cp "$work/out:$cp" diffusion4j.kernels.cpu.AttnAB "$reps" ${SHAPES:-} 2>&1 | grep -v WARNING
  [[ "${TORCH:-1}" == 0 ]] || /usr/bin/python3 "$here/torch_bench.py" --only attention 2>&1 >/dev/null | grep '^# torch'
done
