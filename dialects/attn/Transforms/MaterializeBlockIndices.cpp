//===- MaterializeBlockIndices.cpp - top-k key-block indices as a layout --===//
//
// MoBA's gate hands every query block the indices of the K key blocks it attends to.
// The kernels already classify tiles from a block layout (blocks(i, bq, bk)); a
// prologue scatters the indices into one, [B, Hq, QB, ceil(Nk / bk)] i32, O(B Hq QB
// KB K) work, so the index path costs the layout path plus that prologue.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/MaskTerm.h"
#include "attn/IR/AttnOps.h"
#include "attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <map>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNMATERIALIZEBLOCKINDICES
#include "attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
struct MaterializeBlockIndices : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    MaskAttr mask = op.getMaskAttr();
    if (!mask || !containsMaskKind(mask, MaskKind::TopkBlocks))
      return rewriter.notifyMatchFailure(op, "no topk_blocks term");
    Location loc = op.getLoc();
    // Operands other terms read keep their place (renumbered); each (indices, bk)
    // becomes one layout appended after them.
    SmallVector<Value> operands;
    std::map<int64_t, int64_t> kept;
    std::map<std::pair<int64_t, int64_t>, int64_t> layouts;
    std::function<void(MaskAttr)> collect = [&](MaskAttr m) {
      if (m.getKind() == MaskKind::Document || m.getKind() == MaskKind::Blocks)
        kept.try_emplace(m.getArgs()[0], 0);
      for (Attribute c : m.getOperands())
        collect(cast<MaskAttr>(c));
    };
    collect(mask);
    for (auto &[index, position] : kept) {
      position = operands.size();
      operands.push_back(op.getMaskOperands()[index]);
    }
    std::function<MaskAttr(MaskAttr)> rewrite = [&](MaskAttr m) -> MaskAttr {
      ArrayRef<int64_t> a = m.getArgs();
      switch (m.getKind()) {
      case MaskKind::Document:
      case MaskKind::Blocks: {
        SmallVector<int64_t> args(a);
        args[0] = kept.at(a[0]);
        return MaskAttr::get(m.getContext(), m.getKind(), args, {});
      }
      case MaskKind::TopkBlocks: {
        auto [it, inserted] = layouts.try_emplace({a[0], a[2]}, operands.size());
        if (inserted)
          operands.push_back(buildLayout(rewriter, loc, op, op.getMaskOperands()[a[0]], a[2]));
        return MaskAttr::get(m.getContext(), MaskKind::Blocks, {it->second, a[1], a[2]}, {});
      }
      default: {
        SmallVector<Attribute> children;
        for (Attribute c : m.getOperands())
          children.push_back(rewrite(cast<MaskAttr>(c)));
        return MaskAttr::get(m.getContext(), m.getKind(), m.getArgs(), children);
      }
      }
    };
    MaskAttr rewritten = rewrite(mask);
    rewriter.modifyOpInPlace(op, [&] {
      op.getMaskOperandsMutable().assign(operands);
      op.setMaskAttr(rewritten);
    });
    return success();
  }

  /// layout[b, h, q, kb] = 1 if kb is among indices[b, h, q, :], else 0; kb < ceil(Nk / bk).
  static Value buildLayout(OpBuilder &b, Location loc, AttentionOp op, Value indices,
                           int64_t keyBlock) {
    auto type = cast<RankedTensorType>(indices.getType());
    Type i32 = type.getElementType();
    SmallVector<OpFoldResult> shape;
    for (int64_t d = 0; d < 3; ++d)
      shape.push_back(tensor::getMixedSize(b, loc, indices, d));
    Value numKeys = tensor::DimOp::create(b, loc, op.getKey(), 2);
    shape.push_back(getAsOpFoldResult(arith::CeilDivUIOp::create(
        b, loc, numKeys, arith::ConstantIndexOp::create(b, loc, keyBlock))));
    Value zero = arith::ConstantIntOp::create(b, loc, i32, 0);
    Value init = linalg::FillOp::create(b, loc, zero, tensor::EmptyOp::create(b, loc, shape, i32)
                                                          .getResult())
                     .getResult(0);
    MLIRContext *ctx = b.getContext();
    auto loops = [&](ArrayRef<unsigned> dims) {
      SmallVector<AffineExpr> exprs;
      for (unsigned d : dims)
        exprs.push_back(getAffineDimExpr(d, ctx));
      return AffineMap::get(5, 0, exprs, ctx);
    };
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    return linalg::GenericOp::create(
               b, loc, init.getType(), ValueRange{indices}, ValueRange{init},
               ArrayRef<AffineMap>{loops({0, 1, 2, 4}), loops({0, 1, 2, 3})}, iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value block = arith::IndexCastOp::create(
                     nb, l, i32, linalg::IndexOp::create(nb, l, 3));
                 Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, args[0], block);
                 Value one = arith::ConstantIntOp::create(nb, l, i32, 1);
                 linalg::YieldOp::create(nb, l,
                                         ValueRange{arith::SelectOp::create(nb, l, hit, one, args[1])});
               })
        .getResult(0);
  }
};

struct AttnMaterializeBlockIndicesPass
    : attn::impl::AttnMaterializeBlockIndicesBase<AttnMaterializeBlockIndicesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMaterializeBlockIndicesPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::attn::populateMaterializeBlockIndicesPatterns(RewritePatternSet &patterns) {
  patterns.add<MaterializeBlockIndices>(patterns.getContext(), /*benefit=*/10);
}
