//===- Terms.h - the mask terms, one per file (private) -------------------===//
#ifndef ATTN_DIALECTS_ATTN_IR_MASK_TERMS_H
#define ATTN_DIALECTS_ATTN_IR_MASK_TERMS_H

#include "attn/IR/MaskTerm.h"

namespace mlir::attn::mask {
const MaskTerm &fullTerm();
const MaskTerm &causalTerm();
const MaskTerm &windowTerm();
const MaskTerm &sinkTerm();
const MaskTerm &chunkTerm();
const MaskTerm &dilatedTerm();
const MaskTerm &power2Term();
const MaskTerm &prefixTerm();
const MaskTerm &andTerm();
const MaskTerm &orTerm();
const MaskTerm &notTerm();
const MaskTerm &headsTerm();
const MaskTerm &neighborhoodTerm();
const MaskTerm &documentTerm();
const MaskTerm &blocksTerm();
const MaskTerm &topkBlocksTerm();

/// blocks(i, bq, bk) and topk_blocks(i, bq, bk): an operand and two positive block
/// sizes; the reference's (query block, key block) of a pair, or nullopt for rows before
/// the problem's first and query blocks the operand does not cover.
struct BlockTerm : MaskTerm {
  MaskTermShape shape() const final { return {3, 3, 0}; }
  LogicalResult verify(function_ref<InFlightDiagnostic()> emitError, ArrayRef<int64_t> args,
                       ArrayRef<Attribute>) const final {
    if (args[1] == 0 || args[2] == 0)
      return emitError() << "mask term '" << name() << "' needs positive block sizes";
    return success();
  }
  virtual StringRef name() const = 0;
  static std::optional<std::pair<int64_t, int64_t>>
  blocksOf(MaskAttr term, const MaskPoint &at, const MaskOperandValues *operands) {
    ArrayRef<int64_t> a = term.getArgs();
    if (!operands || at.row < 0 || at.row / a[1] >= operands->shape(a[0])[2])
      return std::nullopt;
    return std::make_pair(at.row / a[1], at.key / a[2]);
  }
};

/// floor(a / b) for b > 0 on int64 (the reference's chunk arithmetic).
inline int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
} // namespace mlir::attn::mask

#endif // ATTN_DIALECTS_ATTN_IR_MASK_TERMS_H
