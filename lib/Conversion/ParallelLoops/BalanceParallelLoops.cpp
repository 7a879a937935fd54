//===- BalanceParallelLoops.cpp - dynamic schedule for OpenMP loops -------===//
#include "attn/Conversion/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNBALANCEPARALLELLOOPS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;

namespace {
struct AttnBalanceParallelLoopsPass
    : attn::impl::AttnBalanceParallelLoopsBase<AttnBalanceParallelLoopsPass> {
  void runOnOperation() override {
    getOperation()->walk([&](omp::WsloopOp loop) {
      if (!loop.getScheduleKind())
        loop.setScheduleKindAttr(
            omp::ClauseScheduleKindAttr::get(&getContext(), omp::ClauseScheduleKind::Dynamic));
    });
  }
};
} // namespace
