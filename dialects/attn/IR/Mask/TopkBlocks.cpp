//===- TopkBlocks.cpp - mask term `topk_blocks(i, bq, bk)` (MoBA) ----------===//
//
// Operand i is [B, Hq, QB, K] i32 key-block indices: query row i sees key j when
// j / bk is one of idx[b, h, i / bq, :] (entries outside the key blocks, such as -1
// padding, select nothing). attn-materialize-block-indices (run by every lowering)
// turns the indices into a blocks(...) layout, so the compiled faces never see this
// term.
//
//===----------------------------------------------------------------------===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct TopkBlocksTerm final : mask::BlockTerm {
  StringRef name() const override { return "topk_blocks"; }
  std::optional<MaskOperandUse> operandUse(MaskAttr term) const override {
    return MaskOperandUse{term.getArgs()[0], MaskOperandKind::BlockIndices};
  }

  bool isVisible(MaskAttr term, const MaskPoint &at,
                 const MaskOperandValues *operands) const override {
    std::optional<std::pair<int64_t, int64_t>> blocks = blocksOf(term, at, operands);
    if (!blocks)
      return false; // query blocks the tensor does not cover see nothing
    unsigned i = term.getArgs()[0];
    for (int64_t e = 0, k = operands->shape(i)[3]; e < k; ++e)
      if (operands->at(i, {at.batch, at.operandHead, blocks->first, e}) == blocks->second)
        return true;
    return false;
  }

  Value predicate(MaskAttr, MaskPredicateBuilder &) const override {
    llvm::report_fatal_error("topk_blocks(...) lowered before its indices became a layout");
  }

  TileVisibility classify(MaskAttr, MaskTileClassifier &c) const override {
    return c.partial(); // run-time data the classification does not read
  }
};
} // namespace

const MaskTerm &mask::topkBlocksTerm() {
  static const TopkBlocksTerm term;
  return term;
}
