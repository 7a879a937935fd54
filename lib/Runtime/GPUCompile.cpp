//===- GPUCompile.cpp - attn-to-nvvm, then the PTX out of gpu.binary ------===//
#include "attn/Runtime/GPUCompile.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::attn;

llvm::Expected<CudaProgram> mlir::attn::compileForCuda(ModuleOp module, llvm::StringRef entry,
                                                       const AttnToNVVMOptions &options) {
  OwningOpRef<ModuleOp> clone = module.clone();
  std::string diagnostics;
  {
    llvm::raw_string_ostream os(diagnostics);
    ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diag) {
      os << diag.getLocation() << ": " << diag << "\n";
      return success();
    });
    PassManager pm(module.getContext());
    AttnToNVVMOptions isa;
    isa.chip = options.chip;
    isa.features = options.features;
    isa.warps = options.warps;
    isa.keyTile = options.keyTile;
    isa.asyncCopy = options.asyncCopy;
    isa.format = "isa";
    buildAttnToNVVMPipeline(pm, isa);
    if (failed(pm.run(*clone)))
      return llvm::createStringError("the attn-to-nvvm pipeline failed:\n" + diagnostics);
  }
  CudaProgram program;
  clone->walk([&](gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects())
      program.ptx += cast<gpu::ObjectAttr>(object).getObject().getValue().str();
  });
  if (program.ptx.empty())
    return llvm::createStringError("attn-to-nvvm produced no GPU code (no attn.attention?)");
  while (!program.ptx.empty() && program.ptx.back() == '\0')
    program.ptx.pop_back();
  if (entry.empty())
    return program;

  auto func = clone->lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return llvm::createStringError("no function @" + entry);
  SmallVector<gpu::LaunchFuncOp> launches;
  func.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
  auto unsupported = [&]() {
    return llvm::createStringError(
        "--target=cuda runs functions that are one attn.attention on their arguments; @" +
        entry + " is not");
  };
  if (launches.size() != 1 || launches[0].getNumKernelOperands() < 4)
    return unsupported();
  gpu::LaunchFuncOp launch = launches[0];
  for (unsigned i = 0; i < launch.getNumKernelOperands(); ++i) {
    if (i == 3)
      continue; // the result buffer
    SmallVector<unsigned> &into = i < 3 ? program.inputs : program.maskInputs;
    auto toBuffer = launch.getKernelOperand(i).getDefiningOp<bufferization::ToBufferOp>();
    auto arg = toBuffer ? dyn_cast<BlockArgument>(toBuffer.getTensor()) : BlockArgument();
    if (!arg)
      return unsupported();
    into.push_back(arg.getArgNumber());
  }
  program.kernel = launch.getKernelName().getValue().str();
  program.queryRowsPerBlock = 16 * options.warps;
  program.threadsPerBlock = 32 * options.warps;
  return program;
}

std::string mlir::attn::findPtxas() {
  for (const char *var : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (const char *root = std::getenv(var)) {
      llvm::SmallString<256> path(root);
      llvm::sys::path::append(path, "bin", "ptxas");
      if (llvm::sys::fs::can_execute(path))
        return path.str().str();
    }
  if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
    return "/usr/local/cuda/bin/ptxas";
  if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName("ptxas"))
    return *path;
  return "";
}

llvm::Error mlir::attn::assemblePtx(llvm::StringRef ptxPath, llvm::StringRef chip,
                                    llvm::StringRef cubinPath, std::string &log) {
  std::string ptxas = findPtxas();
  if (ptxas.empty())
    return llvm::createStringError("ptxas not found (CUDA_HOME, /usr/local/cuda/bin, PATH)");
  llvm::SmallString<128> logPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("ptxas", "log", logPath))
    return llvm::createStringError("cannot create a temporary file: " + ec.message());
  std::string arch = ("-arch=" + chip).str();
  llvm::SmallVector<llvm::StringRef> argv = {ptxas, arch, "-v", ptxPath, "-o", cubinPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(logPath),
                                                llvm::StringRef(logPath)};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(ptxas, argv, std::nullopt, redirects, 0, 0, &error);
  if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
    log = (*buffer)->getBuffer().str();
  llvm::sys::fs::remove(logPath);
  if (rc != 0)
    return llvm::createStringError("ptxas rejected " + ptxPath + " (exit " +
                                   std::to_string(rc) + "): " + error + "\n" + log);
  return llvm::Error::success();
}
