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
#include "attn/Runtime/Bench.h"
#include "attn/Runtime/Check.h"
#include "attn/Runtime/CudaLoader.h"
#include "attn/Runtime/Execution.h"
#include "attn/Runtime/Inputs.h"
#include "attn/Runtime/Npy.h"
#include "attn/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <cstring>
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
                                 cl::desc("Largest max_rel_err that --check accepts (default 1e-5; 1e-2 "
                                         "with bf16 tensors, 5e-3 with f16 ones)"),
                                 cl::init(1e-5), cl::cat(runCategory));
static cl::opt<bool> acceptEmptyRowZeros(
    "accept-empty-row-zeros",
    cl::desc("With --check, accept 0 where the reference is NaN (rows with no visible key: "
             "0/0 in a literal cascade, zeros in the attn.attention it is raised to)"),
    cl::cat(runCategory));
static cl::opt<bool> bench("bench", cl::desc("Time the compiled function"),
                           cl::cat(runCategory));
static cl::opt<unsigned> reps("reps", cl::desc("Timed repetitions for --bench (0: enough "
                                               "for ~1 s, at least 3)"),
                              cl::init(0), cl::cat(runCategory));
static cl::opt<std::string> saveReference(
    "save-reference",
    cl::desc("Write the fp64 reference evaluator's results as referenceN.npy (f64) here"),
    cl::cat(runCategory));
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
static cl::opt<int64_t> kvParts(
    "kv-parts",
    cl::desc("Decode form: parts the keys of each (batch, kv head) are split into across "
             "tasks (0: from the threads)"),
    cl::init(0), cl::cat(runCategory));
static cl::opt<int64_t> decodeRows(
    "decode-rows",
    cl::desc("Largest static query length that takes the decode kernel (0: never)"),
    cl::init(16), cl::cat(runCategory));
static cl::opt<int64_t> amxKeyTile(
    "amx-kv-tile", cl::desc("AMX kernel: keys per kv tile, a multiple of 32 (0: 128)"),
    cl::init(0), cl::cat(runCategory));
static cl::opt<int64_t> amxQueryBlock(
    "amx-q-block", cl::desc("AMX kernel: query rows per task, a multiple of 32 (0: 128)"),
    cl::init(0), cl::cat(runCategory));
static cl::opt<bool> emulateAmx(
    "emulate-amx",
    cl::desc("Run the AMX kernel's tile operations as AVX512-BF16 code (with "
             "--target=amx on a CPU without AMX: tests)"),
    cl::cat(runCategory));
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

static int fail(const llvm::Twine &message) {
  llvm::errs() << "attn-run: error: " << message << "\n";
  return 1;
}

/// --check's tolerance unless given: the products of bf16 (8-bit mantissa) or f16
/// (11-bit) tensors, or of the GPU's f16 tensor cores, round every weight and output
/// to that precision (docs/conventions.md, "Low precision").
static double defaultTolerance(func::FuncOp func, bool onCuda) {
  bool bf16 = false, f16 = onCuda;
  FunctionType type = func.getFunctionType();
  for (TypeRange types : {TypeRange(type.getInputs()), TypeRange(type.getResults())})
    for (Type t : types)
      if (auto shaped = dyn_cast<ShapedType>(t)) {
        bf16 |= shaped.getElementType().isBF16();
        f16 |= shaped.getElementType().isF16();
      }
  return bf16 ? 1e-2 : f16 ? 5e-3 : 1e-5;
}

