// RUN: attn-opt %s -split-input-file | attn-opt -split-input-file | FileCheck %s
// RUN: attn-opt %s -split-input-file --mlir-print-op-generic | attn-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @einsum
func.func @einsum(%q: tensor<2x8x16x4xf32>, %k: tensor<2x8x?x4xf32>) -> tensor<2x8x16x?xf32> {
  // CHECK: attn.einsum "bhmd,bhnd->bhmn" %{{.*}}, %{{.*}} scale 1.250000e-01 : (tensor<2x8x16x4xf32>, tensor<2x8x?x4xf32>) -> tensor<2x8x16x?xf32>
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.125 : (tensor<2x8x16x4xf32>, tensor<2x8x?x4xf32>) -> tensor<2x8x16x?xf32>
  // CHECK: attn.einsum "bhmd,bhnd->bhmn" %{{.*}}, %{{.*}} combine add reduce max :
  %t = attn.einsum "bhmd,bhnd->bhmn" %q, %k combine add reduce max : (tensor<2x8x16x4xf32>, tensor<2x8x?x4xf32>) -> tensor<2x8x16x?xf32>
  // CHECK: attn.einsum "bhmn->bhnm" %{{.*}} :
  %u = attn.einsum "bhmn->bhnm" %t : (tensor<2x8x16x?xf32>) -> tensor<2x8x?x16xf32>
  return %s : tensor<2x8x16x?xf32>
}

// -----

