//===- AttnToVector.cpp - convert-attn-to-vector --------------------------===//
//
// Picks the kernel's tile sizes (target model, then command-line overrides) and
// replaces every softmax attn.attention the vector kernel supports. The rest stays
// for convert-attn-to-linalg, which handles every attn op.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "attn/IR/MaskTerm.h"
#include "attn/Conversion/Passes.h"
#include "attn/IR/AttnOps.h"
#include "attn/Transforms/Passes.h"
#include "attn/IR/Limits.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOVECTOR
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
/// The (linear, softmax) branches of `sum` when it adds two attention results used
/// only there, ordered linear first; else nullopt.
std::optional<std::pair<AttentionOp, AttentionOp>> hybridBranches(MapOp sum) {
  if (sum.getFn() != MapFn::Add || sum.getInputs().size() != 2 || sum.getSpec())
    return std::nullopt;
  auto lhs = sum.getInputs()[0].getDefiningOp<AttentionOp>();
  auto rhs = sum.getInputs()[1].getDefiningOp<AttentionOp>();
  if (!lhs || !rhs || lhs == rhs || !lhs->hasOneUse() || !rhs->hasOneUse())
    return std::nullopt;
  if (!lhs.isLinear())
    std::swap(lhs, rhs);
  return std::make_pair(lhs, rhs);
}

/// Whether `op` is a branch of a hybrid that FuseHybridIntoLinearKernel takes (so
/// that the order in which a driver visits the ops does not matter).
bool isFusedHybridBranch(AttentionOp op, const KernelTiles &tiles) {
  if (!op->hasOneUse())
    return false;
  auto sum = dyn_cast<MapOp>(*op->getUsers().begin());
  if (!sum)
    return false;
  auto branches = hybridBranches(sum);
  return branches && explainUnsupportedHybrid(branches->first, branches->second, tiles).empty();
}

struct LowerAttentionToFlashKernel : OpRewritePattern<AttentionOp> {
  LowerAttentionToFlashKernel(MLIRContext *ctx, KernelTiles tiles)
      : OpRewritePattern(ctx), tiles(tiles) {}
  KernelTiles tiles;

  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    if (isFusedHybridBranch(op, tiles))
      return rewriter.notifyMatchFailure(op, "a branch of a hybrid: fused with the other one");
    if (op.isLinear()) {
      // bf16 / f16 linear attention: the kernel on widened inputs.
      if (hasHalfTensors(op)) {
        if (!explainUnsupportedLinear(op, tiles, /*allowHalf=*/true).empty())
          return rewriter.notifyMatchFailure(op, "linear attention the kernel does not take");
        rewriter.replaceOp(op, buildWidened(rewriter, op));
        return success();
      }
      std::string reason = explainUnsupportedLinear(op, tiles);
      if (!reason.empty())
        return rewriter.notifyMatchFailure(op, reason);
      rewriter.replaceOp(op, buildLinearKernel(rewriter, op.getLoc(), op, tiles));
      return success();
    }
    std::string reason = explainUnsupported(op, tiles, /*allowHalf=*/true);
    if (!reason.empty()) {
      // Variants beyond the plain menu say why they run on the generic path.
      if (op.hasScoreMod() || op.isPointwise())
        op.emitRemark() << "not fused into the vector kernel (generic path): " << reason;
      return rewriter.notifyMatchFailure(op, reason);
    }
    if (!hasHalfTensors(op)) {
      rewriter.replaceOp(op, buildFlashKernel(rewriter, op.getLoc(), op, tiles));
      return success();
    }
    if (explainUnsupportedAmx(op, tiles).empty()) {
      rewriter.replaceOp(op, buildAmxKernel(rewriter, op.getLoc(), op, tiles));
      return success();
    }
    // Decoding is memory-bound: the decode kernel reads 16-bit K and V as they are.
    if (isDecodeShape(op, tiles)) {
      auto isBf16 = [](Value t) {
        return cast<ShapedType>(t.getType()).getElementType().isBF16();
      };
      bool pairs = tiles.avx512bf16 && isBf16(op.getQuery()) && isBf16(op.getKey()) &&
                   isBf16(op.getValue()) && op.getQuery().getType().getDimSize(3) % 32 == 0;
      rewriter.replaceOp(op, buildFlashKernel(rewriter, op.getLoc(), op, tiles, pairs));
      return success();
    }
    if (explainUnsupportedPairProducts(op, tiles).empty()) {
      rewriter.replaceOp(op, buildFlashKernel(rewriter, op.getLoc(), op, tiles,
                                              /*pairProducts=*/true));
      return success();
    }
    rewriter.replaceOp(op, buildWidened(rewriter, op));
    return success();
  }

  /// bf16 / f16 attention the AMX kernel does not take: the f32 kernel (prefill or
  /// decode form) on q, k, v (and a projection) widened to f32, the result narrowed
  /// back. Exact widening: the f32 kernel sees the values the 16-bit tensors hold.
  SmallVector<Value> buildWidened(PatternRewriter &rewriter, AttentionOp op) const {
    AttentionOp wide = buildWidenedAttention(rewriter, op);
    SmallVector<Value> results = wide.isLinear()
                                     ? SmallVector<Value>{buildLinearKernel(
                                           rewriter, op.getLoc(), wide, tiles)}
                                     : buildFlashKernel(rewriter, op.getLoc(), wide, tiles);
    rewriter.eraseOp(wide);
    results[0] = convertElements(rewriter, op.getLoc(), results[0],
                                 op.getResult().getType().getElementType());
    return results;
  }
};

