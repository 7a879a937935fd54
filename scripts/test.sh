#!/usr/bin/env bash
# Installs what is missing, builds, runs the whole lit suite, then a short fuzz run.
# Ends with the line "N passed, N failed" and exits non-zero on any failure.
#   scripts/test.sh                    # build/ (Release), lit, fuzz smoke (~60 s)
#   ATTN_SANITIZE=1 scripts/test.sh    # build-sanitize/ (ASan + UBSan), lit, fuzz smoke
#   ATTN_FUZZ_SMOKE=0 scripts/test.sh  # without the fuzz smoke run
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${ATTN_SANITIZE:-0}" = 1 ]; then
  build="${ATTN_BUILD_DIR:-$here/build-sanitize}"
  # Debian's libMLIR.so is not instrumented: its allocator poisons memory it owns, which
  # instrumented code then reports as use-after-poison (allow_user_poisoning=0 stops
  # that). Leaks are not checked: LLVM's and MLIR's registries live until exit.
  export ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=0:${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
else
  build="${ATTN_BUILD_DIR:-$here/build}"
fi
export ATTN_BUILD_DIR="$build"

"$here/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }

# The Python test environment (from PyPI, pinned in test/python-requirements.txt):
# NumPy for the independent cross-checks, pytest, torch and transformers for the
# attn_mlir package's tests.
venv="$here/test/.venv"
if ! "$venv/bin/python3" -c "import numpy, pytest, ml_dtypes, torch, transformers" 2>/dev/null; then
  echo "test: setting up $venv from test/python-requirements.txt (torch: ~3 GB)"
  { [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"; } &&
    "$venv/bin/pip" install -q -r "$here/test/python-requirements.txt" || {
    echo "test: could not install test/python-requirements.txt into $venv (PyPI unreachable?)" >&2
    echo "0 passed, 1 failed"; exit 1; }
fi
export ATTN_TEST_PYTHON="$venv/bin/python3"

log="$(mktemp)"
/usr/lib/llvm-22/bin/lit -sv "$build/test" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
count() { grep -aE "^ *$1 *: *[0-9]+" "$log" | grep -oE '[0-9]+ \(' | grep -oE '[0-9]+' | head -1; }
passed=$(count Passed); failed=$(count Failed); unsupported=$(count Unsupported)
passed=${passed:-0}; failed=${failed:-0}
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
rm -f "$log"

# The Python package (build/python/attn_mlir) under pytest, counted with the lit tests.
# The sanitizer build has no extension (an ASan module would need the runtime preloaded
# into Python).
if [ "${ATTN_SANITIZE:-0}" != 1 ]; then
  pylog="$(mktemp)"
  PYTHONPATH="$build/python" "$venv/bin/python3" -m pytest -q -p no:cacheprovider \
    "$here/test/python" 2>&1 | tee "$pylog"
  pystatus=${PIPESTATUS[0]}
  pycount() { grep -aE "^[0-9]+ (passed|failed|error)|(passed|failed|error).* in [0-9.]+s" "$pylog" |
              tail -1 | grep -oE "[0-9]+ $1" | grep -oE "[0-9]+" | head -1; }
  py_passed=$(pycount passed); py_failed=$(pycount failed); py_errors=$(pycount error)
  passed=$((passed + ${py_passed:-0}))
  failed=$((failed + ${py_failed:-0} + ${py_errors:-0}))
  if [ "$pystatus" -ne 0 ]; then
    status=1
    [ "${py_failed:-0}" -eq 0 ] && [ "${py_errors:-0}" -eq 0 ] && failed=$((failed + 1))
  fi
  rm -f "$pylog"
fi

# The fuzz targets (sanitizer build) for a fixed time, from the seeds and the corpus
# kept in build-sanitize/fuzz; one test in the count.
if [ "${ATTN_FUZZ_SMOKE:-1}" = 1 ]; then
  if "$here/scripts/fuzz.sh" smoke; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); status=1
  fi
fi
echo "${passed} passed, ${failed} failed${unsupported:+, ${unsupported} skipped}"
exit "$status"
