//===- Causal.cpp - mask term `causal`: j <= p ----------------------------===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct CausalTerm final : MaskTerm {
  MaskTermShape shape() const override { return {0, 0, 0}; }
  bool isVisible(MaskAttr, const MaskPoint &at, const MaskOperandValues *) const override {
    return at.key <= at.position;
  }
  Value predicate(MaskAttr, MaskPredicateBuilder &b) const override {
    return b.cmp(arith::CmpIPredicate::sle, b.key, b.pos);
  }
  TileVisibility classify(MaskAttr, MaskTileClassifier &c) const override {
    return c.band(std::nullopt, 0);
  }
};
} // namespace

const MaskTerm &mask::causalTerm() {
  static const CausalTerm term;
  return term;
}
