//===- Blocks.cpp - mask term `blocks(i, bq, bk)`: a run-time block layout --===//
//
// Operand i of attn.attention is a [B, Hq, QB, KB] i32 layout; query row i (of the
// whole problem) and key j are visible when layout[b, h, i / bq, j / bk] != 0. Blocks
// past the layout, and rows before the problem's first, are hidden. FlexAttention's
// BlockMask as data.
//
//===----------------------------------------------------------------------===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct BlocksTerm final : mask::BlockTerm {
  StringRef name() const override { return "blocks"; }
  std::optional<MaskOperandUse> operandUse(MaskAttr term) const override {
    return MaskOperandUse{term.getArgs()[0], MaskOperandKind::BlockLayout};
  }

  bool isVisible(MaskAttr term, const MaskPoint &at,
                 const MaskOperandValues *operands) const override {
    std::optional<std::pair<int64_t, int64_t>> blocks = blocksOf(term, at, operands);
    unsigned i = term.getArgs()[0];
    if (!blocks || blocks->second < 0 || blocks->second >= operands->shape(i)[3])
      return false; // blocks outside the layout are hidden
    return operands->at(i, {at.batch, at.operandHead, blocks->first, blocks->second}) != 0;
  }

  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    if (!b.operands || !b.operands->blockVisible)
      llvm::report_fatal_error("blocks(...) mask lowered without its mask operands");
    ArrayRef<int64_t> a = term.getArgs();
    return b.operands->blockVisible(a[0], a[1], a[2]);
  }

  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    if (!c.operands || !c.operands->blockTile)
      return c.partial();
    ArrayRef<int64_t> a = term.getArgs();
    auto [all, any] = c.operands->blockTile(a[0], a[1], a[2]);
    return {all, any};
  }
};
} // namespace

const MaskTerm &mask::blocksTerm() {
  static const BlocksTerm term;
  return term;
}
