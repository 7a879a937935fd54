//===- Pipelines.h - named attn pipelines -----------------------------------===//
//
// The contract other compilers call: `attn-to-cpu` takes a module with attn ops (and
// any upstream tensor/linalg/arith/math code around them) to the LLVM dialect.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::attn {

struct AttnToCPUOptions : public PassPipelineOptions<AttnToCPUOptions> {
  PassOptions::Option<bool> raise{*this, "raise",
                                  llvm::cl::desc("Raise softmax attention written in linalg "
                                                 "or as an attn cascade to attn.attention "
                                                 "first (attn-raise-linalg, "
                                                 "attn-raise-cascade)"),
                                  llvm::cl::init(true)};
};

/// attn -> linalg -> bufferized loops -> LLVM dialect.
void buildAttnToCPUPipeline(OpPassManager &pm, const AttnToCPUOptions &options);

/// Registers `attn-to-cpu` with the pass-pipeline registry.
void registerAttnPipelines();

} // namespace mlir::attn

#endif // ATTN_PIPELINES_PIPELINES_H
