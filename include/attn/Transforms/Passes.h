#ifndef ATTN_TRANSFORMS_PASSES_H
#define ATTN_TRANSFORMS_PASSES_H

#include "attn/IR/AttnDialect.h"

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

#define GEN_PASS_DECL
#include "attn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attn/Transforms/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_TRANSFORMS_PASSES_H
