#!/usr/bin/env bash
# Sets up the peers of the CPU attention benchmark (bench/peers/). Idempotent: installs or
# builds only what is missing or out of date, so a second run takes a second or two.
#   1. Debian packages (apt-get, only if missing): libdnnl-dev (oneDNN), python3-venv.
#   2. bench/.venv (python3 -m venv) with numpy matplotlib torch iree-base-compiler
#      iree-base-runtime (pip, only the ones that do not import). PyPI's torch wheel pulls
#      the CUDA libraries too (several GB); only its CPU side is used.
#   3. The C++ peers, built one at a time into bench/.build/ with clang++-22 (g++ if
#      clang++-22 is missing or fails on a file), -O3 -march=native:
#        naive           -fopenmp (LLVM libomp with clang, libgomp with g++)
#        onednn_unfused  -ldnnl -lgomp (Debian's libdnnl runs on GNU OpenMP; no -fopenmp,
#                        so clang does not add LLVM's libomp as a second runtime)
#        fma_peak        -pthread
#        read_bandwidth  -pthread
#        bf16_peak       -pthread (AVX512-BF16 and AMX products, target attributes)
# Whatever cannot be set up is reported at the end and the script exits 1, after setting
# up everything else.
#   bench/setup_peers.sh            (CXX=... to pick the compiler; FORCE=1 rebuilds)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
out="$here/.build"
failed=()
say() { printf '[setup_peers] %s\n' "$*"; }

# ---- 1. Debian packages ------------------------------------------------------------
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
missing_debs=()
for pkg in libdnnl-dev python3-venv; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing_debs+=("$pkg")
done
if [ ${#missing_debs[@]} -gt 0 ]; then
  say "apt-get install ${missing_debs[*]}"
  $sudo apt-get update -qq >/dev/null 2>&1 || say "apt-get update failed"
  for pkg in "${missing_debs[@]}"; do
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
      { say "FAILED: apt-get install $pkg"; failed+=("apt:$pkg"); }
  done
else
  say "Debian packages present (libdnnl-dev, python3-venv)"
fi

# ---- 2. Python venv ----------------------------------------------------------------
if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv"
  python3 -m venv "$venv" || { say "FAILED: python3 -m venv"; failed+=("venv"); }
fi
if [ -x "$venv/bin/python" ]; then
  want=()
  # pip name:import name
  for pair in numpy:numpy matplotlib:matplotlib torch:torch \
              iree-base-compiler:iree.compiler iree-base-runtime:iree.runtime; do
    "$venv/bin/python" -c "import ${pair#*:}" >/dev/null 2>&1 || want+=("${pair%%:*}")
  done
  if [ ${#want[@]} -gt 0 ]; then
    say "pip install ${want[*]} (torch brings CUDA wheels: large)"
    "$venv/bin/python" -m pip install -q "${want[@]}" ||
      say "pip install of the batch failed; trying one at a time"
    for p in "${want[@]}"; do
      mod=$p; [ "$p" = iree-base-compiler ] && mod=iree.compiler
      [ "$p" = iree-base-runtime ] && mod=iree.runtime
      "$venv/bin/python" -c "import $mod" >/dev/null 2>&1 && continue
      "$venv/bin/python" -m pip install -q "$p" >/dev/null 2>&1 &&
        "$venv/bin/python" -c "import $mod" >/dev/null 2>&1 ||
        { say "FAILED: pip install $p"; failed+=("pip:$p"); }
    done
  else
    say "Python packages present in $venv"
  fi
fi

# ---- 3. C++ peers ------------------------------------------------------------------
mkdir -p "$out"
cxx="${CXX:-}"
if [ -z "$cxx" ]; then
  if command -v clang++-22 >/dev/null; then cxx=clang++-22; else cxx=g++; fi
fi
base=(-O3 -march=native -std=c++17 -I"$here/peers")
build() { # name, extra flags...
  local name=$1; shift
  local src="$here/peers/$name.cpp" bin="$out/$name"
  if [ -z "${FORCE:-}" ] && [ -x "$bin" ] && [ "$bin" -nt "$src" ] &&
     [ "$bin" -nt "$here/peers/common.hpp" ] && [ "$bin" -nt "$0" ]; then
    say "$name: up to date"; return 0
  fi
  for c in "$cxx" g++; do
    command -v "$c" >/dev/null || continue
    if "$c" "${base[@]}" -o "$bin" "$src" "$@" 2>"$out/$name.log"; then
      say "$name: built with $c"; return 0
    fi
    say "$name: $c failed (see $out/$name.log)"
    [ "$c" = g++ ] && break
  done
  rm -f "$bin"; failed+=("build:$name"); return 1
}
build fma_peak -pthread
build read_bandwidth -pthread
build bf16_peak -pthread
build naive -fopenmp
if [ -f /usr/include/oneapi/dnnl/dnnl.hpp ]; then
  build onednn_unfused -ldnnl -lgomp
else
  say "FAILED: onednn_unfused needs libdnnl-dev (dnnl.hpp missing)"; failed+=("build:onednn_unfused")
fi

# ---- summary -----------------------------------------------------------------------
for b in fma_peak read_bandwidth bf16_peak naive onednn_unfused; do
  [ -x "$out/$b" ] || { [[ " ${failed[*]} " == *"build:$b"* ]] || failed+=("missing:$b"); }
done
if [ ${#failed[@]} -gt 0 ]; then
  say "NOT set up: ${failed[*]}"
  exit 1
fi
say "all peers ready: $out/{fma_peak,read_bandwidth,bf16_peak,naive,onednn_unfused}, $venv/bin/python $here/peers/{torch_sdpa,iree_attention}.py"
