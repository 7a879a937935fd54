//===- GPUCompile.cpp - attn-to-nvvm, then the PTX out of gpu.binary ------===//
#include "attn/Runtime/GPUCompile.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
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
  // Every kernel operand is an entry argument (through to_buffer) or the buffer of a
  // returned tensor (through to_tensor).
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (Value operand : launch.getKernelOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type)
      return unsupported();
    KernelOperand described{KernelOperand::Source::Argument, 0, type};
    if (auto toBuffer = operand.getDefiningOp<bufferization::ToBufferOp>()) {
      auto arg = dyn_cast<BlockArgument>(toBuffer.getTensor());
      if (!arg)
        return unsupported();
      described.index = arg.getArgNumber();
    } else {
      std::optional<unsigned> result;
      for (OpOperand &returned : ret->getOpOperands())
        if (auto toTensor = returned.get().getDefiningOp<bufferization::ToTensorOp>())
          if (toTensor.getBuffer() == operand)
            result = returned.getOperandNumber();
      if (!result)
        return unsupported();
      described.source = KernelOperand::Source::Result;
      described.index = *result;
    }
    program.operands.push_back(described);
  }
  // q, k, v, the result, then mask operands (and captures; a log-sum-exp result last).
  for (auto [i, operand] : llvm::enumerate(program.operands)) {
    bool argument = operand.source == KernelOperand::Source::Argument;
    if ((i < 3 && !argument) || (i == 3 && argument))
      return unsupported();
    if (argument)
      (i < 3 ? program.inputs : program.maskInputs).push_back(operand.index);
  }
  program.kernel = launch.getKernelName().getValue().str();
  program.queryRowsPerBlock = 16 * options.warps;
  program.threadsPerBlock = 32 * options.warps;
  return program;
}

std::string mlir::attn::launchManifest(const CudaProgram &program, llvm::StringRef entry,
                                       const AttnToNVVMOptions &options,
                                       llvm::ArrayRef<std::pair<std::string, std::string>> files) {
  auto typeName = [](Type t) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << t;
    return text;
  };
  llvm::json::Array params;
  for (const KernelOperand &operand : program.operands) {
    llvm::json::Array shape;
    for (int64_t d : operand.type.getShape())
      shape.push_back(ShapedType::isDynamic(d) ? llvm::json::Value(nullptr)
                                               : llvm::json::Value(d));
    bool argument = operand.source == KernelOperand::Source::Argument;
    llvm::json::Object param{{"kind", "memref"},
                             {argument ? "argument" : "result", operand.index},
                             {"element", typeName(operand.type.getElementType())},
                             {"rank", operand.type.getRank()},
                             {"shape", std::move(shape)}};
    if (!argument) {
      // Results: [B, Hq, Nq] from the query, the last dim (outputs) from the value.
      llvm::json::Array from;
      for (int64_t d = 0; d < operand.type.getRank(); ++d)
        from.push_back(llvm::json::Array{d < 3 ? program.inputs[0] : program.inputs[2], d});
      param["shape_from"] = std::move(from);
    }
    params.push_back(std::move(param));
  }
  llvm::json::Object fileList;
  for (const auto &[kind, path] : files)
    fileList[kind] = path;
  llvm::json::Object manifest{
      {"format", "attn-mlir launch manifest 1"},
      {"entry", entry},
      {"kernel", program.kernel},
      {"chip", options.chip.getValue()},
      {"files", std::move(fileList)},
      {"block", llvm::json::Array{program.threadsPerBlock, 1, 1}},
      {"shared_memory_bytes", 0},
      {"grid", llvm::json::Object{{"x", llvm::json::Object{{"ceil_div",
                                                             llvm::json::Array{llvm::json::Array{program.inputs[0], 2},
                                                                               program.queryRowsPerBlock}}}},
                                  {"y", llvm::json::Array{program.inputs[0], 1}},
                                  {"z", llvm::json::Array{program.inputs[0], 0}}}},
      {"params", std::move(params)},
      {"descriptor", "per memref: allocated ptr, aligned ptr, offset (0), sizes[rank], "
                     "strides[rank] (row-major), each 64-bit"}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest))) << "\n";
  return text;
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
