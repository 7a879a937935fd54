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

/// floor(a / b) for b > 0 on int64 (the reference's chunk arithmetic).
inline int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
} // namespace mlir::attn::mask

#endif // ATTN_DIALECTS_ATTN_IR_MASK_TERMS_H
