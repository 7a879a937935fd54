//===- Connectives.cpp - mask terms `and`, `or`, `not` --------------------===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
/// and(m1, m2, ...) / or(m1, m2, ...): every / some mi.
template <bool IsAnd>
struct JunctionTerm final : MaskTerm {
  MaskTermShape shape() const override { return {0, 0, -2}; }
  bool isVisible(MaskAttr term, const MaskPoint &at,
                 const MaskOperandValues *operands) const override {
    auto visible = [&](Attribute m) { return isMaskVisible(cast<MaskAttr>(m), at, operands); };
    return IsAnd ? llvm::all_of(term.getOperands(), visible)
                 : llvm::any_of(term.getOperands(), visible);
  }
  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    Value acc = b.build(term.getOperand(0));
    for (unsigned i = 1, e = term.getOperands().size(); i < e; ++i) {
      Value next = b.build(term.getOperand(i));
      acc = IsAnd ? b.both(acc, next) : b.either(acc, next);
    }
    return acc;
  }
  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    TileVisibility acc = c.classify(term.getOperand(0));
    for (unsigned i = 1, e = term.getOperands().size(); i < e; ++i) {
      TileVisibility next = c.classify(term.getOperand(i));
      acc = IsAnd ? TileVisibility{c.both(acc.all, next.all), c.both(acc.any, next.any)}
                  : TileVisibility{c.either(acc.all, next.all), c.either(acc.any, next.any)};
    }
    return acc;
  }
};

/// not(m).
struct NotTerm final : MaskTerm {
  MaskTermShape shape() const override { return {0, 0, 1}; }
  bool isVisible(MaskAttr term, const MaskPoint &at,
                 const MaskOperandValues *operands) const override {
    return !isMaskVisible(term.getOperand(0), at, operands);
  }
  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    return arith::XOrIOp::create(b.b, b.loc, b.build(term.getOperand(0)), b.boolean(true));
  }
  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    TileVisibility inner = c.classify(term.getOperand(0));
    return {c.negate(inner.any), c.negate(inner.all)};
  }
};
} // namespace

const MaskTerm &mask::andTerm() {
  static const JunctionTerm<true> term;
  return term;
}

const MaskTerm &mask::orTerm() {
  static const JunctionTerm<false> term;
  return term;
}

const MaskTerm &mask::notTerm() {
  static const NotTerm term;
  return term;
}
