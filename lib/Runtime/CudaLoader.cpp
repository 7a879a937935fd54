//===- CudaLoader.cpp - the CUDA driver API through dlopen -----------------===//
//
// The few driver entry points the runner needs, declared here with the driver's C
// ABI (CUresult is an int, handles are pointers, device pointers 64-bit integers), so
// that building needs no CUDA headers and running needs no GPU.
//
//===----------------------------------------------------------------------===//
#include "attn/Runtime/CudaLoader.h"

#include "llvm/Support/FormatVariadic.h"

#include <dlfcn.h>

using namespace mlir::attn;

struct CudaDriver::Api {
  int (*cuInit)(unsigned);
  int (*cuDeviceGetCount)(int *);
  int (*cuDeviceGet)(int *, int);
  int (*cuDeviceGetName)(char *, int, int);
  int (*cuDeviceGetAttribute)(int *, int, int);
  int (*cuDevicePrimaryCtxRetain)(void **, int);
  int (*cuDevicePrimaryCtxRelease)(int);
  int (*cuCtxSetCurrent)(void *);
  int (*cuCtxSynchronize)();
  int (*cuModuleLoadData)(void **, const void *);
  int (*cuModuleGetFunction)(void **, void *, const char *);
  int (*cuMemAlloc)(uint64_t *, size_t);
  int (*cuMemFree)(uint64_t);
  int (*cuMemcpyHtoD)(uint64_t, const void *, size_t);
  int (*cuMemcpyDtoH)(void *, uint64_t, size_t);
  int (*cuLaunchKernel)(void *, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                        unsigned, void *, void **, void **);
  int (*cuEventCreate)(void **, unsigned);
  int (*cuEventRecord)(void *, void *);
  int (*cuEventSynchronize)(void *);
  int (*cuEventElapsedTime)(float *, void *, void *);
  int (*cuEventDestroy)(void *);
  int (*cuGetErrorString)(int, const char **);
};

static llvm::Error noDevice(const llvm::Twine &why) {
  return llvm::createStringError("no CUDA device: " + why);
}