/// Validates the inputs' shapes with the reference's shape pass (the compiled code
/// trusts them); programs outside the attn dialect run unchecked. Returns the shapes
/// and FLOPs, or nullopt after a message.
static std::optional<reference::Result> shapesOf(func::FuncOp func,
                                                 ArrayRef<reference::Tensor> args) {
  Operation *unsupported = nullptr;
  if (!reference::canEvaluate(func, &unsupported)) {
    if (check) {
      fail("--check needs a program of attn ops; the reference evaluator does not "
           "interpret '" + unsupported->getName().getStringRef() + "'");
      return std::nullopt;
    }
    llvm::outs() << "  note: '" << unsupported->getName()
                 << "' is outside the attn dialect: inputs are not validated and no FLOP "
                    "count is known\n";
    return reference::Result();
  }
  reference::Options shapesOnly;
  shapesOnly.shapesOnly = true;
  FailureOr<reference::Result> evaluated = reference::evaluate(func, args, shapesOnly);
  if (failed(evaluated)) {
    fail("the inputs do not fit @" + func.getSymName());
    return std::nullopt;
  }
  return std::move(*evaluated);
}

/// The CPU pipeline's options from the command line.
static llvm::Error cpuOptions(AttnToCPUOptions &options) {
  if (queryTile < 0 || keyTile < 0 || microRows < 0)
    return llvm::createStringError("--q-tile, --kv-tile and --rows must not be negative");
  if (vectorTarget == "amx" && !emulateAmx &&
      !llvm::sys::getHostCPUFeatures().lookup("amx-bf16"))
    return llvm::createStringError("--target=amx: this CPU has no AMX-BF16 (--emulate-amx "
                                   "runs the AMX kernel's tile operations as AVX512-BF16 "
                                   "code)");
  options.raise = !noRaise;
  options.onlineSoftmax = !noOnlineSoftmax;
  if (threads != ~0u) {
    options.threads = threads > 0;
    // libomp reads this when the first parallel region starts, after this point.
    if (threads > 0)
      setenv("OMP_NUM_THREADS", std::to_string(threads).c_str(), /*overwrite=*/1);
  }
  options.queryTile = queryTile;
  options.keyTile = keyTile;
  options.rows = microRows;
  options.target = vectorTarget;
  options.vectorKernel = !noVectorKernel;
  options.linearParts = linearParts;
  options.kvParts = kvParts;
  options.decodeRows = decodeRows;
  options.amxKeyTile = amxKeyTile;
  options.emulateAmx = emulateAmx;
  options.amxQueryBlock = amxQueryBlock;
  return llvm::Error::success();
}

