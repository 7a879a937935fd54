//===- CudaLoader.h - the CUDA driver API, opened at run time -------------===//
//
// Loads libcuda.so.1 with dlopen, so that every binary links and runs on machines
// without a GPU (available() then explains why not). Loads PTX or cubin images
// (cuModuleLoadData), moves buffers, launches kernels and times them with events.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_CUDALOADER_H
#define ATTN_RUNTIME_CUDALOADER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace mlir::attn {

class CudaDriver {
public:
  ~CudaDriver();

  /// Opens the driver and a context on device 0; an error says why there is none
  /// ("no CUDA device: ...").
  static llvm::Expected<std::unique_ptr<CudaDriver>> open();

  /// Name and compute capability of the device.
  std::string deviceName() const;

  /// Loads a PTX (NUL-terminated text) or cubin image; returns the kernel `name`.
  llvm::Expected<void *> loadKernel(llvm::StringRef image, llvm::StringRef name);

  llvm::Expected<uint64_t> allocate(size_t bytes);
  llvm::Error copyToDevice(uint64_t device, const void *host, size_t bytes);
  llvm::Error copyToHost(void *host, uint64_t device, size_t bytes);
  llvm::Error free(uint64_t device);

  /// Launches `kernel` with `params` (pointers to each argument's value) and waits;
  /// returns the milliseconds between events recorded around the launch.
  llvm::Expected<float> launch(void *kernel, unsigned gridX, unsigned gridY, unsigned gridZ,
                               unsigned blockX, llvm::ArrayRef<void *> params);

private:
  CudaDriver() = default;
  llvm::Error check(int result, llvm::StringRef what) const;
  struct Api;
  std::unique_ptr<Api> api;
  void *library = nullptr;
  void *context = nullptr;
  int device = 0;
};

} // namespace mlir::attn

#endif // ATTN_RUNTIME_CUDALOADER_H
