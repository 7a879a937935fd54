// RUN: attn-opt %s -split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[S:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: return %[[S]]
func.func @identities(%s: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = attn.map scale %s by 1.0 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = attn.map shift %0 by 0.0 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = attn.mask #attn.mask<full> %1 "mn" query "m" key "n" : tensor<4x8xf32>
  %3 = attn.feature #attn.feature<identity> %2 "mn" over "n" : tensor<4x8xf32> -> tensor<4x8xf32>
  return %3 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @scales_fold_into_einsum
// CHECK: %[[S:.*]] = attn.einsum "md,nd->mn" %{{.*}}, %{{.*}} scale 1.250000e-01 :
// CHECK-NOT: attn.map
// CHECK: return %[[S]]
func.func @scales_fold_into_einsum(%q: tensor<4x8xf32>, %k: tensor<6x8xf32>) -> tensor<4x6xf32> {
  %s = attn.einsum "md,nd->mn" %q, %k scale 0.5 : (tensor<4x8xf32>, tensor<6x8xf32>) -> tensor<4x6xf32>
  %0 = attn.map scale %s by 0.5 : (tensor<4x6xf32>) -> tensor<4x6xf32>
  %1 = attn.map scale %0 by 0.5 : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}

// -----

// A negative scale does not commute with a max-reduction; a shared einsum keeps its scale.
// CHECK-LABEL: func.func @scales_kept
// CHECK: attn.einsum "md,nd->mn" %{{.*}}, %{{.*}} reduce max :
// CHECK: attn.map scale %{{.*}} by -2.000000e+00
// CHECK: %[[E:.*]] = attn.einsum "md,nd->mn" %{{.*}}, %{{.*}} :
// CHECK: attn.map scale %[[E]] by 3.000000e+00
func.func @scales_kept(%q: tensor<4x8xf32>, %k: tensor<6x8xf32>) -> (tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>) {
  %m = attn.einsum "md,nd->mn" %q, %k reduce max : (tensor<4x8xf32>, tensor<6x8xf32>) -> tensor<4x6xf32>
  %0 = attn.map scale %m by -2.0 : (tensor<4x6xf32>) -> tensor<4x6xf32>
  %e = attn.einsum "md,nd->mn" %q, %k scale 1.0 : (tensor<4x8xf32>, tensor<6x8xf32>) -> tensor<4x6xf32>
  %1 = attn.map scale %e by 3.0 : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return %0, %1, %e : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>
}
