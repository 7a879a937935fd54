//===- Dilated.cpp - mask term `dilated(window, rate[, offset])` (LongNet) --===//
//
// 0 <= p - j < window * rate, and (p - j) mod rate == 0, or with an offset the keys on
// an absolute phase: j mod rate == offset mod rate (each head its own phase).
//
//===----------------------------------------------------------------------===//
#include "Terms.h"

#include "attn/IR/Limits.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct DilatedTerm final : MaskTerm {
  MaskTermShape shape() const override { return {2, 3, 0}; }
  LogicalResult verify(function_ref<InFlightDiagnostic()> emitError, ArrayRef<int64_t> args,
                       ArrayRef<Attribute>) const override {
    if (args[0] == 0 || args[1] == 0)
      return emitError() << "mask term 'dilated' needs positive sizes";
    // Both are below 2^30 (the common checks): the product cannot overflow.
    if (args[0] * args[1] >= kMaxPosition)
      return emitError() << "mask term 'dilated': width " << args[0] << " x rate " << args[1]
                         << " is not below 2^30 (positions are 32-bit lanes in the kernels)";
    return success();
  }
  bool isVisible(MaskAttr term, const MaskPoint &at, const MaskOperandValues *) const override {
    ArrayRef<int64_t> a = term.getArgs();
    int64_t dist = at.position - at.key;
    if (dist < 0 || dist >= a[0] * a[1])
      return false;
    if (a.size() > 2) // an absolute phase: keys j = offset (mod rate)
      return at.key % a[1] == a[2] % a[1];
    return dist % a[1] == 0;
  }
  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    using P = arith::CmpIPredicate;
    ArrayRef<int64_t> a = term.getArgs();
    Value dist = b.sub(b.pos, b.key);
    Value inRange = b.both(b.cmp(P::sge, dist, b.index(0)), b.cmp(P::slt, dist, b.index(a[0] * a[1])));
    // Relative stride, or (with an offset) keys on an absolute phase; key >= 0.
    Value onStride = a.size() > 2 ? b.cmp(P::eq, b.rem(b.key, a[1]), b.index(a[2] % a[1]))
                                  : b.cmp(P::eq, b.rem(dist, a[1]), b.index(0));
    return b.both(inRange, onStride);
  }
  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    // In the band 0 <= p - j < window * rate, on a stride: never claimed full.
    ArrayRef<int64_t> a = term.getArgs();
    return {c.boolean(false), c.band(-(a[0] * a[1] - 1), 0).any};
  }
};
} // namespace

const MaskTerm &mask::dilatedTerm() {
  static const DilatedTerm term;
  return term;
}
