//===- ReassociateLinear.cpp - attn-reassociate-linear --------------------===//
//
// Writes the cost model's evaluation order into every linear attn.attention that
// has none, so that the decision is visible (and testable) in the IR.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/Limits.h"
#include "attn/IR/AttnOps.h"
#include "attn/Transforms/Passes.h"

#include "llvm/Support/FormatVariadic.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNREASSOCIATELINEAR
#include "attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
struct AttnReassociateLinearPass
    : attn::impl::AttnReassociateLinearBase<AttnReassociateLinearPass> {
  using Base::Base;

  void runOnOperation() override {
    if (chunk < 0 || chunk % 16 != 0 || chunk > kMaxLinearChunk) {
      emitError(getOperation()->getLoc())
          << "attn-reassociate-linear: chunk must be 0 (cost model) or a positive multiple "
             "of 16 up to "
          << kMaxLinearChunk << ", got " << int64_t(chunk);
      return signalPassFailure();
    }
    getOperation()->walk([&](AttentionOp op) {
      if (!op.isLinear() || op.getOrder())
        return;
      Builder b(op.getContext());
      LinearSchedule schedule = op.getLinearSchedule();
      if (schedule.chunk > 0 && chunk > 0)
        schedule.chunk = chunk;
      op.setOrderAttr(LinearOrderAttr::get(op.getContext(), schedule.order));
      if (schedule.chunk > 0)
        op.setChunkAttr(b.getI64IntegerAttr(schedule.chunk));
      if (emitRemarks)
        remark(op, schedule);
    });
  }

  /// The decision and both estimates (per head, in FLOP-equivalents).
  void remark(AttentionOp op, LinearSchedule chosen) {
    LinearProblem problem = op.getLinearProblem();
    LinearSchedule linear{LinearOrder::Reassociated, chosen.chunk};
    if (problem.causal && linear.chunk == 0)
      linear.chunk = 64;
    op.emitRemark() << llvm::formatv(
                           "linear attention: {0}{1}; estimated cost quadratic {2:e}, "
                           "re-associated {3:e}",
                           stringifyLinearOrder(chosen.order),
                           chosen.chunk ? llvm::formatv(" chunk {0}", chosen.chunk).str()
                                        : std::string(),
                           estimateLinearCost(problem, {LinearOrder::Quadratic, 0}),
                           estimateLinearCost(problem, linear))
                           .str();
  }
};
} // namespace
