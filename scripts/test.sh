#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole lit suite.
# Ends with the line "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTN_BUILD_DIR:-$here/build}"

"$here/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }

# NumPy (from PyPI, in a virtual environment) for the independent cross-checks.
venv="$here/test/.venv"
if ! "$venv/bin/python3" -c "import numpy" 2>/dev/null; then
  echo "test: creating $venv with numpy"
  python3 -m venv "$venv" && "$venv/bin/pip" install -q numpy || {
    echo "test: could not install numpy into $venv (PyPI unreachable?)" >&2
    echo "0 passed, 1 failed"; exit 1; }
fi
export ATTN_TEST_PYTHON="$venv/bin/python3"

log="$(mktemp)"
/usr/lib/llvm-22/bin/lit -sv "$build/test" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
count() { grep -aE "^ *$1: *[0-9]+" "$log" | grep -oE '[0-9]+' | head -1; }
passed=$(count Passed); failed=$(count Failed); unsupported=$(count Unsupported)
passed=${passed:-0}; failed=${failed:-0}
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
rm -f "$log"
echo "${passed} passed, ${failed} failed${unsupported:+, ${unsupported} skipped}"
exit "$status"
