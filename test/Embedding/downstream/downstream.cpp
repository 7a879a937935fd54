// Registers the attn dialect and pipelines, parses a file and lowers it with
// attn-to-cpu: the whole embedding contract, without any attn tool.
#include "attn/InitAttn.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: attn-downstream FILE.mlir\n";
    return 2;
  }
  // registerAttnDialects is all the pipeline needs: no registerAllDialects here.
  mlir::DialectRegistry registry;
  mlir::attn::registerAttnDialects(registry);
  mlir::attn::registerAttnPassesAndPipelines();
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(argv[1], &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  mlir::attn::AttnToCPUOptions options;
  mlir::attn::buildAttnToCPUPipeline(pm, options);
  if (mlir::failed(pm.run(*module)))
    return 1;
  unsigned functions = 0;
  module->walk([&](mlir::Operation *op) {
    functions += op->getName().getStringRef() == "llvm.func";
  });
  llvm::outs() << "attn-downstream: lowered to " << functions << " llvm.func\n";
  return 0;
}
