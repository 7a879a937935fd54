//===- PrintKeyPasses.cpp - attn-print-key-passes -------------------------===//
//
// Runs the key-pass analysis on a function and on a copy raised by
// attn-raise-cascade, and reports both counts as a remark.
//
//===----------------------------------------------------------------------===//
#include "attn/Transforms/KeyPassAnalysis.h"

#include "attn/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNPRINTKEYPASSES
#include "attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
struct AttnPrintKeyPassesPass
    : attn::impl::AttnPrintKeyPassesBase<AttnPrintKeyPassesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<AxisPasses> before = analyzeKeyPasses(func);
    if (before.empty())
      return;
    OwningOpRef<func::FuncOp> raised = func.clone();
    RewritePatternSet patterns(&getContext());
    populateAttnRaiseCascadePatterns(patterns);
    (void)applyPatternsGreedily(raised->getOperation(), std::move(patterns));
    SmallVector<AxisPasses> after = analyzeKeyPasses(*raised);

    InFlightDiagnostic remark = func.emitRemark()
                                << "key-axis passes: " << before.front().passes << " over '"
                                << before.front().letter << "' as written, "
                                << (after.empty() ? 0 : after.front().passes)
                                << " after attn-raise-cascade";
    if (before.size() > 1) {
      remark << "; other reduced axes:";
      for (const AxisPasses &axis : ArrayRef(before).drop_front())
        remark << " '" << axis.letter << "' " << axis.passes;
    }
  }
};
} // namespace