/// BASED's hybrid: add(linear attention, sliding-window softmax attention) over the same
/// sequence, each used only by the sum, becomes one pass of the linear kernel.
struct FuseHybridIntoLinearKernel : OpRewritePattern<MapOp> {
  FuseHybridIntoLinearKernel(MLIRContext *ctx, KernelTiles tiles)
      : OpRewritePattern(ctx, /*benefit=*/2), tiles(tiles) {}
  KernelTiles tiles;

  LogicalResult matchAndRewrite(MapOp op, PatternRewriter &rewriter) const override {
    auto branches = hybridBranches(op);
    if (!branches)
      return rewriter.notifyMatchFailure(op, "not a sum of two attention results");
    auto [lhs, rhs] = *branches;
    std::string reason = explainUnsupportedHybrid(lhs, rhs, tiles);
    if (!reason.empty())
      return rewriter.notifyMatchFailure(op, reason);
    // Both branches' operands must be available where the sum is built.
    rewriter.setInsertionPoint(lhs->isBeforeInBlock(rhs) ? rhs : lhs);
    Value fused = buildLinearKernel(rewriter, op.getLoc(), lhs, tiles, rhs);
    if (fused.getType() != op.getType())
      fused = tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), fused);
    rewriter.replaceOp(op, fused);
    rewriter.eraseOp(lhs);
    rewriter.eraseOp(rhs);
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
          << "' (expected host, amx, avx512bf16, avx512 or avx2)";
      return signalPassFailure();
    }
    KernelTiles tiles = chooseKernelTiles(*vectorTarget);
    if (rows < 0 || keyTile < 0 || queryBlock < 0 || keyTile % tiles.lanes != 0 ||
        rows > kMaxKernelRows || keyTile > kMaxKernelKeyTile || queryBlock >= kMaxPosition) {
      emitError(getOperation()->getLoc())
          << "convert-attn-to-vector: rows (at most " << kMaxKernelRows
          << "), q-block (below 2^30) and kv-tile (at most " << kMaxKernelKeyTile
          << ", a multiple of the vector width, " << tiles.lanes
          << " lanes) must not be negative; got rows=" << int64_t(rows)
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

    // Packed sequences: one attention per sequence, each taking the kernels below.
    if (failed(expandVarlenAttention(getOperation())))
      return signalPassFailure();
    // Run-time top-k block indices become layouts first: the walk below does not
    // revisit an op a pattern has modified.
    RewritePatternSet prologue(&getContext());
    populateMaterializeBlockIndicesPatterns(prologue);
    walkAndApplyPatterns(getOperation(), std::move(prologue));

    RewritePatternSet patterns(&getContext());
    if (linearParts < 0 || linearParts > kMaxLinearParts) {
      emitError(getOperation()->getLoc())
          << "convert-attn-to-vector: linear-parts must be between 0 and " << kMaxLinearParts
          << ", got "
          << int64_t(linearParts);
      return signalPassFailure();
    }
    if (kvParts < 0 || kvParts > kMaxLinearParts || decodeRows < 0 ||
        decodeRows > kMaxKernelKeyTile) {
      emitError(getOperation()->getLoc())
          << "convert-attn-to-vector: kv-parts must be between 0 and " << kMaxLinearParts
          << " and decode-rows between 0 and " << kMaxKernelKeyTile << ", got kv-parts="
          << int64_t(kvParts) << " decode-rows=" << int64_t(decodeRows);
      return signalPassFailure();
    }
    if (amxKeyTile < 0 || amxKeyTile % 32 != 0 || amxKeyTile > kMaxKernelKeyTile ||
        amxQueryBlock < 0 || amxQueryBlock % 32 != 0 || amxQueryBlock > 4096) {
      emitError(getOperation()->getLoc())
          << "convert-attn-to-vector: amx-kv-tile (at most " << kMaxKernelKeyTile
          << ") and amx-q-block (at most 4096) must be multiples of 32, got amx-kv-tile="
          << int64_t(amxKeyTile) << " amx-q-block=" << int64_t(amxQueryBlock);
      return signalPassFailure();
    }
    if (amxKeyTile > 0)
      tiles.amxKeyTile = amxKeyTile;
    if (amxQueryBlock > 0)
      tiles.amxQueryBlock = amxQueryBlock;
    tiles.linearParts = linearParts;
    tiles.kvParts = kvParts;
    tiles.decodeRows = decodeRows;
    populateAttnToVectorPatterns(patterns, tiles);
    walkAndApplyPatterns(getOperation(), std::move(patterns));

    // Transcendental functions of score_mod regions and pointwise normalisers on
    // vectors: polynomials (math-to-libm would call libm once per lane).
    SmallVector<Operation *> vectorMath;
    getOperation()->walk([&](Operation *op) {
      if (isa_and_nonnull<math::MathDialect>(op->getDialect()) && op->getNumResults() == 1 &&
          isa<VectorType>(op->getResult(0).getType()))
        vectorMath.push_back(op);
    });
    RewritePatternSet approximations(&getContext());
    populateMathPolynomialApproximationPatterns(approximations,
                                                [](StringRef) { return true; });
    if (!vectorMath.empty() &&
        failed(applyOpPatternsGreedily(vectorMath, std::move(approximations))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::attn::populateAttnToVectorPatterns(RewritePatternSet &patterns, int64_t lanes,
                                              int64_t rows, int64_t keyTile,
                                              int64_t queryBlock, bool avx512,
                                              int64_t linearParts) {
  KernelTiles tiles{lanes, rows, keyTile / lanes, queryBlock, avx512, linearParts};
  populateAttnToVectorPatterns(patterns, tiles);
}

void mlir::attn::populateAttnToVectorPatterns(RewritePatternSet &patterns,
                                              const KernelTiles &tiles) {
  patterns.add<LowerAttentionToFlashKernel, FuseHybridIntoLinearKernel>(patterns.getContext(),
                                                                        tiles);
  populateMaterializeBlockIndicesPatterns(patterns);
}
