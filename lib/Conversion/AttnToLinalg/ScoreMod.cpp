//===- ScoreMod.cpp - score_mod regions and pointwise weights on scalars ----===//
//
// The generic path evaluates a score_mod region element by element inside a
// linalg.generic: the region's ops are cloned with its arguments bound to the score
// and the whole problem's (batch, head, row, key, position). Two of its ops need more
// than a clone: attn.read clamps its indices into the captured tensor (then
// tensor.extract), and integer division by zero yields 0 (buildDivisionOrZero, shared
// with the kernels).
//
//===----------------------------------------------------------------------===//
#include "LinalgBuilders.h"

#include "attn/Conversion/ScoreModEmitter.h"
#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::attn;

Value mlir::attn::buildScoreMod(OpBuilder &b, Location loc, AttentionOp op, Value score,
                                ValueRange indices) {
  Block &body = op.getScoreMod().front();
  IRMapping map;
  // 16-bit attention: the region computes in f32.
  Type elt = score.getType(), scoreType = op.getScoreType();
  if (elt != scoreType)
    score = arith::ExtFOp::create(b, loc, scoreType, score);
  map.map(body.getArgument(0), score);
  for (auto [i, index] : llvm::enumerate(indices))
    map.map(body.getArgument(1 + i), index);
  for (auto [i, capture] : llvm::enumerate(op.getCaptures()))
    map.map(body.getArgument(1 + AttentionOp::kScoreModIndices + i), capture);
  for (Operation &inner : body.without_terminator()) {
    if (auto read = dyn_cast<ReadOp>(inner)) {
      // Clamped indices; a tensor empty at run time reads as 0.
      Value source = map.lookup(read.getSource());
      SmallVector<Value> clamped;
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      Value nonEmpty = arith::ConstantIntOp::create(b, loc, 1, 1);
      for (auto [d, index] : llvm::enumerate(read.getIndices())) {
        Value size = tensor::DimOp::create(b, loc, source, d);
        nonEmpty = arith::AndIOp::create(
            b, loc, nonEmpty,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, size, zero));
        Value last = arith::SubIOp::create(b, loc, size, one);
        clamped.push_back(arith::MinSIOp::create(
            b, loc, arith::MaxSIOp::create(b, loc, map.lookup(index), zero), last));
      }
      auto guarded = scf::IfOp::create(
          b, loc, nonEmpty,
          [&](OpBuilder &b, Location loc) {
            scf::YieldOp::create(b, loc,
                                 tensor::ExtractOp::create(b, loc, source, clamped).getResult());
          },
          [&](OpBuilder &b, Location loc) {
            scf::YieldOp::create(
                b, loc, arith::ConstantOp::create(b, loc, b.getZeroAttr(read.getType())).getResult());
          });
      map.map(read.getResult(), guarded.getResult(0));
      continue;
    }
    if (isIntegerDivision(&inner)) {
      map.map(inner.getResult(0),
              buildDivisionOrZero(b, loc, inner, map.lookup(inner.getOperand(0)),
                                  map.lookup(inner.getOperand(1)), inner.getResult(0).getType()));
      continue;
    }
    b.clone(inner, map);
  }
  Value result = map.lookup(cast<YieldOp>(body.getTerminator()).getValue());
  if (elt != scoreType)
    result = arith::TruncFOp::create(b, loc, elt, result);
  return result;
}

Value mlir::attn::buildPointwiseWeight(OpBuilder &b, Location loc, Normalizer normalizer,
                                       Value x) {
  Type t = x.getType();
  Value zero = floatConstant(b, loc, t, 0.0), one = floatConstant(b, loc, t, 1.0);
  switch (normalizer) {
  case Normalizer::Sigmoid: {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
  }
  case Normalizer::Relu:
    return arith::MaximumFOp::create(b, loc, x, zero);
  case Normalizer::ReluSquared: {
    Value r = arith::MaximumFOp::create(b, loc, x, zero);
    return arith::MulFOp::create(b, loc, r, r);
  }
  case Normalizer::Softplus: {
    // max(x, 0) + log1p(exp(-|x|)): no overflow for large |x|.
    Value absNeg = arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
    Value tail = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, absNeg));
    return arith::AddFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, zero), tail);
  }
  default:
    return x;
  }
}
