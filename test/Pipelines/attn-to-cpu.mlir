// RUN: attn-opt %s --attn-to-cpu | FileCheck %s
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-to-cpu{raise=false})' | FileCheck %s
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-to-cpu{threads=false online-softmax=true})' | FileCheck %s
// RUN: attn-opt %s --attn-to-cpu | FileCheck %s --check-prefix=OMP
// RUN: attn-opt %s --attn-raise-cascade | FileCheck %s --check-prefix=RAISED

// Everything ends in the LLVM dialect; transcendental functions call libm.
// CHECK: llvm.func @expf(f32) -> f32
// CHECK-LABEL: llvm.func @mha
// CHECK-NOT: attn.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK: llvm.call @expf
// RAISED: attn.attention scale 5.000000e-01
// OMP: omp.parallel
// OMP: omp.wsloop
func.func @mha(%q: tensor<2x8x?x4xf32>, %k: tensor<2x8x?x4xf32>, %v: tensor<2x8x?x4xf32>) -> tensor<2x8x?x4xf32> {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.5 : (tensor<2x8x?x4xf32>, tensor<2x8x?x4xf32>) -> tensor<2x8x?x?xf32>
  %m = attn.reduce max "bhmn->bhm" %s : tensor<2x8x?x?xf32> -> tensor<2x8x?xf32>
  %d = attn.map sub "bhmn,bhm->bhmn" %s, %m : (tensor<2x8x?x?xf32>, tensor<2x8x?xf32>) -> tensor<2x8x?x?xf32>
  %e = attn.map exp %d : (tensor<2x8x?x?xf32>) -> tensor<2x8x?x?xf32>
  %l = attn.reduce add "bhmn->bhm" %e : tensor<2x8x?x?xf32> -> tensor<2x8x?xf32>
  %p = attn.map div "bhmn,bhm->bhmn" %e, %l : (tensor<2x8x?x?xf32>, tensor<2x8x?xf32>) -> tensor<2x8x?x?xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %p, %v : (tensor<2x8x?x?xf32>, tensor<2x8x?x4xf32>) -> tensor<2x8x?x4xf32>
  return %o : tensor<2x8x?x4xf32>
}
