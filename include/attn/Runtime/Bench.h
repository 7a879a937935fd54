//===- Bench.h - timing loop and result summaries for attn-run --------------===//
#ifndef ATTN_RUNTIME_BENCH_H
#define ATTN_RUNTIME_BENCH_H

#include "attn/Runtime/Npy.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::attn {

struct BenchStats {
  double medianSeconds = 0;
  size_t runs = 0;
};

/// One warm-up call, then `reps` timed calls (0: at least 3, until ~1 s has passed,
/// at most 1000). `timeOnce` returns the seconds one call took.
llvm::Expected<BenchStats> benchmark(llvm::function_ref<llvm::Expected<double>()> timeOnce,
                                     unsigned reps);

/// `f32[1x8x128x64] mean=... rms=... min=... max=... [nan=N]` and the first values.
void summarize(llvm::raw_ostream &os, const NpyArray &result);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_BENCH_H
