#!/usr/bin/env bash
# Runs a libFuzzer target of the sanitizer build (build-sanitize/, ATTN_SANITIZE=ON).
#   scripts/fuzz.sh mlir SECONDS   parse + verify + attn-to-cpu + attn-to-nvvm on MLIR text
#   scripts/fuzz.sh npy SECONDS    the .npy reader
#   scripts/fuzz.sh smoke          both, briefly (the test command runs this)
# Seeds: every lit input and example (split at `// -----`) for mlir, the .npy files that
# test/Runtime/Inputs/make_npy.py writes for npy. The corpus grows in
# build-sanitize/fuzz/<target>/corpus and is kept between runs; findings (crash-*,
# timeout-*, oom-*) land in build-sanitize/fuzz/<target>/ and make this script fail.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTN_SANITIZE_BUILD_DIR:-$here/build-sanitize}"
target="${1:?usage: scripts/fuzz.sh mlir|npy SECONDS | smoke}"
seconds="${2:-60}"

if [ "$target" = smoke ]; then
  "$0" mlir "${ATTN_FUZZ_SMOKE_MLIR:-45}" && "$0" npy "${ATTN_FUZZ_SMOKE_NPY:-15}"
  exit $?
fi

ATTN_SKIP_BUILD=1 "$here/scripts/setup.sh" || exit 1
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DCMAKE_C_COMPILER=clang-22 \
    -DCMAKE_CXX_COMPILER=clang++-22 -DLLVM_USE_LINKER=lld -DATTN_SANITIZE=ON >/dev/null || exit 1
fi
cmake --build "$build" --target "attn-$target-fuzzer" || exit 1

work="$build/fuzz/$target"
mkdir -p "$work/corpus" "$work/seeds"
args=()
case "$target" in
  mlir)
    # One seed per split-input-file case.
    python3 - "$here" "$work/seeds" <<'PY'
import pathlib, sys
root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = 0
for f in sorted(list(root.glob("test/**/*.mlir")) + list(root.glob("examples/*.mlir"))):
    if ".venv" in f.parts:
        continue
    for case in f.read_text().split("// -----"):
        (out / ("seed%04d.mlir" % n)).write_text(case)
        n += 1
PY
    # -timeout: a seed with nine neighborhood kernels takes ~3 s through both pipelines
    # uninstrumented and over 20 s under ASan on a loaded machine; 60 s still catches hangs.
    args=(-dict="$here/tools/attn-mlir-fuzzer/attn.dict" -max_len=8192 -timeout=60
          -rss_limit_mb=4096)
    ;;
  npy)
    for spec in "f4 1x8x4x16" "f8 2x3" "i4 5" "f4 " "i2 3" "fortran 2x2" "truncated 4x4" \
                "trailing 3" "noshape 2" "nodata 1x8x288230376151711744x64"; do
      set -- $spec
      python3 "$here/test/Runtime/Inputs/make_npy.py" "$work/seeds/$1-${2:-scalar}.npy" "$1" "${2:-}"
    done
    args=(-max_len=4096 -timeout=5 -rss_limit_mb=2048)
    ;;
  *) echo "fuzz: unknown target '$target' (mlir, npy or smoke)" >&2; exit 2 ;;
esac

# Debian's libMLIR.so is not instrumented; its allocator's own poisoning then looks
# like use-after-poison to ASan (allow_user_poisoning=0 turns that off).
export ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
cd "$work"
log="$work/last-run.log"
"$build/bin/attn-$target-fuzzer" "${args[@]}" -max_total_time="$seconds" \
  -print_final_stats=1 -artifact_prefix="$work/" corpus seeds >"$log" 2>&1
status=$?
grep -E "^(#[0-9]+\s+DONE|stat::number_of_executed_units|stat::peak_rss_mb)|cov:" "$log" | tail -3
findings=$(ls "$work" | grep -E '^(crash|timeout|oom|leak|slow-unit)-' | grep -v '^slow-unit' || true)
if [ "$status" -ne 0 ] || [ -n "$findings" ]; then
  echo "fuzz $target: FAILED (exit $status); findings in $work: ${findings:-none}; log: $log" >&2
  tail -40 "$log" >&2
  exit 1
fi
echo "fuzz $target: ${seconds}s clean"