// CHECK-LABEL: func.func @maps
func.func @maps(%s: tensor<8x16x16xf32>, %m: tensor<8x16xf32>) -> tensor<8x16x16xf32> {
  // CHECK: attn.map exp %{{.*}} : (tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %0 = attn.map exp %s : (tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  // CHECK: attn.map softcap %{{.*}} by 3.000000e+01 :
  %1 = attn.map softcap %0 by 30.0 : (tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  // CHECK: attn.map elu %{{.*}} by 5.000000e-01 :
  %2 = attn.map elu %1 by 0.5 : (tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  // CHECK: attn.map sub "hmn,hm->hmn" %{{.*}}, %{{.*}} :
  %3 = attn.map sub "hmn,hm->hmn" %2, %m : (tensor<8x16x16xf32>, tensor<8x16xf32>) -> tensor<8x16x16xf32>
  // CHECK: attn.map mul %{{.*}}, %{{.*}} :
  %4 = attn.map mul %3, %3 : (tensor<8x16x16xf32>, tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  return %4 : tensor<8x16x16xf32>
}

// -----

// CHECK-LABEL: func.func @modify
func.func @modify(%s: tensor<8x16x?xf32>) -> tensor<8x16x?xf32> {
  // CHECK: attn.modify %{{.*}} "hmn" {
  // CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index):
  // CHECK: attn.yield %{{.*}} : f32
  // CHECK: } : tensor<8x16x?xf32>
  %0 = attn.modify %s "hmn" {
  ^bb0(%x: f32, %h: index, %m: index, %n: index):
    %c = arith.constant 2.0 : f32
    %y = arith.mulf %x, %c : f32
    attn.yield %y : f32
  } : tensor<8x16x?xf32>
  return %0 : tensor<8x16x?xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_mask_feature
func.func @reduce_mask_feature(%s: tensor<8x16x32xf32>, %q: tensor<8x16x4xf32>) -> tensor<8x16x21xf32> {
  // CHECK: attn.reduce max "hmn->hm" %{{.*}} : tensor<8x16x32xf32> -> tensor<8x16xf32>
  %0 = attn.reduce max "hmn->hm" %s : tensor<8x16x32xf32> -> tensor<8x16xf32>
  // CHECK: attn.mask #attn.mask<causal> %{{.*}} "hmn" query "m" key "n" : tensor<8x16x32xf32>
  %1 = attn.mask #attn.mask<causal> %s "hmn" query "m" key "n" : tensor<8x16x32xf32>
  // CHECK: attn.mask #attn.mask<and(causal, window(4, 0))> %{{.*}} "hmn" query "m" key "n" fill zero :
  %2 = attn.mask #attn.mask<and(causal, window(4, 0))> %s "hmn" query "m" key "n" fill zero : tensor<8x16x32xf32>
  // CHECK: attn.feature #attn.feature<taylor2> %{{.*}} "hmd" over "d" : tensor<8x16x4xf32> -> tensor<8x16x21xf32>
  %3 = attn.feature #attn.feature<taylor2> %q "hmd" over "d" : tensor<8x16x4xf32> -> tensor<8x16x21xf32>
  // CHECK: attn.feature #attn.feature<softmax_features> %{{.*}} "hmd" over "m" :
  %4 = attn.feature #attn.feature<softmax_features> %q "hmd" over "m" : tensor<8x16x4xf32> -> tensor<8x16x4xf32>
  return %3 : tensor<8x16x21xf32>
}

// -----

// Every term of the mask algebra survives printing and parsing.
// CHECK-LABEL: func.func @mask_terms
func.func @mask_terms(%s: tensor<16x32xf32>) -> tensor<16x32xf32> {
  // CHECK: #attn.mask<full>
  %0 = attn.mask #attn.mask<full> %s "mn" query "m" key "n" : tensor<16x32xf32>
  // CHECK: #attn.mask<or(sink(4), and(causal, window(1024, 0)))>
  %1 = attn.mask #attn.mask<or(sink(4), and(causal, window(1024, 0)))> %0 "mn" query "m" key "n" : tensor<16x32xf32>
  // CHECK: #attn.mask<not(chunk(8))>
  %2 = attn.mask #attn.mask<not(chunk(8))> %1 "mn" query "m" key "n" : tensor<16x32xf32>
  // CHECK: #attn.mask<dilated(4, 2)>
  %3 = attn.mask #attn.mask<dilated(4, 2)> %2 "mn" query "m" key "n" : tensor<16x32xf32>
  // CHECK: #attn.mask<prefix(5)>
  %4 = attn.mask #attn.mask<prefix(5)> %3 "mn" query "m" key "n" : tensor<16x32xf32>
  // Defaults (dilation 1, not causal) are not printed.
  // CHECK: #attn.mask<neighborhood(4x8, 3x3)>
  %5 = attn.mask #attn.mask<neighborhood(4x8, 3x3, 1x1, 0x0)> %4 "mn" query "m" key "n" : tensor<16x32xf32>
  // CHECK: #attn.mask<neighborhood(4x8, 3x3, 1x1, 0x0, 3x2)>
  %st = attn.mask #attn.mask<neighborhood(4x8, 3x3, 1x1, 0x0, 3x2)> %4 "mn" query "m" key "n" : tensor<16x32xf32>
  // CHECK: #attn.mask<neighborhood(32, 5, 2)>
  %6 = attn.mask #attn.mask<neighborhood(32, 5, 2)> %5 "mn" query "m" key "n" : tensor<16x32xf32>
  // CHECK: #attn.mask<and(causal, neighborhood(2x4x4, 1x3x3, 1x1x1, 1x0x0))>
  %7 = attn.mask #attn.mask<and(causal, neighborhood(2x4x4, 1x3x3, 1x1x1, 1x0x0))> %6 "mn" query "m" key "n" : tensor<16x32xf32>
  // CHECK: #attn.mask<or(chunk(8, 4), dilated(4, 2, 1), power2)>
  %8 = attn.mask #attn.mask<or(chunk(8, 4), dilated(4, 2, 1), power2)> %7 "mn" query "m" key "n" : tensor<16x32xf32>
  return %8 : tensor<16x32xf32>
}

// -----

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<?x32x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x32x?x64xf32> {
  // CHECK: attn.attention mask #attn.mask<causal> scale 1.250000e-01 softcap 5.000000e+01 ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x32x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) -> tensor<?x32x?x64xf32>
  %0 = attn.attention mask #attn.mask<causal> scale 0.125 softcap 50.0 ins(%q, %k, %v : tensor<?x32x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) -> tensor<?x32x?x64xf32>
  // CHECK: attn.attention feature #attn.feature<elu_plus_one> normalizer sum ins(
  %1 = attn.attention feature #attn.feature<elu_plus_one> normalizer sum ins(%q, %k, %v : tensor<?x32x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) -> tensor<?x32x?x64xf32>
  // CHECK: attn.attention mask #attn.mask<causal> feature #attn.feature<taylor2> normalizer none ins(
  %2 = attn.attention mask #attn.mask<causal> feature #attn.feature<taylor2> normalizer none ins(%q, %k, %v : tensor<?x32x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) -> tensor<?x32x?x64xf32>
  // CHECK: attn.attention mask #attn.mask<causal> feature #attn.feature<cosformer> normalizer sum decay [9.900000e-01] order reassociated chunk 32 ins(
  %3 = attn.attention mask #attn.mask<causal> feature #attn.feature<cosformer> normalizer sum decay [0.99] order reassociated chunk 32 ins(%q, %k, %v : tensor<?x32x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) -> tensor<?x32x?x64xf32>
  // CHECK: attn.attention feature #attn.feature<favor> projection(%{{.*}} : tensor<128x64xf32>) normalizer sum ins(
  %w = tensor.empty() : tensor<128x64xf32>
  %5 = attn.attention feature #attn.feature<favor> projection(%w : tensor<128x64xf32>) normalizer sum ins(%q, %k, %v : tensor<?x32x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) -> tensor<?x32x?x64xf32>
  // CHECK: attn.attention feature #attn.feature<relu> normalizer sum order quadratic ins(
  %4 = attn.attention feature #attn.feature<relu> normalizer sum order quadratic ins(%q, %k, %v : tensor<?x32x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) -> tensor<?x32x?x64xf32>
  return %0 : tensor<?x32x?x64xf32>
}

// -----

// Run-time masks read attn.attention's mask operands.
// CHECK-LABEL: func.func @documents
// CHECK: attn.attention mask #attn.mask<and(causal, document(0), not(document(1)))> mask_operands(%{{.*}}, %{{.*}} : tensor<2x?xi32>, tensor<2x?xi32>) ins(
func.func @documents(%q: tensor<2x4x?x8xf32>, %s: tensor<2x?xi32>, %t: tensor<2x?xi32>) -> tensor<2x4x?x8xf32> {
  %0 = attn.attention mask #attn.mask<and(causal, document, not(document(1)))> mask_operands(%s, %t : tensor<2x?xi32>, tensor<2x?xi32>) ins(%q, %q, %q : tensor<2x4x?x8xf32>, tensor<2x4x?x8xf32>, tensor<2x4x?x8xf32>) -> tensor<2x4x?x8xf32>
  return %0 : tensor<2x4x?x8xf32>
}

// -----

// CHECK-LABEL: func.func @tile_offsets
// CHECK: attn.attention mask #attn.mask<causal> offsets(%arg3, %arg4, %arg5) ins(%arg0, %arg1, %arg2 : tensor<1x4x16x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) -> tensor<1x4x16x32xf32>
func.func @tile_offsets(%q: tensor<1x4x16x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>, %row: index, %position: index, %head: index) -> tensor<1x4x16x32xf32> {
  %o = attn.attention mask #attn.mask<causal> offsets(%row, %position, %head) ins(%q, %k, %v : tensor<1x4x16x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) -> tensor<1x4x16x32xf32>
  return %o : tensor<1x4x16x32xf32>
}

// -----

// CHECK-LABEL: func.func @online_attention
// CHECK: attn.online_attention mask #attn.mask<causal> offsets(%arg6, %arg6, %arg6, %arg6) scale 1.250000e-01 ins(%arg0, %arg1, %arg2 : tensor<1x4x16x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) outs(%arg3, %arg4, %arg5 : tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>
func.func @online_attention(%q: tensor<1x4x16x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>, %acc: tensor<1x4x16x32xf32>, %max: tensor<1x4x16xf32>, %sum: tensor<1x4x16xf32>, %at: index) -> tensor<1x4x16x32xf32> {
  %o:3 = attn.online_attention mask #attn.mask<causal> offsets(%at, %at, %at, %at) scale 0.125 ins(%q, %k, %v : tensor<1x4x16x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) outs(%acc, %max, %sum : tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>
  return %o#0 : tensor<1x4x16x32xf32>
}

// -----

// A score_mod region with a captured tensor, and the pointwise normalisers.
// CHECK-LABEL: func.func @score_mod
// CHECK: attn.attention mask #attn.mask<causal> captures(%{{.*}} : tensor<8x33xf32>) score_mod {
// CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %[[T:.*]]: tensor<8x33xf32>):
// CHECK: attn.read %[[T]][%{{.*}}, %{{.*}}] : tensor<8x33xf32>
// CHECK: attn.yield %{{.*}} : f32
// CHECK: } ins(
// CHECK: attn.attention normalizer sigmoid shift -4.000000e+00 ins(
// CHECK: attn.attention normalizer relu2 divide length ins(
// CHECK: attn.attention normalizer identity divide sum score_mod {
func.func @score_mod(%q: tensor<1x8x?x64xf32>, %table: tensor<8x33xf32>) -> tensor<1x8x?x64xf32> {
  %0 = attn.attention mask #attn.mask<causal> captures(%table : tensor<8x33xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %t: tensor<8x33xf32>):
    %d = arith.subi %j, %p : index
    %x = attn.read %t[%h, %d] : tensor<8x33xf32>
    %y = arith.addf %s, %x : f32
    attn.yield %y : f32
  } ins(%q, %q, %q : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32>
  %1 = attn.attention normalizer sigmoid shift -4.0 ins(%0, %q, %q : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32>
  %2 = attn.attention normalizer relu2 divide length ins(%1, %q, %q : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32>
  %3 = attn.attention normalizer identity divide sum score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %e = math.exp %s : f32
    attn.yield %e : f32
  } ins(%2, %q, %q : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32>
  return %3 : tensor<1x8x?x64xf32>
}

// -----

// CHECK-LABEL: func.func @lse_and_merge
// CHECK: %{{.*}}, %[[L1:.*]] = attn.attention mask #attn.mask<causal> ins({{.*}}) -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
// CHECK: attn.merge %{{.*}}, %{{.*}} lse %[[L1]], %{{.*}} : (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>), (tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
func.func @lse_and_merge(%q: tensor<1x8x4x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>) -> (tensor<1x8x4x64xf32>, tensor<1x8x4xf32>) {
  %o1, %l1 = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
  %o2, %l2 = attn.attention ins(%q, %k, %v : tensor<1x8x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
  %o, %l = attn.merge %o1, %o2 lse %l1, %l2 : (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>), (tensor<1x8x4xf32>, tensor<1x8x4xf32>)
      -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
  return %o, %l : tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
}

// -----

// CHECK-LABEL: func.func @paged
// CHECK: attn.attention mask #attn.mask<causal> pages(%{{.*}}, %{{.*}} : tensor<8x?xi32>, tensor<8xi32>) ins({{.*}}) -> tensor<8x32x1x128xf32>, tensor<8x32x1xf32>
func.func @paged(%q: tensor<8x32x1x128xf32>, %k: tensor<?x16x8x128xf32>, %v: tensor<?x16x8x128xf32>, %t: tensor<8x?xi32>, %l: tensor<8xi32>) -> (tensor<8x32x1x128xf32>, tensor<8x32x1xf32>) {
  %o, %s = attn.attention mask #attn.mask<causal> pages(%t, %l : tensor<8x?xi32>, tensor<8xi32>)
      ins(%q, %k, %v : tensor<8x32x1x128xf32>, tensor<?x16x8x128xf32>, tensor<?x16x8x128xf32>) -> tensor<8x32x1x128xf32>, tensor<8x32x1xf32>
  return %o, %s : tensor<8x32x1x128xf32>, tensor<8x32x1xf32>
}

// -----

// Mixed precision: an f32 query over bf16 keys and values, and bf16 attention with an
// f32 result.
// CHECK-LABEL: func.func @mixed_precision
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x?x64xf32>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xf32>
// CHECK: attn.attention mask #attn.mask<causal> ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x2x?x64xf32>
func.func @mixed_precision(%q: tensor<1x8x?x64xf32>, %k: tensor<1x2x?x64xbf16>) -> (tensor<1x8x?x64xf32>, tensor<1x2x?x64xf32>) {
  %0 = attn.attention ins(%q, %k, %k : tensor<1x8x?x64xf32>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xf32>
  %1 = attn.attention mask #attn.mask<causal> ins(%k, %k, %k : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x2x?x64xf32>
  return %0, %1 : tensor<1x8x?x64xf32>, tensor<1x2x?x64xf32>
}
