//===- AttnCanonicalize.cpp - folders and canonicalisation patterns -------===//
//
// Identities (a full mask, scale by 1, the identity feature map) fold away, and chains
// of constant scales collapse into one, so that the raising pass and the lowering see
// one canonical form of each cascade.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/AttnOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::attn;

OpFoldResult MapOp::fold(FoldAdaptor) {
  FloatAttr c = getConstantAttr();
  if (!c || getInputs()[0].getType() != getType())
    return {};
  double v = c.getValueAsDouble();
  if ((getFn() == MapFn::Scale && v == 1.0) || (getFn() == MapFn::Shift && v == 0.0))
    return getInputs()[0];
  return {};
}

OpFoldResult MaskOp::fold(FoldAdaptor) {
  if (getMask().getKind() == MaskKind::Full)
    return getInput();
  return {};
}

OpFoldResult FeatureOp::fold(FoldAdaptor) {
  if (getFeature() == FeatureKind::Identity && getInput().getType() == getType())
    return getInput();
  return {};
}

namespace {
/// scale(scale(x, a), b) -> scale(x, a * b).
struct MergeScales : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != MapFn::Scale)
      return failure();
    auto inner = op.getInputs()[0].getDefiningOp<MapOp>();
    if (!inner || inner.getFn() != MapFn::Scale)
      return failure();
    double product =
        op.getConstantAttr().getValueAsDouble() * inner.getConstantAttr().getValueAsDouble();
    rewriter.modifyOpInPlace(op, [&] {
      op.setConstantAttr(rewriter.getF64FloatAttr(product));
      op->setOperand(0, inner.getInputs()[0]);
    });
    return success();
  }
};

/// scale(einsum(a, b), c) -> einsum(a, b) scale c, when the einsum has no other use and
/// sums (scaling a max-reduction by a negative constant would not commute).
struct FoldScaleIntoEinsum : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != MapFn::Scale)
      return failure();
    auto einsum = op.getInputs()[0].getDefiningOp<EinsumOp>();
    if (!einsum || !einsum->hasOneUse() || einsum.getType() != op.getType())
      return failure();
    double c = op.getConstantAttr().getValueAsDouble();
    if (einsum.getReduce() == ReduceKind::Max && c < 0)
      return failure();
    double scale = einsum.getScaleAttr() ? einsum.getScaleAttr().getValueAsDouble() : 1.0;
    rewriter.modifyOpInPlace(einsum,
                             [&] { einsum.setScaleAttr(rewriter.getF64FloatAttr(scale * c)); });
    rewriter.replaceOp(op, einsum.getResult());
    return success();
  }
};

/// einsum ... scale 1.0 -> einsum without a scale.
struct DropUnitScale : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EinsumOp op, PatternRewriter &rewriter) const override {
    FloatAttr scale = op.getScaleAttr();
    if (!scale || scale.getValueAsDouble() != 1.0)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.removeScaleAttr(); });
    return success();
  }
};
} // namespace

void MapOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<MergeScales, FoldScaleIntoEinsum>(context);
}

void EinsumOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<DropUnitScale>(context);
}
