// RUN: attn-opt %s --allow-unregistered-dialect -split-input-file --attn-import-attention -verify-diagnostics

#q = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>
#k = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d4)>
#v = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d3)>
#s = affine_map<(d0, d1, d2, d3, d4, d5) -> ()>
#o = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @scale_not_constant(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %scale: f32) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{the scale must be a constant}}
  %0 = "iree_linalg_ext.attention"(%q, %k, %v, %scale, %q) <{indexing_maps = [#q, #k, #v, #s, #o]}> ({
  ^bb0(%x: f32):
    "iree_linalg_ext.yield"(%x) : (f32) -> ()
  }) : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, f32, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

#q = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>
#k = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d4)>
#v = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d3)>
#s = affine_map<(d0, d1, d2, d3, d4, d5) -> ()>
#o = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @score_modification(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %scale = arith.constant 0.25 : f32
  // expected-error @below {{only a region that yields its score unchanged is imported}}
  %0 = "iree_linalg_ext.attention"(%q, %k, %v, %scale, %q) <{indexing_maps = [#q, #k, #v, #s, #o]}> ({
  ^bb0(%x: f32):
    %y = arith.mulf %x, %x : f32
    "iree_linalg_ext.yield"(%y) : (f32) -> ()
  }) : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, f32, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @no_maps(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %scale = arith.constant 0.25 : f32
  // expected-error @below {{expected one affine map per operand in 'indexing_maps'}}
  %0 = "iree_linalg_ext.attention"(%q, %q, %q, %scale, %q) ({
  ^bb0(%x: f32):
    "iree_linalg_ext.yield"(%x) : (f32) -> ()
  }) : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, f32, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @operand_count(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{expected (query, key, value, scale, [mask,] output) and one result}}
  %0 = "iree_linalg_ext.attention"(%q, %q, %q) : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// The key's head dim d1 is missing from K: a batch dim that does not index all four.
#q = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>
#k = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d5, d4)>
#v = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d3)>
#s = affine_map<(d0, d1, d2, d3, d4, d5) -> ()>
#o = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @broadcast_key(%q: tensor<1x2x8x16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %scale = arith.constant 0.25 : f32
  // expected-error @below {{loop dim d1 has no attention role}}
  %0 = "iree_linalg_ext.attention"(%q, %k, %v, %scale, %q) <{indexing_maps = [#q, #k, #v, #s, #o]}> ({
  ^bb0(%x: f32):
    "iree_linalg_ext.yield"(%x) : (f32) -> ()
  }) : (tensor<1x2x8x16xf32>, tensor<1x8x16xf32>, tensor<1x2x8x16xf32>, f32, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

#q = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>
#k = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d4)>
#v = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d3)>
#s = affine_map<(d0, d1, d2, d3, d4, d5) -> ()>
#m = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>
#o = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @integer_mask(%q: tensor<1x2x8x16xf32>, %mask: tensor<1x2x8x8xi32>) -> tensor<1x2x8x16xf32> {
  %scale = arith.constant 0.25 : f32
  // expected-error @below {{the mask must be boolean (i1) or floating point, got 'i32'}}
  %0 = "iree_linalg_ext.attention"(%q, %q, %q, %scale, %mask, %q) <{indexing_maps = [#q, #k, #v, #s, #m, #o]}> ({
  ^bb0(%x: f32):
    "iree_linalg_ext.yield"(%x) : (f32) -> ()
  }) : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, f32, tensor<1x2x8x8xi32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @key_value_types(%q: tensor<1x2x8x16xf16>, %v: tensor<1x2x8x16xbf16>, %out: tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16> {
  // expected-error @below {{key and value element types differ: 'f16' and 'bf16'}}
  %0 = "tm_tensor.attention"(%q, %q, %v, %out) <{operandSegmentSizes = array<i32: 3, 1>}> : (tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16>
  return %0 : tensor<1x2x8x16xf16>
}

// -----

func.func @result_type(%q: tensor<1x2x8x16xf16>, %out: tensor<1x2x8x16xbf16>) -> tensor<1x2x8x16xbf16> {
  // expected-error @below {{result element type 'bf16' over a query of 'f16' has no attn.attention form}}
  %0 = "tm_tensor.attention"(%q, %q, %q, %out) <{operandSegmentSizes = array<i32: 3, 1>}> : (tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xbf16>) -> tensor<1x2x8x16xbf16>
  return %0 : tensor<1x2x8x16xbf16>
}

// -----

func.func @ranks(%q: tensor<1x2x8x16xf32>, %k: tensor<2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{operands must be tensors of one rank}}
  %0 = "tm_tensor.attention"(%q, %k, %k, %q) : (tensor<1x2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @unranked(%q: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @below {{expected ranked tensor operands and results}}
  %0 = "tm_tensor.attention"(%q, %q, %q, %q) : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

#q = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>
#k = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d4)>
#v = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d3)>
#s = affine_map<(d0, d1, d2, d3, d4, d5) -> ()>
#o = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @no_region(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %scale = arith.constant 0.25 : f32
  // expected-error @below {{only a region that yields its score unchanged is imported}}
  %0 = "iree_linalg_ext.attention"(%q, %q, %q, %scale, %q) <{indexing_maps = [#q, #k, #v, #s, #o]}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, f32, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

#q = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>
#k = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d4)>
#v = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d3)>
#s = affine_map<(d0, d1, d2, d3, d4, d5) -> ()>
#o = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @scalar_query(%q: f32, %k: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %scale = arith.constant 0.25 : f32
  // expected-error @below {{indexing map 0 is not a projected permutation of its operand's dims}}
  %0 = "iree_linalg_ext.attention"(%q, %k, %k, %scale, %k) <{indexing_maps = [#q, #k, #v, #s, #o]}> ({
  ^bb0(%x: f32):
    "iree_linalg_ext.yield"(%x) : (f32) -> ()
  }) : (f32, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, f32, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}
