#!/usr/bin/env bash
# Installs what is missing, builds, compiles every example for the CPU, then runs one
# attention variant on random inputs: output summary, time, GFLOP/s, error vs fp64.
#   scripts/quickstart.sh [examples/NAME.mlir [attn-run flags...]]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTN_BUILD_DIR:-$here/build}"
"$here/scripts/setup.sh"

echo "== compiling examples/ with attn-opt --attn-to-cpu"
for f in "$here"/examples/*.mlir; do
  "$build/bin/attn-opt" "$f" --attn-to-cpu -o /dev/null
  echo "   ok  examples/$(basename "$f")"
done

example="${1:-$here/examples/causal_gqa.mlir}"
shift || true
echo "== running $(basename "$example") (attn-run --check --bench $*)"
"$build/bin/attn-run" "$example" --check --bench "$@"
