//===- ExpandVarlen.cpp - packed sequences as one attention per sequence ---===//
//
// attn.attention over sequences packed back to back (varlen: cu_seqlens) becomes an
// scf.for over the sequences, each an attn.attention without varlen on its slices of
// q, k and v (its rows and keys), inserted into a result that starts at 0 (lse -inf)
// for rows outside every sequence. Each sequence's positions are then its own, and the
// inner ops take the fused kernels (the CPU lowerings expand before anything else).
// Offsets are clamped into [0, packed length] and made non-decreasing, so that bad
// offsets never slice outside the tensors (the reference reports them).
//
//===----------------------------------------------------------------------===//
#include "attn/Transforms/Passes.h"

#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

static LogicalResult expandVarlen(RewriterBase &rewriter, AttentionOp op) {
  Location loc = op.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
  auto filled = [&](RankedTensorType type, ArrayRef<OpFoldResult> sizes, double value) {
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[d]));
    Value empty = tensor::EmptyOp::create(b, loc, type, dynamic);
    Value fill = arith::ConstantOp::create(b, loc, b.getFloatAttr(type.getElementType(), value));
    return linalg::FillOp::create(b, loc, fill, empty).getResult(0);
  };
  SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(b, loc, q);
  outSizes[3] = tensor::getMixedSize(b, loc, v, 3);
  SmallVector<Value> init{filled(op.getType(), outSizes, 0.0)};
  if (Value lse = op.getLse())
    init.push_back(filled(cast<RankedTensorType>(lse.getType()),
                          ArrayRef(outSizes).take_front(3),
                          -std::numeric_limits<double>::infinity()));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0),
        one = arith::ConstantIndexOp::create(b, loc, 1);
  Value entries = tensor::DimOp::create(b, loc, op.getCuSeqlensQ(), 0);
  Value sequences = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, entries, one), zero);
  Value queryRows = tensor::DimOp::create(b, loc, q, 2), keyRows = tensor::DimOp::create(b, loc, k, 2);
  auto loop = scf::ForOp::create(
      b, loc, zero, sequences, one, init,
      [&](OpBuilder &b, Location loc, Value s, ValueRange acc) {
        // [start, end) of sequence s in `offsets`, clamped into [0, rows].
        auto range = [&](Value offsets, Value rows) {
          auto at = [&](Value i) {
            Value x = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                                 tensor::ExtractOp::create(b, loc, offsets, i));
            return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, x, zero), rows)
                .getResult();
          };
          Value start = at(s);
          Value end = arith::MaxSIOp::create(b, loc, at(arith::AddIOp::create(b, loc, s, one)), start);
          return std::make_pair(start, arith::SubIOp::create(b, loc, end, start).getResult());
        };
        auto [q0, qn] = range(op.getCuSeqlensQ(), queryRows);
        auto [k0, kn] = range(op.getCuSeqlensK(), keyRows);
        auto slice = [&](Value t, Value start, Value size) {
          SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0), start,
                                            b.getIndexAttr(0)};
          SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, t);
          sizes[2] = size;
          return tensor::ExtractSliceOp::create(b, loc, t, offsets, sizes,
                                                SmallVector<OpFoldResult>(4, b.getIndexAttr(1)))
              .getResult();
        };
        Value qs = slice(q, q0, qn), ks = slice(k, k0, kn), vs = slice(v, k0, kn);
        auto sequence = cast<AttentionOp>(b.clone(*op.getOperation()));
        sequence.getQueryMutable().assign(qs);
        sequence.getKeyMutable().assign(ks);
        sequence.getValueMutable().assign(vs);
        sequence.getCuSeqlensQMutable().clear();
        sequence.getCuSeqlensKMutable().clear();
        SmallVector<int64_t> shape(cast<RankedTensorType>(qs.getType()).getShape());
        shape[3] = op.getType().getDimSize(3);
        sequence.getResult().setType(RankedTensorType::get(shape, op.getType().getElementType()));
        SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0), q0,
                                          b.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes(outSizes);
        sizes[2] = qn;
        SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
        SmallVector<Value> next{tensor::InsertSliceOp::create(b, loc, sequence.getResult(), acc[0],
                                                              offsets, sizes, strides)};
        if (Value lse = sequence.getLse()) {
          lse.setType(RankedTensorType::get(ArrayRef(shape).take_front(3), b.getF32Type()));
          next.push_back(tensor::InsertSliceOp::create(
              b, loc, lse, acc[1], ArrayRef(offsets).take_front(3), ArrayRef(sizes).take_front(3),
              ArrayRef(strides).take_front(3)));
        }
        scf::YieldOp::create(b, loc, next);
      });
  rewriter.replaceOp(op, loop.getResults());
  return success();
}

LogicalResult mlir::attn::expandVarlenAttention(Operation *root) {
  SmallVector<AttentionOp> ops;
  root->walk([&](AttentionOp op) {
    if (op.isVarlen())
      ops.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (AttentionOp op : ops)
    if (failed(expandVarlen(rewriter, op)))
      return failure();
  return success();
}
