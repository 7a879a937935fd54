//===- GPUCompile.h - attn modules to PTX / cubin for the CUDA runtime ----===//
#ifndef ATTN_RUNTIME_GPUCOMPILE_H
#define ATTN_RUNTIME_GPUCOMPILE_H

#include "attn/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::attn {

/// A kernel parameter group: one memref, passed as its expanded descriptor (allocated
/// and aligned pointers, offset, sizes, strides: 3 + 2 * rank 64-bit values).
struct KernelOperand {
  enum class Source { Argument, Result };
  Source source;
  unsigned index;        // the entry's argument or result number
  MemRefType type;       // shape (dynamic where the run decides) and element type
};

/// The PTX of a module after attn-to-nvvm, and for `entry`, how to launch it.
struct CudaProgram {
  std::string ptx;
  std::string kernel;           // the entry's kernel (empty when there is no entry)
  llvm::SmallVector<unsigned> inputs; // entry argument feeding the kernel's q, k, v
  llvm::SmallVector<unsigned> maskInputs; // entry arguments feeding its mask operands
  int64_t queryRowsPerBlock = 0;
  int64_t threadsPerBlock = 0;
  llvm::SmallVector<KernelOperand> operands; // the kernel's parameters, in order
};

/// The launch manifest of `program` (compiled with an entry) as JSON: what a runner
/// that does not link MLIR needs to launch the kernel (docs/conventions.md, "GPU
/// launch manifest"). `files` names the PTX / cubin beside it.
std::string launchManifest(const CudaProgram &program, llvm::StringRef entry,
                           const AttnToNVVMOptions &options,
                           llvm::ArrayRef<std::pair<std::string, std::string>> files);

/// Lowers a clone of `module` with attn-to-nvvm (PTX). With an `entry`, that function
/// must be one attn.attention on its arguments (what attn-run --target=cuda launches).
llvm::Expected<CudaProgram> compileForCuda(ModuleOp module, llvm::StringRef entry,
                                           const AttnToNVVMOptions &options);

/// ptxas from $CUDA_HOME/bin, /usr/local/cuda/bin or PATH; empty when there is none.
std::string findPtxas();

/// Assembles `ptxPath` into `cubinPath` for `chip` with ptxas -v; its output goes to
/// `log`. An error when ptxas is missing or rejects the PTX.
llvm::Error assemblePtx(llvm::StringRef ptxPath, llvm::StringRef chip,
                        llvm::StringRef cubinPath, std::string &log);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_GPUCOMPILE_H
