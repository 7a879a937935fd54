//===- Execution.cpp - pick, compile and run an entry function ------------===//
#include "attn/Runtime/Execution.h"

#include "attn/Pipelines/Pipelines.h"
#include "attn/Runtime/CudaRunner.h"
#include "attn/Runtime/GPUCompile.h"
#include "attn/Runtime/JitRunner.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <chrono>

using namespace mlir;
using namespace mlir::attn;

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<func::FuncOp> mlir::attn::selectEntry(ModuleOp module, llvm::StringRef name,
                                                     llvm::StringRef source) {
  if (!name.empty()) {
    auto func = module.lookupSymbol<func::FuncOp>(name);
    if (!func)
      return error("no function '" + name + "' in " + source);
    if (func.isDeclaration())
      return error("@" + name + " is a declaration: attn-run needs a function with a body");
    return func;
  }
  func::FuncOp found;
  for (auto f : module.getOps<func::FuncOp>())
    if (f.isPublic() && !f.isDeclaration()) {
      if (found)
        return error("several public functions in " + source + "; pick one with --entry");
      found = f;
    }
  if (!found)
    return error("no public function in " + source);
  return found;
}

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

namespace {
struct CPUExecution final : Execution {
  std::unique_ptr<JitFunction> jit;
  std::vector<NpyArray *> args;

  llvm::Expected<std::vector<NpyArray>> run() override {
    auto results = jit->call(args);
    lastSeconds = jit->lastCallSeconds();
    return results;
  }
  llvm::Expected<double> time() override { return jit->time(args); }
};

struct DeviceExecution final : Execution {
  std::unique_ptr<CudaRun> cuda;

  llvm::Expected<std::vector<NpyArray>> run() override {
    auto out = cuda->run();
    if (!out)
      return out.takeError();
    lastSeconds = cuda->lastSeconds;
    std::vector<NpyArray> results;
    results.push_back(std::move(*out));
    return results;
  }
  llvm::Expected<double> time() override {
    auto out = cuda->run();
    if (!out)
      return out.takeError();
    return cuda->lastSeconds;
  }
};
} // namespace

llvm::Expected<std::unique_ptr<Execution>>
mlir::attn::compileForCPU(ModuleOp module, llvm::StringRef entry, std::vector<NpyArray> &args,
                          const AttnToCPUOptions &options) {
  auto start = std::chrono::steady_clock::now();
  auto compiled = JitFunction::compile(module, entry, options);
  if (!compiled)
    return compiled.takeError();
  auto execution = std::make_unique<CPUExecution>();
  execution->jit = std::move(*compiled);
  for (NpyArray &a : args)
    execution->args.push_back(&a);
  execution->compileSeconds = secondsSince(start);
  return execution;
}

llvm::Expected<std::unique_ptr<Execution>>
mlir::attn::compileForDevice(std::unique_ptr<CudaDriver> driver, ModuleOp module,
                             func::FuncOp entry, llvm::ArrayRef<NpyArray> args,
                             llvm::ArrayRef<int64_t> resultShape,
                             const AttnToNVVMOptions &options) {
  auto start = std::chrono::steady_clock::now();
  FunctionType type = entry.getFunctionType();
  if (type.getNumResults() != 1)
    return error("--target=cuda runs functions with one result");
  auto program = compileForCuda(module, entry.getSymName(), options);
  if (!program)
    return program.takeError();
  auto prepared = CudaRun::prepare(std::move(driver), *program, args, type.getInputs(),
                                   cast<RankedTensorType>(type.getResult(0)), resultShape);
  if (!prepared)
    return prepared.takeError();
  auto execution = std::make_unique<DeviceExecution>();
  execution->cuda = std::move(*prepared);
  execution->compileSeconds = secondsSince(start);
  return execution;
}

llvm::Error mlir::attn::saveArrays(llvm::StringRef dir, llvm::StringRef prefix,
                                   llvm::ArrayRef<NpyArray> arrays) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return error("cannot create " + dir + ": " + ec.message());
  for (auto [i, a] : llvm::enumerate(arrays)) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, prefix + std::to_string(i) + ".npy");
    if (llvm::Error err = writeNpy(path, a))
      return err;
  }
  return llvm::Error::success();
}
