//===- Full.cpp - mask term `full`: every pair ----------------------------===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct FullTerm final : MaskTerm {
  MaskTermShape shape() const override { return {0, 0, 0}; }
  bool isVisible(MaskAttr, const MaskPoint &, const MaskOperandValues *) const override {
    return true;
  }
  Value predicate(MaskAttr, MaskPredicateBuilder &b) const override { return b.boolean(true); }
  TileVisibility classify(MaskAttr, MaskTileClassifier &c) const override {
    return {c.boolean(true), c.boolean(true)};
  }
};
} // namespace

const MaskTerm &mask::fullTerm() {
  static const FullTerm term;
  return term;
}
