//===- EmulateAmx.cpp - attn-emulate-amx ----------------------------------===//
//
// The AMX kernel on CPUs without AMX, for its tests: tiles become 2-D vectors and the
// tile operations their definitions (AVX512-BF16 pair products for tdpbf16ps). Only
// the AMX instructions themselves, and MLIR's lowering of them, are left unchecked
// where no AMX CPU is at hand.
//
//===----------------------------------------------------------------------===//
#include "attn/Conversion/Passes.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNEMULATEAMX
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
VectorType vectorOf(amx::TileType tile) {
  return VectorType::get(tile.getShape(), tile.getElementType());
}

/// The indices of row `row` of a tile at `indices` of `base` (rows advance the
/// second-innermost index, as the implicit stride of amx.tile_load / tile_store).
SmallVector<Value> rowIndices(OpBuilder &b, Location loc, ValueRange indices, int64_t row) {
  SmallVector<Value> at(indices);
  Value offset = arith::ConstantIndexOp::create(b, loc, row);
  at[at.size() - 2] = arith::AddIOp::create(b, loc, at[at.size() - 2], offset);
  return at;
}

/// Why `op` cannot be emulated, or empty.
std::string explainUnsupported(Operation *op) {
  auto rowStrided = [](Value stride, Value base) -> std::string {
    if (stride)
      return "explicit strides are not emulated";
    if (cast<MemRefType>(base.getType()).getRank() < 2)
      return "the buffer must have rank 2 or more";
    return "";
  };
  if (auto load = dyn_cast<amx::TileLoadOp>(op))
    return rowStrided(load.getStride(), load.getBase());
  if (auto store = dyn_cast<amx::TileStoreOp>(op))
    return rowStrided(store.getStride(), store.getBase());
  if (auto product = dyn_cast<amx::TileMulFOp>(op)) {
    auto lhs = cast<amx::TileType>(product.getLhs().getType());
    auto acc = cast<amx::TileType>(product.getAcc().getType());
    if (!lhs.getElementType().isBF16() || !acc.getElementType().isF32() ||
        acc.getDimSize(1) != 16)
      return "only bf16 x bf16 + f32 products with 16 columns are emulated";
    return "";
  }
  if (isa<amx::TileMulIOp>(op))
    return "integer tile products are not emulated";
  return "";
}

struct EmulateTileZero : OpConversionPattern<amx::TileZeroOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(amx::TileZeroOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    VectorType type = vectorOf(op.getTileType());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, type, DenseElementsAttr::get(type, rewriter.getZeroAttr(type.getElementType())));
    return success();
  }
};

struct EmulateTileLoad : OpConversionPattern<amx::TileLoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(amx::TileLoadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VectorType type = vectorOf(op.getTileType());
    auto rowType = VectorType::get({type.getDimSize(1)}, type.getElementType());
    Value tile = arith::ConstantOp::create(
        rewriter, loc, type,
        DenseElementsAttr::get(type, rewriter.getZeroAttr(type.getElementType())));
    for (int64_t i = 0; i < type.getDimSize(0); ++i) {
      Value row = vector::LoadOp::create(rewriter, loc, rowType, adaptor.getBase(),
                                         rowIndices(rewriter, loc, adaptor.getIndices(), i));
      tile = vector::InsertOp::create(rewriter, loc, row, tile, i);
    }
    rewriter.replaceOp(op, tile);
    return success();
  }
};

struct EmulateTileStore : OpConversionPattern<amx::TileStoreOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(amx::TileStoreOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t rows = op.getTileType().getDimSize(0);
    for (int64_t i = 0; i < rows; ++i) {
      Value row = vector::ExtractOp::create(rewriter, loc, adaptor.getVal(), i);
      vector::StoreOp::create(rewriter, loc, row, adaptor.getBase(),
                              rowIndices(rewriter, loc, adaptor.getIndices(), i));
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// tdpbf16ps: C[i, j] += sum_k A[i, 2k] B[k, 2j] + A[i, 2k + 1] B[k, 2j + 1].
struct EmulateTileMulF : OpConversionPattern<amx::TileMulFOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(amx::TileMulFOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto lhsType = cast<amx::TileType>(op.getLhs().getType());
    auto accType = cast<amx::TileType>(op.getAcc().getType());
    Location loc = op.getLoc();
    int64_t rows = accType.getDimSize(0), pairs = lhsType.getDimSize(1) / 2;
    auto words = VectorType::get({pairs}, rewriter.getI32Type());
    auto broadcastWords = VectorType::get({16}, rewriter.getI32Type());
    auto pairsType = VectorType::get({32}, rewriter.getBF16Type());
    Value acc = adaptor.getAcc();
    SmallVector<Value> rhsRows;
    for (int64_t k = 0; k < pairs; ++k)
      rhsRows.push_back(vector::ExtractOp::create(rewriter, loc, adaptor.getRhs(), k));
    for (int64_t i = 0; i < rows; ++i) {
      Value lhsRow = vector::BitCastOp::create(
          rewriter, loc, words, vector::ExtractOp::create(rewriter, loc, adaptor.getLhs(), i));
      Value c = vector::ExtractOp::create(rewriter, loc, acc, i);
      for (int64_t k = 0; k < pairs; ++k) {
        Value pair = vector::BroadcastOp::create(
            rewriter, loc, broadcastWords, vector::ExtractOp::create(rewriter, loc, lhsRow, k));
        c = x86vector::DotBF16Op::create(
            rewriter, loc, c, vector::BitCastOp::create(rewriter, loc, pairsType, pair),
            rhsRows[k]);
      }
      acc = vector::InsertOp::create(rewriter, loc, c, acc, i);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

struct AttnEmulateAMXPass : attn::impl::AttnEmulateAMXBase<AttnEmulateAMXPass> {
  void runOnOperation() override {
    bool unsupported = false;
    getOperation()->walk([&](Operation *op) {
      if (!isa_and_nonnull<amx::AMXDialect>(op->getDialect()))
        return;
      if (std::string reason = explainUnsupported(op); !reason.empty()) {
        op->emitOpError() << "attn-emulate-amx: " << reason;
        unsupported = true;
      }
    });
    if (unsupported)
      return signalPassFailure();
    TypeConverter types;
    types.addConversion([](Type t) { return t; });
    types.addConversion([](amx::TileType t) -> Type { return vectorOf(t); });
    ConversionTarget target(getContext());
    target.addIllegalDialect<amx::AMXDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    patterns.add<EmulateTileZero, EmulateTileLoad, EmulateTileStore, EmulateTileMulF>(
        types, &getContext());
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
