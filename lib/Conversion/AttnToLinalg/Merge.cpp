//===- Merge.cpp - attn.merge as two elementwise linalg.generic ops -------===//
//
// Per row: M = max_p lse_p, w_p = exp(lse_p - M) (0 where lse_p = -inf),
// o = sum_p w_p o_p / sum_p w_p (0 where every weight is 0), lse = M + log sum_p w_p.
// The outputs' generic recomputes the weights per element of the last dimension: a
// merge is memory-bound, the exponentials are few next to the loads.
//
//===----------------------------------------------------------------------===//
#include "LinalgBuilders.h"

#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {
/// The merge weights of one row: the parts' weights and their sum, in f32.
struct RowWeights {
  Value top;                // M (0 where every part is -inf, so that nothing is NaN)
  SmallVector<Value> parts; // w_p
  Value total;              // sum_p w_p
};

RowWeights buildWeights(OpBuilder &b, Location loc, ValueRange lses) {
  Value negInf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<double>::infinity()));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  Value top = negInf;
  for (Value l : lses)
    top = arith::MaximumFOp::create(b, loc, top, l);
  Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, top, negInf);
  RowWeights w{arith::SelectOp::create(b, loc, none, zero, top), {}, zero};
  for (Value l : lses) {
    Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, l, negInf);
    Value e = math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, l, w.top));
    w.parts.push_back(arith::SelectOp::create(b, loc, empty, zero, e));
    w.total = arith::AddFOp::create(b, loc, w.total, w.parts.back());
  }
  return w;
}
} // namespace

SmallVector<Value> mlir::attn::buildMerge(OpBuilder &b, Location loc, MergeOp op) {
  auto outType = cast<RankedTensorType>(op.getResult().getType());
  auto lseType = cast<RankedTensorType>(op.getLse().getType());
  int64_t rank = outType.getRank();
  unsigned parts = op.getOutputs().size();
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type(), elt = outType.getElementType();
  AffineMap all = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap rows = AffineMap::getMultiDimIdentityMap(rank - 1, ctx);
  AffineMap rowsOfAll = AffineMap::get(rank, 0, all.getResults().drop_back(), ctx);
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, op.getOutputs()[0]);

  // o = sum_p w_p o_p / sum_p w_p.
  SmallVector<Value> inputs(op.getOutputs());
  llvm::append_range(inputs, op.getLses());
  SmallVector<AffineMap> maps(parts, all);
  maps.append(parts, rowsOfAll);
  maps.push_back(all);
  Value outInit = tensor::EmptyOp::create(b, loc, shape, elt);
  auto merged = linalg::GenericOp::create(
      b, loc, outInit.getType(), inputs, outInit, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        RowWeights w = buildWeights(b, loc, args.slice(parts, parts));
        Value sum = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
        for (unsigned p = 0; p < parts; ++p) {
          Value o = args[p];
          if (o.getType() != f32)
            o = arith::ExtFOp::create(b, loc, f32, o);
          sum = math::FmaOp::create(b, loc, w.parts[p], o, sum);
        }
        Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
        Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, w.total, zero);
        Value o = arith::SelectOp::create(b, loc, empty, zero,
                                          arith::DivFOp::create(b, loc, sum, w.total));
        if (elt != f32)
          o = arith::TruncFOp::create(b, loc, elt, o);
        linalg::YieldOp::create(b, loc, o);
      });

  // lse = M + log sum_p w_p (-inf for rows no part saw).
  Value lseInit = tensor::EmptyOp::create(b, loc, ArrayRef(shape).drop_back(), f32);
  auto lse = linalg::GenericOp::create(
      b, loc, lseInit.getType(), op.getLses(), lseInit,
      SmallVector<AffineMap>(parts + 1, rows),
      SmallVector<utils::IteratorType>(rank - 1, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        RowWeights w = buildWeights(b, loc, args.take_front(parts));
        Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
        Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, w.total, zero);
        Value value = arith::AddFOp::create(b, loc, w.top, math::LogOp::create(b, loc, w.total));
        Value negInf = arith::ConstantOp::create(
            b, loc, b.getF32FloatAttr(-std::numeric_limits<double>::infinity()));
        linalg::YieldOp::create(b, loc, ValueRange{arith::SelectOp::create(b, loc, empty, negInf, value)});
      });
  SmallVector<Value> results{merged.getResult(0), lse.getResult(0)};
  if (results[0].getType() != outType)
    results[0] = tensor::CastOp::create(b, loc, outType, results[0]);
  if (results[1].getType() != lseType)
    results[1] = tensor::CastOp::create(b, loc, lseType, results[1]);
  return results;
}
