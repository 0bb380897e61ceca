#!/usr/bin/env bash
# `depthbook check`'s time estimate against the real render time (issue 15, items 1 and 5): for
# each notebook, on an empty cache, `check --jobs J` then `render --jobs J`, back to back, ROUNDS
# times; prints check's own time, its estimate (the report's `render: ~…` line), the real render
# time and real/estimate per run (target: within 1.3× either way), then each notebook's spread.
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
seconds() {  # the report's "render: ~3.2 s with 2 jobs" line ("~2 min", "~1.5 h")
  awk '/^  render: ~/ { split(substr($2, 2) " " $3, a, " "); print a[1] * (a[2] == "min" ? 60 : a[2] == "h" ? 3600 : 1); found = 1 }
       END { if (!found) print 0 }'
}
printf '%-40s %5s %7s %10s %8s %6s\n' notebook round check estimate real ratio
RATIOS=$WORK/ratios; : > "$RATIOS"
for round in $(seq "$ROUNDS"); do
  for notebook in "${NOTEBOOKS[@]}"; do
    cp "$notebook" "$WORK/nb.md"
    "$BIN" clean "$WORK/nb.md" >/dev/null 2>&1 || true
    start=$(date +%s.%N)
    estimate=$("$BIN" check "$WORK/nb.md" --scale "$SCALE" --jobs "$JOBS" | seconds)
    checked=$(echo "$(date +%s.%N) - $start" | bc)
    "$BIN" clean "$WORK/nb.md" >/dev/null 2>&1 || true
    start=$(date +%s.%N)
    "$BIN" render "$WORK/nb.md" --scale "$SCALE" --jobs "$JOBS" --quiet -o "$WORK/nb.html" >/dev/null
    real=$(echo "$(date +%s.%N) - $start" | bc)
    ratio=$(echo "$real / $estimate" | bc -l)
    printf '%-40s %5d %6.1fs %9.1fs %7.1fs %6.2f\n' "$(basename "$notebook")" "$round" "$checked" "$estimate" "$real" "$ratio"
    echo "$(basename "$notebook") $ratio" >> "$RATIOS"
  done
done
echo
echo "real/estimate per notebook over $ROUNDS rounds (min–max, median):"
sort -k1,1 -k2,2n "$RATIOS" | awk '{ r[$1] = r[$1] " " $2; n[$1]++ } END { for (k in r) { c = split(substr(r[k], 2), v, " ");
  printf "  %-40s %.2f–%.2f  median %.2f\n", k, v[1], v[c], (c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2) } }' | sort
