#include "attn/Runtime/JitRunner.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

using namespace mlir;
using namespace mlir::attn;

JitFunction::~JitFunction() = default;

static llvm::Error jitError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message.str());
}

static FailureOr<NpyDType> dtypeOf(Type type) {
  if (type.isF32())
    return NpyDType::F32;
  if (type.isF64())
    return NpyDType::F64;
  if (type.isF16())
    return NpyDType::F16;
  if (type.isBF16())
    return NpyDType::BF16;
  return failure();
}

/// The libraries the compiled code calls into: MLIR's C runner utilities (memrefCopy,
/// for the strided copies bufferized tile loops make; Debian's libmlir-22 ships them)
/// and LLVM's libomp (the parallel loops). They are opened RTLD_LOCAL and their
/// functions handed to the JIT by address: ExecutionEngine's `sharedLibPaths` would
/// open them RTLD_GLOBAL, which puts libMLIR / libLLVM 22 (the runner utilities'
/// dependencies) and libomp's omp_* entry points into the process's global scope,
/// where they capture the symbols of libraries loaded later: in a Python process,
/// Triton's own LLVM (torch.compile) crashed, and torch's libgomp calls could land in
/// libomp.
static void *runtimeLibrary(int which) {
  static void *handles[2] = {dlopen(ATTN_MLIR_C_RUNNER_UTILS, RTLD_NOW | RTLD_LOCAL),
                             dlopen(ATTN_LIBOMP, RTLD_NOW | RTLD_LOCAL)};
  return handles[which];
}

/// Every function the runtime libraries export, by address: the JIT's code calls
/// libomp entry points that OpenMP's IR builder adds after the MLIR module (so they
/// cannot be read off its declarations); the exports are read from the ELF files.
static llvm::Expected<const std::vector<std::pair<std::string, void *>> *> runtimeSymbols() {
  static std::vector<std::pair<std::string, void *>> symbols;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    for (int which : {0, 1}) {
      const char *path = which ? ATTN_LIBOMP : ATTN_MLIR_C_RUNNER_UTILS;
      void *lib = runtimeLibrary(which);
      auto file = llvm::object::ObjectFile::createObjectFile(path);
      if (!lib || !file) {
        if (file)
          failure = std::string("cannot open ") + path + ": " + dlerror();
        else
          failure = std::string("cannot read ") + path + ": " +
                    llvm::toString(file.takeError());
        return;
      }
      auto *elf = dyn_cast<llvm::object::ELFObjectFileBase>(file->getBinary());
      if (!elf) {
        failure = std::string(path) + " is not an ELF shared library";
        return;
      }
      for (const llvm::object::ELFSymbolRef &symbol : elf->getDynamicSymbolIterators()) {
        auto name = symbol.getName();
        auto flags = symbol.getFlags();
        if (!name || !flags || (*flags & llvm::object::SymbolRef::SF_Undefined)) {
          if (!name)
            llvm::consumeError(name.takeError());
          if (!flags)
            llvm::consumeError(flags.takeError());
          continue;
        }
        if (void *address = dlsym(lib, name->str().c_str()))
          symbols.push_back({name->str(), address});
      }
    }
  });
  if (!failure.empty())
    return jitError(failure);
  return &symbols;
}

static llvm::Error bindRuntimeSymbols(ExecutionEngine &engine) {
  auto symbols = runtimeSymbols();
  if (!symbols)
    return symbols.takeError();
  // Anything else (libc, libm) resolves in the process.
  engine.registerSymbols([&](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    for (const auto &entry : **symbols)
      map[interner(entry.first)] = {llvm::orc::ExecutorAddr::fromPtr(entry.second),
                                    llvm::JITSymbolFlags::Exported};
    return map;
  });
  return llvm::Error::success();
}

static void initializeNativeTarget() {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
}

llvm::Error JitFunction::describe(func::FuncOp func) {
  for (Type t : func.getFunctionType().getResults()) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    FailureOr<NpyDType> dtype = failure();
    if (tensor)
      dtype = dtypeOf(tensor.getElementType());
    if (failed(dtype)) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << t;
      return jitError("results must be ranked f32, f64, f16 or bf16 tensors, got " + text);
    }
    resultRanks.push_back(tensor.getRank());
    resultTypes.push_back(*dtype);
  }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<JitFunction>>
