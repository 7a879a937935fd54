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

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::attn {

/// How the code being built reads attn.attention's run-time mask operands (the
/// segment ids of document(i) terms).
struct MaskOperandAccess {
  /// Segment ids of operand `i` at the query positions (`query`) or at the key
  /// positions, shaped like the positions given to the predicate (i32 or i32 vectors).
  /// Queries before the first key may read any id: the predicate masks them.
  function_ref<Value(unsigned i, bool query)> segments;
  /// The [min, max] segment ids (i32) of operand `i` over the queries or keys of the
  /// tile being classified; null: tiles of document terms count as partial.
  function_ref<std::pair<Value, Value>(unsigned i, bool query)> segmentRange;
  /// blocks(i, bq, bk): whether the layout (operand `i`) shows the block of the current
  /// (query row, key) pair(s): i1, or a vector of i1 like the positions.
  function_ref<Value(unsigned i, int64_t bq, int64_t bk)> blockVisible;
  /// blocks(i, bq, bk) for the tile being classified: (all, any) over the layout
  /// entries it covers; null: such tiles count as partial.
  function_ref<std::pair<Value, Value>(unsigned i, int64_t bq, int64_t bk)> blockTile;
};

/// Whether `mask` reads mask operands (document(i), blocks(i, ...) terms).
bool readsMaskOperands(MaskAttr mask);

/// i1 predicate: is key column `key` visible from query row `row` under `mask`; the
/// row sits at position `row + rowToPosition` (Nk - Nq for end-aligned rows; a tile of
/// attn.attention says its own). `row` and `key` are index values, or vectors of index
/// or of a narrower integer type (the predicate is then a vector of i1, one lane per
/// pair); `rowToPosition` is an index scalar. `head` (index) is the query head that
/// heads(...) terms select by (null: head 0). `operands` gives document(i) and
/// blocks(i, ...) terms their data (required when the mask reads mask operands).
Value buildMaskPredicate(OpBuilder &b, Location loc, MaskAttr mask, Value row, Value key,
                         Value rowToPosition, Value head = {},
                         const MaskOperandAccess *operands = nullptr);

/// Whether every (query, key) pair of a tile is visible, and whether any may be.
struct TileVisibility {
  Value all; // i1, true only if every pair is visible
  Value any; // i1, false only if no pair is visible
};

/// Classifies the tile of absolute query positions [pLo, pHi] x keys [jLo, jHi] of
/// query head `head` (null: a tile that spans every head).
TileVisibility classifyTile(OpBuilder &b, Location loc, MaskAttr mask, Value pLo, Value pHi,
                            Value jLo, Value jHi, Value head = {},
                            const MaskOperandAccess *operands = nullptr);


/// For a heads(m0, ..., mk-1) term: build(m) for the mask of query head `head`
/// (m(head mod k)), as selects between the distinct masks; each is built once.
Value selectByHead(OpBuilder &b, Location loc, MaskAttr heads, Value head,
                   function_ref<Value(MaskAttr)> build);

} // namespace mlir::attn

#endif // ATTN_CONVERSION_MASKLOWERING_H
