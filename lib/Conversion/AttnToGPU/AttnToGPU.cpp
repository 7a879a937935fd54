//===- AttnToGPU.cpp - convert-attn-to-gpu --------------------------------===//
//
// Every attn.attention becomes a launch of a tensor-core flash kernel, gathered in
// one gpu.module (@attn_kernels) of the module. There is no fallback on this path:
// an op the kernel does not handle, or an attn op that is not attn.attention (raise
// cascades first), is an error at its location.
//
//===----------------------------------------------------------------------===//
#include "GPUFlashKernel.h"

#include "attn/Conversion/Passes.h"
#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/FormatVariadic.h"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOGPU
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
struct ConvertAttnToGPUPass : attn::impl::ConvertAttnToGPUBase<ConvertAttnToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    GPUKernelTiles tiles{warps, keyTile, asyncCopy};
    SmallVector<AttentionOp> ops;
    bool failed = false;
    module.walk([&](Operation *op) {
      if (auto attention = dyn_cast<AttentionOp>(op)) {
        std::string reason = explainUnsupportedOnGPU(attention, tiles);
        if (!reason.empty()) {
          attention.emitError() << "cannot lower this attn.attention to the GPU: " << reason;
          failed = true;
        }
        ops.push_back(attention);
      } else if (isa<MergeOp>(op) && !failed) {
        op->emitError() << "attn.merge has no GPU lowering yet (merge on the CPU, or in "
                           "the caller's framework)";
        failed = true;
      } else if (isa_and_nonnull<AttnDialect>(op->getDialect()) && !isa<YieldOp>(op) &&
                 !op->getParentOfType<ModifyOp>() && !op->getParentOfType<AttentionOp>() &&
                 !failed) {
        // One error for the first such op: the rest of its cascade says nothing new.
        op->emitError() << "convert-attn-to-gpu lowers attn.attention only: this cascade "
                           "was not raised to one (attn-raise-cascade recognises softmax "
                           "attention, with score modifications as its score_mod region; other "
                           "cascades have no GPU lowering yet)";
        failed = true;
      }
    });
    if (failed)
      return signalPassFailure();
    if (ops.empty())
      return;
    OpBuilder b(module.getContext());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(), b.getUnitAttr());
    b.setInsertionPointToEnd(module.getBody());
    auto kernels = gpu::GPUModuleOp::create(b, module.getLoc(), "attn_kernels");
    for (auto [i, op] : llvm::enumerate(ops)) {
      b.setInsertionPoint(op);
      SmallVector<Value> results = buildGPUFlashKernel(b, op.getLoc(), op, tiles, kernels,
                                                       llvm::formatv("attention_{0}", i).str());
      op->replaceAllUsesWith(results);
      op.erase();
    }
  }
};
} // namespace
