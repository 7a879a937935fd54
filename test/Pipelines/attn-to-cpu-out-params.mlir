// RUN: attn-opt %s --split-input-file --pass-pipeline='builtin.module(attn-to-cpu{results-to-out-params=true})' | FileCheck %s
// RUN: attn-opt %s --split-input-file --pass-pipeline='builtin.module(attn-to-cpu{results-to-out-params=true threads=false})' | FileCheck %s

// results-to-out-params (what the Python API compiles with): the results become
// trailing memref arguments the caller allocates, and the function returns nothing.
// The kernel writes into them: no allocation of the result and no copy into it
// (the K^T pack is the only allocation left).

// CHECK-LABEL: llvm.func @static_out(
// CHECK-NOT: ->
// CHECK-SAME: {
// CHECK-COUNT-1: llvm.call @malloc
// CHECK-NOT: llvm.call @malloc
// CHECK-NOT: memcpy
// CHECK: llvm.return{{$}}
func.func @static_out(%q: tensor<1x8x100x64xf32>, %k: tensor<1x2x120x64xf32>, %v: tensor<1x2x120x64xf32>)
    -> (tensor<1x8x100x64xf32>, tensor<1x8x100xf32>) {
  %o, %lse = attn.attention mask #attn.mask<causal>
      ins(%q, %k, %v : tensor<1x8x100x64xf32>, tensor<1x2x120x64xf32>, tensor<1x2x120x64xf32>)
      -> tensor<1x8x100x64xf32>, tensor<1x8x100xf32>
  return %o, %lse : tensor<1x8x100x64xf32>, tensor<1x8x100xf32>
}

// -----

// Dynamic result shapes too (the caller knows them from the operands).
// CHECK-LABEL: llvm.func @dynamic_out(
// CHECK-NOT: ->
// CHECK-SAME: {
// CHECK-NOT: memcpy
// CHECK: llvm.return{{$}}
func.func @dynamic_out(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>)
    -> tensor<?x8x?x64xf32> {
  %o = attn.attention mask #attn.mask<causal>
      ins(%q, %k, %v : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>)
      -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}
