#include "attn/Pipelines/Pipelines.h"
#include "attn/Conversion/Passes.h"
#include "attn/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::attn::buildAttnToCPUPipeline(OpPassManager &pm, const AttnToCPUOptions &options) {
  if (options.raise) {
    // Other compilers' attention ops first (IREE, torch-mlir), then attention written
    // out in linalg or as attn cascades.
    pm.addPass(createAttnImportIreeFunctions());
    pm.addNestedPass<func::FuncOp>(createAttnImportAttention());
    pm.addNestedPass<func::FuncOp>(createAttnRaiseLinalg());
    pm.addPass(createAttnRaiseCascade());
  }
  if (options.vectorKernel && options.onlineSoftmax) {
    ConvertAttnToVectorOptions kernel;
    kernel.target = options.target;
    kernel.rows = options.rows;
    kernel.queryBlock = options.queryTile;
    kernel.keyTile = options.keyTile;
    // Sequential code gains nothing from splitting a sequence into parts.
    // (A negative count goes through, for the pass to reject.)
    kernel.linearParts = options.linearParts != 0 ? options.linearParts.getValue()
                                                  : (options.threads ? 0 : 1);
    kernel.kvParts = options.kvParts != 0 ? options.kvParts.getValue()
                                          : (options.threads ? 0 : 1);
    kernel.decodeRows = options.decodeRows;
    kernel.amxKeyTile = options.amxKeyTile;
    kernel.amxQueryBlock = options.amxQueryBlock;
    pm.addPass(createConvertAttnToVector(kernel));
    if (options.emulateAmx)
      pm.addPass(createAttnEmulateAMX());
  }
  ConvertAttnToLinalgOptions lowering;
  lowering.onlineSoftmax = options.onlineSoftmax;
  // (int64_t on both sides: `Option : 64` would convert the option to int.)
  int64_t queryTile = options.queryTile, keyTile = options.keyTile;
  lowering.queryTile = queryTile > 0 ? queryTile : int64_t(64);
  lowering.keyTile = keyTile > 0 ? keyTile : int64_t(64);
  pm.addPass(createConvertAttnToLinalg(lowering));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // The online-softmax loops carry freshly computed (max, sum, accumulator) tiles.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (options.resultsToOutParams) {
    // Before deallocation: a result buffer that becomes the caller's argument must not
    // be freed (or cloned) by the function.
    bufferization::BufferResultsToOutParamsPassOptions outParams;
    outParams.hoistStaticAllocs = true;
    outParams.hoistDynamicAllocs = true;
    outParams.modifyPublicFunctions = true;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  }
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // The deallocation pipeline inserts bufferization.clone (e.g. for a returned argument).
  pm.addPass(createConvertBufferizationToMemRefPass());

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // Independent query tiles (scf.forall) become OpenMP parallel loops when threads are
  // enabled, sequential loops otherwise.
  pm.addPass(createForallToParallelLoopPass());
  if (options.threads) {
    pm.addPass(createConvertSCFToOpenMPPass());
    pm.addPass(createAttnBalanceParallelLoops());
  }
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Before scf-to-cf: the OpenMP loop bodies sit in memref.alloca_scope regions, which
  // must be lowered while they still hold a single block.
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createSCFToControlFlowPass());
  // libm for the transcendental functions: accurate, and available to the JIT and to
  // any program that links the generated object.
  pm.addPass(createConvertMathToLibmPass());
  // x86vector: the flash kernel's AVX-512 exponentials (vrndscaleps, vscalefps).
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.x86Vector = true;
  // amx: the bf16 kernel's tile products (without it the amx ops would stay, silently).
  vectorToLLVM.amx = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createConvertToLLVMPass());
  if (options.threads)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::attn::buildAttnToNVVMPipeline(OpPassManager &pm, const AttnToNVVMOptions &options) {
  pm.addPass(createAttnRaiseCascade());
  ConvertAttnToGPUOptions kernel;
  kernel.warps = options.warps;
  kernel.keyTile = options.keyTile;
  kernel.asyncCopy = options.asyncCopy;
  pm.addPass(createConvertAttnToGPU(kernel));
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  device.addPass(createSCFToControlFlowPass());
  device.addPass(createConvertNVGPUToNVVMPass());
  device.addPass(memref::createExpandStridedMetadataPass());
  device.addPass(createLowerAffinePass());
  device.addPass(createConvertGpuOpsToNVVMOps());
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::attn::registerAttnPipelines() {
  PassPipelineRegistration<AttnToNVVMOptions>(
      "attn-to-nvvm",
      "Lower attn.attention to a tensor-core flash kernel and on to NVVM and PTX "
      "(gpu.binary); the host side keeps the gpu.launch_func",
      buildAttnToNVVMPipeline);
  PassPipelineRegistration<AttnToCPUOptions>(
      "attn-to-cpu",
      "Lower attn programs to the LLVM dialect for the CPU (raise, attn -> linalg, "
      "bufferize, loops, LLVM)",
      buildAttnToCPUPipeline);
}
