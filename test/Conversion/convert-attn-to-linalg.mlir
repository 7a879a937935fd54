// RUN: attn-opt %s -split-input-file --convert-attn-to-linalg="online-softmax=false" | FileCheck %s
// RUN: attn-opt %s -split-input-file --convert-attn-to-linalg="q-tile=16 kv-tile=32" | FileCheck %s --check-prefix=ONLINE

// Loops are the result letters then the contracted ones; maps come from the spec.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @einsum
// CHECK-SAME: (%[[A:.*]]: tensor<8x16x4xf32>, %[[B:.*]]: tensor<8x?x4xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[B]], %{{.*}} : tensor<8x?x4xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<8x16x?xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]]
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[A]], %[[B]] : {{.*}}) outs(%[[Z]] : tensor<8x16x?xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @einsum(%q: tensor<8x16x4xf32>, %k: tensor<8x?x4xf32>) -> tensor<8x16x?xf32> {
  %s = attn.einsum "hmd,hnd->hmn" %q, %k : (tensor<8x16x4xf32>, tensor<8x?x4xf32>) -> tensor<8x16x?xf32>
  return %s : tensor<8x16x?xf32>
}

// -----

// Max-plus: -inf identity, addf to combine, maximumf to reduce, then the scale.
// CHECK-LABEL: func.func @einsum_max_plus
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
func.func @einsum_max_plus(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %0 = attn.einsum "ik,kj->ij" %a, %b combine add reduce max scale 2.0 : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// Broadcasting in index notation: the row operand is read through (d0, d1).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @map_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK: arith.subf
func.func @map_broadcast(%s: tensor<8x16x32xf32>, %m: tensor<8x16xf32>) -> tensor<8x16x32xf32> {
  %0 = attn.map sub "hmn,hm->hmn" %s, %m : (tensor<8x16x32xf32>, tensor<8x16xf32>) -> tensor<8x16x32xf32>
  return %0 : tensor<8x16x32xf32>
}

// -----

// CHECK-LABEL: func.func @softcap
// CHECK: arith.divf
// CHECK: math.tanh
// CHECK: arith.mulf
func.func @softcap(%s: tensor<16x32xf32>) -> tensor<16x32xf32> {
  %0 = attn.map softcap %s by 30.0 : (tensor<16x32xf32>) -> tensor<16x32xf32>
  return %0 : tensor<16x32xf32>
}

// -----

// Causal with Nq = 16, Nk = 32: query row i sits at position i + 16.
// CHECK-LABEL: func.func @mask_causal_cross
// CHECK-DAG: %[[OFF:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[P:.*]] = arith.addi %[[I]], %[[OFF]] : index
// CHECK: %[[VIS:.*]] = arith.cmpi sle, %[[J]], %[[P]] : index
// CHECK: arith.select %[[VIS]], %{{.*}}, %[[NEG]] : f32
func.func @mask_causal_cross(%s: tensor<16x32xf32>) -> tensor<16x32xf32> {
  %0 = attn.mask #attn.mask<causal> %s "mn" query "m" key "n" : tensor<16x32xf32>
  return %0 : tensor<16x32xf32>
}

// -----

// Composite masks become boolean algebra on the index comparisons; fill zero.
// CHECK-LABEL: func.func @mask_sink_window
// CHECK: linalg.index 1
// CHECK: linalg.index 2
// CHECK: arith.cmpi slt
// CHECK: arith.andi
// CHECK: arith.ori
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
func.func @mask_sink_window(%s: tensor<4x?x?xf32>) -> tensor<4x?x?xf32> {
  %0 = attn.mask #attn.mask<or(sink(4), and(causal, window(64, 0)))> %s "hmn" query "m" key "n" fill zero : tensor<4x?x?xf32>
  return %0 : tensor<4x?x?xf32>
}

// -----

// taylor2 is a gather from the input features: 1, x_i, x_a x_b / sqrt(2).
// CHECK-LABEL: func.func @taylor2
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[RSQRT2:.*]] = arith.constant 0.707106769 : f32
// CHECK: tensor.empty() : tensor<16x21xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<16x21xf32>)
// CHECK: %[[A:.*]] = tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<16x4xf32>
// CHECK: %[[B:.*]] = tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<16x4xf32>
// CHECK: %[[AB:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK: %[[QUAD:.*]] = arith.mulf %[[AB]], %[[RSQRT2]] : f32
// CHECK: %[[LIN:.*]] = arith.select %{{.*}}, %[[A]], %[[QUAD]] : f32
// CHECK: arith.select %{{.*}}, %[[ONE]], %[[LIN]] : f32
func.func @taylor2(%q: tensor<16x4xf32>) -> tensor<16x21xf32> {
  %0 = attn.feature #attn.feature<taylor2> %q "md" over "d" : tensor<16x4xf32> -> tensor<16x21xf32>
  return %0 : tensor<16x21xf32>
}

// -----

// Region modifications are inlined into the generic with linalg.index for each letter.
// CHECK-LABEL: func.func @modify
// CHECK: linalg.generic
// CHECK: %[[H:.*]] = linalg.index 0 : index
// CHECK: arith.index_cast %[[H]] : index to i64
func.func @modify(%s: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = attn.modify %s "hn" {
  ^bb0(%x: f32, %h: index, %n: index):
    %i = arith.index_cast %h : index to i64
    %f = arith.sitofp %i : i64 to f32
    %y = arith.addf %x, %f : f32
    attn.yield %y : f32
  } : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// GQA: query heads are split into (kv head, group) and k/v are shared across the group.
// CHECK-DAG: #[[QMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d5)>
// CHECK-DAG: #[[KMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d5)>
// CHECK-LABEL: func.func @attention_gqa
// CHECK: %[[Q5:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 4, %{{.*}}, 16] : tensor<1x8x?x16xf32> into tensor<1x2x4x?x16xf32>
// CHECK: linalg.generic {indexing_maps = [#[[QMAP]], #[[KMAP]], {{.*}}]
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x4x?x16xf32> into tensor<1x8x?x16xf32>
func.func @attention_gqa(%q: tensor<1x8x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<1x8x?x16xf32> {
  %0 = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x8x?x16xf32>
  return %0 : tensor<1x8x?x16xf32>
}

// -----

// Online softmax through upstream tiling: attn.attention tiled over query rows
// (scf.forall), each tile decomposed into attn.online_attention and the division, the
// online op tiled over keys (scf.for carrying acc, max, sum); the mask sees absolute
// positions (tile offset + index in tile); no 128 x 128 score buffer.
// ONLINE-LABEL: func.func @attention_online
// ONLINE: scf.forall (%[[I0:.*]]) = (0) to (128) step (16) shared_outs(
// ONLINE: tensor.extract_slice %{{.*}}[0, 0, %[[I0]], 0] [1, 2, 16, 16]
// ONLINE: scf.for %[[J0:.*]] = %{{.*}} to %{{.*}} step %c32 iter_args(%[[ACC:.*]] = %{{.*}}, %[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}) -> (tensor<1x2x16x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>)
// ONLINE: tensor.extract_slice %{{.*}}[0, 0, %[[J0]], 0] [1, 2, 32, 16]
// Tiles the causal mask hides are skipped; full tiles skip the element checks.
// ONLINE: %[[FULL:.*]] = arith.cmpi sle, %{{.*}}, %c0
// ONLINE: %[[ANY:.*]] = arith.cmpi sle, %{{.*}}, %c0
// ONLINE: scf.if %[[ANY]] -> (tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16x16xf32>)
// ONLINE: scf.if %[[FULL]] -> (tensor<1x2x1x16x32xf32>)
// ONLINE-NOT: linalg.index
// ONLINE: } else {
// ONLINE: linalg.index 3
// ONLINE: arith.addi %{{.*}}, %[[I0]]
// ONLINE: linalg.index 4
// ONLINE: arith.addi %{{.*}}, %[[J0]]
// ONLINE: arith.cmpi sle
// ONLINE: arith.maximumf
// ONLINE: math.exp
// ONLINE: scf.yield
// ONLINE: arith.divf
// ONLINE: scf.forall.in_parallel
// ONLINE: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[0, 0, %[[I0]], 0] [1, 2, 16, 16]
// ONLINE-NOT: tensor<1x2x1x128x128xf32>
func.func @attention_online(%q: tensor<1x2x128x16xf32>, %k: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32> {
  %0 = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32>
  return %0 : tensor<1x2x128x16xf32>
}
