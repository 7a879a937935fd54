//===- attn-plugin.cpp - the attn dialect and passes for upstream mlir-opt --===//
//
//   mlir-opt --load-dialect-plugin=AttnPlugin.so --load-pass-plugin=AttnPlugin.so ...
//
// Debian's mlir-opt links libMLIR.so, as this plugin does, so both share one set of
// MLIR registries.
//
//===----------------------------------------------------------------------===//
#include "attn/InitAttn.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK ::mlir::DialectPluginLibraryInfo mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Attn", LLVM_VERSION_STRING,
          [](::mlir::DialectRegistry *registry) {
            ::mlir::attn::registerAttnDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK ::mlir::PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "AttnPasses", LLVM_VERSION_STRING,
          []() { ::mlir::attn::registerAttnPassesAndPipelines(); }};
}
