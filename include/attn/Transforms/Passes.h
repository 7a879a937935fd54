#ifndef ATTN_TRANSFORMS_PASSES_H
#define ATTN_TRANSFORMS_PASSES_H

#include "attn/IR/AttnDialect.h"
#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace attn {

/// The patterns of attn-raise-cascade (also run by attn-raise-linalg).
void populateAttnRaiseCascadePatterns(RewritePatternSet &patterns);

/// Rewrites topk_blocks(i, bq, bk) terms of every attn.attention into blocks(j, bq, bk)
/// over a layout built from the indices in a prologue (attn-materialize-block-indices).
void populateMaterializeBlockIndicesPatterns(RewritePatternSet &patterns);

/// Every attn.attention over packed sequences (varlen) under `root` becomes a loop of
/// one attention per sequence (ExpandSequences.cpp); the CPU lowerings run it first.
LogicalResult expandVarlenAttention(Operation *root);

/// Every paged attn.attention under `root` becomes a loop of one contiguous attention
/// per sequence, its keys gathered through its page table (ExpandSequences.cpp; the
/// generic path's form); a located error when that cannot express it.
LogicalResult expandPagedAttention(Operation *root);

/// Whether `op` reads or writes bf16 / f16 tensors (WidenAttention.cpp).
bool hasHalfTensors(AttentionOp op);

/// `tensor` with its elements converted to `elt` (an elementwise linalg.generic;
/// `tensor` itself when it has that type already).
Value convertElements(OpBuilder &b, Location loc, Value tensor, Type elt);

/// A clone of `op` at the builder's point on f32 q, k, v (and projections): 16-bit
/// operands widened (exactly), the result f32. The caller lowers it and narrows.
AttentionOp buildWidenedAttention(OpBuilder &b, AttentionOp op);

/// Every attn.attention under `root` with bf16 / f16 tensors becomes the same attention
/// on f32 tensors between conversions (the generic path: f32 accumulation).
LogicalResult widenHalfAttention(Operation *root);

#define GEN_PASS_DECL
#include "attn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attn/Transforms/Passes.h.inc"

/// Runs attn-import-iree-functions and attn-import-attention on `module` where it
/// holds IREE's `util.func` functions or IREE's / torch-mlir's attention ops: what
/// drivers do before picking an entry function by name and evaluating it with the
/// reference (which interprets attn ops, not the foreign ones).
LogicalResult importForeignAttention(ModuleOp module);

} // namespace attn
} // namespace mlir

#endif // ATTN_TRANSFORMS_PASSES_H