static void printBench(const BenchStats &stats, double flops) {
  double median = stats.medianSeconds;
  llvm::outs() << llvm::format("bench: median %.3f ms over %zu runs", median * 1e3, stats.runs);
  if (flops > 0)
    llvm::outs() << llvm::format(", %.2f GFLOP/s (%.4g FLOP: 2 per multiply-add of each "
                                 "contraction; softmax attn.attention counts 4*B*H*Nq*Nk*D, "
                                 "linear attention the order it is evaluated in)",
                                 flops / median / 1e9, flops);
  llvm::outs() << "\n";
}

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
  // Other compilers' attention ops (iree_linalg_ext.attention, tm_tensor.attention) in
  // generic form: attn-import-attention rewrites them.
  context.allowUnregisteredDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(inputFile, sourceMgr, &context);
  if (!module)
    return fail("could not parse " + inputFile);
  if (failed(importForeignAttention(*module)))
    return fail("could not import IREE's / torch-mlir's attention (see the diagnostics above)");
  auto func = selectEntry(*module, entryName, inputFile);
  if (!func)
    return fail(llvm::toString(func.takeError()));
  std::string entry = func->getSymName().str();

  // Inputs: .npy files or seeded random data, with their shapes checked.
  bool onCuda = vectorTarget == "cuda";
  InputSpec spec;
  spec.dims = dimsOption;
  spec.directory = inputsDir;
  spec.seed = seed;
  spec.scale = inputScale;
  auto inputs = prepareInputs(*func, spec);
  if (!inputs)
    return fail(llvm::toString(inputs.takeError()));
  llvm::outs() << "attn-run: @" << entry << " from " << llvm::sys::path::filename(inputFile)
               << "\n";
  std::vector<NpyArray> args;
  std::vector<reference::Tensor> refArgs;
  for (auto [i, input] : llvm::enumerate(*inputs)) {
    llvm::outs() << "  arg" << i << ": " << input.typeName << "["
                 << shapeString(input.array.shape) << "] " << input.description << "\n";
    refArgs.push_back(toReference(input.array, /*withData=*/check || !saveReference.empty()));
    args.push_back(std::move(input.array));
  }
  inputs->clear();
  std::optional<reference::Result> shapes = shapesOf(*func, refArgs);
  if (!shapes)
    return 1;

  // Compile and run once.
  llvm::Expected<std::unique_ptr<Execution>> execution = llvm::createStringError("");
  if (onCuda) {
    auto driver = CudaDriver::open();
    if (!driver) {
      llvm::outs() << "skipped: " << llvm::toString(driver.takeError()) << "\n";
      return 0;
    }
    llvm::outs() << "  device: " << (*driver)->deviceName() << "\n";
    if (shapes->outputs.size() != 1)
      return fail("--target=cuda runs functions with one result");
    AttnToNVVMOptions options;
    options.chip = cudaChip;
    llvm::consumeError(execution.takeError());
    execution = compileForDevice(std::move(*driver), *module, *func, args,
                                 shapes->outputs[0].shape, options);
  } else {
    AttnToCPUOptions options;
    if (llvm::Error err = cpuOptions(options))
      return fail(llvm::toString(std::move(err)));
    llvm::consumeError(execution.takeError());
    execution = compileForCPU(*module, entry, args, options);
  }
  if (!execution)
    return fail(llvm::toString(execution.takeError()));
  auto results = (*execution)->run();
  if (!results)
    return fail(llvm::toString(results.takeError()));
  llvm::outs() << llvm::format("  compile: %.3f s, run: %.3f ms\n", (*execution)->compileSeconds,
                               (*execution)->lastSeconds * 1e3);
  for (auto [i, r] : llvm::enumerate(*results)) {
    llvm::outs() << "  result" << i << ": ";
    summarize(llvm::outs(), r);
  }

  if (!saveIO.empty()) {
    for (auto [prefix, arrays] : {std::pair<StringRef, ArrayRef<NpyArray>>{"arg", args},
                                  {"result", *results}})
      if (llvm::Error err = saveArrays(saveIO, prefix, arrays))
        return fail(llvm::toString(std::move(err)));
    llvm::outs() << "  saved arg*.npy and result*.npy to " << saveIO << "\n";
  }

  int status = 0;
  if (!saveReference.empty()) {
    FailureOr<reference::Result> expected = reference::evaluate(*func, refArgs);
    if (failed(expected))
      return fail("the reference evaluator failed");
    std::vector<NpyArray> arrays;
    for (const reference::Tensor &t : expected->outputs) {
      NpyArray a;
      a.dtype = NpyDType::F64;
      a.shape = t.shape;
      a.bytes.resize(t.data.size() * 8);
      std::memcpy(a.bytes.data(), t.data.data(), a.bytes.size());
      arrays.push_back(std::move(a));
    }
    if (llvm::Error err = saveArrays(saveReference, "reference", arrays))
      return fail(llvm::toString(std::move(err)));
    llvm::outs() << "  saved reference*.npy to " << saveReference << "\n";
  }
  if (check) {
    FailureOr<reference::Result> expected = reference::evaluate(*func, refArgs);
    if (failed(expected))
      return fail("the reference evaluator failed");
    double limit = tolerance.getNumOccurrences() ? double(tolerance)
                                                 : defaultTolerance(*func, onCuda);
    CheckReport report = checkResults(*results, expected->outputs, limit, acceptEmptyRowZeros);
    report.print(llvm::outs());
    status = report.pass ? 0 : 1;
  }
  if (bench) {
    auto stats = benchmark([&] { return (*execution)->time(); }, reps);
    if (!stats)
      return fail(llvm::toString(stats.takeError()));
    printBench(*stats, shapes->flops);
  }
  return status;
}
