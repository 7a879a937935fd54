//===- AttentionLayout.h - to and from attn.attention's [B, H, N, D] ------===//
//
// The raising passes (attn-raise-cascade, attn-import-attention) find attention over
// tensors with any number of batch and head dimensions; attn.attention takes exactly
// one of each. These reshape between the two.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_TRANSFORMS_ATTENTIONLAYOUT_H
#define ATTN_TRANSFORMS_ATTENTIONLAYOUT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::attn {

/// [B..., H..., N, D] (numBatch batch and numHeads head dims) -> [prod(B), prod(H), N,
/// D], with unit dims for empty groups (tensor.collapse_shape / expand_shape).
Value toAttentionLayout(OpBuilder &b, Location loc, Value value, unsigned numBatch,
                        unsigned numHeads);

/// The inverse of toAttentionLayout, to `type` whose sizes are `shape`.
Value fromAttentionLayout(OpBuilder &b, Location loc, Value value, unsigned numBatch,
                          unsigned numHeads, RankedTensorType type,
                          ArrayRef<OpFoldResult> shape);

} // namespace mlir::attn

#endif // ATTN_TRANSFORMS_ATTENTIONLAYOUT_H
