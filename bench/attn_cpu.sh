#!/usr/bin/env bash
# Times attn.attention on the CPU through attn-run (the default pipeline: the vector
# flash kernel; ATTN_RUN_FLAGS=--no-vector-kernel for the linalg tile loops) against the
# unfused lowering, dense / causal / sink+window, on one thread and on two.
# Prints a Markdown table (the one in docs/benchmarks.md). Not a test: no thresholds.
#   bench/attn_cpu.sh [N ...]        (default: 1024 4096)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run="${ATTN_BUILD_DIR:-$here/build}/bin/attn-run"
[ -x "$run" ] || { echo "bench: build first (scripts/setup.sh)" >&2; exit 1; }
sizes=("${@:-1024 4096}")
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

program() { # heads dim mask
  local mask=""
  [ -n "$3" ] && mask="mask #attn.mask<$3> "
  cat <<MLIR
func.func @attention(%q: tensor<1x$1x?x$2xf32> {attn.dims = "bhnd"}, %k: tensor<1x$1x?x$2xf32> {attn.dims = "bhnd"},
                     %v: tensor<1x$1x?x$2xf32> {attn.dims = "bhnd"}) -> tensor<1x$1x?x$2xf32> {
  %o = attn.attention ${mask}ins(%q, %k, %v : tensor<1x$1x?x$2xf32>, tensor<1x$1x?x$2xf32>, tensor<1x$1x?x$2xf32>) -> tensor<1x$1x?x$2xf32>
  return %o : tensor<1x$1x?x$2xf32>
}
MLIR
}

median_ms() { "$run" "$@" --bench --reps 3 | sed -nE 's/.*median ([0-9.]+) ms.*/\1/p'; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

echo "| heads | N | D | mask | online ms | GFLOP/s (dense-equivalent) | vs dense | 2 threads ms | speedup | unfused ms | unfused / online |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for n in ${sizes[@]}; do
  for d in 64 128; do
    for mask in "" "causal" "or(sink(4), and(causal, window(511, 0)))"; do
      heads=1
      program $heads $d "$mask" > "$tmp/p.mlir"
      online=$(median_ms "$tmp/p.mlir" --dims n=$n --num-threads 1 ${ATTN_RUN_FLAGS:-})
      [ -z "$mask" ] && dense=$online
      gflops=$(python3 -c "print(f'{4*$heads*$n*$n*$d/($online*1e-3)/1e9:.2f}')")
      two=$(median_ms "$tmp/p.mlir" --dims n=$n --num-threads 2 ${ATTN_RUN_FLAGS:-})
      unfused="-"; slower="-"
      if [ "$n" -le 4096 ]; then
        unfused=$(median_ms "$tmp/p.mlir" --dims n=$n --no-online-softmax --num-threads 1)
        slower=$(ratio $unfused $online)
      fi
      echo "| $heads | $n | $d | ${mask:-none} | $online | $gflops | $(ratio $online $dense) | $two | $(ratio $online $two) | $unfused | $slower |"
    done
  done
done
