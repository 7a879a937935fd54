//===- AttnToVector.cpp - convert-attn-to-vector --------------------------===//
//
// Picks the kernel's tile sizes (target model, then command-line overrides) and
// replaces every softmax attn.attention the vector kernel supports. The rest stays
// for convert-attn-to-linalg, which handles every attn op.
//
//===----------------------------------------------------------------------===//
#include "FlashKernel.h"

#include "attn/Conversion/Passes.h"
#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOVECTOR
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
struct LowerAttentionToFlashKernel : OpRewritePattern<AttentionOp> {
  LowerAttentionToFlashKernel(MLIRContext *ctx, KernelTiles tiles)
      : OpRewritePattern(ctx), tiles(tiles) {}
  KernelTiles tiles;

  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    if (op.getNormalizer() != Normalizer::Softmax) {
      std::string reason = explainUnsupportedLinear(op, tiles);
      if (!reason.empty())
        return rewriter.notifyMatchFailure(op, reason);
      rewriter.replaceOp(op, buildLinearKernel(rewriter, op.getLoc(), op, tiles));
      return success();
    }
    std::string reason = explainUnsupported(op, tiles);
    if (!reason.empty())
      return rewriter.notifyMatchFailure(op, reason);
    rewriter.replaceOp(op, buildFlashKernel(rewriter, op.getLoc(), op, tiles));
    return success();
  }
};

struct ConvertAttnToVectorPass
    : attn::impl::ConvertAttnToVectorBase<ConvertAttnToVectorPass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<VectorTarget> vectorTarget = lookupVectorTarget(target);
    if (!vectorTarget) {
      emitError(getOperation()->getLoc())
          << "convert-attn-to-vector: unknown target '" << target
          << "' (expected host, avx512 or avx2)";
      return signalPassFailure();
    }
    KernelTiles tiles = chooseKernelTiles(*vectorTarget);
    if (rows < 0 || keyTile < 0 || queryBlock < 0 || keyTile % tiles.lanes != 0) {
      emitError(getOperation()->getLoc())
          << "convert-attn-to-vector: rows, q-block and kv-tile must not be negative and "
             "kv-tile must be a multiple of the vector width ("
          << tiles.lanes << " lanes); got rows=" << int64_t(rows)
          << " kv-tile=" << int64_t(keyTile) << " q-block=" << int64_t(queryBlock);
      return signalPassFailure();
    }
    if (rows > 0) {
      tiles.rows = rows;
      tiles.queryBlock = (192 + rows - 1) / rows * rows;
    }
    if (keyTile > 0)
      tiles.columnVectors = keyTile / tiles.lanes;
    if (queryBlock > 0)
      tiles.queryBlock = queryBlock;

    RewritePatternSet patterns(&getContext());
    populateAttnToVectorPatterns(patterns, tiles.lanes, tiles.rows, tiles.keyTile(),
                                 tiles.queryBlock, tiles.avx512);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void mlir::attn::populateAttnToVectorPatterns(RewritePatternSet &patterns, int64_t lanes,
                                              int64_t rows, int64_t keyTile,
                                              int64_t queryBlock, bool avx512) {
  KernelTiles tiles{lanes, rows, keyTile / lanes, queryBlock, avx512};
  patterns.add<LowerAttentionToFlashKernel>(patterns.getContext(), tiles);
}
