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
struct TopkBlocksTerm final : MaskTerm {
  MaskTermShape shape() const override { return {3, 3, 0}; }
  LogicalResult verify(function_ref<InFlightDiagnostic()> emitError, ArrayRef<int64_t> args,
                       ArrayRef<Attribute>) const override {
    if (args[1] == 0 || args[2] == 0)
      return emitError() << "mask term 'topk_blocks' needs positive block sizes";
    return success();
  }
  std::optional<MaskOperandUse> operandUse(MaskAttr term) const override {
    return MaskOperandUse{term.getArgs()[0], MaskOperandKind::BlockIndices};
  }

  bool isVisible(MaskAttr term, const MaskPoint &at,
                 const MaskOperandValues *operands) const override {
    ArrayRef<int64_t> a = term.getArgs();
    if (!operands || at.row < 0)
      return false;
    ArrayRef<int64_t> s = operands->shape(a[0]);
    int64_t qb = at.row / a[1], kb = at.key / a[2];
    if (qb >= s[2])
      return false; // query blocks the tensor does not cover see nothing
    for (int64_t e = 0; e < s[3]; ++e)
      if (operands->at(a[0], {at.batch, at.operandHead, qb, e}) == kb)
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
