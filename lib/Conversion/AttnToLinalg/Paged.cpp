//===- Paged.cpp - paged attention as one contiguous attention per sequence ===//
//
// The generic path's form of a paged KV cache: an scf.for over the sequences, each
// gathering its keys and values through its page table into [1, G, length, D]
// (tensor.generate), then an attn.attention without pages over them, inserted into
// the result. Each sequence's positions are then its own (end-aligned over its
// length), as the paged op defines; the inner ops lower like any other.
//
//===----------------------------------------------------------------------===//
#include "LinalgBuilders.h"

#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::attn;

/// `pool` [P, S, G, W] gathered for sequence `batch` into [1, G, length, W].
static Value gatherSequence(OpBuilder &b, Location loc, Value pool, Value table, Value batch,
                            Value length) {
  auto poolType = cast<RankedTensorType>(pool.getType());
  SmallVector<int64_t> shape{1, poolType.getDimSize(2), ShapedType::kDynamic,
                             poolType.getDimSize(3)};
  SmallVector<Value> dynamic;
  if (poolType.isDynamicDim(2))
    dynamic.push_back(tensor::DimOp::create(b, loc, pool, 2));
  dynamic.push_back(length);
  if (poolType.isDynamicDim(3))
    dynamic.push_back(tensor::DimOp::create(b, loc, pool, 3));
  auto type = RankedTensorType::get(shape, poolType.getElementType());
  return tensor::GenerateOp::create(
      b, loc, type, dynamic, [&](OpBuilder &b, Location loc, ValueRange at) {
        Value pageSize = tensor::DimOp::create(b, loc, pool, 1);
        Value lastPage = arith::SubIOp::create(b, loc, tensor::DimOp::create(b, loc, pool, 0),
                                               arith::ConstantIndexOp::create(b, loc, 1));
        Value entry = tensor::ExtractOp::create(
            b, loc, table, ValueRange{batch, arith::DivUIOp::create(b, loc, at[2], pageSize)});
        // Page ids outside the pool are the caller's error: clamped, never read outside.
        Value page = arith::IndexCastOp::create(b, loc, b.getIndexType(), entry);
        page = arith::MinSIOp::create(
            b, loc, arith::MaxSIOp::create(b, loc, page, arith::ConstantIndexOp::create(b, loc, 0)),
            lastPage);
        Value slot = arith::RemUIOp::create(b, loc, at[2], pageSize);
        tensor::YieldOp::create(
            b, loc, tensor::ExtractOp::create(b, loc, pool, ValueRange{page, slot, at[1], at[3]}));
      }).getResult();
}

LogicalResult mlir::attn::expandPagedAttention(RewriterBase &rewriter, AttentionOp op) {
  if (op.hasScoreMod() && !op.getScoreMod().front().getArgument(1).use_empty())
    return op.emitOpError() << "the generic path runs paged attention one sequence at a time "
                               "and cannot give a score_mod region its batch index (the vector "
                               "kernel can)";
  Location loc = op.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  Value q = op.getQuery(), table = op.getPageTable();
  auto emptyLike = [&](RankedTensorType type, ArrayRef<Value> sizes) {
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(sizes[d]);
    return tensor::EmptyOp::create(b, loc, type, dynamic).getResult();
  };
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < 3; ++d)
    sizes.push_back(tensor::DimOp::create(b, loc, q, d));
  sizes.push_back(tensor::DimOp::create(b, loc, op.getValue(), 3));
  SmallVector<Value> init{emptyLike(op.getType(), sizes)};
  if (Value lse = op.getLse())
    init.push_back(emptyLike(cast<RankedTensorType>(lse.getType()), sizes));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0),
        one = arith::ConstantIndexOp::create(b, loc, 1);
  Value capacity = arith::MulIOp::create(b, loc, tensor::DimOp::create(b, loc, table, 1),
                                         tensor::DimOp::create(b, loc, op.getKey(), 1));
  auto loop = scf::ForOp::create(
      b, loc, zero, sizes[0], one, init,
      [&](OpBuilder &b, Location loc, Value batch, ValueRange acc) {
        Value length = arith::IndexCastOp::create(
            b, loc, b.getIndexType(), tensor::ExtractOp::create(b, loc, op.getLengths(), batch));
        length = arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, length, zero),
                                        capacity);
        Value keys = gatherSequence(b, loc, op.getKey(), table, batch, length);
        Value values = gatherSequence(b, loc, op.getValue(), table, batch, length);
        SmallVector<OpFoldResult> offsets{batch, b.getIndexAttr(0), b.getIndexAttr(0),
                                          b.getIndexAttr(0)};
        SmallVector<OpFoldResult> querySizes{b.getIndexAttr(1), tensor::getMixedSize(b, loc, q, 1),
                                             tensor::getMixedSize(b, loc, q, 2),
                                             tensor::getMixedSize(b, loc, q, 3)};
        SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
        Value rows = tensor::ExtractSliceOp::create(b, loc, q, offsets, querySizes, strides);
        auto sequence = cast<AttentionOp>(b.clone(*op.getOperation()));
        sequence.getQueryMutable().assign(rows);
        sequence.getKeyMutable().assign(keys);
        sequence.getValueMutable().assign(values);
        sequence.getPageTableMutable().clear();
        sequence.getLengthsMutable().clear();
        auto resultType = cast<RankedTensorType>(rows.getType());
        SmallVector<int64_t> outShape(resultType.getShape());
        outShape[3] = op.getType().getDimSize(3);
        sequence.getResult().setType(
            RankedTensorType::get(outShape, op.getType().getElementType()));
        SmallVector<Value> next;
        SmallVector<OpFoldResult> outSizes(querySizes);
        outSizes[3] = tensor::getMixedSize(b, loc, op.getValue(), 3);
        next.push_back(tensor::InsertSliceOp::create(b, loc, sequence.getResult(), acc[0], offsets,
                                                     outSizes, strides));
        if (Value lse = sequence.getLse()) {
          lse.setType(RankedTensorType::get(ArrayRef(outShape).take_front(3), b.getF32Type()));
          next.push_back(tensor::InsertSliceOp::create(
              b, loc, lse, acc[1], ArrayRef(offsets).take_front(3),
              ArrayRef(outSizes).take_front(3), ArrayRef(strides).take_front(3)));
        }
        scf::YieldOp::create(b, loc, next);
      });
  rewriter.replaceOp(op, loop.getResults());
  return success();
}
