// RUN: attn-opt %s -split-input-file --transform-interpreter -verify-diagnostics
// Tilings that attn.attention cannot honour get a located diagnostic, not a wrong tile.

// Head tiles of 3 over GQA ratio 4 would split a kv head's group of query heads (upstream
// adds its own two errors, spelling included).
func.func @uneven_heads(%q: tensor<1x8x32x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>) -> tensor<1x8x32x16xf32> {
  // expected-error @below {{cannot tile the query heads by sizes that differ between tiles (the heads are not a multiple of the tile): a head tile must divide the GQA ratio or be a multiple of it}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %o = attn.attention ins(%q, %k, %v : tensor<1x8x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) -> tensor<1x8x32x16xf32>
  return %o : tensor<1x8x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_for %a tile_sizes [0, 3] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A ratio known only at run time: only single query heads can be tiled.
func.func @dynamic_ratio(%q: tensor<1x?x32x16xf32>, %k: tensor<1x?x32x16xf32>, %v: tensor<1x?x32x16xf32>) -> tensor<1x?x32x16xf32> {
  // expected-error @below {{cannot tile the query heads by sizes that differ between tiles}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  // expected-note @below {{when applied to this op}}
  %o = attn.attention ins(%q, %k, %v : tensor<1x?x32x16xf32>, tensor<1x?x32x16xf32>, tensor<1x?x32x16xf32>) -> tensor<1x?x32x16xf32>
  return %o : tensor<1x?x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @below {{failed to apply}}
    %t, %loop = transform.structured.tile_using_forall %a tile_sizes [0, 2] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Tiles of 3 over 6 heads with GQA ratio 2: even tiles, but 3 neither divides 2 nor is a
// multiple of it (tile 1 would read kv heads 1 and 2 for query heads 3, 4, 5).
func.func @neither(%q: tensor<1x6x32x16xf32>, %k: tensor<1x3x32x16xf32>, %v: tensor<1x3x32x16xf32>) -> tensor<1x6x32x16xf32> {
  // expected-error @below {{cannot tile the query heads by 3: a head tile must divide the GQA ratio or be a multiple of it}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %o = attn.attention ins(%q, %k, %v : tensor<1x6x32x16xf32>, tensor<1x3x32x16xf32>, tensor<1x3x32x16xf32>) -> tensor<1x6x32x16xf32>
  return %o : tensor<1x6x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_for %a tile_sizes [0, 3] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Offsets place rows and heads, not batches: a score_mod region that reads the batch
// index cannot be tiled along the batch.
func.func @region_reads_batch(%q: tensor<2x4x32x16xf32>, %bias: tensor<2xf32>) -> tensor<2x4x32x16xf32> {
  // expected-error @below {{cannot tile the batch of an attention whose score_mod reads the batch index (offsets place rows and heads only)}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %o = attn.attention captures(%bias : tensor<2xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %t: tensor<2xf32>):
    %x = attn.read %t[%b] : tensor<2xf32>
    %y = arith.addf %s, %x : f32
    attn.yield %y : f32
  } ins(%q, %q, %q : tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32>
  return %o : tensor<2x4x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_for %a tile_sizes [1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
