// RUN: attn-opt %s -split-input-file --convert-attn-to-vector="target=avx512" -verify-diagnostics
// Variants beyond the plain menu that the vector kernel cannot take say why (a remark)
// and stay for the generic path (convert-attn-to-linalg).

func.func @f64_region(%q: tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32> {
  // expected-remark @+1 {{not fused into the vector kernel (generic path): the score_mod region computes in f64 (f32 only)}}
  %o = attn.attention score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %x = arith.extf %s : f32 to f64
    %y = arith.addf %x, %x : f64
    %z = arith.truncf %y : f64 to f32
    attn.yield %z : f32
  } ins(%q, %q, %q : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}

// -----

func.func @f64_capture(%q: tensor<1x2x?x32xf32>, %t: tensor<2xf64>) -> tensor<1x2x?x32xf32> {
  // expected-remark @+1 {{not fused into the vector kernel (generic path): a captured tensor of f64 (f32 and integers only)}}
  %o = attn.attention captures(%t : tensor<2xf64>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %c: tensor<2xf64>):
    attn.yield %s : f32
  } ins(%q, %q, %q : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}

// -----

func.func @pointwise_dynamic_value_dim(%q: tensor<1x2x?x32xf32>, %v: tensor<1x2x?x?xf32>) -> tensor<1x2x?x?xf32> {
  // expected-remark @+1 {{not fused into the vector kernel (generic path): the value head dim is dynamic}}
  %o = attn.attention normalizer sigmoid ins(%q, %q, %v : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x?xf32>) -> tensor<1x2x?x?xf32>
  return %o : tensor<1x2x?x?xf32>
}
