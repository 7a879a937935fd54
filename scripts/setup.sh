#!/usr/bin/env bash
# Installs what attn-mlir needs on Debian 12 and configures + builds it.
# Idempotent; runs as root (no sudo) or as a user with sudo.
# Usage: scripts/setup.sh                    # install packages, configure, build
#        ATTN_SKIP_BUILD=1 scripts/setup.sh   # packages only
# ATTN_BUILD_DIR overrides the build directory (default: build/, or build-sanitize/ with
# ATTN_SANITIZE=1, which configures ASan + UBSan + libFuzzer coverage); ATTN_CC/ATTN_CXX
# the compilers (default clang-22/clang++-22 with lld; gcc/g++ 12 also build it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sanitize="${ATTN_SANITIZE:-0}"
if [ "$sanitize" = 1 ]; then
  build="${ATTN_BUILD_DIR:-$here/build-sanitize}"
else
  build="${ATTN_BUILD_DIR:-$here/build}"
fi

# libclang-rt-22-dev: the sanitizer and libFuzzer runtimes (ATTN_SANITIZE, scripts/fuzz.sh).
# python3-dev, pybind11-dev: the Python extension (python/, the attn_mlir package).
packages=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 libomp-22-dev
          lld-22 libclang-rt-22-dev cmake ninja-build python3 python3-venv python3-dev
          pybind11-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || { echo "setup: apt-get update failed" >&2; exit 1; }
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    echo "setup: could not install: ${missing[*]}" >&2
    echo "setup: attn-mlir needs Debian 12's LLVM/MLIR 22 packages (bookworm-security / backports)." >&2
    exit 1
  fi
fi
[ -x /usr/lib/llvm-22/bin/mlir-tblgen ] || { echo "setup: /usr/lib/llvm-22/bin/mlir-tblgen missing after install" >&2; exit 1; }

[ "${ATTN_SKIP_BUILD:-0}" = 1 ] && exit 0

if [ ! -f "$build/build.ninja" ]; then
  compilers=(-DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DLLVM_USE_LINKER=lld)
  if [ -n "${ATTN_CXX:-}" ]; then
    compilers=(-DCMAKE_C_COMPILER="${ATTN_CC:-cc}" -DCMAKE_CXX_COMPILER="$ATTN_CXX")
  fi
  [ "$sanitize" = 1 ] && compilers+=(-DATTN_SANITIZE=ON)
  cmake -G Ninja -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir "${compilers[@]}"
fi
cmake --build "$build"
