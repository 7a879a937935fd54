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
      llvm::cl::desc("Vector target of the kernel's tile model: host, amx, avx512bf16, avx512, avx2"),
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
  PassOptions::Option<int64_t> linearParts{
      *this, "linear-parts",
      llvm::cl::desc("Parts each linear-attention sequence is split into (0: from the "
                     "threads)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> kvParts{
      *this, "kv-parts",
      llvm::cl::desc("Decode form: parts the keys of each (batch, kv head) are split into "
                     "(0: from the threads)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> decodeRows{
      *this, "decode-rows",
      llvm::cl::desc("Largest static query length that takes the decode form (0: never)"),
      llvm::cl::init(16)};
  PassOptions::Option<bool> emulateAmx{
      *this, "emulate-amx",
      llvm::cl::desc("Replace the AMX kernel's tile operations by AVX512-BF16 code "
                     "(attn-emulate-amx: tests of the AMX kernel without AMX)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> amxKeyTile{
      *this, "amx-kv-tile",
      llvm::cl::desc("AMX kernel: keys per kv tile, a multiple of 32 (0: target model)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> amxQueryBlock{
      *this, "amx-q-block",
      llvm::cl::desc("AMX kernel: query rows per task, a multiple of 32 (0: target model)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> resultsToOutParams{
      *this, "results-to-out-params",
      llvm::cl::desc("Turn the functions' results into trailing memref arguments the "
                     "caller allocates; the kernels write into them directly (no copy) "
                     "where a result is a fresh allocation (the Python API's out=)"),
      llvm::cl::init(false)};
};


struct AttnToNVVMOptions : public PassPipelineOptions<AttnToNVVMOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("GPU architecture: sm_80, sm_90a, ..."),
      llvm::cl::init("sm_80")};
  PassOptions::Option<std::string> features{
      *this, "features", llvm::cl::desc("PTX features (PTX ISA version)"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu-module-to-binary embeds: isa (PTX), bin (cubin through "
                     "ptxas), fatbin, llvm"),
      llvm::cl::init("isa")};
  PassOptions::Option<int64_t> warps{*this, "warps",
                                     llvm::cl::desc("Warps per block (16 query rows each)"),
                                     llvm::cl::init(4)};
  PassOptions::Option<int64_t> keyTile{*this, "kv-tile",
                                       llvm::cl::desc("Keys per shared-memory tile"),
                                       llvm::cl::init(64)};
  PassOptions::Option<bool> asyncCopy{
      *this, "async-copy",
      llvm::cl::desc("Double-buffer K/V with cp.async for f16 inputs"), llvm::cl::init(true)};
};

/// attn -> gpu/nvgpu (convert-attn-to-gpu) -> NVVM -> PTX in a gpu.binary; the host
/// side keeps the gpu.launch_func (the runtime, or an embedding compiler, launches it).
void buildAttnToNVVMPipeline(OpPassManager &pm, const AttnToNVVMOptions &options);

/// attn -> (vector kernel | linalg) -> bufferized loops -> LLVM dialect.
void buildAttnToCPUPipeline(OpPassManager &pm, const AttnToCPUOptions &options);

/// Registers `attn-to-cpu` and `attn-to-nvvm` with the pass-pipeline registry.
void registerAttnPipelines();

} // namespace mlir::attn

#endif // ATTN_PIPELINES_PIPELINES_H
