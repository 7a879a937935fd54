// RUN: attn-opt %s -split-input-file --transform-interpreter --canonicalize | FileCheck %s
// attn.attention through its TilingInterface with upstream transform-dialect tiling: a
// tile slices q, the kv heads its query heads read and the mask operands, and records
// where it sits (row, position, head) in `offsets`.

// Query rows in an scf.for; Nk - Nq = 32, so row r sits at position r + 32.
// CHECK-DAG: #[[PLUS32:.*]] = affine_map<()[s0] -> (s0 + 32)>
// CHECK-LABEL: func.func @rows
// CHECK: scf.for %[[R:.*]] = %{{.*}} to %{{.*}} step %c32 iter_args(%[[ACC:.*]] = %{{.*}})
// CHECK: %[[Q:.*]] = tensor.extract_slice %arg0[0, 0, %[[R]], 0] [1, 8, 32, 64]
// CHECK: %[[P:.*]] = affine.apply #[[PLUS32]]()[%[[R]]]
// CHECK: %[[T:.*]] = attn.attention mask #attn.mask<causal> offsets(%[[R]], %[[P]], %c0) ins(%[[Q]], %arg1, %arg2 : tensor<1x8x32x64xf32>, tensor<1x8x160x64xf32>, tensor<1x8x160x64xf32>) -> tensor<1x8x32x64xf32>
// CHECK: tensor.insert_slice %[[T]] into %[[ACC]][0, 0, %[[R]], 0] [1, 8, 32, 64]
func.func @rows(%q: tensor<1x8x128x64xf32>, %k: tensor<1x8x160x64xf32>, %v: tensor<1x8x160x64xf32>) -> tensor<1x8x128x64xf32> {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x128x64xf32>, tensor<1x8x160x64xf32>, tensor<1x8x160x64xf32>) -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_for %a tile_sizes [0, 0, 32] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Batch, heads and rows in an scf.forall, GQA 4: query heads [2h, 2h + 2) read kv head
// 2h floordiv 4; segment ids are sliced by batch; dynamic sequences.
// CHECK-DAG: #[[HALF:.*]] = affine_map<(d0) -> (d0 floordiv 2)>
// CHECK-LABEL: func.func @batch_heads_rows
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %[[R:.*]]) in (2, 4, %{{.*}}) shared_outs(
// CHECK: %[[H0:.*]] = affine.apply #{{.*}}(%[[H]])
// CHECK: %[[R0:.*]] = affine.apply #{{.*}}(%[[R]])
// CHECK: %[[KV:.*]] = affine.apply #[[HALF]](%[[H]])
// CHECK: %[[Q:.*]] = tensor.extract_slice %arg0[%[[B]], %[[H0]], %[[R0]], 0] [1, 2, %{{.*}}, 64]
// CHECK: %[[K:.*]] = tensor.extract_slice %arg1[%[[B]], %[[KV]], 0, 0] [1, 1, %{{.*}}, 64]
// CHECK: %[[V:.*]] = tensor.extract_slice %arg2[%[[B]], %[[KV]], 0, 0] [1, 1, %{{.*}}, 64]
// CHECK: %[[D:.*]] = tensor.extract_slice %arg3[%[[B]], 0] [1, %{{.*}}]
// CHECK: attn.attention mask #attn.mask<and(causal, document(0))> mask_operands(%[[D]] : tensor<1x?xi32>) offsets(%[[R0]], %{{.*}}, %[[H0]]) ins(%[[Q]], %[[K]], %[[V]] : tensor<1x2x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>) -> tensor<1x2x?x64xf32>
// CHECK: tensor.parallel_insert_slice
func.func @batch_heads_rows(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x64xf32>, %doc: tensor<2x?xi32>) -> tensor<2x8x?x64xf32> {
  %o = attn.attention mask #attn.mask<and(causal, document(0))> mask_operands(%doc : tensor<2x?xi32>) ins(%q, %k, %v : tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x64xf32>) -> tensor<2x8x?x64xf32>
  return %o : tensor<2x8x?x64xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_forall %a tile_sizes [1, 2, 64] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A head tile that is a multiple of the GQA ratio (2) reads tile / 2 kv heads; per-head
// block layouts are sliced by batch and head; a tile of a tile composes its offsets.
// CHECK-DAG: #[[TIMES4:.*]] = affine_map<(d0) -> (d0 * 4)>
// CHECK-DAG: #[[TIMES2:.*]] = affine_map<(d0) -> (d0 * 2)>
// CHECK-DAG: #[[TIMES4PLUS1:.*]] = affine_map<(d0) -> (d0 * 4 + 1)>
// CHECK-LABEL: func.func @head_groups
// CHECK: scf.forall (%[[H:.*]]) in (2)
// CHECK: %[[H0:.*]] = affine.apply #[[TIMES4]](%[[H]])
// CHECK: %[[KV:.*]] = affine.apply #[[TIMES2]](%[[H]])
// CHECK: tensor.extract_slice %arg1[0, %[[KV]], 0, 0] [1, 2, 64, 16]
// CHECK: %[[L:.*]] = tensor.extract_slice %arg3[0, %[[H0]], 0, 0] [1, 4, 4, 4]
// CHECK: %[[HEAD:.*]] = affine.apply #[[TIMES4PLUS1]](%[[H]])
// CHECK: attn.attention mask #attn.mask<blocks(0, 16, 16)> mask_operands(%[[L]] : tensor<1x4x4x4xi32>) offsets(%c16, %c16, %[[HEAD]]) ins({{.*}} : tensor<1x4x32x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x4x32x16xf32>
func.func @head_groups(%q: tensor<1x8x32x16xf32>, %k: tensor<1x4x64x16xf32>, %v: tensor<1x4x64x16xf32>, %layout: tensor<1x8x4x4xi32>) -> tensor<1x8x32x16xf32> {
  %c16 = arith.constant 16 : index
  %c1 = arith.constant 1 : index
  %o = attn.attention mask #attn.mask<blocks(0, 16, 16)> mask_operands(%layout : tensor<1x8x4x4xi32>) offsets(%c16, %c16, %c1) ins(%q, %k, %v : tensor<1x8x32x16xf32>, tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>) -> tensor<1x8x32x16xf32>
  return %o : tensor<1x8x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_forall %a tile_sizes [0, 4] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Tile-and-fuse: a producer of q (a scale) is computed per tile, inside the loops.
// CHECK-LABEL: func.func @fuse_producer
// CHECK: scf.for %[[H:[a-z0-9]+]] =
// CHECK: scf.for %[[R:[a-z0-9]+]] =
// CHECK: %[[QT:.*]] = tensor.extract_slice %arg0[0, %[[H]], %[[R]], 0] [1, 1, 32, 32]
// CHECK: %[[SCALED:.*]] = linalg.generic {{.*}} ins(%[[QT]] : tensor<1x1x32x32xf32>)
// CHECK: arith.mulf
// CHECK: attn.attention offsets(%[[R]], %[[R]], %[[H]]) ins(%[[SCALED]],
func.func @fuse_producer(%q: tensor<1x4x128x32xf32>, %k: tensor<1x4x128x32xf32>, %v: tensor<1x4x128x32xf32>) -> tensor<1x4x128x32xf32> {
  %e = tensor.empty() : tensor<1x4x128x32xf32>
  %qs = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%q : tensor<1x4x128x32xf32>) outs(%e : tensor<1x4x128x32xf32>) {
  ^bb0(%x: f32, %y: f32):
    %c = arith.constant 2.0 : f32
    %m = arith.mulf %x, %c : f32
    linalg.yield %m : f32
  } -> tensor<1x4x128x32xf32>
  %o = attn.attention ins(%qs, %k, %v : tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>) -> tensor<1x4x128x32xf32>
  return %o : tensor<1x4x128x32xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l1, %l2 = transform.structured.fuse %a tile_sizes [0, 1, 32] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A GQA ratio known only at run time: single query heads, kv head h floordiv (Hq / Hkv).
// CHECK-DAG: #[[DIV:.*]] = affine_map<()[s0, s1, s2] -> (s0 floordiv (s1 floordiv s2))>
// CHECK-LABEL: func.func @dynamic_ratio
// CHECK: scf.forall (%[[H:.*]]) in (%{{.*}})
// CHECK: %[[KV:.*]] = affine.apply #[[DIV]]()[%[[H]], %{{.*}}, %{{.*}}]
// CHECK: tensor.extract_slice %arg1[0, %[[KV]], 0, 0] [1, 1, 64, 16]
func.func @dynamic_ratio(%q: tensor<1x?x64x16xf32>, %k: tensor<1x?x64x16xf32>, %v: tensor<1x?x64x16xf32>) -> tensor<1x?x64x16xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<1x?x64x16xf32>, tensor<1x?x64x16xf32>, tensor<1x?x64x16xf32>) -> tensor<1x?x64x16xf32>
  return %o : tensor<1x?x64x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_forall %a tile_sizes [0, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Decomposition (AggregatedOpInterface): the partial state from (0, -inf, 0), then the
// division; a tile's offsets carry over, with key 0.
// CHECK-LABEL: func.func @decompose
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x32x16xf32>)
// CHECK: %[[SUM:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x32xf32>)
// CHECK: %[[MAX:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x32xf32>)
// CHECK: %[[S:.*]]:3 = attn.online_attention mask #attn.mask<causal> offsets(%arg3, %arg3, %arg3, %c0) softcap 3.000000e+01 ins(%arg0, %arg1, %arg2 : {{.*}}) outs(%[[ACC]], %[[MAX]], %[[SUM]] :
// CHECK: linalg.generic {{.*}} ins(%[[S]]#0, %[[S]]#2 : tensor<1x4x32x16xf32>, tensor<1x4x32xf32>)
// CHECK: arith.divf
// CHECK: arith.select
func.func @decompose(%q: tensor<1x4x32x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>, %at: index) -> tensor<1x4x32x16xf32> {
  %o = attn.attention mask #attn.mask<causal> offsets(%at, %at, %at) softcap 30.0 ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %d = transform.structured.decompose_interface %a : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// The key axis of the partial state is a reduction: an scf.for carries (acc, max, sum);
// each key tile slices k and v and records its first key; segment ids stay whole.
// CHECK-LABEL: func.func @online_keys
// CHECK: scf.for %[[J:.*]] = %c0 to %c100 step %c32 iter_args(%[[A:.*]] = %arg4, %[[M:.*]] = %arg5, %[[L:.*]] = %arg6)
// CHECK: %[[N:.*]] = affine.min #{{.*}}(%[[J]])
// CHECK: %[[K:.*]] = tensor.extract_slice %arg1[0, 0, %[[J]], 0] [1, 2, %[[N]], 16]
// CHECK: %[[V:.*]] = tensor.extract_slice %arg2[0, 0, %[[J]], 0] [1, 2, %[[N]], 16]
// CHECK: %[[S:.*]]:3 = attn.online_attention mask #attn.mask<and(causal, document(0))> mask_operands(%arg3 : tensor<1x100xi32>) offsets(%c0, %c68, %c0, %[[J]]) ins(%arg0, %[[K]], %[[V]] : tensor<1x4x32x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) outs(%[[A]], %[[M]], %[[L]] :
// CHECK: scf.yield %[[S]]#0, %[[S]]#1, %[[S]]#2
func.func @online_keys(%q: tensor<1x4x32x16xf32>, %k: tensor<1x2x100x16xf32>, %v: tensor<1x2x100x16xf32>, %doc: tensor<1x100xi32>,
                       %acc: tensor<1x4x32x16xf32>, %max: tensor<1x4x32xf32>, %sum: tensor<1x4x32xf32>) -> tensor<1x4x32x16xf32> {
  %o:3 = attn.online_attention mask #attn.mask<and(causal, document(0))> mask_operands(%doc : tensor<1x100xi32>) ins(%q, %k, %v : tensor<1x4x32x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) outs(%acc, %max, %sum : tensor<1x4x32x16xf32>, tensor<1x4x32xf32>, tensor<1x4x32xf32>) -> tensor<1x4x32x16xf32>, tensor<1x4x32xf32>, tensor<1x4x32xf32>
  return %o#0 : tensor<1x4x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.online_attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_for %a tile_sizes [0, 0, 0, 32] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A log-sum-exp result tiles with the rows: each tile returns its rows' lse, inserted
// at [b, h, r] beside the output tile.
// CHECK-LABEL: func.func @rows_with_lse
// CHECK: scf.forall (%[[R:.*]]) in (4) shared_outs(%[[O:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}})
// CHECK: %[[T:.*]], %[[TL:.*]] = attn.attention mask #attn.mask<causal> offsets({{.*}}) ins({{.*}}) -> tensor<1x8x32x64xf32>, tensor<1x8x32xf32>
// CHECK: tensor.parallel_insert_slice %[[T]] into %[[O]][0, 0, %{{.*}}, 0] [1, 8, 32, 64]
// CHECK: tensor.parallel_insert_slice %[[TL]] into %[[L]][0, 0, %{{.*}}] [1, 8, 32]
func.func @rows_with_lse(%q: tensor<1x8x128x64xf32>, %k: tensor<1x8x160x64xf32>, %v: tensor<1x8x160x64xf32>) -> (tensor<1x8x128x64xf32>, tensor<1x8x128xf32>) {
  %o, %l = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x128x64xf32>, tensor<1x8x160x64xf32>, tensor<1x8x160x64xf32>) -> tensor<1x8x128x64xf32>, tensor<1x8x128xf32>
  return %o, %l : tensor<1x8x128x64xf32>, tensor<1x8x128xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_forall %a tile_sizes [0, 0, 32] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
