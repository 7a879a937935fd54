//===- CompiledKernel.cpp - compile attn text and call it on caller buffers ===//
#include "attn/Runtime/CompiledKernel.h"

#include "attn/InitAttn.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Reference/Evaluator.h"
#include "attn/Runtime/Execution.h"
#include "attn/Runtime/JitRunner.h"
#include "attn/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <chrono>
#include <dlfcn.h>
#include <mutex>
#include <sys/stat.h>

using namespace mlir;
using namespace mlir::attn;

CompiledKernel::~CompiledKernel() = default;

namespace {
/// The one MLIR context of the process's compilations, and the lock that serialises
/// everything touching it (parsing, passes, the shape pass).
struct SharedContext {
  std::mutex lock;
  std::unique_ptr<MLIRContext> context;

  static SharedContext &get() {
    static SharedContext shared;
    return shared;
  }

private:
  SharedContext() {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registerAllToLLVMIRTranslations(registry);
    registerAttnDialects(registry);
    context = std::make_unique<MLIRContext>(registry);
    context->loadAllAvailableDialects();
    // The message, its location and source line say enough; a generic print of the
    // op after each would bury them in a Python traceback.
    context->printOpOnDiagnostic(false);
    // IREE's and torch-mlir's attention ops in generic form (attn-import-attention).
    context->allowUnregisteredDialects();
  }
};

/// Collects diagnostics as the command-line tools print them (location, source line,
/// caret) while in scope.
struct CapturedDiagnostics {
  std::string text;
  llvm::raw_string_ostream os{text};
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler;
  CapturedDiagnostics(MLIRContext *context) : handler(sourceMgr, context, os) {}
};

std::string typeName(Type type) {
  if (type.isF32()) return "f32";
  if (type.isF64()) return "f64";
  if (type.isF16()) return "f16";
  if (type.isBF16()) return "bf16";
  if (type.isInteger(32)) return "i32";
  if (type.isInteger(64)) return "i64";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

FailureOr<TensorSpec> specOf(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return failure();
  TensorSpec spec{typeName(tensor.getElementType()), {}};
  for (int64_t size : tensor.getShape())
    spec.shape.push_back(ShapedType::isDynamic(size) ? -1 : size);
  return spec;
}

class JitKernel final : public CompiledKernel {
public:
  JitKernel(OwningOpRef<ModuleOp> module, func::FuncOp entry,
            std::unique_ptr<JitFunction> jit)
      : module(std::move(module)), entry(entry), jit(std::move(jit)) {}

  bool init(std::string &error) {
    FunctionType type = entry.getFunctionType();
    for (auto [types, specs] : {std::pair{TypeRange(type.getInputs()), &args},
                                std::pair{TypeRange(type.getResults()), &outs}})
      for (Type t : types) {
        FailureOr<TensorSpec> spec = specOf(t);
        if (failed(spec)) {
          error = "@" + entry.getSymName().str() +
                  ": arguments and results must be ranked tensors, got " + typeName(t);
          return false;
        }
        specs->push_back(*spec);
      }
    canInferShapes = reference::canEvaluate(entry);
    return true;
  }

  bool resultShapes(const std::vector<std::vector<int64_t>> &shapes,
                    std::vector<std::vector<int64_t>> &out, std::string &error) override {
    if (shapes.size() != args.size()) {
      error = "@" + entry.getSymName().str() + " takes " + std::to_string(args.size()) +
              " arguments, got " + std::to_string(shapes.size());
      return false;
    }
    for (size_t i = 0; i < shapes.size(); ++i) {
      const std::vector<int64_t> &want = args[i].shape;
      bool fits = shapes[i].size() == want.size();
      for (size_t d = 0; fits && d < want.size(); ++d)
        fits = shapes[i][d] >= 0 && (want[d] < 0 || want[d] == shapes[i][d]);
      if (!fits) {
        error = "argument " + std::to_string(i) + " of @" + entry.getSymName().str() +
                " has shape " + shapeText(shapes[i]) + ", the function takes " +
                shapeText(want);
        return false;
      }
    }
    bool dynamic = false;
    for (const TensorSpec &spec : outs)
      dynamic |= llvm::is_contained(spec.shape, -1);
    if (!canInferShapes) {
      if (dynamic) {
        error = "@" + entry.getSymName().str() +
                " has results of dynamic shape and ops outside the attn dialect: their "
                "sizes cannot be known before the call";
        return false;
      }
      out.clear();
      for (const TensorSpec &spec : outs)
        out.push_back(spec.shape);
      return true;
    }
    // The shape pass checks what the kernels trust: sizes that must agree, GQA
    // ratios, mask operand lengths.
    std::vector<reference::Tensor> refArgs;
    for (const std::vector<int64_t> &shape : shapes)
      refArgs.push_back(reference::Tensor{shape, {}});
    SharedContext &shared = SharedContext::get();
    std::lock_guard<std::mutex> guard(shared.lock);
    CapturedDiagnostics diagnostics(shared.context.get());
    reference::Options shapesOnly;
    shapesOnly.shapesOnly = true;
    FailureOr<reference::Result> result = reference::evaluate(entry, refArgs, shapesOnly);
    if (failed(result)) {
      error = "the inputs do not fit @" + entry.getSymName().str() + ":\n" +
              diagnostics.text;
      return false;
    }
    out.clear();
    for (const reference::Tensor &t : result->outputs)
      out.push_back(t.shape);
    return true;
  }

  bool run(const HostBuffer *buffers, size_t count, int threads,
           std::string &error) override {
    if (count != args.size() + outs.size()) {
      error = "expected " + std::to_string(args.size() + outs.size()) + " buffers, got " +
              std::to_string(count);
      return false;
    }
    if (threads > 0)
      if (llvm::Error err = JitFunction::setThreads(threads)) {
        error = llvm::toString(std::move(err));
        return false;
      }
    if (llvm::Error err = jit->callInto(llvm::ArrayRef(buffers, count))) {
      error = llvm::toString(std::move(err));
      return false;
    }
    return true;
  }

  ~JitKernel() override {
    // The module belongs to the shared context: destroy it under the lock.
    SharedContext &shared = SharedContext::get();
    std::lock_guard<std::mutex> guard(shared.lock);
    jit.reset();
    module = nullptr;
  }

  void setSeconds(double s) { seconds = s; }
  void setCached(bool c) { cached = c; }
  double lastRunSeconds() const override { return jit->lastCallSeconds(); }
  std::vector<double> compilePhases() const override {
    const JitFunction::Phases &p = jit->compilePhases();
    return {p.pipeline, p.llvmIR, p.codegen};
  }

private:
  static std::string shapeText(const std::vector<int64_t> &shape) {
    std::string text = "[";
    for (size_t d = 0; d < shape.size(); ++d)
      text += (d ? ", " : "") + (shape[d] < 0 ? std::string("?") : std::to_string(shape[d]));
    return text + "]";
  }

  OwningOpRef<ModuleOp> module;
  func::FuncOp entry;
  std::unique_ptr<JitFunction> jit;
  bool canInferShapes = false;
};
} // namespace

bool mlir::attn::checkPipelineOptions(const std::string &options, std::string &error) {
  if (!AttnToCPUOptions::createFromString(options)) {
    error = "bad attn-to-cpu options '" + options + "'";
    return false;
  }
  return true;
}

/// The on-disk cache's file for this compilation: a SHA-256 over everything the
/// machine code depends on.
static std::string cacheFile(const std::string &dir, const std::string &text,
                             llvm::StringRef entry, const std::string &options) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << text << '\0' << entry << '\0' << options << '\0' << llvm::sys::getHostCPUName()
     << '\0' << LLVM_VERSION_STRING << '\0';
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> enabled;
  for (const auto &f : features)
    if (f.second)
      enabled.push_back(f.first().str());
  llvm::sort(enabled);
  for (const std::string &f : enabled)
    os << f << ',';
  // The compiler itself: a rebuilt binary may lower the same text differently.
  Dl_info info;
  struct stat st;
  if (dladdr(reinterpret_cast<void *>(&cacheFile), &info) && info.dli_fname &&
      stat(info.dli_fname, &st) == 0)
    os << '\0' << info.dli_fname << ':' << st.st_size << ':' << st.st_mtime;
  std::array<uint8_t, 32> digest = llvm::SHA256::hash(
      llvm::ArrayRef(reinterpret_cast<const uint8_t *>(key.data()), key.size()));
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, llvm::toHex(digest, /*LowerCase=*/true) + ".o");
  return path.str().str();
}