JitFunction::load(ModuleOp module, llvm::StringRef entry, const AttnToCPUOptions &options,
                  llvm::StringRef objectPath) {
  initializeNativeTarget();
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return jitError("no function named '" + entry + "'");
  std::unique_ptr<JitFunction> jit(new JitFunction());
  if (llvm::Error err = jit->describe(func))
    return std::move(err);
  auto object = llvm::MemoryBuffer::getFile(objectPath);
  if (!object)
    return jitError("cannot read " + objectPath + ": " + object.getError().message());
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  auto lljit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*builder)).create();
  if (!lljit)
    return lljit.takeError();
  llvm::orc::JITDylib &main = (*lljit)->getMainJITDylib();
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*lljit)->getDataLayout().getGlobalPrefix());
  if (!process)
    return process.takeError();
  main.addGenerator(std::move(*process));
  auto symbols = runtimeSymbols();
  if (!symbols)
    return symbols.takeError();
  llvm::orc::SymbolMap map;
  for (const auto &entry : **symbols)
    map[(*lljit)->mangleAndIntern(entry.first)] = {
        llvm::orc::ExecutorAddr::fromPtr(entry.second), llvm::JITSymbolFlags::Exported};
  if (llvm::Error err = main.define(llvm::orc::absoluteSymbols(std::move(map))))
    return std::move(err);
  if (llvm::Error err = (*lljit)->addObjectFile(std::move(*object)))
    return std::move(err);
  jit->symbol = ("_mlir_ciface_" + entry).str();
  // ExecutionEngine's packed wrapper: "_mlir_" + the wrapped function's name.
  auto packed = (*lljit)->lookup("_mlir_" + jit->symbol);
  if (!packed)
    return packed.takeError();
  if (llvm::Error err = (*lljit)->initialize(main))
    return std::move(err);
  jit->packed = packed->toPtr<void (*)(void **)>();
  jit->outParams = options.resultsToOutParams;
  jit->loaded = std::move(*lljit);
  return jit;
}

llvm::Expected<std::unique_ptr<JitFunction>>
JitFunction::compile(ModuleOp module, llvm::StringRef entry, const AttnToCPUOptions &options,
                     llvm::StringRef objectPath) {
  initializeNativeTarget();

  OwningOpRef<ModuleOp> clone(module.clone());
  auto func = clone->lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return jitError("no function named '" + entry + "'");
  // Compile the entry and what it calls, not every function the file happens to hold.
  SymbolTable symbols(*clone);
  for (auto other : llvm::make_early_inc_range(clone->getOps<func::FuncOp>()))
    if (other != func && SymbolTable::symbolKnownUseEmpty(other, *clone))
      other.erase();
  std::unique_ptr<JitFunction> jit(new JitFunction());
  if (llvm::Error err = jit->describe(func))
    return std::move(err);
  // attn.dims / attn.defaults describe the signature for tools; LLVM has no use for them.
  auto isAttnAttr = [](NamedAttribute attr) {
    return attr.getName().strref().starts_with("attn.");
  };
  auto iface = cast<FunctionOpInterface>(func.getOperation());
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
    SmallVector<NamedAttribute> kept;
    llvm::copy_if(iface.getArgAttrs(i), std::back_inserter(kept),
                  [&](NamedAttribute a) { return !isAttnAttr(a); });
    iface.setArgAttrs(i, kept);
  }
  SmallVector<StringAttr> dropped;
  for (NamedAttribute attr : func->getDiscardableAttrs())
    if (isAttnAttr(attr))
      dropped.push_back(attr.getName());
  for (StringAttr name : dropped)
    func->removeDiscardableAttr(name);
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(clone->getContext()));

  auto tA = std::chrono::steady_clock::now();
  PassManager pm(clone->getContext());
  buildAttnToCPUPipeline(pm, options);
  if (failed(pm.run(*clone)))
    return jitError("the attn-to-cpu pipeline failed (see the diagnostics above)");

  ExecutionEngineOptions engineOptions;
  // Optimise for this CPU (AVX-512 where present): without a target machine LLVM's
  // vectoriser has no cost model for the host and leaves the tile loops scalar.
  static std::unique_ptr<llvm::TargetMachine> hostMachine = [] {
    auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!builder) {
      llvm::consumeError(builder.takeError());
      return std::unique_ptr<llvm::TargetMachine>();
    }
    builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
    auto machine = builder->createTargetMachine();
    if (!machine) {
      llvm::consumeError(machine.takeError());
      return std::unique_ptr<llvm::TargetMachine>();
    }
    return std::move(*machine);
  }();
  auto transformer = makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                               hostMachine.get());
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  engineOptions.enableObjectDump = !objectPath.empty();
  auto tB = std::chrono::steady_clock::now();
  auto engine = ExecutionEngine::create(*clone, engineOptions);
  auto tC = std::chrono::steady_clock::now();
  if (!engine)
    return engine.takeError();
  jit->engine = std::move(*engine);
  if (llvm::Error err = bindRuntimeSymbols(*jit->engine))
    return std::move(err);
  jit->engine->initialize();
  jit->symbol = ("_mlir_ciface_" + entry).str();
  auto packed = jit->engine->lookupPacked(jit->symbol);
  if (!packed)
    return packed.takeError();
  jit->packed = *packed;
  if (!objectPath.empty()) {
    // Best effort: a cache that cannot be written costs the next process a compile.
    std::string temporary = (objectPath + ".tmp" + llvm::Twine(getpid())).str();
    jit->engine->dumpToObjectFile(temporary);
    if (llvm::sys::fs::rename(temporary, objectPath))
      llvm::sys::fs::remove(temporary);
  }
  auto seconds = [](auto from, auto to) { return std::chrono::duration<double>(to - from).count(); };
  jit->phases = {seconds(tA, tB), seconds(tB, tC), seconds(tC, std::chrono::steady_clock::now())};
  jit->outParams = options.resultsToOutParams;
  return jit;
}

