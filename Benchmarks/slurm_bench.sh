#!/usr/bin/env bash
# Times Benchmarks/slurm-sweep.md (100 points of 0.3–0.5 s) from an empty cache, side by side in one
# run: --executor local --jobs 2, --executor slurm (points per task chosen by the render) and
# --executor slurm --points-per-task 1, on the one-node cluster of Scripts/slurm-local.sh; prints
# each wall time and its ratio to local. Usage: Benchmarks/slurm_bench.sh [DEPTHBOOK_BINARY]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/.build/release/depthbook}")
"$root/Scripts/slurm-local.sh" status >/dev/null || { echo "slurm_bench: the local cluster is not up (Scripts/slurm-local.sh start)" >&2; exit 1; }
work=$(mktemp -d /tmp/depthbook-slurm-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$root/Benchmarks/slurm-sweep.md" "$work/sweep.md"
cd "$work"
declare -A seconds
run() {
  local name=$1; shift
  rm -rf .depthbook sweep.html sweep_files
  local start end
  start=$(date +%s.%N)
  "$bin" render sweep.md --quiet "$@" 2> "$name.log" || { echo "slurm_bench: $name failed:" >&2; cat "$name.log" >&2; exit 1; }
  end=$(date +%s.%N)
  seconds[$name]=$(echo "$end - $start" | bc)
  cp sweep.html "$name.html"
}
run local --executor local --jobs 2
run slurm-auto --executor slurm
run slurm-1 --executor slurm --points-per-task 1
run local-again --executor local --jobs 2
cmp -s local.html slurm-auto.html && cmp -s local.html slurm-1.html || { echo "slurm_bench: pages differ" >&2; exit 1; }
localmean=$(echo "(${seconds[local]} + ${seconds[local-again]}) / 2" | bc -l)
printf 'local --jobs 2:            %6.1f s, %6.1f s (mean %.1f s)\n' "${seconds[local]}" "${seconds[local-again]}" "$localmean"
for name in slurm-auto slurm-1; do
  printf '%-26s %6.1f s  %.2fx local   (%s)\n' "$name:" "${seconds[$name]}" "$(echo "${seconds[$name]} / $localmean" | bc -l)" \
    "$(grep -o 'as Slurm array [0-9]* of [0-9]* tasks\?' "$name.log" || true)"
done
