//===- Prefix.cpp - mask term `prefix(n)`: j < n or j <= p (prefix-LM) -----===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct PrefixTerm final : MaskTerm {
  MaskTermShape shape() const override { return {1, 1, 0}; }
  bool isVisible(MaskAttr term, const MaskPoint &at, const MaskOperandValues *) const override {
    return at.key < term.getArgs()[0] || at.key <= at.position;
  }
  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    using P = arith::CmpIPredicate;
    return b.either(b.cmp(P::slt, b.key, b.index(term.getArgs()[0])),
                    b.cmp(P::sle, b.key, b.pos));
  }
  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    // The bidirectional prefix (keys below n) or the causal band.
    Value n = c.idx(term.getArgs()[0]);
    TileVisibility causal = c.band(std::nullopt, 0);
    return {c.either(c.lt(c.jHi, n), causal.all), c.either(c.lt(c.jLo, n), causal.any)};
  }
};
} // namespace

const MaskTerm &mask::prefixTerm() {
  static const PrefixTerm term;
  return term;
}
