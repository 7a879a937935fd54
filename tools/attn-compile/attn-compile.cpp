//===- attn-compile.cpp - attn modules to PTX and cubin ---------------------===//
//
//   attn-compile FILE.mlir [--chip sm_80] [--features +ptx80] [--warps 4]
//                [--kv-tile 64] [--async-copy=false] [-o PREFIX] [--cubin]
//                [--entry NAME --manifest]
//
// Lowers every attn.attention with attn-to-nvvm and writes PREFIX.ptx; --cubin also
// runs ptxas (-arch=CHIP -v) into PREFIX.cubin and prints its report. --manifest (with
// --entry, a function that is one attn.attention on its arguments) writes
// PREFIX.json: the kernel's name, block and grid, and its parameters (one memref
// descriptor per argument or result, with shapes and element types), for runners
// that do not link MLIR (gpu/run_bundle.py).
//
//===----------------------------------------------------------------------===//
#include "attn/InitAttn.h"
#include "attn/Runtime/GPUCompile.h"

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

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .mlir>"), cl::Required);
static cl::opt<std::string> output("o", cl::desc("Output prefix (default: the input without .mlir)"));
static cl::opt<std::string> chip("chip", cl::desc("sm_80, sm_90a, ..."), cl::init("sm_80"));
static cl::opt<std::string> features("features", cl::desc("PTX features"), cl::init("+ptx80"));
static cl::opt<int64_t> warps("warps", cl::desc("Warps per block"), cl::init(4));
static cl::opt<int64_t> keyTile("kv-tile", cl::desc("Keys per shared-memory tile"), cl::init(64));
static cl::opt<bool> cubin("cubin", cl::desc("Also assemble a cubin with ptxas"));
static cl::opt<std::string> entry("entry", cl::desc("The function the manifest launches"));
static cl::opt<bool> manifest("manifest",
                              cl::desc("Write PREFIX.json, the launch manifest of --entry"));
static cl::opt<bool> asyncCopy("async-copy",
                               cl::desc("Double-buffer K/V with cp.async (f16 inputs)"),
                               cl::init(true));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "attn-compile: attn modules to PTX / cubin\n");
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  attn::registerAttnDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sources;
  auto file = llvm::MemoryBuffer::getFile(inputFile);
  if (!file) {
    llvm::errs() << "attn-compile: cannot read " << inputFile << "\n";
    return 1;
  }
  sources.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sources, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sources, &context);
  if (!module)
    return 1;
  attn::AttnToNVVMOptions options;
  options.chip = chip;
  options.features = features;
  options.warps = warps;
  options.keyTile = keyTile;
  options.asyncCopy = asyncCopy;
  if (manifest && entry.empty()) {
    llvm::errs() << "attn-compile: --manifest needs --entry (the function to launch)\n";
    return 1;
  }
  auto program = attn::compileForCuda(*module, manifest ? entry.getValue() : "", options);
  if (!program) {
    llvm::errs() << "attn-compile: " << llvm::toString(program.takeError()) << "\n";
    return 1;
  }
  std::string prefix = output;
  if (prefix.empty()) {
    llvm::SmallString<256> path(inputFile);
    llvm::sys::path::replace_extension(path, "");
    prefix = path.str().str();
  }
  std::string ptxPath = prefix + ".ptx";
  std::error_code ec;
  llvm::raw_fd_ostream os(ptxPath, ec);
  if (ec) {
    llvm::errs() << "attn-compile: cannot write " << ptxPath << ": " << ec.message() << "\n";
    return 1;
  }
  os << program->ptx;
  os.close();
  llvm::outs() << "attn-compile: wrote " << ptxPath << " (" << chip << ")\n";
  std::vector<std::pair<std::string, std::string>> files{
      {"ptx", llvm::sys::path::filename(ptxPath).str()}};
  if (cubin) {
    std::string log;
    if (llvm::Error err = attn::assemblePtx(ptxPath, chip, prefix + ".cubin", log)) {
      llvm::errs() << "attn-compile: " << llvm::toString(std::move(err)) << "\n";
      return 1;
    }
    llvm::outs() << log << "attn-compile: wrote " << prefix << ".cubin\n";
    files.push_back({"cubin", llvm::sys::path::filename(prefix + ".cubin").str()});
  }
  if (!manifest)
    return 0;
  std::string jsonPath = prefix + ".json";
  llvm::raw_fd_ostream json(jsonPath, ec);
  if (ec) {
    llvm::errs() << "attn-compile: cannot write " << jsonPath << ": " << ec.message() << "\n";
    return 1;
  }
  json << attn::launchManifest(*program, entry, options, files);
  llvm::outs() << "attn-compile: wrote " << jsonPath << "\n";
  return 0;
}
