//===- PrintTileClassification.cpp - attn-print-tile-classification -------===//
//
// Builds, for every tile of a given shape, the same classification IR the kernels
// build (classifyTile on constant positions) in a scratch module, folds it to
// constants, and counts. What the remark says is what the kernels skip.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/Limits.h"
#include "attn/IR/MaskTerm.h"
#include "attn/Conversion/Passes.h"
#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/FoldUtils.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNPRINTTILECLASSIFICATION
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
struct TileCounts {
  int64_t empty = 0, full = 0, partial = 0;
};

/// Classifies every tile of an Nq x Nk shape under `mask` by folding classifyTile.
FailureOr<TileCounts> countTiles(MaskAttr mask, Location loc, int64_t nq, int64_t nk,
                                 int64_t qTile, int64_t kTile) {
  MLIRContext *ctx = mask.getContext();
  OwningOpRef<ModuleOp> scratch = ModuleOp::create(loc);
  OpBuilder b = OpBuilder::atBlockEnd(scratch->getBody());
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  SmallVector<Value> decisions; // (all, any) per tile
  for (int64_t i0 = 0; i0 < nq; i0 += qTile) {
    // End-aligned positions of the tile's rows.
    int64_t pLo = i0 + (nk - nq), pHi = std::min(i0 + qTile, nq) - 1 + (nk - nq);
    for (int64_t j0 = 0; j0 < nk; j0 += kTile) {
      int64_t jHi = std::min(j0 + kTile, nk) - 1;
      TileVisibility v = classifyTile(b, loc, mask, idx(pLo), idx(pHi), idx(j0), idx(jHi));
      decisions.push_back(v.all);
      decisions.push_back(v.any);
    }
  }
  // Keeps the decisions alive (and up to date) while their producers fold away.
  auto sink = UnrealizedConversionCastOp::create(b, loc, TypeRange{}, decisions);
  OperationFolder folder(ctx);
  SmallVector<Operation *> ops;
  for (Operation &op : scratch->getBody()->without_terminator())
    ops.push_back(&op);
  for (Operation *op : ops)
    if (op != sink)
      (void)folder.tryToFold(op);
  TileCounts counts;
  for (unsigned t = 0; t < sink->getNumOperands(); t += 2) {
    APInt all, any;
    if (!matchPattern(sink->getOperand(t), m_ConstantInt(&all)) ||
        !matchPattern(sink->getOperand(t + 1), m_ConstantInt(&any)))
      return failure();
    if (any.isZero())
      ++counts.empty;
    else if (all.isOne())
      ++counts.full;
    else
      ++counts.partial;
  }
  return counts;
}

struct AttnPrintTileClassificationPass
    : attn::impl::AttnPrintTileClassificationBase<AttnPrintTileClassificationPass> {
  using Base::Base;

  void runOnOperation() override {
    int64_t nq = queryLength, nk = keyLength > 0 ? int64_t(keyLength) : nq;
    if (nq <= 0 || queryTile <= 0 || keyTile <= 0 || nq >= kMaxPosition ||
        nk >= kMaxPosition || queryTile >= kMaxPosition || keyTile >= kMaxPosition) {
      emitError(getOperation()->getLoc())
          << "attn-print-tile-classification needs q-len > 0 and positive tiles, all below "
             "2^30; got q-len="
          << nq << " q-tile=" << int64_t(queryTile) << " kv-tile=" << int64_t(keyTile);
      return signalPassFailure();
    }
    getOperation()->walk([&](Operation *op) {
      MaskAttr mask;
      if (auto attention = dyn_cast<AttentionOp>(op))
        mask = attention.getMaskAttr();
      else if (auto maskOp = dyn_cast<MaskOp>(op))
        mask = maskOp.getMask();
      if (!mask)
        return;
      if (readsMaskOperands(mask)) {
        op->emitRemark() << "the mask reads run-time mask operands: its tiles are classified "
                            "when the kernel runs";
        return;
      }
      FailureOr<TileCounts> counts = countTiles(mask, op->getLoc(), nq, nk, queryTile, keyTile);
      if (failed(counts)) {
        op->emitError("the tile classification of this mask did not fold to constants");
        return signalPassFailure();
      }
      int64_t total = counts->empty + counts->full + counts->partial;
      int64_t visited = counts->full + counts->partial;
      op->emitRemark() << "tiles of " << int64_t(queryTile) << "x" << int64_t(keyTile)
                       << " for Nq=" << nq << " Nk=" << nk << ": " << total << " tiles, "
                       << counts->empty << " empty, " << counts->full << " full, "
                       << counts->partial << " partial; visited " << visited << " ("
                       << llvm::formatv("{0:F1}", 100.0 * visited / total).str() << "%)";
    });
  }
};
} // namespace
