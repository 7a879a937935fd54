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
struct BlocksTerm final : MaskTerm {
  MaskTermShape shape() const override { return {3, 3, 0}; }
  LogicalResult verify(function_ref<InFlightDiagnostic()> emitError, ArrayRef<int64_t> args,
                       ArrayRef<Attribute>) const override {
    if (args[1] == 0 || args[2] == 0)
      return emitError() << "mask term 'blocks' needs positive block sizes";
    return success();
  }
  std::optional<MaskOperandUse> operandUse(MaskAttr term) const override {
    return MaskOperandUse{term.getArgs()[0], MaskOperandKind::BlockLayout};
  }

  bool isVisible(MaskAttr term, const MaskPoint &at,
                 const MaskOperandValues *operands) const override {
    ArrayRef<int64_t> a = term.getArgs();
    if (!operands || at.row < 0)
      return false;
    ArrayRef<int64_t> s = operands->shape(a[0]);
    int64_t qb = at.row / a[1], kb = at.key / a[2];
    if (qb >= s[2] || kb >= s[3])
      return false;
    return operands->at(a[0], {at.batch, at.operandHead, qb, kb}) != 0;
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
