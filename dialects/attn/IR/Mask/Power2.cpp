//===- Power2.cpp - mask term `power2`: p - j is 0 or a power of two -------===//
//
// PowerAttention's exponentially spaced keys.
//
//===----------------------------------------------------------------------===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct Power2Term final : MaskTerm {
  MaskTermShape shape() const override { return {0, 0, 0}; }
  bool isVisible(MaskAttr, const MaskPoint &at, const MaskOperandValues *) const override {
    int64_t dist = at.position - at.key;
    return dist >= 0 && (dist & (dist - 1)) == 0;
  }
  Value predicate(MaskAttr, MaskPredicateBuilder &b) const override {
    using P = arith::CmpIPredicate;
    Value dist = b.sub(b.pos, b.key);
    Value low = arith::AndIOp::create(b.b, b.loc, dist, b.sub(dist, b.index(1)));
    return b.both(b.cmp(P::sge, dist, b.index(0)), b.cmp(P::eq, low, b.index(0)));
  }
  TileVisibility classify(MaskAttr, MaskTileClassifier &c) const override {
    // Inside the causal band, never claimed full (distances are sparse).
    return {c.boolean(false), c.band(std::nullopt, 0).any};
  }
};
} // namespace

const MaskTerm &mask::power2Term() {
  static const Power2Term term;
  return term;
}
