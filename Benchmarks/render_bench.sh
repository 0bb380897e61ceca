#!/usr/bin/env bash
# Times `depthbook render` (release build) on a two-block notebook of 40 points:
#   1. --jobs 2 against --jobs 1 (both --refresh, interleaved, best of ROUNDS): target ≥ 1.7×;
#   2. a fully cached re-render against a render of the same notebook with its blocks removed
#      (best of 10 each, interleaved): target ≤ 3×.
# Usage: Benchmarks/render_bench.sh [ROUNDS]   (builds release first; ~2–3 min with ROUNDS=1)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-1}
swift build -c release >/dev/null
BIN=$PWD/.build/release/depthbook
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Two blocks, 20 + 20 points; each point is a teacher run of roughly 0.5–2 s on one core.
cat > "$WORK/bench.md" <<'NOTEBOOK'
---
title: Render benchmark
---
# Learning-rate transfer

The best rate under Depth-μP is {{transfer.best_lr}} (@transfer).

```experiment {#transfer}
data: {name: teacher, train: 4096, input_dim: 64, classes: 10}
model: {width: 128, depth: [4, 8, 12, 16]}
parametrization: depth-mup
optimizer: {name: adam, lr: {log2: [-11, -7], step: 1}}
train: {steps: 600, batch: 64}
show: [loss-vs-lr, best-lr, loss-table]
```

# Coordinate check

```experiment {#coords}
data: {name: teacher, train: 4096, input_dim: 64, classes: 10}
model: {width: 128, depth: [4, 6, 8, 10, 12]}
parametrization: [sp, depth-mup]
optimizer: {name: adam, lr: 0.01}
train: {steps: 600, batch: 64, seeds: 2}
show: [coord-check, feature-update, summary]
```
NOTEBOOK
# The same prose without the blocks (inline references replaced by a number).
awk '/^```experiment/{skip=1} !skip{print} /^```$/{if(skip){skip=0}}' "$WORK/bench.md" \
  | sed -e 's/{{[^}]*}}/0.001/g' > "$WORK/prose.md"

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }
best() { printf '%s\n' "$@" | sort -g | head -1; }

cd "$WORK"
one=(); two=()
for round in $(seq "$ROUNDS"); do
  s=$(now); "$BIN" render bench.md --jobs 1 --refresh --quiet; e=$(now); one+=("$(elapsed "$s" "$e")")
  s=$(now); "$BIN" render bench.md --jobs 2 --refresh --quiet; e=$(now); two+=("$(elapsed "$s" "$e")")
done
points=$(grep -o '"index": [0-9]*, "values"' bench.results.json | wc -l)
cached=(); prose=()
for round in $(seq 10); do
  s=$(now); "$BIN" render bench.md --quiet; e=$(now); cached+=("$(elapsed "$s" "$e")")
  s=$(now); "$BIN" render prose.md --quiet; e=$(now); prose+=("$(elapsed "$s" "$e")")
done
t1=$(best "${one[@]}"); t2=$(best "${two[@]}"); tc=$(best "${cached[@]}"); tp=$(best "${prose[@]}")
printf 'points: %d\n' "$points"
printf 'render --jobs 1: %8.2f s\n' "$t1"
printf 'render --jobs 2: %8.2f s   speed-up %.2fx (target >= 1.7)\n' "$t2" "$(echo "$t1 / $t2" | bc -l)"
printf 'cached re-render: %7.3f s\n' "$tc"
printf 'no-block render:  %7.3f s   ratio %.2fx (target <= 3)\n' "$tp" "$(echo "$tc / $tp" | bc -l)"
