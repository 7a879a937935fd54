// Debian's own mlir-opt loads the attn dialect and passes from the plugin.
// RUN: %preload_sanitizer mlir-opt %s --load-dialect-plugin=%attn_obj/lib/AttnPlugin.so --load-pass-plugin=%attn_obj/lib/AttnPlugin.so --pass-pipeline="builtin.module(attn-raise-cascade)" | FileCheck %s
// RUN: %preload_sanitizer mlir-opt %s --load-dialect-plugin=%attn_obj/lib/AttnPlugin.so --load-pass-plugin=%attn_obj/lib/AttnPlugin.so --pass-pipeline="builtin.module(attn-to-cpu{raise=false})" | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @softmax_attention
// CHECK: attn.attention scale 2.500000e-01 ins(
// LLVM: llvm.func @softmax_attention
// LLVM-NOT: attn.
func.func @softmax_attention(%q: tensor<16x8xf32>, %k: tensor<32x8xf32>, %v: tensor<32x4xf32>) -> tensor<16x4xf32> {
  %s = attn.einsum "md,nd->mn" %q, %k scale 0.25 : (tensor<16x8xf32>, tensor<32x8xf32>) -> tensor<16x32xf32>
  %m = attn.reduce max "mn->m" %s : tensor<16x32xf32> -> tensor<16xf32>
  %d = attn.map sub "mn,m->mn" %s, %m : (tensor<16x32xf32>, tensor<16xf32>) -> tensor<16x32xf32>
  %e = attn.map exp %d : (tensor<16x32xf32>) -> tensor<16x32xf32>
  %l = attn.reduce add "mn->m" %e : tensor<16x32xf32> -> tensor<16xf32>
  %p = attn.map div "mn,m->mn" %e, %l : (tensor<16x32xf32>, tensor<16xf32>) -> tensor<16x32xf32>
  %o = attn.einsum "mn,ne->me" %p, %v : (tensor<16x32xf32>, tensor<32x4xf32>) -> tensor<16x4xf32>
  return %o : tensor<16x4xf32>
}
