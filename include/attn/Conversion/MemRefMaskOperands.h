//===- MemRefMaskOperands.h - mask operands read from buffers -------------===//
//
// The one buffer-level reader of attn.attention's run-time mask operands, shared by
// the CPU and GPU kernels: [B, Nk] i32 segment ids (document(i)) and [B, Hq, QB, KB]
// i32 block layouts (blocks(i, bq, bk)), by element, by lane vector and over whole
// tiles. Nothing is read out of bounds: positions are clamped into the sequence (the
// predicate masks what lies outside) and blocks past the layout are hidden, not read.
// (The tensor-level reader is AttnToLinalg's buildTensorMaskPredicate.)
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_CONVERSION_MEMREFMASKOPERANDS_H
#define ATTN_CONVERSION_MEMREFMASKOPERANDS_H

#include "mlir/IR/Builders.h"

namespace mlir::attn {

class MemRefMaskOperands {
public:
  MemRefMaskOperands(OpBuilder &b, Location loc, ArrayRef<Value> buffers)
      : b(b), loc(loc), buffers(buffers) {}

  size_t size() const { return buffers.size(); }
  bool empty() const { return buffers.empty(); }
  /// Whether operand `i` holds segment ids ([B, Nk]; else a block layout).
  bool isSegmentIds(unsigned i) const;

  /// The segment id of `batch` at `position`, clamped into [0, Nk).
  Value segmentId(unsigned i, Value batch, Value position);
  /// The ids at keys [first, first + lanes) as an i32 vector (0 past the last key).
  Value segmentIds(unsigned i, Value batch, Value first, int64_t lanes);
  /// [min, max] ids over positions [lo, hi] clamped into [0, Nk) (an empty range, hi <
  /// 0, gives [INT32_MAX, INT32_MIN]).
  std::pair<Value, Value> segmentRange(unsigned i, Value batch, Value lo, Value hi);

  /// i1: the layout entry of (row, key) is set (hidden past the layout).
  Value layoutEntry(unsigned i, Value batch, Value head, Value row, Value key, int64_t bq,
                    int64_t bk);
  /// Lanes of i1: the entries of `row` at the blocks of `keys` (an i32 vector; keys at
  /// or past `numKeys` hidden) are set.
  Value layoutEntries(unsigned i, Value batch, Value head, Value row, Value keys, Value numKeys,
                      int64_t bq, int64_t bk);
  /// (all, any) set entries over the blocks of rows [rowLo, rowHi] x keys [jLo, jHi];
  /// blocks past the layout count as hidden.
  std::pair<Value, Value> layoutTile(unsigned i, Value batch, Value head, Value rowLo,
                                     Value rowHi, Value jLo, Value jHi, int64_t bq, int64_t bk);

private:
  OpBuilder &b;
  Location loc;
  SmallVector<Value> buffers;

  Value idx(int64_t v);
  Value dim(Value buffer, int64_t d);
};

} // namespace mlir::attn

#endif // ATTN_CONVERSION_MEMREFMASKOPERANDS_H
