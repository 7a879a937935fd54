//===- TargetModel.cpp - register blocks of the flash kernel --------------===//
//
// The score micro-kernel keeps rows x C accumulators, C vectors of one K^T row and one
// broadcast Q element live: rows * C + C + 1 registers. Each step over the head dim
// issues rows * C FMAs for rows + C loads, so among power-of-two C (kv tiles that are
// cache-line multiples) the model takes the largest FMAs-per-load ratio that leaves a
// quarter of the register file free: the softmax statistics, score_mod temporaries and
// LLVM's own copies need it. Filling the file (6 x 4 on AVX-512) made LLVM 22 spill
// inside the score loop: 1.08-1.14x slower plain, up to 1.6x with a score_mod region or a
// pointwise normaliser, against 4 x 4 (measured 2026-11-29, docs/benchmarks.md). A task covers ~192 query rows: enough reuse of each K/V tile while it
// sits in L2 (the probe in the design notes measured 1.3-1.8x over whole-sequence
// blocks), few enough that short sequences still yield tasks for every thread.
//
//===----------------------------------------------------------------------===//
#include "TargetModel.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

using namespace mlir;
using namespace mlir::attn;

bool mlir::attn::hostAmxUsable() {
  static const bool usable = [] {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    if (!features.lookup("amx-tile") || !features.lookup("amx-bf16"))
      return false;
#if defined(__linux__) && defined(__x86_64__)
    constexpr long archReqXcompPerm = 0x1023, xfeatureXtiledata = 18;
    if (syscall(SYS_arch_prctl, archReqXcompPerm, xfeatureXtiledata) == 0)
      return true;
    llvm::errs() << "attn-mlir: this CPU has AMX but the OS refused this process the tile "
                    "state (arch_prctl(ARCH_REQ_XCOMP_PERM): "
                 << std::strerror(errno)
                 << "); bf16 attention runs on AVX512-BF16 pair products instead\n";
#endif
    return false;
  }();
  return usable;
}

std::optional<VectorTarget> mlir::attn::lookupVectorTarget(StringRef name) {
  if (name == "amx") {
    // Ask the OS for the tile state now: the JIT runs the code in this process. An AMX
    // CPU whose OS refuses it falls back to the pair products (hostAmxUsable says so);
    // other CPUs may be compiling for an AMX machine.
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    bool refused = features.lookup("amx-bf16") && !hostAmxUsable();
    return VectorTarget{16, 32, true, !refused, true};
  }
  if (name == "avx512bf16")
    return VectorTarget{16, 32, true, false, true};
  if (name == "avx512")
    return VectorTarget{16, 32, true};
  if (name == "avx2")
    return VectorTarget{8, 16, false};
  if (name != "host")
    return std::nullopt;
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    // AMX only when asked for (target "amx"): the AMX kernel is checked under
    // attn-emulate-amx, not yet on AMX hardware (docs/conventions.md, "Low precision").
    return VectorTarget{16, 32, true, false, features.lookup("avx512bf16")};
  if (features.lookup("avx2") && features.lookup("fma"))
    return VectorTarget{8, 16, false};
  // SSE / NEON-sized registers.
  return VectorTarget{4, 16, false};
}

KernelTiles mlir::attn::chooseKernelTiles(VectorTarget target) {
  KernelTiles best{target.lanes, 1, 1, 0, target.avx512};
  double bestRatio = 0.0;
  for (int64_t c = 1; c <= 8; c *= 2) {
    int64_t rows = (target.registers - target.registers / 4 - c - 1) / c;
    if (rows < 1)
      continue;
    double ratio = double(rows * c) / double(rows + c);
    if (ratio > bestRatio) {
      bestRatio = ratio;
      best.rows = rows;
      best.columnVectors = c;
    }
  }
  best.queryBlock = (192 + best.rows - 1) / best.rows * best.rows;
  best.amx = target.amx;
  best.avx512bf16 = target.avx512bf16;
  return best;
}

int64_t mlir::attn::plannedThreads() {
  if (const char *env = std::getenv("OMP_NUM_THREADS")) {
    int64_t n = std::atoll(env);
    if (n > 0)
      return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}
