//===- Check.h - compiled results against the fp64 reference ---------------===//
//
// A check fails on any disagreement in finiteness: an output that is NaN or infinite
// where the reference is finite, or finite where the reference is not. Positions where
// both are the same non-finite value (NaN and NaN, or the same infinity) agree and are
// counted separately, so a check over non-finite data never passes silently.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_CHECK_H
#define ATTN_RUNTIME_CHECK_H

#include "attn/Reference/Evaluator.h"
#include "attn/Runtime/Npy.h"

#include "llvm/Support/raw_ostream.h"

namespace mlir::attn {

struct CheckReport {
  double maxAbsErr = 0;
  /// Relative to the largest finite reference magnitude of each result.
  double maxRelErr = 0;
  int64_t compared = 0;           // positions where both are finite
  int64_t outputNonFinite = 0;    // NaN or inf in the output
  int64_t referenceNonFinite = 0; // NaN or inf in the reference
  int64_t bothNonFinite = 0;      // the same non-finite value in both
  int64_t finitenessMismatch = 0; // finite in one, not (or differently) in the other
  int64_t refinedZeros = 0;       // 0 where the reference is NaN, when accepted
  double tolerance = 0;
  bool shapesMatch = true;
  bool pass = false;

  /// `check: max_abs_err=... max_rel_err=... [non-finite ...] PASS|FAIL`.
  void print(llvm::raw_ostream &os) const;
};

/// With `acceptEmptyRowZeros`, an output of exactly 0 where the reference is NaN is
/// counted as a refinement instead of a mismatch: rows with no visible key, which a
/// literal cascade computes as 0/0 and attn.attention (what raising makes of it)
/// defines as zeros. It is an explicit opt-in of the tests that exercise raising.
CheckReport checkResults(llvm::ArrayRef<NpyArray> results,
                         llvm::ArrayRef<reference::Tensor> expected, double tolerance,
                         bool acceptEmptyRowZeros = false);

/// The evaluator's fp64 view of `a`; without `withData` only the shape (what shape
/// checking needs; an fp64 copy of every input would double attn-run's footprint).
reference::Tensor toReference(const NpyArray &a, bool withData);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_CHECK_H