namespace {
/// A memref descriptor: {allocated, aligned, offset, sizes[r], strides[r]} as int64s.
struct Descriptor {
  std::vector<int64_t> words;
  explicit Descriptor(NpyArray &array) {
    int64_t rank = array.shape.size();
    words.resize(3 + 2 * rank);
    auto ptr = reinterpret_cast<int64_t>(array.bytes.data());
    words[0] = words[1] = ptr;
    words[2] = 0;
    int64_t stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      words[3 + d] = array.shape[d];
      words[3 + rank + d] = stride;
      stride *= array.shape[d];
    }
  }
};
} // namespace

static void invoke(void (*packed)(void **), llvm::ArrayRef<NpyArray *> args,
                   std::vector<int64_t> &resultWords) {
  std::vector<Descriptor> descriptors;
  descriptors.reserve(args.size());
  for (NpyArray *a : args)
    descriptors.emplace_back(*a);
  int64_t *resultPtr = resultWords.data();
  std::vector<void *> argPtrs;
  std::vector<int64_t *> descPtrs;
  descPtrs.reserve(args.size());
  argPtrs.push_back(&resultPtr);
  for (Descriptor &d : descriptors) {
    descPtrs.push_back(d.words.data());
    argPtrs.push_back(&descPtrs.back());
  }
  packed(argPtrs.data());
}

llvm::Error JitFunction::callInto(llvm::ArrayRef<HostBuffer> buffers) {
  if (!outParams)
    return jitError("callInto needs a function compiled with results-to-out-params");
  // Descriptors {allocated, aligned, offset, sizes[r], strides[r]}, all in one array.
  llvm::SmallVector<int64_t, 128> words;
  llvm::SmallVector<size_t, 16> starts;
  for (const HostBuffer &b : buffers) {
    starts.push_back(words.size());
    auto ptr = reinterpret_cast<int64_t>(b.data);
    words.append({ptr, ptr, 0});
    words.append(b.shape, b.shape + b.rank);
    size_t strides = words.size();
    words.resize(strides + b.rank);
    int64_t stride = 1;
    for (int64_t d = b.rank - 1; d >= 0; --d) {
      words[strides + d] = stride;
      stride *= b.shape[d];
    }
  }
  llvm::SmallVector<int64_t *, 16> descPtrs;
  for (size_t start : starts)
    descPtrs.push_back(words.data() + start);
  llvm::SmallVector<void *, 16> argPtrs;
  for (int64_t *&d : descPtrs)
    argPtrs.push_back(&d);
  auto start = std::chrono::steady_clock::now();
  packed(argPtrs.data());
  lastSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return llvm::Error::success();
}

