//===- CudaRunner.h - run a compiled attention kernel on the GPU ----------===//
#ifndef ATTN_RUNTIME_CUDARUNNER_H
#define ATTN_RUNTIME_CUDARUNNER_H

#include "attn/Runtime/CudaLoader.h"
#include "attn/Runtime/GPUCompile.h"
#include "attn/Runtime/Npy.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cstring>
#include <deque>

namespace mlir::attn {

/// The inputs on the device, the output buffer and the kernel's parameters, ready to
/// launch as often as asked.
class CudaRun {
public:
  ~CudaRun();

  /// Uploads `args` (host f32/f64 data, converted to each argument's element type;
  /// i32 mask operands as given)
  /// and builds the launch of `program` for an output of `resultShape`.
  static llvm::Expected<std::unique_ptr<CudaRun>>
  prepare(std::unique_ptr<CudaDriver> driver, const CudaProgram &program,
          llvm::ArrayRef<NpyArray> args, TypeRange argTypes, RankedTensorType resultType,
          llvm::ArrayRef<int64_t> resultShape);

  /// Launches, waits, and copies the result back as f32.
  llvm::Expected<NpyArray> run();

  /// Kernel time of the last run (CUDA events), in seconds.
  double lastSeconds = 0;

private:
  CudaRun() = default;
  std::unique_ptr<CudaDriver> driver;
  void *kernel = nullptr;
  std::vector<uint64_t> buffers;
  uint64_t resultBuffer = 0;
  std::deque<int64_t> values; // what the parameter pointers point at
  std::vector<void *> params;
  unsigned grid[3] = {1, 1, 1}, block = 1;
  Type resultElement;
  std::vector<int64_t> resultShape;
};

} // namespace mlir::attn

#endif // ATTN_RUNTIME_CUDARUNNER_H
