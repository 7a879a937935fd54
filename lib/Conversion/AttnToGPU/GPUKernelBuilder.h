//===- GPUKernelBuilder.h - the tensor-core kernel's builder, private ------===//
//
// Shared by GPUFlashKernel.cpp (staging, MMAs, online softmax, the launch) and
// GPUMaskOperands.cpp (run-time documents and block layouts read by the kernel).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_GPUKERNELBUILDER_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_GPUKERNELBUILDER_H

#include "GPUFlashKernel.h"
#include "attn/Conversion/MemRefMaskOperands.h"
#include "attn/Conversion/ScoreModEmitter.h"
#include "attn/IR/MaskTerm.h"
#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"
#include <cmath>
#include <limits>

#include <cmath>
#include <limits>

namespace mlir::attn::gpukernel {

struct GPUKernel {
  GPUKernel(OpBuilder &b, Location loc, AttentionOp op, const GPUKernelTiles &tiles)
      : b(b), loc(loc), op(op), tiles(tiles), mask(op.getMaskAttr()),
        headDim(op.getQuery().getType().getDimSize(3)),
        queryTile(16 * tiles.warps), keyTile(planStaging(op, tiles).keyTile),
        async(planStaging(op, tiles).asyncCopy), f32(b.getF32Type()) {
    // f16 operands for every input type: nvgpu.mma.sync lowers f16 (bf16 and f32
    // inputs are converted when staged; bf16 -> f16 is exact within f16's range).
    mmaType = b.getF16Type();
    if (op.hasScoreMod()) {
      scoreMod.emplace(op, /*lanes=*/1);
      scoreMod->setScalarMath([this](OpBuilder &, Location, Operation &inner,
                                     ValueRange x) -> Value {
        if (isa<math::Exp2Op>(inner))
          return exp2(x[0]);
        if (isa<math::ExpOp>(inner))
          return exp2(fmul(x[0], f(1.0 / std::log(2.0))));
        if (isa<math::TanhOp>(inner))
          return tanh(x[0]);
        // The rest through LLVM's own intrinsics (NVPTX instructions, not libdevice).
        StringRef name = llvm::TypeSwitch<Operation *, StringRef>(&inner)
                             .Case([](math::AbsFOp) { return "llvm.fabs.f32"; })
                             .Case([](math::FloorOp) { return "llvm.floor.f32"; })
                             .Case([](math::CeilOp) { return "llvm.ceil.f32"; })
                             .Case([](math::SqrtOp) { return "llvm.sqrt.f32"; })
                             .Case([](math::FmaOp) { return "llvm.fma.f32"; })
                             .Default([](Operation *) { return ""; });
        if (name.empty() || !inner.getResult(0).getType().isF32())
          return Value();
        return LLVM::CallIntrinsicOp::create(this->b, this->loc, f32, this->b.getStringAttr(name), x)
            .getResult(0);
      });
    }
  }

  OpBuilder &b;
  Location loc;
  AttentionOp op;
  GPUKernelTiles tiles;
  MaskAttr mask;
  int64_t headDim, queryTile, keyTile;
  bool async; // K/V double-buffered with cp.async (ks/vs are [2][Bc][D])
  Type f32, mmaType;
  // Kernel arguments and per-thread indices.
  Value q, k, v, out, qs, ks, vs;
  Value lseOut; // the log-sum-exp result [B, Hq, Nq] f32, when the op has one
  SmallVector<Value> maskOperands; // [B, Nk] segment ids or [B, Hq, QB, KB] layouts
  SmallVector<Value> captures;     // the score_mod region's tensors
  std::optional<ScoreModEmitter> scoreMod;
  IRMapping blockScoreModValues;   // the region's per-(batch, head) values
  Value lane, warp, tid, batch, head, kvHead, numQueries, numKeys, q0;

