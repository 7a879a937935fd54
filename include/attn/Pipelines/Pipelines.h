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
  PassOptions::Option<bool> onlineSoftmax{
      *this, "online-softmax",
      llvm::cl::desc("Softmax attention as tile loops with an online softmax (O(N) memory)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> threads{
      *this, "threads",
      llvm::cl::desc("Run independent query tiles on OpenMP threads (libomp; the thread "
                     "count comes from OMP_NUM_THREADS)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> vectorKernel{
      *this, "vector-kernel",
      llvm::cl::desc("Softmax attention through the register-blocked vector flash kernel "
                     "(convert-attn-to-vector) where it applies"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Vector target of the kernel's tile model: host, avx512, avx2"),
      llvm::cl::init("host")};
  PassOptions::Option<int64_t> rows{
      *this, "rows", llvm::cl::desc("Query rows per micro-kernel (0: target model)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> queryTile{
      *this, "q-tile",
      llvm::cl::desc("Query rows per tile / per task (0: target model; 64 for the linalg "
                     "tile loops)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> keyTile{
      *this, "kv-tile",
      llvm::cl::desc("Keys per tile (0: target model; 64 for the linalg tile loops)"),
      llvm::cl::init(0)};
};

/// attn -> (vector kernel | linalg) -> bufferized loops -> LLVM dialect.
void buildAttnToCPUPipeline(OpPassManager &pm, const AttnToCPUOptions &options);

/// Registers `attn-to-cpu` with the pass-pipeline registry.
void registerAttnPipelines();

} // namespace mlir::attn

#endif // ATTN_PIPELINES_PIPELINES_H
