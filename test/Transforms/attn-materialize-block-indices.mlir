// RUN: attn-opt %s -split-input-file --attn-materialize-block-indices | FileCheck %s

// The indices become a [B, Hq, QB, ceil(Nk / bk)] layout: entry kb is 1 when some
// index of the row equals kb (a reduction over K); the term becomes blocks(...).
// CHECK-LABEL: func.func @moba
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x?x32xf32>, %[[K:.*]]: tensor<1x2x?x32xf32>, %[[V:.*]]: tensor<1x2x?x32xf32>, %[[IDX:.*]]: tensor<1x4x?x8xi32>)
// CHECK: %[[N:.*]] = tensor.dim %[[K]], %c2
// CHECK: %[[KB:.*]] = arith.ceildivui %[[N]], %c64
// CHECK: %[[EMPTY:.*]] = tensor.empty(%{{.*}}, %[[KB]]) : tensor<1x4x?x?xi32>
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%[[EMPTY]]
// CHECK: %[[LAYOUT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[IDX]] : tensor<1x4x?x8xi32>) outs(%[[ZERO]] : tensor<1x4x?x?xi32>)
// CHECK: linalg.index 3
// CHECK: arith.cmpi eq
// CHECK: attn.attention mask #attn.mask<and(causal, or(blocks(0, 64, 64), chunk(64)))> mask_operands(%[[LAYOUT]] : tensor<1x4x?x?xi32>)
func.func @moba(%q: tensor<1x4x?x32xf32>, %k: tensor<1x2x?x32xf32>, %v: tensor<1x2x?x32xf32>, %idx: tensor<1x4x?x8xi32>) -> tensor<1x4x?x32xf32> {
  %o = attn.attention mask #attn.mask<and(causal, or(topk_blocks(0, 64, 64), chunk(64)))> mask_operands(%idx : tensor<1x4x?x8xi32>)
      ins(%q, %k, %v : tensor<1x4x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// -----

// Operands other terms read keep their order (renumbered); one layout per (indices,
// bk); indices nobody else reads are dropped.
// CHECK-LABEL: func.func @renumbered
// CHECK-SAME: %[[SEG:[^:]*]]: tensor<1x?xi32>
// CHECK: %[[L64:.*]] = linalg.generic
// CHECK: %[[L32:.*]] = linalg.generic
// CHECK: attn.attention mask #attn.mask<and(document(0), or(blocks(1, 16, 64), blocks(2, 16, 32)))> mask_operands(%[[SEG]], %[[L64]], %[[L32]] : tensor<1x?xi32>, tensor<1x4x?x?xi32>, tensor<1x4x?x?xi32>)
func.func @renumbered(%q: tensor<1x4x?x32xf32>, %idx: tensor<1x4x?x2xi32>, %seg: tensor<1x?xi32>) -> tensor<1x4x?x32xf32> {
  %o = attn.attention mask #attn.mask<and(document(1), or(topk_blocks(0, 16, 64), topk_blocks(0, 16, 32)))>
      mask_operands(%idx, %seg : tensor<1x4x?x2xi32>, tensor<1x?xi32>)
      ins(%q, %q, %q : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// -----

// Nothing to do without topk_blocks.
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: linalg.generic
// CHECK: attn.attention mask #attn.mask<blocks(0, 16, 16)>
func.func @untouched(%q: tensor<1x4x?x32xf32>, %l: tensor<1x4x?x?xi32>) -> tensor<1x4x?x32xf32> {
  %o = attn.attention mask #attn.mask<blocks(0, 16, 16)> mask_operands(%l : tensor<1x4x?x?xi32>)
      ins(%q, %q, %q : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}
