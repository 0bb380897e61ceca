#!/usr/bin/env bash
# `depthbook check`'s time estimate against the real render time (issue 15, item 5): for each
# notebook, with an empty cache, `check --jobs J` then `render --jobs J --refresh`, back to back,
# ROUNDS times; prints estimate, real and real/estimate per run (target: within 1.3× either way).
# Usage: Benchmarks/estimate_bench.sh [ROUNDS] [SCALE] [NOTEBOOK…]
#   defaults: 3 rounds, scale ci, the tutorials and Benchmarks/shared-points.md.
# BIN=path/to/depthbook picks the binary (default .build/debug/depthbook, as `make test` builds).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; SCALE=${2:-ci}; shift $(( $# > 2 ? 2 : $# )) || true
BIN=${BIN:-$PWD/.build/debug/depthbook}
JOBS=${JOBS:-2}
NOTEBOOKS=("$@")
[ ${#NOTEBOOKS[@]} -gt 0 ] || NOTEBOOKS=(notebooks/0*.md Benchmarks/shared-points.md)
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
seconds() {  # "~3 s", "~2 min", "~1.5 h" summed over the report's blocks
  awk '{ while (match($0, /~[0-9.]+ (s|min|h) with/)) { t = substr($0, RSTART + 1, RLENGTH - 6); split(t, a, " ");
         s += a[1] * (a[2] == "min" ? 60 : a[2] == "h" ? 3600 : 1); $0 = substr($0, RSTART + RLENGTH) } } END { print s + 0 }'
}
printf '%-40s %5s %10s %8s %6s\n' notebook round estimate real ratio
for round in $(seq "$ROUNDS"); do
  for notebook in "${NOTEBOOKS[@]}"; do
    cp "$notebook" "$WORK/nb.md"
    "$BIN" clean "$WORK/nb.md" >/dev/null 2>&1 || true
    estimate=$("$BIN" check "$WORK/nb.md" --scale "$SCALE" --jobs "$JOBS" | seconds)
    "$BIN" clean "$WORK/nb.md" >/dev/null 2>&1 || true
    start=$(date +%s.%N)
    "$BIN" render "$WORK/nb.md" --scale "$SCALE" --jobs "$JOBS" --quiet -o "$WORK/nb.html" >/dev/null
    real=$(echo "$(date +%s.%N) - $start" | bc)
    printf '%-40s %5d %9.1fs %7.1fs %6.2f\n' "$(basename "$notebook")" "$round" "$estimate" "$real" "$(echo "$real / $estimate" | bc -l)"
  done
done
