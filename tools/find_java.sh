# Sourced by benchmarks/run.sh and tools/perf/*.sh: find_java prints the path of a JDK 25+ `java`.
# The default java may be older; the kernels need JDK 25 (Vector API). Takes $JAVA_HOME when it
# is 25 or newer, else the first JDK 25+ under /usr/lib/jvm; returns 1 when there is none.
find_java() {
  local cand v
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [[ -n "$cand" && -x "$cand/bin/java" ]] || continue
    v="$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
    if [[ -n "$v" && "${v%%.*}" -ge 25 ]]; then
      echo "$cand/bin/java"
      return 0
    fi
  done
  return 1
}
