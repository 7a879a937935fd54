//===- attn-run.cpp - compile, run, check and time an attn function -------===//
//
//   attn-run FILE.mlir [--entry NAME] [--dims m=128,n=256] [--seed S] [--check]
//            [--bench] [--save-io DIR] [--inputs DIR]
//
// Inputs are seeded normal random numbers (or .npy files); results are summarised,
// compared with the fp64 reference evaluator (--check), timed (--bench) and saved as
// .npy (--save-io) so that tools outside the project can check them.
//
//===----------------------------------------------------------------------===//
#include "attn/InitAttn.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Reference/Evaluator.h"
#include "attn/Runtime/CudaRunner.h"
#include "attn/Runtime/JitRunner.h"
#include "attn/Runtime/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <stdlib.h>

using namespace mlir;
using namespace mlir::attn;
namespace cl = llvm::cl;

static cl::OptionCategory runCategory("attn-run options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .mlir>"), cl::Required,
                                      cl::cat(runCategory));
static cl::opt<std::string> entryName("entry", cl::desc("Function to run (default: the only "
                                                        "public function)"),
                                      cl::cat(runCategory));
static cl::opt<std::string> dimsOption(
    "dims",
    cl::desc("Sizes of named dynamic dimensions, e.g. m=128,n=256 (names come from the "
             "argument attribute attn.dims; defaults from the function attribute "
             "attn.defaults)"),
    cl::cat(runCategory));
static cl::opt<unsigned> seed("seed", cl::desc("Seed of the random inputs"), cl::init(0),
                              cl::cat(runCategory));
static cl::opt<double> inputScale("input-scale",
                                  cl::desc("Standard deviation of the random inputs"),
                                  cl::init(1.0), cl::cat(runCategory));
static cl::opt<bool> check("check", cl::desc("Compare with the fp64 reference evaluator"),
                           cl::cat(runCategory));
static cl::opt<double> tolerance("tolerance",
                                 cl::desc("Largest max_rel_err that --check accepts"),
                                 cl::init(1e-5), cl::cat(runCategory));
static cl::opt<bool> bench("bench", cl::desc("Time the compiled function"),
                           cl::cat(runCategory));
static cl::opt<unsigned> reps("reps", cl::desc("Timed repetitions for --bench (0: enough "
                                               "for ~1 s, at least 3)"),
                              cl::init(0), cl::cat(runCategory));
static cl::opt<std::string> saveIO("save-io", cl::desc("Write argN.npy and resultN.npy here"),
                                   cl::cat(runCategory));
static cl::opt<std::string> inputsDir("inputs", cl::desc("Read argN.npy from this directory"),
                                      cl::cat(runCategory));
static cl::opt<bool> noOnlineSoftmax(
    "no-online-softmax",
    cl::desc("Lower softmax attention unfused (materialised scores) instead of tile loops"),
    cl::cat(runCategory));
static cl::opt<int64_t> queryTile("q-tile",
                                  cl::desc("Query rows per task / tile (0: the target model; "
                                           "64 for the linalg tile loops)"),
                                  cl::init(0), cl::cat(runCategory));
static cl::opt<int64_t> keyTile("kv-tile",
                                cl::desc("Keys per tile (0: the target model; 64 for the "
                                         "linalg tile loops)"),
                                cl::init(0), cl::cat(runCategory));
static cl::opt<int64_t> microRows("rows",
                                  cl::desc("Query rows per vector micro-kernel (0: the target "
                                           "model)"),
                                  cl::init(0), cl::cat(runCategory));
static cl::opt<std::string> vectorTarget(
    "target",
    cl::desc("host, avx512, avx2 (the CPU kernels' tile model), or cuda (the GPU: "
             "attn-to-nvvm, launched through the CUDA driver; 'skipped: no CUDA device' "
             "without one)"),
    cl::init("host"), cl::cat(runCategory));
static cl::opt<int64_t> linearParts(
    "linear-parts",
    cl::desc("Parts each linear-attention sequence is split into across tasks (0: from "
             "the threads)"),
    cl::init(0), cl::cat(runCategory));
