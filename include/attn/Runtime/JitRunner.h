//===- JitRunner.h - compile an attn function for this CPU and call it ------===//
#ifndef ATTN_RUNTIME_JITRUNNER_H
#define ATTN_RUNTIME_JITRUNNER_H

#include "attn/Pipelines/Pipelines.h"
#include "attn/Runtime/CompiledKernel.h"
#include "attn/Runtime/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace llvm::orc {
class LLJIT;
}
namespace mlir {
namespace func {
class FuncOp;
}
class ExecutionEngine;
namespace attn {

/// A JIT-compiled entry function whose arguments and results are ranked tensors of
/// f32, f64, f16 or bf16, called with row-major host arrays.
class JitFunction {
public:
  ~JitFunction();

  /// Lowers a clone of `module` with `attn-to-cpu` and JIT-compiles it (LLVM -O3).
  /// With `objectPath`, the machine code is also written there (an on-disk cache
  /// entry: a temporary file renamed into place, so readers never see half of one).
  static llvm::Expected<std::unique_ptr<JitFunction>>
  compile(ModuleOp module, llvm::StringRef entry, const AttnToCPUOptions &options,
          llvm::StringRef objectPath = "");

  /// The function `compile(module, entry, options, objectPath)` wrote to `objectPath`,
  /// loaded without compiling: `module` must be what it was compiled from (the caller's
  /// cache key says so); it gives the signature.
  static llvm::Expected<std::unique_ptr<JitFunction>>
  load(ModuleOp module, llvm::StringRef entry, const AttnToCPUOptions &options,
       llvm::StringRef objectPath);

  /// Calls the function; results are copied out and their buffers freed.
  llvm::Expected<std::vector<NpyArray>> call(llvm::ArrayRef<NpyArray *> args);

  /// Calls the function and returns the seconds the compiled code took (the copy of
  /// the results out of its buffers is not counted).
  llvm::Expected<double> time(llvm::ArrayRef<NpyArray *> args);

  /// Compiled with `results-to-out-params`: calls on caller-owned row-major buffers,
  /// the arguments then one per result (shapes the caller checked); nothing is
  /// allocated or copied around the kernel.
  llvm::Error callInto(llvm::ArrayRef<HostBuffer> buffers);

  /// Whether the function takes its results as trailing buffers (`callInto`).
  bool takesResultBuffers() const { return outParams; }

  /// Sets the OpenMP team size of the calling thread's later parallel loops (libomp's
  /// omp_set_num_threads, the runtime the compiled code runs on).
  static llvm::Error setThreads(int threads);

  /// Seconds of compile(): the MLIR pipeline, LLVM IR translation + -O3, machine code.
  struct Phases {
    double pipeline = 0, llvmIR = 0, codegen = 0;
  };
  const Phases &compilePhases() const { return phases; }

  /// Seconds the compiled code took in the last call.
  double lastCallSeconds() const { return lastSeconds; }

private:
  JitFunction() = default;
  /// Reads the entry's result types; false (with the message) if one is unsupported.
  llvm::Error describe(func::FuncOp func);

  std::unique_ptr<ExecutionEngine> engine;
  std::unique_ptr<llvm::orc::LLJIT> loaded; // a function from an object file
  std::string symbol;
  /// The packed entry (void **args), looked up once: a JIT symbol lookup per call
  /// costs microseconds the Python API's call overhead cannot afford.
  void (*packed)(void **) = nullptr;
  bool outParams = false;
  Phases phases;
  std::vector<int64_t> resultRanks;
  std::vector<NpyDType> resultTypes;
  double lastSeconds = 0;
};

} // namespace attn
} // namespace mlir

#endif // ATTN_RUNTIME_JITRUNNER_H