llvm::Expected<std::unique_ptr<CudaDriver>> CudaDriver::open() {
  std::unique_ptr<CudaDriver> driver(new CudaDriver());
  driver->library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver->library)
    return noDevice("libcuda.so.1 cannot be loaded (" + llvm::Twine(dlerror()) + ")");
  driver->api = std::make_unique<Api>();
  Api &a = *driver->api;
  auto bind = [&](auto &fn, const char *name) -> bool {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(driver->library, name));
    return fn != nullptr;
  };
  bool ok = bind(a.cuInit, "cuInit") && bind(a.cuDeviceGetCount, "cuDeviceGetCount") &&
            bind(a.cuDeviceGet, "cuDeviceGet") && bind(a.cuDeviceGetName, "cuDeviceGetName") &&
            bind(a.cuDeviceGetAttribute, "cuDeviceGetAttribute") &&
            bind(a.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain") &&
            bind(a.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2") &&
            bind(a.cuCtxSetCurrent, "cuCtxSetCurrent") &&
            bind(a.cuCtxSynchronize, "cuCtxSynchronize") &&
            bind(a.cuModuleLoadData, "cuModuleLoadData") &&
            bind(a.cuModuleGetFunction, "cuModuleGetFunction") &&
            bind(a.cuMemAlloc, "cuMemAlloc_v2") && bind(a.cuMemFree, "cuMemFree_v2") &&
            bind(a.cuMemcpyHtoD, "cuMemcpyHtoD_v2") && bind(a.cuMemcpyDtoH, "cuMemcpyDtoH_v2") &&
            bind(a.cuLaunchKernel, "cuLaunchKernel") && bind(a.cuEventCreate, "cuEventCreate") &&
            bind(a.cuEventRecord, "cuEventRecord") &&
            bind(a.cuEventSynchronize, "cuEventSynchronize") &&
            bind(a.cuEventElapsedTime, "cuEventElapsedTime_v2") &&
            bind(a.cuEventDestroy, "cuEventDestroy_v2") &&
            bind(a.cuGetErrorString, "cuGetErrorString");
  if (!ok)
    return noDevice("libcuda.so.1 lacks a driver entry point (" + llvm::Twine(dlerror()) + ")");
  if (int rc = a.cuInit(0))
    return noDevice(llvm::formatv("cuInit failed (CUDA error {0})", rc).str());
  int count = 0;
  if (a.cuDeviceGetCount(&count) || count == 0)
    return noDevice("the driver reports no device");
  if (llvm::Error err = driver->check(a.cuDeviceGet(&driver->device, 0), "cuDeviceGet"))
    return std::move(err);
  if (llvm::Error err = driver->check(a.cuDevicePrimaryCtxRetain(&driver->context, driver->device),
                                      "cuDevicePrimaryCtxRetain"))
    return std::move(err);
  if (llvm::Error err = driver->check(a.cuCtxSetCurrent(driver->context), "cuCtxSetCurrent"))
    return std::move(err);
  return driver;
}

CudaDriver::~CudaDriver() {
  if (api && context)
    api->cuDevicePrimaryCtxRelease(device);
  // The library stays loaded: the driver keeps threads of its own.
}

llvm::Error CudaDriver::check(int result, llvm::StringRef what) const {
  if (result == 0)
    return llvm::Error::success();
  const char *text = nullptr;
  if (api && api->cuGetErrorString)
    api->cuGetErrorString(result, &text);
  return llvm::createStringError(
      llvm::formatv("{0}: CUDA error {1} ({2})", what, result, text ? text : "unknown").str());
}

std::string CudaDriver::deviceName() const {
  char name[256] = {0};
  api->cuDeviceGetName(name, sizeof(name), device);
  int major = 0, minor = 0;
  api->cuDeviceGetAttribute(&major, /*COMPUTE_CAPABILITY_MAJOR=*/75, device);
  api->cuDeviceGetAttribute(&minor, /*COMPUTE_CAPABILITY_MINOR=*/76, device);
  return llvm::formatv("{0} (sm_{1}{2})", name, major, minor).str();
}

llvm::Expected<void *> CudaDriver::loadKernel(llvm::StringRef image, llvm::StringRef name) {
  void *module = nullptr, *function = nullptr;
  std::string text = image.str(); // NUL-terminated for PTX
  if (llvm::Error err = check(api->cuModuleLoadData(&module, text.c_str()), "cuModuleLoadData"))
    return std::move(err);
  if (llvm::Error err = check(api->cuModuleGetFunction(&function, module, name.str().c_str()),
                              "cuModuleGetFunction"))
    return std::move(err);
  return function;
}

llvm::Expected<uint64_t> CudaDriver::allocate(size_t bytes) {
  uint64_t ptr = 0;
  if (llvm::Error err = check(api->cuMemAlloc(&ptr, bytes ? bytes : 1), "cuMemAlloc"))
    return std::move(err);
  return ptr;
}

llvm::Error CudaDriver::copyToDevice(uint64_t device, const void *host, size_t bytes) {
  return bytes ? check(api->cuMemcpyHtoD(device, host, bytes), "cuMemcpyHtoD")
               : llvm::Error::success();
}

llvm::Error CudaDriver::copyToHost(void *host, uint64_t device, size_t bytes) {
  return bytes ? check(api->cuMemcpyDtoH(host, device, bytes), "cuMemcpyDtoH")
               : llvm::Error::success();
}

llvm::Error CudaDriver::free(uint64_t device) { return check(api->cuMemFree(device), "cuMemFree"); }

llvm::Expected<float> CudaDriver::launch(void *kernel, unsigned gridX, unsigned gridY,
                                         unsigned gridZ, unsigned blockX,
                                         llvm::ArrayRef<void *> params) {
  void *start = nullptr, *stop = nullptr;
  if (llvm::Error err = check(api->cuEventCreate(&start, 0), "cuEventCreate"))
    return std::move(err);
  if (llvm::Error err = check(api->cuEventCreate(&stop, 0), "cuEventCreate"))
    return std::move(err);
  std::vector<void *> args(params.begin(), params.end());
  llvm::Error err = check(api->cuEventRecord(start, nullptr), "cuEventRecord");
  if (!err)
    err = check(api->cuLaunchKernel(kernel, gridX, gridY, gridZ, blockX, 1, 1, 0, nullptr,
                                    args.data(), nullptr),
                "cuLaunchKernel");
  if (!err)
    err = check(api->cuEventRecord(stop, nullptr), "cuEventRecord");
  if (!err)
    err = check(api->cuEventSynchronize(stop), "cuEventSynchronize");
  float ms = 0;
  if (!err)
    err = check(api->cuEventElapsedTime(&ms, start, stop), "cuEventElapsedTime");
  api->cuEventDestroy(start);
  api->cuEventDestroy(stop);
  if (err)
    return std::move(err);
  return ms;
}
