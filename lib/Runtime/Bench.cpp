//===- Bench.cpp - timing loop and result summaries for attn-run ------------===//
#include "attn/Runtime/Bench.h"

#include "llvm/Support/Format.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::attn;

llvm::Expected<BenchStats>
mlir::attn::benchmark(llvm::function_ref<llvm::Expected<double>()> timeOnce, unsigned reps) {
  // A warm-up run, as the peers in bench/ do: thread pools started, pages of fresh
  // buffers recycled by malloc.
  if (auto warm = timeOnce(); !warm)
    return warm.takeError();
  std::vector<double> times;
  double total = 0;
  for (unsigned r = 0; reps ? r < reps : (r < 3 || (total < 1.0 && r < 1000)); ++r) {
    auto t = timeOnce();
    if (!t)
      return t.takeError();
    times.push_back(*t);
    total += *t;
  }
  std::sort(times.begin(), times.end());
  return BenchStats{times[times.size() / 2], times.size()};
}

void mlir::attn::summarize(llvm::raw_ostream &os, const NpyArray &r) {
  double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
  int64_t n = r.numElements(), nans = 0;
  for (int64_t e = 0; e < n; ++e) {
    double x = elementAt(r, e);
    if (std::isnan(x)) {
      ++nans;
      continue;
    }
    sum += x;
    sq += x * x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  os << dtypeName(r.dtype) << "[" << shapeString(r.shape) << "]"
     << llvm::format(" mean=%.6g rms=%.6g min=%.6g max=%.6g", n ? sum / n : 0.0,
                     n ? std::sqrt(sq / n) : 0.0, lo, hi);
  if (nans)
    os << " nan=" << nans;
  os << "\n    first:";
  for (int64_t e = 0; e < std::min<int64_t>(n, 6); ++e)
    os << llvm::format(" %.6g", elementAt(r, e));
  os << "\n";
}
