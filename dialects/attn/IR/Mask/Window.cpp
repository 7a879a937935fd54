//===- Window.cpp - mask term `window(left, right)`: p - left <= j <= p + right
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct WindowTerm final : MaskTerm {
  MaskTermShape shape() const override { return {2, 2, 0}; }
  bool isVisible(MaskAttr term, const MaskPoint &at, const MaskOperandValues *) const override {
    ArrayRef<int64_t> a = term.getArgs();
    return at.position - a[0] <= at.key && at.key <= at.position + a[1];
  }
  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    using P = arith::CmpIPredicate;
    ArrayRef<int64_t> a = term.getArgs();
    Value lo = b.sub(b.pos, b.index(a[0]));
    Value hi = b.add(b.pos, b.index(a[1]));
    return b.both(b.cmp(P::sge, b.key, lo), b.cmp(P::sle, b.key, hi));
  }
  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    return c.band(-term.getArgs()[0], term.getArgs()[1]);
  }
};
} // namespace

const MaskTerm &mask::windowTerm() {
  static const WindowTerm term;
  return term;
}
