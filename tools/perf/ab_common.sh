# Shared by tools/perf/conv_ab.sh and attn_ab.sh (sourced; set -euo pipefail is the caller's).
# ab_setup NAME: finds JDK 25 ($ab_java, its bin folder), checks the build in $TARGET (default
# target) and makes a work folder ($ab_work, removed on exit) with src/ and out/.
# ab_old REV NAMES...: writes each kernels/cpu NAME.java of REV that exists as NAMEOld.java, with
# every NAME renamed, so the old side runs REV's code throughout and not the working tree's.
# ab_compile HARNESS.java: compiles the old sources, the harness and AbCheck against the build.
# ab_rounds ROUNDS MAIN THREADS TORCH_CASE ARGS...: runs ROUNDS rounds of [MAIN, torch_bench.py --only TORCH_CASE].
ab_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ab_root="$(cd "$ab_here/../.." && pwd)"

ab_setup() {
  local name="$1" target="${TARGET:-target}"
  . "$ab_root/tools/find_java.sh"
  ab_java="$(find_java)" || { echo "$name: no JDK 25 found" >&2; exit 1; }
  ab_java="$(dirname "$ab_java")" # the bin folder: javac and java
  ab_cp="$ab_root/kernels/$target/classes:$ab_root/tensor/$target/classes"
  [[ -d "$ab_root/kernels/$target/classes" ]] || { echo "$name: build first: mvn -q -Dd4j.target=$target -pl kernels -am compile" >&2; exit 1; }
  ab_work="$(mktemp -d)"
  trap 'rm -rf "$ab_work"' EXIT
  mkdir -p "$ab_work/src/diffusion4j/kernels/cpu" "$ab_work/out"
}

ab_old() {
  local rev="$1"; shift
  local dir=kernels/src/main/java/diffusion4j/kernels/cpu rename="" n
  for n in "$@"; do rename="$rename s/\\b$n\\b/${n}Old/g;"; done
  for n in "$@"; do
    (cd "$ab_root" && git cat-file -e "$rev:$dir/$n.java" 2>/dev/null) || continue
    (cd "$ab_root" && git show "$rev:$dir/$n.java") | sed "$rename" > "$ab_work/src/diffusion4j/kernels/cpu/${n}Old.java"
  done
}

ab_compile() {
  cp "$1" "$ab_here/ab_common/AbCheck.java" "$ab_work/src/diffusion4j/kernels/cpu/"
  "$ab_java/javac" -nowarn --add-modules jdk.incubator.vector -cp "$ab_cp" -d "$ab_work/out" "$ab_work"/src/diffusion4j/kernels/cpu/*.java 2>&1 | grep -v -i warning || true
}

ab_rounds() {
  local rounds="$1" main="$2" threads="$3" torch_case="$4" i; shift 4
  export OPENBLAS_CORETYPE=SKYLAKEX
  for ((i = 1; i <= rounds; i++)); do
    echo "## round $i, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    "$ab_java/java" --add-modules jdk.incubator.vector -Ddiffusion4j.threads="$threads" ${JAVA_OPTS:-} -cp "$ab_work/out:$ab_cp" "diffusion4j.kernels.cpu.$main" "$@" 2>&1 | grep -v WARNING
    [[ "${TORCH:-1}" == 0 ]] || /usr/bin/python3 "$ab_here/torch_bench.py" --only "$torch_case" 2>&1 >/dev/null | grep '^# torch'
  done
}
