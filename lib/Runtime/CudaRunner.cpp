//===- CudaRunner.cpp - uploads, kernel parameters, launch, download ------===//
//
// The kernel of attn-to-nvvm takes q, k, v and the output as rank-4 memrefs, which
// the NVVM lowering passes as their descriptors, field by field: allocated pointer,
// aligned pointer, offset, sizes, strides. The grid is (query tiles, heads, batch).
//
//===----------------------------------------------------------------------===//
#include "attn/Runtime/CudaRunner.h"

using namespace mlir;
using namespace mlir::attn;

/// Element `i` of host data `a` (any float dtype) in `type` (f32, f16, bf16), as bytes.
static void encode(const NpyArray &a, Type type, std::vector<char> &out) {
  int64_t n = a.numElements();
  size_t width = type.isF32() ? 4 : 2;
  out.resize(n * width);
  for (int64_t i = 0; i < n; ++i) {
    float x = (float)elementAt(a, i);
    if (type.isF32())
      reinterpret_cast<float *>(out.data())[i] = x;
    else if (type.isF16())
      reinterpret_cast<_Float16 *>(out.data())[i] = (_Float16)x;
    else
      reinterpret_cast<uint16_t *>(out.data())[i] = toBF16Bits(x);
  }
}

CudaRun::~CudaRun() {
  if (driver)
    for (uint64_t buffer : buffers)
      llvm::consumeError(driver->free(buffer));
}

llvm::Expected<std::unique_ptr<CudaRun>>
CudaRun::prepare(std::unique_ptr<CudaDriver> driver, const CudaProgram &program,
                 llvm::ArrayRef<NpyArray> args, TypeRange argTypes, RankedTensorType resultType,
                 llvm::ArrayRef<int64_t> resultShape) {
  std::unique_ptr<CudaRun> run(new CudaRun());
  run->driver = std::move(driver);
  auto kernel = run->driver->loadKernel(program.ptx, program.kernel);
  if (!kernel)
    return kernel.takeError();
  run->kernel = *kernel;
  // One descriptor: pointer twice, offset 0, sizes, row-major strides.
  auto descriptor = [&](uint64_t device, llvm::ArrayRef<int64_t> shape) {
    for (int64_t pointer : {(int64_t)device, (int64_t)device, int64_t(0)}) {
      run->values.push_back(pointer);
      run->params.push_back(&run->values.back());
    }
    for (int64_t size : shape) {
      run->values.push_back(size);
      run->params.push_back(&run->values.back());
    }
    int64_t stride = 1;
    std::vector<int64_t> strides(shape.size());
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      strides[d] = stride;
      stride *= shape[d];
    }
    for (int64_t s : strides) {
      run->values.push_back(s);
      run->params.push_back(&run->values.back());
    }
  };
  for (unsigned input : program.inputs) {
    if (args[input].shape.size() != 4)
      return llvm::createStringError("attention inputs must be rank 4");
    std::vector<char> bytes;
    encode(args[input], cast<RankedTensorType>(argTypes[input]).getElementType(), bytes);
    auto device = run->driver->allocate(bytes.size());
    if (!device)
      return device.takeError();
    run->buffers.push_back(*device);
    if (llvm::Error err = run->driver->copyToDevice(*device, bytes.data(), bytes.size()))
      return std::move(err);
    descriptor(*device, args[input].shape);
  }
  auto uploadMasks = [&]() -> llvm::Error {
    for (unsigned input : program.maskInputs) {
      const NpyArray &a = args[input];
      auto device = run->driver->allocate(a.bytes.size());
      if (!device)
        return device.takeError();
      run->buffers.push_back(*device);
      if (llvm::Error err = run->driver->copyToDevice(*device, a.bytes.data(), a.bytes.size()))
        return err;
      descriptor(*device, a.shape);
    }
    return llvm::Error::success();
  };
  run->resultElement = resultType.getElementType();
  run->resultShape.assign(resultShape.begin(), resultShape.end());
  int64_t count = 1;
  for (int64_t s : resultShape)
    count *= s;
  auto out = run->driver->allocate(count * (run->resultElement.isF32() ? 4 : 2));
  if (!out)
    return out.takeError();
  run->buffers.push_back(*out);
  run->resultBuffer = *out;
  descriptor(*out, resultShape);
  // Mask operands (i32, as given) follow the result in the kernel's parameters.
  if (llvm::Error err = uploadMasks())
    return std::move(err);
  const std::vector<int64_t> &q = args[program.inputs[0]].shape;
  run->grid[0] = (q[2] + program.queryRowsPerBlock - 1) / program.queryRowsPerBlock;
  run->grid[1] = q[1];
  run->grid[2] = q[0];
  run->block = program.threadsPerBlock;
  return run;
}

llvm::Expected<NpyArray> CudaRun::run() {
  NpyArray result;
  result.dtype = NpyDType::F32;
  result.shape = resultShape;
  int64_t n = result.numElements();
  result.bytes.resize(n * 4);
  if (n == 0 || grid[0] == 0 || grid[1] == 0 || grid[2] == 0)
    return result; // nothing to launch
  auto ms = driver->launch(kernel, grid[0], grid[1], grid[2], block, params);
  if (!ms)
    return ms.takeError();
  lastSeconds = *ms / 1e3;
  size_t width = resultElement.isF32() ? 4 : 2;
  std::vector<char> bytes(n * width);
  if (llvm::Error err = driver->copyToHost(bytes.data(), resultBuffer, bytes.size()))
    return std::move(err);
  auto *out = reinterpret_cast<float *>(result.bytes.data());
  for (int64_t i = 0; i < n; ++i)
    out[i] = resultElement.isF32()  ? reinterpret_cast<float *>(bytes.data())[i]
             : resultElement.isF16() ? (float)reinterpret_cast<_Float16 *>(bytes.data())[i]
                                     : fromBF16Bits(reinterpret_cast<uint16_t *>(bytes.data())[i]);
  return result;
}
