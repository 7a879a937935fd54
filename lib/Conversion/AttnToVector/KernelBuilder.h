//===- KernelBuilder.h - shorthands the CPU vector kernels are written in -===//
//
// Private to convert-attn-to-vector: index and f32 constants, vectors of `lanes`
// f32, loops, and the task-parallel forall, so that the kernels read like the
// algorithms they implement.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOVECTOR_KERNELBUILDER_H
#define ATTN_LIB_CONVERSION_ATTNTOVECTOR_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::attn {

struct KernelBuilder {
  KernelBuilder(OpBuilder &b, Location loc, int64_t lanes)
      : b(b), loc(loc), f32(b.getF32Type()), lanes(lanes), vec(VectorType::get({lanes}, f32)) {}

  OpBuilder &b;
  Location loc;
  Type f32;
  int64_t lanes;
  VectorType vec;

  Value idx(int64_t x) { return arith::ConstantIndexOp::create(b, loc, x); }
  Value scalar(double x) { return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(x)); }
  Value splat(Value x) {
    Type type =
        x.getType().isIndex() ? (Type)VectorType::get({lanes}, x.getType()) : (Type)vec;
    return vector::BroadcastOp::create(b, loc, type, x);
  }
  Value splat(double x) { return splat(scalar(x)); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value minIndex(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value maxIndex(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value dim(Value m, int64_t d) { return memref::DimOp::create(b, loc, m, d); }
  Value ceilDiv(Value x, int64_t y) { return arith::CeilDivUIOp::create(b, loc, x, idx(y)); }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value fma(Value x, Value y, Value acc) { return vector::FMAOp::create(b, loc, x, y, acc); }
  Value load(Value m, ValueRange at) { return vector::LoadOp::create(b, loc, vec, m, at); }
  Value loadScalar(Value m, ValueRange at) { return memref::LoadOp::create(b, loc, m, at); }
  /// A vector of `lanes` elements of `m` as f32 (bf16 / f16 buffers widened on load).
  Value loadWide(Value m, ValueRange at) {
    Type elt = cast<MemRefType>(m.getType()).getElementType();
    if (elt == f32)
      return load(m, at);
    Value x = vector::LoadOp::create(b, loc, VectorType::get({lanes}, elt), m, at);
    return arith::ExtFOp::create(b, loc, vec, x);
  }
  /// Stores an f32 vector into `m`, rounded to its element type.
  void storeNarrow(Value x, Value m, ValueRange at) {
    Type elt = cast<MemRefType>(m.getType()).getElementType();
    if (elt != f32)
      x = arith::TruncFOp::create(b, loc, VectorType::get({lanes}, elt), x);
    vector::StoreOp::create(b, loc, x, m, at);
  }
  void store(Value x, Value m, ValueRange at) { vector::StoreOp::create(b, loc, x, m, at); }
  void storeScalar(Value x, Value m, ValueRange at) { memref::StoreOp::create(b, loc, x, m, at); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  arith::FastMathFlagsAttr flags(arith::FastMathFlags f) {
    return arith::FastMathFlagsAttr::get(b.getContext(), f);
  }

  /// The identity-layout memref type of a ranked tensor value.
  static MemRefType memrefOf(Value tensor) {
    auto type = cast<RankedTensorType>(tensor.getType());
    return MemRefType::get(type.getShape(), type.getElementType());
  }
  /// A read-only buffer of a kernel input.
  Value toBuffer(Value tensor) {
    return bufferization::ToBufferOp::create(b, loc, memrefOf(tensor), tensor,
                                             /*readOnly=*/true);
  }
  /// A 64-byte-aligned buffer for `result`, its dynamic sizes those of `like` (rank 4,
  /// the value head dim from `likeLast` when the last one is dynamic).
  Value allocResult(Value result, Value like, Value likeLast) {
    MemRefType type = memrefOf(result);
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(dim(d + 1 < type.getRank() ? like : likeLast, d));
    return memref::AllocOp::create(b, loc, type, sizes, b.getI64IntegerAttr(64));
  }

  /// How `work` items of each of `units` independent units are split into parts across
  /// `threads` threads: `fixed` parts when positive (at most one per item), else enough
  /// for the threads when units are fewer, each part at least `minPerPart` items.
  /// Returns (parts, items per part); both at least 1, parts * per covers the work.
  std::pair<Value, Value> planParts(Value units, Value work, int64_t threads,
                                    int64_t minPerPart, int64_t fixed) {
    Value one = idx(1);
    Value count;
    if (fixed > 0) {
      count = minIndex(idx(fixed), maxIndex(one, work));
    } else {
      Value wanted = arith::CeilDivUIOp::create(b, loc, idx(threads), maxIndex(one, units));
      Value most = maxIndex(one, arith::DivUIOp::create(b, loc, work, idx(minPerPart)));
      count = maxIndex(one, minIndex(wanted, most));
    }
    Value per = maxIndex(one, arith::CeilDivUIOp::create(b, loc, work, count));
    return {maxIndex(one, arith::CeilDivUIOp::create(b, loc, work, per)), per};
  }

  void forLoop(Value lb, Value ub, int64_t step, function_ref<void(Value)> body) {
    scf::ForOp::create(b, loc, lb, ub, idx(step), ValueRange{},
                       [&](OpBuilder &, Location, Value iv, ValueRange) {
                         body(iv);
                         scf::YieldOp::create(b, loc);
                       });
  }
  SmallVector<Value> forLoop(Value lb, Value ub, ValueRange init,
                             function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto loop = scf::ForOp::create(b, loc, lb, ub, idx(1), init,
                                   [&](OpBuilder &, Location, Value iv, ValueRange args) {
                                     scf::YieldOp::create(b, loc, body(iv, args));
                                   });
    return SmallVector<Value>(loop.getResults());
  }
  void ifThen(Value cond, function_ref<void()> body) {
    scf::IfOp::create(b, loc, cond, [&](OpBuilder &, Location) {
      body();
      scf::YieldOp::create(b, loc);
    });
  }
  void ifThenElse(Value cond, function_ref<void()> then, function_ref<void()> otherwise) {
    scf::IfOp::create(
        b, loc, cond,
        [&](OpBuilder &, Location) {
          then();
          scf::YieldOp::create(b, loc);
        },
        [&](OpBuilder &, Location) {
          otherwise();
          scf::YieldOp::create(b, loc);
        });
  }
  void parallel(ArrayRef<Value> upperBounds, function_ref<void(ValueRange)> body) {
    SmallVector<OpFoldResult> lbs(upperBounds.size(), b.getIndexAttr(0)),
        steps(upperBounds.size(), b.getIndexAttr(1));
    SmallVector<OpFoldResult> ubs = getAsOpFoldResult(upperBounds);
    scf::ForallOp::create(b, loc, lbs, ubs, steps, ValueRange{}, std::nullopt,
                          [&](OpBuilder &, Location, ValueRange ivs) {
                            body(ivs);
                            scf::InParallelOp::create(b, loc);
                          });
  }
};

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOVECTOR_KERNELBUILDER_H
