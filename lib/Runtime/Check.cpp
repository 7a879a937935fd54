//===- Check.cpp - compiled results against the fp64 reference -------------===//
#include "attn/Runtime/Check.h"

#include "llvm/Support/Format.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;

reference::Tensor mlir::attn::toReference(const NpyArray &a, bool withData) {
  reference::Tensor t;
  t.shape = a.shape;
  if (!withData)
    return t;
  t.data.resize(a.numElements());
  for (int64_t i = 0, n = a.numElements(); i < n; ++i)
    t.data[i] = elementAt(a, i);
  return t;
}

/// NaN and NaN agree, and an infinity agrees with the same infinity.
static bool sameNonFinite(double got, double want) {
  return std::isnan(got) ? std::isnan(want) : got == want;
}

CheckReport mlir::attn::checkResults(llvm::ArrayRef<NpyArray> results,
                                     llvm::ArrayRef<reference::Tensor> expected,
                                     double tolerance, bool acceptEmptyRowZeros) {
  CheckReport report;
  report.tolerance = tolerance;
  bool &shapesMatch = report.shapesMatch;
  shapesMatch = results.size() == expected.size();
  for (auto [r, ref] : llvm::zip(results, expected)) {
    if (r.shape != ref.shape || r.numElements() != (int64_t)ref.data.size()) {
      shapesMatch = false;
      continue;
    }
    double scale = 0, err = 0;
    for (double x : ref.data)
      if (std::isfinite(x))
        scale = std::max(scale, std::fabs(x));
    for (int64_t e = 0, n = r.numElements(); e < n; ++e) {
      double got = elementAt(r, e), want = ref.data[e];
      bool gotFinite = std::isfinite(got), wantFinite = std::isfinite(want);
      report.outputNonFinite += !gotFinite;
      report.referenceNonFinite += !wantFinite;
      if (gotFinite && wantFinite) {
        ++report.compared;
        err = std::max(err, std::fabs(got - want));
      } else if (!gotFinite && !wantFinite && sameNonFinite(got, want)) {
        ++report.bothNonFinite;
      } else if (acceptEmptyRowZeros && got == 0 && std::isnan(want)) {
        ++report.refinedZeros;
      } else {
        ++report.finitenessMismatch;
      }
    }
    report.maxAbsErr = std::max(report.maxAbsErr, err);
    report.maxRelErr = std::max(report.maxRelErr, scale > 0 ? err / scale : err);
  }
  report.pass = shapesMatch && report.finitenessMismatch == 0 &&
                report.maxRelErr <= tolerance;
  return report;
}

void CheckReport::print(llvm::raw_ostream &os) const {
  os << llvm::format("check: max_abs_err=%.3e max_rel_err=%.3e", maxAbsErr, maxRelErr);
  if (outputNonFinite || referenceNonFinite)
    os << " non-finite: output " << outputNonFinite << ", reference " << referenceNonFinite
       << ", the same in both " << bothNonFinite;
  os << (pass ? " PASS" : " FAIL");
  if (refinedZeros)
    os << " (" << refinedZeros << " zeros where the reference is NaN: rows with no visible key)";
  if (!shapesMatch)
    os << " (the results' shapes differ from the reference's)";
  else if (finitenessMismatch)
    os << " (" << finitenessMismatch
       << " positions finite in one of output and reference but not in the other)";
  else if (!pass && maxRelErr > tolerance)
    os << llvm::format(" (tolerance %.1e)", tolerance);
  os << "\n";
}
