//===- Execution.h - pick, compile and run an entry function --------------===//
//
// What attn-run (and any other driver) does between reading a module and checking its
// results: choose the entry function, compile it for the CPU (JIT, attn-to-cpu) or a
// CUDA device (attn-to-nvvm, cubin), run it once, time further runs, and save arrays.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_EXECUTION_H
#define ATTN_RUNTIME_EXECUTION_H

#include "attn/Runtime/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace mlir::attn {

struct AttnToCPUOptions;
struct AttnToNVVMOptions;
class CudaDriver;

/// The function `name` of `module`, or (no name) its only public function with a body;
/// `source` names the module in messages.
llvm::Expected<func::FuncOp> selectEntry(ModuleOp module, llvm::StringRef name,
                                         llvm::StringRef source);

/// A compiled entry function bound to its arguments.
class Execution {
public:
  virtual ~Execution() = default;
  /// Runs once and returns the results (its time in `lastSeconds`).
  virtual llvm::Expected<std::vector<NpyArray>> run() = 0;
  /// Runs once more and returns its time in seconds (for benchmarks).
  virtual llvm::Expected<double> time() = 0;
  double compileSeconds = 0, lastSeconds = 0;
};

/// JIT-compiles `entry` through attn-to-cpu; `args` must outlive the execution.
llvm::Expected<std::unique_ptr<Execution>> compileForCPU(ModuleOp module, llvm::StringRef entry,
                                                         std::vector<NpyArray> &args,
                                                         const AttnToCPUOptions &options);

/// Compiles `entry` (one result, of shape `resultShape`) for the device behind
/// `driver` and uploads `args`.
llvm::Expected<std::unique_ptr<Execution>>
compileForDevice(std::unique_ptr<CudaDriver> driver, ModuleOp module, func::FuncOp entry,
                 llvm::ArrayRef<NpyArray> args, llvm::ArrayRef<int64_t> resultShape,
                 const AttnToNVVMOptions &options);

/// Writes `arrays` as DIR/PREFIX0.npy, DIR/PREFIX1.npy, ... (creating DIR).
llvm::Error saveArrays(llvm::StringRef dir, llvm::StringRef prefix,
                       llvm::ArrayRef<NpyArray> arrays);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_EXECUTION_H