static cl::opt<bool> noVectorKernel(
    "no-vector-kernel",
    cl::desc("Lower softmax attention through the linalg tile loops, not the vector kernel"),
    cl::cat(runCategory));
// (`--threads` itself is taken by an LLVM option in libLLVM.)
static cl::opt<unsigned> threads(
    "num-threads",
    cl::desc("Threads for the parallel query-tile loops (default: OMP_NUM_THREADS, else "
             "all cores); 0 compiles them sequential"),
    cl::init(~0u), cl::cat(runCategory));
static cl::opt<std::string> cudaChip("chip", cl::desc("GPU architecture for --target=cuda"),
                                     cl::init("sm_80"), cl::cat(runCategory));
static cl::opt<bool> noRaise("no-raise",
                             cl::desc("Do not raise softmax cascades (generic path only)"),
                             cl::cat(runCategory));

namespace {
int fail(const llvm::Twine &message) {
  llvm::errs() << "attn-run: error: " << message << "\n";
  return 1;
}

std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s.empty() ? "scalar" : s;
}

const char *dtypeName(NpyDType t) {
  return t == NpyDType::F32 ? "f32" : t == NpyDType::F64 ? "f64" : "i32";
}

double elementAt(const NpyArray &a, int64_t i) {
  if (a.dtype == NpyDType::F32)
    return reinterpret_cast<const float *>(a.bytes.data())[i];
  if (a.dtype == NpyDType::I32)
    return reinterpret_cast<const int32_t *>(a.bytes.data())[i];
  return reinterpret_cast<const double *>(a.bytes.data())[i];
}

/// `x` rounded to f16 / bf16 (what the GPU receives), as f32.
float roundTo(Type type, float x) {
  if (type.isF16())
    return (float)(_Float16)x;
  if (type.isBF16())
    return fromBF16Bits(toBF16Bits(x));
  return x;
}

/// The evaluator's fp64 view of `a`; without `withData` only the shape (what shape
/// checking needs; an fp64 copy of every input would double attn-run's footprint).
reference::Tensor toReference(const NpyArray &a, bool withData) {
  reference::Tensor t;
  t.shape = a.shape;
  if (!withData)
    return t;
  t.data.resize(a.numElements());
  for (int64_t i = 0, n = a.numElements(); i < n; ++i)
    t.data[i] = elementAt(a, i);
  return t;
}

/// Resolves every argument's shape from its type, --dims, --inputs and attn.defaults.
struct ShapeResolver {
  func::FuncOp func;
  std::map<std::string, int64_t> sizes; // named dims, from --dims and files
  std::map<std::string, std::string> origin;

