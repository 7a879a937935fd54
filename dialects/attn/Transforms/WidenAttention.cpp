//===- WidenAttention.cpp - 16-bit attention on f32 tensors ----------------===//
//
// Where no kernel computes on bf16 / f16 tensors as they are, attention runs on f32
// copies of them: widening is exact, so the f32 computation sees the values the 16-bit
// tensors hold, accumulates in f32 (what every low-precision kernel does), and the
// result is rounded once at the end.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/AttnOps.h"
#include "attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::attn;

static bool isHalfTensor(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && (shaped.getElementType().isBF16() || shaped.getElementType().isF16());
}

bool mlir::attn::hasHalfTensors(AttentionOp op) {
  return llvm::any_of(op->getOperandTypes(), isHalfTensor) ||
         isHalfTensor(op.getResult().getType());
}

Value mlir::attn::convertElements(OpBuilder &b, Location loc, Value tensor, Type elt) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getElementType() == elt)
    return tensor;
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, tensor), elt);
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(), utils::IteratorType::parallel);
  auto convert = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{tensor}, ValueRange{init},
      ArrayRef<AffineMap>{identity, identity}, parallel,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = elt.getIntOrFloatBitWidth() > args[0].getType().getIntOrFloatBitWidth()
                      ? arith::ExtFOp::create(nb, l, elt, args[0]).getResult()
                      : arith::TruncFOp::create(nb, l, elt, args[0]).getResult();
        linalg::YieldOp::create(nb, l, x);
      });
  return convert.getResult(0);
}

AttentionOp mlir::attn::buildWidenedAttention(OpBuilder &b, AttentionOp op) {
  Location loc = op.getLoc();
  Type f32 = b.getF32Type();
  auto widen = [&](Value t) {
    return isHalfTensor(t.getType()) ? convertElements(b, loc, t, f32) : t;
  };
  // The widened operands first: the clone must come after them.
  Value query = widen(op.getQuery()), key = widen(op.getKey()), value = widen(op.getValue());
  Value projection = op.getProjection() ? widen(op.getProjection()) : Value();
  auto wide = cast<AttentionOp>(b.clone(*op));
  wide.getQueryMutable().assign(query);
  wide.getKeyMutable().assign(key);
  wide.getValueMutable().assign(value);
  if (projection)
    wide.getProjectionMutable().assign(projection);
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  wide.getResult().setType(resultType.clone(f32));
  return wide;
}

LogicalResult mlir::attn::widenHalfAttention(Operation *root) {
  SmallVector<AttentionOp> ops;
  root->walk([&](AttentionOp op) {
    if (hasHalfTensors(op))
      ops.push_back(op);
  });
  for (AttentionOp op : ops) {
    OpBuilder b(op);
    AttentionOp wide = buildWidenedAttention(b, op);
    SmallVector<Value> results(wide->getResults());
    results[0] = convertElements(b, op.getLoc(), results[0],
                                 op.getResult().getType().getElementType());
    op->replaceAllUsesWith(results);
    op->erase();
  }
  return success();
}
