//===- MaskLowering.h - #attn.mask as arith on positions ------------------===//
//
// Shared by every lowering of masked attention (linalg tile loops, the vector flash
// kernel): the per-element predicate of a mask and the classification of a whole
// (query, key) tile as empty, full or partial.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_CONVERSION_MASKLOWERING_H
#define ATTN_CONVERSION_MASKLOWERING_H

#include "attn/IR/AttnAttrs.h"

#include "mlir/IR/Builders.h"

namespace mlir::attn {

/// i1 predicate: is key column `key` visible from query row `query` under `mask`, for
/// sequence lengths `numQueries`, `numKeys` (end-aligned positions). `query` and `key`
/// are index values, or vectors of index or of a narrower integer type (the predicate
/// is then a vector of i1, one lane per pair); the sequence lengths are index scalars.
Value buildMaskPredicate(OpBuilder &b, Location loc, MaskAttr mask, Value query, Value key,
                         Value numQueries, Value numKeys);

/// Whether every (query, key) pair of a tile is visible, and whether any may be.
struct TileVisibility {
  Value all; // i1, true only if every pair is visible
  Value any; // i1, false only if no pair is visible
};

/// Classifies the tile of absolute query positions [pLo, pHi] x keys [jLo, jHi].
TileVisibility classifyTile(OpBuilder &b, Location loc, MaskAttr mask, Value pLo, Value pHi,
                            Value jLo, Value jHi);

} // namespace mlir::attn

#endif // ATTN_CONVERSION_MASKLOWERING_H