  llvm::Error bind(const std::string &name, int64_t size, const std::string &from) {
    auto [it, inserted] = sizes.emplace(name, size);
    if (!inserted && it->second != size)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "dimension '%s' is %lld from %s but %lld from %s", name.c_str(),
          (long long)it->second, origin[name].c_str(), (long long)size, from.c_str());
    origin.emplace(name, from);
    return llvm::Error::success();
  }

  /// Per-dimension names of argument `i` ("" where unnamed).
  std::vector<std::string> namesOf(unsigned i, int64_t rank) {
    std::vector<std::string> names(rank);
    if (auto attr = func.getArgAttrOfType<StringAttr>(i, "attn.dims"))
      for (int64_t d = 0; d < rank && d < (int64_t)attr.getValue().size(); ++d)
        names[d] = std::string(1, attr.getValue()[d]);
    return names;
  }
};
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(argc, argv, "attn-run: compile, run, check and time attn "
                                          "functions on the CPU\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registerAttnDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(inputFile, sourceMgr, &context);
  if (!module)
    return fail("could not parse " + inputFile);

  // The entry function.
  func::FuncOp func;
  if (!entryName.empty()) {
    func = module->lookupSymbol<func::FuncOp>(entryName);
    if (!func)
      return fail("no function '" + entryName + "' in " + inputFile);
  } else {
    for (auto f : module->getOps<func::FuncOp>())
      if (f.isPublic() && !f.isDeclaration()) {
        if (func)
          return fail("several public functions in " + inputFile + "; pick one with --entry");
        func = f;
      }
    if (!func)
      return fail("no public function in " + inputFile);
  }
  std::string entry = func.getSymName().str();
  FunctionType ftype = func.getFunctionType();

  ShapeResolver resolver{func, {}, {}};
  if (!dimsOption.empty()) {
    llvm::SmallVector<llvm::StringRef> items;
    llvm::StringRef(dimsOption).split(items, ',', -1, false);
    for (llvm::StringRef item : items) {
      auto [name, value] = item.split('=');
      int64_t size;
      if (name.trim().empty() || value.trim().getAsInteger(10, size) || size < 0)
        return fail("--dims expects name=size pairs, got '" + item + "'");
      if (llvm::Error err = resolver.bind(name.trim().str(), size, "--dims"))
        return fail(llvm::toString(std::move(err)));
    }
  }

  // Inputs: files or random.
  bool onCuda = vectorTarget == "cuda";
  std::vector<NpyArray> args(ftype.getNumInputs());
  for (unsigned i = 0; i < ftype.getNumInputs(); ++i) {
    auto type = dyn_cast<RankedTensorType>(ftype.getInput(i));
    // f16 / bf16 on the GPU: host data is f32, rounded to the argument's type.
    bool halfOnGPU = onCuda && type && (type.getElementType().isF16() ||
                                        type.getElementType().isBF16());
    if (!type || !(type.getElementType().isF32() || type.getElementType().isF64() ||
                   type.getElementType().isInteger(32) || halfOnGPU))
      return fail("argument #" + llvm::Twine(i) + " of @" + entry +
                  " must be a ranked f32, f64 or i32 tensor (f16 / bf16 with --target=cuda)");
    NpyDType dtype = type.getElementType().isF32() || halfOnGPU ? NpyDType::F32
                     : type.getElementType().isF64() ? NpyDType::F64
                                                     : NpyDType::I32;
    std::vector<std::string> names = resolver.namesOf(i, type.getRank());
    if (!inputsDir.empty()) {
      llvm::SmallString<256> path(inputsDir);
      llvm::sys::path::append(path, "arg" + std::to_string(i) + ".npy");
      auto file = readNpy(path);
      if (!file)
        return fail(llvm::toString(file.takeError()));
      if (file->dtype != dtype)
        return fail(path + ": dtype " + npyDescr(file->dtype) + " but argument #" +
                    llvm::Twine(i) + " is " + dtypeName(dtype) + " (" + npyDescr(dtype) + ")");
      if ((int64_t)file->shape.size() != type.getRank())
        return fail(path + ": shape (" + shapeString(file->shape) + ") has rank " +
                    llvm::Twine(file->shape.size()) + " but argument #" + llvm::Twine(i) +
                    " has rank " + llvm::Twine(type.getRank()));
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d) && type.getDimSize(d) != file->shape[d])
          return fail(path + ": shape (" + shapeString(file->shape) + ") does not match " +
                      "argument #" + llvm::Twine(i) + " of static size " +
                      llvm::Twine(type.getDimSize(d)) + " in dimension " + llvm::Twine(d));
        if (!names[d].empty())
          if (llvm::Error err = resolver.bind(names[d], file->shape[d], path.str().str()))
            return fail(llvm::toString(std::move(err)));
      }
      args[i] = std::move(*file);
      if (halfOnGPU)
        for (int64_t e = 0, n = args[i].numElements(); e < n; ++e) {
          float &x = reinterpret_cast<float *>(args[i].bytes.data())[e];
          x = roundTo(type.getElementType(), x);
        }
      continue;
    }
    args[i].dtype = dtype;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t size = type.getDimSize(d);
      const std::string &name = names[d];
      if (!name.empty() && resolver.sizes.count(name)) {
        if (!type.isDynamicDim(d) && resolver.sizes[name] != size)
          return fail("dimension '" + name + "' is static " + llvm::Twine(size) +
                      " in argument #" + llvm::Twine(i) + " but " +
                      llvm::Twine(resolver.sizes[name]) + " from " + resolver.origin[name]);
        size = resolver.sizes[name];
      } else if (type.isDynamicDim(d)) {
        auto defaults = func->getAttrOfType<DictionaryAttr>("attn.defaults");
        auto value = defaults && !name.empty() ? defaults.getAs<IntegerAttr>(name)
                                               : IntegerAttr();
        if (!value)
          return fail("dimension " + llvm::Twine(d) + " of argument #" + llvm::Twine(i) +
                      " of @" + entry + " is dynamic: name it with {attn.dims = \"...\"} "
                      "and give its size with --dims or the function attribute "
                      "attn.defaults");
        size = value.getInt();
        if (llvm::Error err = resolver.bind(name, size, "attn.defaults"))
          return fail(llvm::toString(std::move(err)));
      }
      args[i].shape.push_back(size);
    }
    std::mt19937_64 gen(seed * 1000003ull + i);
    std::normal_distribution<double> normal(0.0, inputScale);
    int64_t n = args[i].numElements();
    args[i].bytes.resize(n * args[i].elementSize());
    if (dtype == NpyDType::I32) {
      // i32 arguments are segment (document) ids: along the last dimension, documents
      // of random lengths (1 to ~2/5 of the row) numbered 0, 1, 2, ... (sequence packing).
      int64_t row = args[i].shape.empty() ? 1 : args[i].shape.back();
      auto *ids = reinterpret_cast<int32_t *>(args[i].bytes.data());
      std::uniform_int_distribution<int64_t> length(1, std::max<int64_t>(1, 2 * row / 5));
      for (int64_t start = 0; start < n; start += row) {
        int32_t doc = 0;
        for (int64_t e = 0, left = length(gen); e < row && start + e < n; ++e, --left) {
          if (left == 0) {
            ++doc;
            left = length(gen);
          }
          ids[start + e] = doc;
        }
      }
      continue;
    }
    for (int64_t e = 0; e < n; ++e) {
      double x = normal(gen);
      if (halfOnGPU)
        x = roundTo(type.getElementType(), (float)x);
      if (dtype == NpyDType::F32)
        reinterpret_cast<float *>(args[i].bytes.data())[e] = (float)x;
      else
        reinterpret_cast<double *>(args[i].bytes.data())[e] = x;
    }
  }

  llvm::outs() << "attn-run: @" << entry << " from " << llvm::sys::path::filename(inputFile)
               << "\n";
  std::vector<reference::Tensor> refArgs;
  for (auto [i, a] : llvm::enumerate(args)) {
    std::string typeName = dtypeName(a.dtype);
    if (Type elt = cast<RankedTensorType>(ftype.getInput(i)).getElementType();
        elt.isF16() || elt.isBF16())
      typeName = elt.isF16() ? "f16" : "bf16";
    llvm::outs() << "  arg" << i << ": " << typeName << "[" << shapeString(a.shape)
                 << "] "
                 << (!inputsDir.empty()                ? "from " + inputsDir
                     : a.dtype == NpyDType::I32 ? "random documents (segment ids), seed " +
                                                      std::to_string(seed)
                                                : "random normal, seed " + std::to_string(seed))
                 << "\n";
    refArgs.push_back(toReference(a, /*withData=*/check));
  }

  // Shapes first: inconsistent dynamic sizes must be caught before the compiled code
  // (which trusts them) runs. Programs outside the attn dialect (linalg from another
  // front end, say) still run, unchecked.
  Operation *unsupported = nullptr;
  bool interpretable = reference::canEvaluate(func, &unsupported);
  reference::Result shapes;
  if (interpretable) {
    reference::Options shapesOnly;
    shapesOnly.shapesOnly = true;
    FailureOr<reference::Result> evaluated = reference::evaluate(func, refArgs, shapesOnly);
    if (failed(evaluated))
      return fail("the inputs do not fit @" + entry);
    shapes = std::move(*evaluated);
  } else {
    if (check)
      return fail("--check needs a program of attn ops; the reference evaluator does not "
                  "interpret '" + unsupported->getName().getStringRef() + "'");
    llvm::outs() << "  note: '" << unsupported->getName()
                 << "' is outside the attn dialect: inputs are not validated and no FLOP "
                    "count is known\n";
  }

  std::unique_ptr<JitFunction> jit;
  std::unique_ptr<CudaRun> cuda;
  std::vector<NpyArray> results;
  std::vector<NpyArray *> argPtrs;
  for (NpyArray &a : args)
    argPtrs.push_back(&a);
  double compileSeconds = 0, runSeconds = 0;
  auto start = std::chrono::steady_clock::now();
  if (onCuda) {
    auto driver = CudaDriver::open();
    if (!driver) {
      llvm::outs() << "skipped: " << llvm::toString(driver.takeError()) << "\n";
      return 0;
    }
    llvm::outs() << "  device: " << (*driver)->deviceName() << "\n";
    AttnToNVVMOptions gpuOptions;
    gpuOptions.chip = cudaChip;
    auto program = compileForCuda(*module, entry, gpuOptions);
    if (!program)
      return fail(llvm::toString(program.takeError()));
    if (ftype.getNumResults() != 1 || shapes.outputs.size() != 1)
      return fail("--target=cuda runs functions with one result");
    auto prepared = CudaRun::prepare(std::move(*driver), *program, args,
                                     ftype.getInputs(),
                                     cast<RankedTensorType>(ftype.getResult(0)),
                                     shapes.outputs[0].shape);
    if (!prepared)
      return fail(llvm::toString(prepared.takeError()));
    cuda = std::move(*prepared);
    compileSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto out = cuda->run();
    if (!out)
      return fail(llvm::toString(out.takeError()));
    results.push_back(std::move(*out));
    runSeconds = cuda->lastSeconds;
  } else {
    AttnToCPUOptions options;
    options.raise = !noRaise;
    options.onlineSoftmax = !noOnlineSoftmax;
    if (threads != ~0u) {
      options.threads = threads > 0;
      // libomp reads this when the first parallel region starts, after this point.
      if (threads > 0)
        setenv("OMP_NUM_THREADS", std::to_string(threads).c_str(), /*overwrite=*/1);
    }
    if (queryTile < 0 || keyTile < 0 || microRows < 0)
      return fail("--q-tile, --kv-tile and --rows must not be negative");
    options.queryTile = queryTile;
    options.keyTile = keyTile;
    options.rows = microRows;
    options.target = vectorTarget;
    options.vectorKernel = !noVectorKernel;
    options.linearParts = linearParts;
    auto compiled = JitFunction::compile(*module, entry, options);
    if (!compiled)
      return fail(llvm::toString(compiled.takeError()));
    jit = std::move(*compiled);
    compileSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto called = jit->call(argPtrs);
    if (!called)
      return fail(llvm::toString(called.takeError()));
    results = std::move(*called);
    runSeconds = jit->lastCallSeconds();
  }
  // One more timed call (for --bench).
  auto timeOnce = [&]() -> llvm::Expected<double> {
    if (cuda) {
      auto out = cuda->run();
      if (!out)
        return out.takeError();
      return cuda->lastSeconds;
    }
    return jit->time(argPtrs);
  };
  llvm::outs() << llvm::format("  compile: %.3f s, run: %.3f ms\n", compileSeconds,
                               runSeconds * 1e3);
  for (auto [i, r] : llvm::enumerate(results)) {
    double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
    int64_t n = r.numElements(), nans = 0;
    for (int64_t e = 0; e < n; ++e) {
      double x = elementAt(r, e);
      if (std::isnan(x)) {
        ++nans;
        continue;
      }
      sum += x;
      sq += x * x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    llvm::outs() << "  result" << i << ": " << dtypeName(r.dtype) << "["
                 << shapeString(r.shape) << "]"
                 << llvm::format(" mean=%.6g rms=%.6g min=%.6g max=%.6g", n ? sum / n : 0.0,
                                 n ? std::sqrt(sq / n) : 0.0, lo, hi);
    if (nans)
      llvm::outs() << " nan=" << nans;
    llvm::outs() << "\n    first:";
    for (int64_t e = 0; e < std::min<int64_t>(n, 6); ++e)
      llvm::outs() << llvm::format(" %.6g", elementAt(r, e));
    llvm::outs() << "\n";
  }

  if (!saveIO.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(saveIO))
      return fail("cannot create " + saveIO + ": " + ec.message());
    auto save = [&](const std::string &name, const NpyArray &a) -> llvm::Error {
      llvm::SmallString<256> path(saveIO);
      llvm::sys::path::append(path, name + ".npy");
      return writeNpy(path, a);
    };
    for (auto [i, a] : llvm::enumerate(args))
      if (llvm::Error err = save("arg" + std::to_string(i), a))
        return fail(llvm::toString(std::move(err)));
    for (auto [i, r] : llvm::enumerate(results))
      if (llvm::Error err = save("result" + std::to_string(i), r))
        return fail(llvm::toString(std::move(err)));
    llvm::outs() << "  saved arg*.npy and result*.npy to " << saveIO << "\n";
  }

  int status = 0;
  if (check) {
    FailureOr<reference::Result> expected = reference::evaluate(func, refArgs);
    if (failed(expected))
      return fail("the reference evaluator failed");
    // max_rel_err is relative to the largest reference magnitude of each result, so
    // that near-zero outputs do not dominate. A NaN where the reference is a number
    // fails; a number where the reference is NaN (the literal cascade of a row with
    // no visible key, which attn.attention defines as zeros) is a refinement.
    double maxAbs = 0, maxRel = 0;
    int64_t nanMismatch = 0, refined = 0;
    for (auto [r, ref] : llvm::zip(results, expected->outputs)) {
      double scale = 0, err = 0;
      for (double x : ref.data)
        if (!std::isnan(x))
          scale = std::max(scale, std::fabs(x));
      for (int64_t e = 0, n = r.numElements(); e < n; ++e) {
        double got = elementAt(r, e), want = ref.data[e];
        if (std::isnan(want)) {
          refined += !std::isnan(got);
          continue;
        }
        if (std::isnan(got)) {
          ++nanMismatch;
          continue;
        }
        err = std::max(err, std::fabs(got - want));
      }
      maxAbs = std::max(maxAbs, err);
      maxRel = std::max(maxRel, scale > 0 ? err / scale : err);
    }
    // fp16 tensor-core inputs: 5e-3 unless --tolerance says otherwise.
    double limit = onCuda && !tolerance.getNumOccurrences() ? 5e-3 : double(tolerance);
    bool pass = nanMismatch == 0 && maxRel <= limit;
    llvm::outs() << llvm::format("check: max_abs_err=%.3e max_rel_err=%.3e ", maxAbs, maxRel)
                 << (pass ? "PASS" : "FAIL");
    if (nanMismatch)
      llvm::outs() << " (" << nanMismatch << " NaN where the reference is a number)";
    if (refined)
      llvm::outs() << " (" << refined << " values where the reference is NaN)";
    llvm::outs() << "\n";
    status = pass ? 0 : 1;
  }

  if (bench) {
    // A second warm-up run (the first produced the results above), as the peers in
    // bench/ do: thread pools started, pages of fresh buffers recycled by malloc.
    if (auto warm = timeOnce(); !warm)
      return fail(llvm::toString(warm.takeError()));
    std::vector<double> times;
    double total = 0;
    for (unsigned r = 0; reps ? r < reps : (r < 3 || (total < 1.0 && r < 1000)); ++r) {
      auto t = timeOnce();
      if (!t)
        return fail(llvm::toString(t.takeError()));
      times.push_back(*t);
      total += *t;
    }
    std::sort(times.begin(), times.end());
    double median = times[times.size() / 2];
    llvm::outs() << llvm::format("bench: median %.3f ms over %zu runs", median * 1e3,
                                 times.size());
    if (shapes.flops > 0)
      llvm::outs() << llvm::format(", %.2f GFLOP/s (%.4g FLOP: 2 per multiply-add of each "
                                   "contraction; softmax attn.attention counts 4*B*H*Nq*Nk*D, linear "
                                   "attention the order it is evaluated in)",
                                   shapes.flops / median / 1e9, shapes.flops);
    llvm::outs() << "\n";
  }
  return status;
}
