//===- Heads.cpp - mask term `heads(m0, ..., mk-1)`: per-head masks -------===//
//
// Query head h uses m(h mod k) (DuoAttention, MoA). Accepted by attn.attention only
// (it needs the head index).
//
//===----------------------------------------------------------------------===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct HeadsTerm final : MaskTerm {
  MaskTermShape shape() const override { return {0, 0, -1}; }
  bool isVisible(MaskAttr term, const MaskPoint &at,
                 const MaskOperandValues *operands) const override {
    int64_t n = term.getOperands().size();
    return isMaskVisible(term.getOperand(((at.head % n) + n) % n), at, operands);
  }
  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    return selectByHead(b.b, b.loc, term, b.head, [&](MaskAttr m) { return b.build(m); });
  }
  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    if (c.head)
      return {selectByHead(c.b, c.loc, term, c.head, [&](MaskAttr m) { return c.classify(m).all; }),
              selectByHead(c.b, c.loc, term, c.head, [&](MaskAttr m) { return c.classify(m).any; })};
    // A tile shared by all heads: full only if full for every head's mask, empty only
    // if empty for all.
    TileVisibility acc{c.boolean(true), c.boolean(false)};
    for (Attribute m : term.getOperands()) {
      TileVisibility next = c.classify(cast<MaskAttr>(m));
      acc = {c.both(acc.all, next.all), c.either(acc.any, next.any)};
    }
    return acc;
  }
};
} // namespace

const MaskTerm &mask::headsTerm() {
  static const HeadsTerm term;
  return term;
}