  Value idx(int64_t x) { return arith::ConstantIndexOp::create(b, loc, x); }
  Value f(double x) { return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(x)); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, loc, x, idx(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, loc, x, idx(y)); }
  Value lt(Value x, Value y) { return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y); }
  Value fmax(Value x, Value y) { return arith::MaximumFOp::create(b, loc, x, y); }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  /// PTX's ex2.approx (2^x, -inf -> 0) through its LLVM intrinsic: no libdevice needed.
  Value exp2(Value x) {
    return LLVM::CallIntrinsicOp::create(b, loc, f32, b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f"),
                                         ValueRange{x})
        .getResult(0);
  }
  /// log2(x) through PTX's lg2.approx.
  Value log2(Value x) {
    return LLVM::CallIntrinsicOp::create(b, loc, f32, b.getStringAttr("llvm.nvvm.lg2.approx.f"),
                                         ValueRange{x})
        .getResult(0);
  }
  /// tanh(x) = 1 - 2 / (2^(2x log2 e) + 1), from ex2.approx (LLVM 22 has no NVVM tanh).
  Value tanh(Value x) {
    Value e = exp2(fmul(x, f(2.0 / std::log(2.0))));
    return fsub(f(1.0), arith::DivFOp::create(b, loc, f(2.0), fadd(e, f(1.0))));
  }
  Value element(Value frag, int64_t row, int64_t col) {
    return vector::ExtractOp::create(b, loc, frag, ArrayRef<int64_t>{row, col});
  }
  Value withElement(Value frag, Value x, int64_t row, int64_t col) {
    return vector::InsertOp::create(b, loc, x, frag, ArrayRef<int64_t>{row, col});
  }
  /// max or sum of x over the four lanes that hold the same rows (lane / 4).
  Value quadReduce(Value x, bool isMax) {
    for (int32_t offset : {1, 2}) {
      Value other = gpu::ShuffleOp::create(b, loc, x, offset, 32, gpu::ShuffleMode::XOR)
                        .getShuffleResult();
      x = isMax ? fmax(x, other) : fadd(x, other);
    }
    return x;
  }

  void build(gpu::GPUFuncOp func);
  void stageRows(Value src, ValueRange at, Value first, Value count, Value dst, int64_t rows);
  Value stageAsync(Value t, Value slot);
  Value visible(Value t);
  SmallVector<Value> tile(Value t, ArrayRef<Value> qFrags, ValueRange state, Value slot);
  void accumulate(ArrayRef<Value> s, SmallVector<Value> &o, Value slot);
  Value pointwiseWeight(Value s);
  SmallVector<Value> scores(ArrayRef<Value> qFrags, Value slot);
  /// Indices into a K/V buffer: with the slot first when double-buffered.
  SmallVector<Value> at(Value slot, Value row, Value col) {
    if (async)
      return {slot, row, col};
    return {row, col};
  }
  SmallVector<Value> maskScores(ArrayRef<Value> s, Value j0);
  /// How the mask predicate (per element) and the classification (per tile of query
  /// positions [pLo, pHi] x keys [jLo, jHi]) read the run-time mask operands: the
  /// shared buffer-level reader (every thread the same reads for a tile, so the
  /// decisions stay uniform across the block).
  MemRefMaskOperands reader() { return MemRefMaskOperands(b, loc, maskOperands); }
  Value segmentId(unsigned i, Value position) {
    return reader().segmentId(i, batch, position);
  }
  Value layoutEntry(unsigned i, Value row, Value key, int64_t bq, int64_t bk) {
    return reader().layoutEntry(i, batch, head, row, key, bq, bk);
  }
  std::pair<Value, Value> segmentRange(unsigned i, Value lo, Value hi) {
    return reader().segmentRange(i, batch, lo, hi);
  }
  std::pair<Value, Value> layoutTile(unsigned i, Value rowLo, Value rowHi, Value jLo, Value jHi,
                                     int64_t bq, int64_t bk) {
    return reader().layoutTile(i, batch, head, rowLo, rowHi, jLo, jHi, bq, bk);
  }
  TileVisibility classify(Value pLo, Value pHi, Value jLo, Value jHi) {
    Value off = arith::SubIOp::create(b, loc, numKeys, numQueries);
    auto range = [&](unsigned i, bool query) {
      return query ? segmentRange(i, pLo, pHi) : segmentRange(i, jLo, jHi);
    };
    auto blockTile = [&](unsigned i, int64_t bq, int64_t bk) {
      return layoutTile(i, arith::SubIOp::create(b, loc, pLo, off),
                        arith::SubIOp::create(b, loc, pHi, off), jLo, jHi, bq, bk);
    };
    MaskOperandAccess access{nullptr, range, nullptr, blockTile};
    return classifyTile(b, loc, mask, pLo, pHi, jLo, jHi, head,
                        maskOperands.empty() ? nullptr : &access);
  }
};

} // namespace mlir::attn::gpukernel

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_GPUKERNELBUILDER_H