std::unique_ptr<CompiledKernel>
mlir::attn::compileKernel(const std::string &text, const std::string &sourceName,
                          const std::string &entryName, const std::string &pipelineOptions,
                          std::string &error, const std::string &cacheDir) {
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<AttnToCPUOptions> options =
      AttnToCPUOptions::createFromString(pipelineOptions);
  if (!options) {
    error = "bad attn-to-cpu options '" + pipelineOptions + "'";
    return nullptr;
  }
  options->resultsToOutParams = true;

  SharedContext &shared = SharedContext::get();
  std::unique_lock<std::mutex> guard(shared.lock);
  CapturedDiagnostics diagnostics(shared.context.get());
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(text, sourceName);
  diagnostics.sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(diagnostics.sourceMgr, shared.context.get());
  if (!module) {
    error = diagnostics.text.empty() ? "could not parse " + sourceName : diagnostics.text;
    return nullptr;
  }
  if (failed(importForeignAttention(*module))) {
    error = diagnostics.text;
    return nullptr;
  }
  auto entry = selectEntry(*module, entryName, sourceName);
  if (!entry) {
    error = llvm::toString(entry.takeError());
    return nullptr;
  }
  std::string objectPath;
  bool cached = false;
  llvm::Expected<std::unique_ptr<JitFunction>> jit = llvm::createStringError("");
  if (!cacheDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(cacheDir)) {
      error = "cannot create the cache directory " + cacheDir + ": " + ec.message();
      return nullptr;
    }
    objectPath = cacheFile(cacheDir, text, entry->getSymName(), pipelineOptions);
    if (llvm::sys::fs::exists(objectPath)) {
      llvm::consumeError(jit.takeError());
      jit = JitFunction::load(*module, entry->getSymName(), *options, objectPath);
      cached = static_cast<bool>(jit);
      if (!jit) // A damaged entry: compile again and replace it.
        llvm::consumeError(jit.takeError());
    }
  }
  if (!cached) {
    llvm::consumeError(jit.takeError());
    jit = JitFunction::compile(*module, entry->getSymName(), *options, objectPath);
  }
  if (!jit) {
    error = llvm::toString(jit.takeError());
    if (!diagnostics.text.empty())
      error = diagnostics.text + error;
    return nullptr;
  }
  func::FuncOp func = *entry;
  auto kernel = std::make_unique<JitKernel>(std::move(module), func, std::move(*jit));
  if (!kernel->init(error)) {
    guard.unlock(); // ~JitKernel takes the lock
    return nullptr;
  }
  kernel->setSeconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  kernel->setCached(cached);
  guard.unlock();
  return kernel;
}