llvm::Error JitFunction::setThreads(int threads) {
  using SetThreads = void (*)(int);
  // The libomp the kernels run on (runtimeLibrary), not another OpenMP runtime.
  static std::atomic<SetThreads> set{nullptr};
  if (!set.load()) {
    if (void *lib = runtimeLibrary(1))
      set = reinterpret_cast<SetThreads>(dlsym(lib, "omp_set_num_threads"));
  }
  SetThreads fn = set.load();
  if (!fn)
    return jitError("cannot set the thread count: " ATTN_LIBOMP " is not loaded");
  fn(threads);
  return llvm::Error::success();
}

/// Row-major strides for `shape`?
static bool isContiguous(llvm::ArrayRef<int64_t> shape, const int64_t *strides) {
  int64_t expected = 1;
  for (int64_t k = shape.size() - 1; k >= 0; --k) {
    if (shape[k] != 1 && strides[k] != expected)
      return false;
    expected *= shape[k];
  }
  return true;
}

/// memcpy that hands the source's pages back to the OS as soon as they are copied: a
/// kernel's result can be a large part of the footprint (O(N) attention at N = 65536),
/// and must not exist twice. Only whole pages inside [src, src + size) are released,
/// so the allocator's bookkeeping around the buffer is untouched.
static void copyReleasing(char *dst, const char *src, size_t size) {
  const size_t slice = size_t(1) << 22;
  const uintptr_t page = sysconf(_SC_PAGESIZE);
  uintptr_t released = (reinterpret_cast<uintptr_t>(src) + page - 1) & ~(page - 1);
  for (size_t at = 0; at < size; at += slice) {
    size_t n = std::min(slice, size - at);
    std::memcpy(dst + at, src + at, n);
    uintptr_t copiedEnd = (reinterpret_cast<uintptr_t>(src) + at + n) & ~(page - 1);
    if (copiedEnd > released) {
      madvise(reinterpret_cast<void *>(released), copiedEnd - released, MADV_DONTNEED);
      released = copiedEnd;
    }
  }
}

llvm::Expected<std::vector<NpyArray>> JitFunction::call(llvm::ArrayRef<NpyArray *> args) {
  size_t words = 0;
  for (int64_t r : resultRanks)
    words += 3 + 2 * r;
  std::vector<int64_t> resultWords(words, 0);
  if (outParams)
    return jitError("a function compiled with results-to-out-params is called with callInto");
  auto start = std::chrono::steady_clock::now();
  invoke(packed, args, resultWords);
  lastSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<NpyArray> results;
  std::vector<void *> freed, allocations;
  size_t at = 0;
  for (int64_t rank : resultRanks) {
    allocations.push_back(reinterpret_cast<void *>(resultWords[at]));
    at += 3 + 2 * rank;
  }
  at = 0;
  for (auto [rank, dtype] : llvm::zip(resultRanks, resultTypes)) {
    int64_t *d = resultWords.data() + at;
    at += 3 + 2 * rank;
    NpyArray out;
    out.dtype = dtype;
    out.shape.assign(d + 3, d + 3 + rank);
    size_t elt = out.elementSize();
    out.bytes.resize(out.numElements() * elt);
    const char *base = reinterpret_cast<const char *>(d[1]) + d[2] * elt;
    // The caller owns returned buffers, unless a result is an argument passed through.
    void *allocated = reinterpret_cast<void *>(d[0]);
    bool isArgument = llvm::any_of(args, [&](NpyArray *a) {
      return a->bytes.data() == allocated;
    });
    bool shared = isArgument || llvm::count(allocations, allocated) > 1;
    if (isContiguous(out.shape, d + 3 + rank) && !shared) {
      copyReleasing(out.bytes.data(), base, out.bytes.size());
    } else {
      // Copy honouring the strides (results are usually, not always, contiguous).
      std::vector<int64_t> idx(rank, 0);
      for (int64_t linear = 0, n = out.numElements(); linear < n; ++linear) {
        int64_t off = 0;
        for (int64_t k = 0; k < rank; ++k)
          off += idx[k] * d[3 + rank + k];
        std::memcpy(out.bytes.data() + linear * elt, base + off * elt, elt);
        for (int64_t k = rank - 1; k >= 0 && ++idx[k] == out.shape[k]; --k)
          idx[k] = 0;
      }
    }
    if (!isArgument && !llvm::is_contained(freed, allocated)) {
      freed.push_back(allocated);
      std::free(allocated);
    }
    results.push_back(std::move(out));
  }
  return results;
}

llvm::Expected<double> JitFunction::time(llvm::ArrayRef<NpyArray *> args) {
  auto results = call(args);
  if (!results)
    return results.takeError();
  return lastSeconds;
}
