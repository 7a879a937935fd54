//===- GPUFlashKernel.h - the tensor-core flash kernel for NVIDIA GPUs ---===//
//
// Private to convert-attn-to-gpu.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_GPUFLASHKERNEL_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_GPUFLASHKERNEL_H

#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

#include <string>

namespace mlir::attn {

/// Thread-block shape: `warps` warps of 16 query rows each, kv tiles of `keyTile` keys.
struct GPUKernelTiles {
  int64_t warps;
  int64_t keyTile;
  bool asyncCopy; // cp.async double buffering where the inputs are f16 and it fits
};

/// How K/V tiles reach shared memory: double-buffered cp.async (f16 inputs, two
/// buffers within 48 KB: the kv tile may shrink), or synchronous loads that convert.
struct StagingPlan {
  bool asyncCopy;
  int64_t keyTile;
};
StagingPlan planStaging(AttentionOp op, const GPUKernelTiles &tiles);

/// Empty when the GPU kernel handles `op` with `tiles`, else why not.
std::string explainUnsupportedOnGPU(AttentionOp op, const GPUKernelTiles &tiles);

/// Adds the kernel for `op` to `module` as `name` and builds its launch at the builder's
/// insertion point; returns the result tensor.
SmallVector<Value> buildGPUFlashKernel(OpBuilder &b, Location loc, AttentionOp op,
                                       const GPUKernelTiles &tiles, gpu::GPUModuleOp module,
                                       StringRef name);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_GPUFLASHKERNEL_H
