// RUN: attn-opt %s -split-input-file -verify-diagnostics

func.func @einsum_no_arrow(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{index spec "ik,kj" lacks '->'}}
  %0 = attn.einsum "ik,kj" %a, %b : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @einsum_bad_letter(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{index lists use letters only, found '1' in "i1"}}
  %0 = attn.einsum "i1,kj->ij" %a, %b : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @einsum_repeated(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{index 'i' appears twice in "ii"}}
  %0 = attn.einsum "ii,ij->ij" %a, %b : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @einsum_operand_count(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{index spec "ik->ik" has 1 operand lists, but the op has 2 operands}}
  %0 = attn.einsum "ik->ik" %a, %b : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @einsum_unknown_result_index(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{result index 'z' of "ik,kj->iz" appears in no operand}}
  %0 = attn.einsum "ik,kj->iz" %a, %b : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @einsum_rank(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{index list "ikx" names 3 dimensions, but operand #0 has rank 2}}
  %0 = attn.einsum "ikx,kj->ij" %a, %b : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @einsum_inconsistent_size(%q: tensor<8x16x64xf32>, %k: tensor<8x32x32xf32>) -> tensor<8x16x32xf32> {
  // expected-error @+1 {{index 'd' has size 64 in operand #0 but 32 in operand #1}}
  %0 = attn.einsum "hmd,hnd->hmn" %q, %k : (tensor<8x16x64xf32>, tensor<8x32x32xf32>) -> tensor<8x16x32xf32>
  return %0 : tensor<8x16x32xf32>
}

// -----

func.func @einsum_result_shape(%q: tensor<8x16x64xf32>, %k: tensor<8x32x64xf32>) -> tensor<8x16x16xf32> {
  // expected-error @+1 {{index 'n' has size 32 in operand #1 but 16 in the result}}
  %0 = attn.einsum "hmd,hnd->hmn" %q, %k : (tensor<8x16x64xf32>, tensor<8x32x64xf32>) -> tensor<8x16x16xf32>
  return %0 : tensor<8x16x16xf32>
}

// -----

func.func @einsum_element_types(%q: tensor<8x16xf32>, %k: tensor<8x16xf16>) -> tensor<16x16xf32> {
  // expected-error @+1 {{operand #1 has element type 'f16', but the result has 'f32'}}
  %0 = attn.einsum "dm,dn->mn" %q, %k : (tensor<8x16xf32>, tensor<8x16xf16>) -> tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @einsum_combine_one_operand(%a: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'combine' needs two operands}}
  %0 = attn.einsum "ik->i" %a combine add : (tensor<4x8xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @einsum_integer(%a: tensor<4x8xi32>, %b: tensor<8x4xi32>) -> tensor<4x4xi32> {
  // expected-error @+1 {{operand #0 must be variadic of ranked tensor of floating-point values}}
  %0 = attn.einsum "ik,kj->ij" %a, %b : (tensor<4x8xi32>, tensor<8x4xi32>) -> tensor<4x4xi32>
  return %0 : tensor<4x4xi32>
}

// -----

func.func @map_arity(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sub' takes 2 operand(s), got 1}}
  %0 = attn.map sub %a : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @map_needs_constant(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'softcap' needs a constant ('by c')}}
  %0 = attn.map softcap %a : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @map_bad_softcap(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{soft-cap must be positive}}
  %0 = attn.map softcap %a by -1.0 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @map_unwanted_constant(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'exp' takes no constant}}
  %0 = attn.map exp %a by 2.0 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @map_unknown_function(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+2 {{expected ::mlir::attn::MapFn to be one of: exp, log, neg, tanh, sigmoid, relu, softplus, elu, scale, shift, softcap, add, sub, mul, div, max, min}}
  // expected-error @+1 {{failed to parse Attn_MapFnAttr parameter 'value'}}
  %0 = attn.map cube %a : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @map_reduces(%a: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{index 'j' of an operand is missing from the result; a map only broadcasts (use attn.reduce to reduce)}}
  %0 = attn.map add "ij,i->i" %a, %b : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @map_broadcast_without_spec(%a: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{operand #1 has rank 1 but the result has rank 2; write an index spec to broadcast}}
  %0 = attn.map add %a, %b : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @modify_arguments(%s: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{region takes the element and one index per letter (3 arguments), got 2}}
  %0 = attn.modify %s "mn" {
  ^bb0(%x: f32, %m: index):
    attn.yield %x : f32
  } : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @modify_index_type(%s: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{region argument #2 must be an index, got 'i32'}}
  %0 = attn.modify %s "mn" {
  ^bb0(%x: f32, %m: index, %n: i32):
    attn.yield %x : f32
  } : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @modify_yield_type(%s: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{region yields 'f64', expected the element type 'f32'}}
  %0 = attn.modify %s "mn" {
  ^bb0(%x: f32, %m: index, %n: index):
    %y = arith.extf %x : f32 to f64
    attn.yield %y : f64
  } : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @reduce_shape(%s: tensor<4x8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{index 'm' has size 4 in the operand but 8 in the result}}
  %0 = attn.reduce add "mn->m" %s : tensor<4x8xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @mask_without_key_index(%s: tensor<8x16x16xf32>) -> tensor<8x16x16xf32> {
  // expected-error @+1 {{the key index 'n' is not a dimension of the operand "hmk"; a mask needs the query and key sequence indices}}
  %0 = attn.mask #attn.mask<causal> %s "hmk" query "m" key "n" : tensor<8x16x16xf32>
  return %0 : tensor<8x16x16xf32>
}

// -----

func.func @mask_same_indices(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{the query and key indices must differ, both are 'm'}}
  %0 = attn.mask #attn.mask<causal> %s "mn" query "m" key "m" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @mask_rank(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{index list "hmn" names 3 dimensions, but the operand has rank 2}}
  %0 = attn.mask #attn.mask<causal> %s "hmn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @mask_unknown_term(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{unknown mask term 'diagonal'; expected one of full, causal, window, sink, chunk, dilated, prefix, and, or, not, neighborhood, heads, power2, document, blocks, topk_blocks}}
  %0 = attn.mask #attn.mask<diagonal> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @mask_arity(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'window' takes 2 integer argument(s), got 1}}
  %0 = attn.mask #attn.mask<window(4)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @mask_and_arity(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'and' takes two or more masks, got 1}}
  %0 = attn.mask #attn.mask<and(causal)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @mask_negative(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'sink' needs non-negative arguments, got -2}}
  %0 = attn.mask #attn.mask<sink(-2)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @mask_zero_chunk(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'chunk' needs positive sizes}}
  %0 = attn.mask #attn.mask<chunk(0)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @feature_unknown(%q: tensor<16x8xf32>) -> tensor<16x8xf32> {
  // expected-error @+2 {{expected ::mlir::attn::FeatureKind to be one of: identity, elu_plus_one, relu, taylor2, softmax_features}}
  // expected-error @+1 {{failed to parse Attn_FeatureAttr parameter 'value'}}
  %0 = attn.feature #attn.feature<cosine> %q "md" over "d" : tensor<16x8xf32> -> tensor<16x8xf32>
  return %0 : tensor<16x8xf32>
}

// -----

func.func @feature_axis(%q: tensor<16x8xf32>) -> tensor<16x8xf32> {
  // expected-error @+1 {{feature axis "f" is not one of the indices "md"}}
  %0 = attn.feature #attn.feature<relu> %q "md" over "f" : tensor<16x8xf32> -> tensor<16x8xf32>
  return %0 : tensor<16x8xf32>
}

// -----

func.func @feature_taylor_length(%q: tensor<16x8xf32>) -> tensor<16x64xf32> {
  // expected-error @+1 {{result dimension 1 ('d') must have size 73, got 64}}
  %0 = attn.feature #attn.feature<taylor2> %q "md" over "d" : tensor<16x8xf32> -> tensor<16x64xf32>
  return %0 : tensor<16x64xf32>
}

// -----

func.func @attention_rank(%q: tensor<8x16x64xf32>, %k: tensor<8x16x64xf32>, %v: tensor<8x16x64xf32>) -> tensor<8x16x64xf32> {
  // expected-error @+1 {{expects rank-4 [batch, heads, seq, dim] tensors, but the query is 'tensor<8x16x64xf32>'}}
  %0 = attn.attention ins(%q, %k, %v : tensor<8x16x64xf32>, tensor<8x16x64xf32>, tensor<8x16x64xf32>) -> tensor<8x16x64xf32>
  return %0 : tensor<8x16x64xf32>
}

// -----

func.func @attention_gqa_ratio(%q: tensor<1x6x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x4x16x64xf32>) -> tensor<1x6x16x64xf32> {
  // expected-error @+1 {{query heads (6) must be a multiple of key/value heads (4)}}
  %0 = attn.attention ins(%q, %k, %v : tensor<1x6x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x6x16x64xf32>
  return %0 : tensor<1x6x16x64xf32>
}

// -----

func.func @attention_head_dim(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x32xf32>, %v: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{index 'd' has size 64 in the query but 32 in the key}}
  %0 = attn.attention ins(%q, %k, %v : tensor<1x4x16x64xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @attention_kv_length(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x4x20x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{index 'n' has size 16 in the key but 20 in the value}}
  %0 = attn.attention ins(%q, %k, %v : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x20x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @attention_feature_softmax(%q: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{a feature map needs normalizer 'sum' or 'none'; 'softmax' attention weighs the scores q.k themselves}}
  %0 = attn.attention feature #attn.feature<relu> ins(%q, %q, %q : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @attention_sum_without_feature(%q: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{normalizer 'sum' needs a feature map (linear attention)}}
  %0 = attn.attention normalizer sum ins(%q, %q, %q : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @attention_softcap_linear(%q: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{'softcap' applies to score-based attention only}}
  %0 = attn.attention feature #attn.feature<relu> normalizer sum softcap 5.0 ins(%q, %q, %q : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @attention_dynamic_head_dim(%q: tensor<1x4x16x?xf32>) -> tensor<1x4x16x?xf32> {
  // expected-error @+1 {{the head dimension of the query must be static}}
  %0 = attn.attention ins(%q, %q, %q : tensor<1x4x16x?xf32>, tensor<1x4x16x?xf32>, tensor<1x4x16x?xf32>) -> tensor<1x4x16x?xf32>
  return %0 : tensor<1x4x16x?xf32>
}

// -----

func.func @unknown_attribute(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{unknown attribute `window` in dialect `attn`}}
  %0 = attn.mask #attn.window<4> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @modify_captures(%s: tensor<4x8xf32>, %c: f32) -> tensor<4x8xf32> {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = attn.modify %s "mn" {
  ^bb0(%x: f32, %m: index, %n: index):
    // expected-error @+1 {{using value defined outside the region}}
    %y = arith.addf %x, %c : f32
    attn.yield %y : f32
  } : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @attention_empty_head_dim(%q: tensor<1x1x4x0xf32>) -> tensor<1x1x4x0xf32> {
  // expected-error @+1 {{the head dimension must not be empty}}
  %0 = attn.attention ins(%q, %q, %q : tensor<1x1x4x0xf32>, tensor<1x1x4x0xf32>, tensor<1x1x4x0xf32>) -> tensor<1x1x4x0xf32>
  return %0 : tensor<1x1x4x0xf32>
}

// -----

func.func @neighborhood_ranks(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'neighborhood' takes (grid, kernel[, dilation[, causal[, stride]]]) with one size per grid axis, e.g. neighborhood(128x128, 7x7)}}
  %0 = attn.mask #attn.mask<neighborhood(4x4, 3)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @neighborhood_kernel_too_big(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'neighborhood': kernel 3 x dilation 2 does not fit axis 1 of length 4}}
  %0 = attn.mask #attn.mask<neighborhood(4x4, 3x3, 1x2)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @neighborhood_causal_flag(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'neighborhood': causal flags are 0 or 1, got 2}}
  %0 = attn.mask #attn.mask<neighborhood(16, 3, 1, 2)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @neighborhood_four_axes(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'neighborhood' takes a grid of 1 to 3 axes and, per axis, a kernel size (optionally a dilation, a causal flag and a stride)}}
  %0 = attn.mask #attn.mask<neighborhood(2x2x2x2, 1x1x1x1)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @heads_on_cascade(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{'attn.mask' op per-head masks (heads(...)) need the head index: use them on attn.attention}}
  %0 = attn.mask #attn.mask<heads(causal, full)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @heads_empty(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'heads' takes one or more masks}}
  %0 = attn.mask #attn.mask<heads()> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @dilated_too_many(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'dilated' takes 2 or 3 integer argument(s), got 4}}
  %0 = attn.mask #attn.mask<dilated(4, 2, 1, 0)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @chunk_zero(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'chunk' needs positive sizes}}
  %0 = attn.mask #attn.mask<chunk(0, 4)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @document_on_cascade(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{'attn.mask' op run-time mask terms (document(...)) read mask operands: use them on attn.attention}}
  %0 = attn.mask #attn.mask<document> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @document_without_operand(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op the mask reads 1 mask operand(s), got 0}}
  %0 = attn.attention mask #attn.mask<document> ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @operand_without_document(%q: tensor<1x2x8x4xf32>, %s: tensor<1x8xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op the mask reads 0 mask operand(s), got 1}}
  %0 = attn.attention mask #attn.mask<causal> mask_operands(%s : tensor<1x8xi32>) ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @document_wrong_length(%q: tensor<1x2x8x4xf32>, %s: tensor<1x9xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op index 'n' has size 8 in the key but 9 in mask operand #0}}
  %0 = attn.attention mask #attn.mask<document> mask_operands(%s : tensor<1x9xi32>) ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @document_rank(%q: tensor<1x2x8x4xf32>, %s: tensor<8xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op expects mask operand #0 to be [batch, keys] segment ids, got 'tensor<8xi32>'}}
  %0 = attn.attention mask #attn.mask<document> mask_operands(%s : tensor<8xi32>) ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @blocks_rank(%q: tensor<1x2x8x4xf32>, %l: tensor<1x8xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op expects mask operand #0 to be a [batch, query heads, query blocks, key blocks] layout, got 'tensor<1x8xi32>'}}
  %0 = attn.attention mask #attn.mask<blocks(0, 4, 4)> mask_operands(%l : tensor<1x8xi32>) ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @blocks_heads(%q: tensor<1x2x8x4xf32>, %l: tensor<1x3x2x2xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op index 'h' has size 2 in the query but 3 in mask operand #0}}
  %0 = attn.attention mask #attn.mask<blocks(0, 4, 4)> mask_operands(%l : tensor<1x3x2x2xi32>) ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @blocks_and_document_share(%q: tensor<1x2x8x4xf32>, %l: tensor<1x8xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op a mask operand is read by both 'document' and 'blocks' terms, which read different tensors}}
  %0 = attn.attention mask #attn.mask<or(document, blocks(0, 4, 4))> mask_operands(%l : tensor<1x8xi32>) ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @blocks_zero(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'blocks' needs positive block sizes}}
  %0 = attn.mask #attn.mask<blocks(0, 0, 4)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @decay_softmax(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op 'decay' applies to linear attention only}}
  %0 = attn.attention mask #attn.mask<causal> decay [0.9] ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @decay_not_causal(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op 'decay' needs mask #attn.mask<causal>: l^(i - j) grows without bound for keys after the query}}
  %0 = attn.attention mask #attn.mask<window(4, 0)> feature #attn.feature<relu> normalizer sum decay [0.9] ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @decay_count(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op expects one decay or one per query head (2), got 3}}
  %0 = attn.attention mask #attn.mask<causal> feature #attn.feature<relu> normalizer sum decay [0.9, 0.8, 0.7] ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @decay_range(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op decay must be in (0, 1], got 1.5}}
  %0 = attn.attention mask #attn.mask<causal> feature #attn.feature<relu> normalizer sum decay [1.5] ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @order_window(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op order 'reassociated' needs no mask, 'full' or 'causal'; got #attn.mask<window(4, 0)>}}
  %0 = attn.attention mask #attn.mask<window(4, 0)> feature #attn.feature<relu> normalizer sum order reassociated ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @chunk_multiple(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op chunk must be a positive multiple of 16 (the widest vector), got 24}}
  %0 = attn.attention mask #attn.mask<causal> feature #attn.feature<relu> normalizer sum order reassociated chunk 24 ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @chunk_without_order(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op 'chunk' sizes the causal re-associated order; it needs order 'reassociated' and mask #attn.mask<causal>}}
  %0 = attn.attention mask #attn.mask<causal> feature #attn.feature<relu> normalizer sum chunk 32 ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @order_softmax(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op 'order' applies to linear attention only}}
  %0 = attn.attention mask #attn.mask<causal> order quadratic ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @cosformer_feature_op(%q: tensor<8x16x4xf32>) -> tensor<8x16x8xf32> {
  // expected-error @+1 {{'attn.feature' op 'cosformer' weights features by token position; use it on attn.attention, which knows the positions}}
  %0 = attn.feature #attn.feature<cosformer> %q "hmd" over "d" : tensor<8x16x4xf32> -> tensor<8x16x8xf32>
  return %0 : tensor<8x16x8xf32>
}

// -----

func.func @favor_without_projection(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op feature map 'favor' needs projection(%w : tensor<MxDx...>)}}
  %0 = attn.attention feature #attn.feature<favor> normalizer sum ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @projection_without_favor(%q: tensor<1x2x8x4xf32>, %w: tensor<16x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op a projection belongs to feature map 'favor' only}}
  %0 = attn.attention feature #attn.feature<relu> projection(%w : tensor<16x4xf32>) normalizer sum ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @projection_shape(%q: tensor<1x2x8x4xf32>, %w: tensor<16x5xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op expects the projection to be a static [features, 4] matrix, got 'tensor<16x5xf32>'}}
  %0 = attn.attention feature #attn.feature<favor> projection(%w : tensor<16x5xf32>) normalizer sum ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @projection_dynamic(%q: tensor<1x2x8x4xf32>, %w: tensor<?x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op expects the projection to be a static [features, 4] matrix, got 'tensor<?x4xf32>'}}
  %0 = attn.attention feature #attn.feature<favor> projection(%w : tensor<?x4xf32>) normalizer sum ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @favor_feature_op(%q: tensor<8x16x4xf32>) -> tensor<8x16x4xf32> {
  // expected-error @+1 {{'attn.feature' op 'favor' needs its projection matrix; use it on attn.attention with projection(...)}}
  %0 = attn.feature #attn.feature<favor> %q "hmd" over "d" : tensor<8x16x4xf32> -> tensor<8x16x4xf32>
  return %0 : tensor<8x16x4xf32>
}

// -----

func.func @topk_zero_block(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{mask term 'topk_blocks' needs positive block sizes}}
  %0 = attn.mask #attn.mask<topk_blocks(0, 16, 0)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @topk_rank(%q: tensor<1x2x8x4xf32>, %i: tensor<1x2x4xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op expects mask operand #0 to be [batch, query heads, query blocks, k] key-block indices, got 'tensor<1x2x4xi32>'}}
  %0 = attn.attention mask #attn.mask<topk_blocks(0, 4, 4)> mask_operands(%i : tensor<1x2x4xi32>) ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @topk_heads(%q: tensor<1x2x8x4xf32>, %i: tensor<1x3x2x4xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op index 'h' has size 2 in the query but 3 in mask operand #0}}
  %0 = attn.attention mask #attn.mask<topk_blocks(0, 4, 4)> mask_operands(%i : tensor<1x3x2x4xi32>) ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @topk_and_blocks_share(%q: tensor<1x2x8x4xf32>, %l: tensor<1x2x2x2xi32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' op a mask operand is read by both 'blocks' and 'topk_blocks' terms, which read different tensors}}
  %0 = attn.attention mask #attn.mask<or(blocks(0, 4, 4), topk_blocks(0, 4, 4))> mask_operands(%l : tensor<1x2x2x2xi32>) ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @topk_on_cascade(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{'attn.mask' op}}
  %0 = attn.mask #attn.mask<topk_blocks(0, 4, 4)> %s "mn" query "m" key "n" : tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @neighborhood_stride_too_large(%s: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @+1 {{mask term 'neighborhood': stride 4 must be between 1 and the kernel size 3 (axis 1)}}
  %0 = attn.mask #attn.mask<neighborhood(8x8, 3x3, 1x1, 0x0, 2x4)> %s "mn" query "m" key "n" : tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}

// -----

func.func @neighborhood_stride_zero(%s: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @+1 {{mask term 'neighborhood': stride 0 must be between 1 and the kernel size 3 (axis 0)}}
  %0 = attn.mask #attn.mask<neighborhood(64, 3, 1, 0, 0)> %s "mn" query "m" key "n" : tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}

// -----

func.func @offsets_count(%q: tensor<1x4x32x16xf32>, %r: index) -> tensor<1x4x32x16xf32> {
  // expected-error @below {{offsets are (row, position, head): expected 3 values, got 2}}
  %o = attn.attention offsets(%r, %r) ins(%q, %q, %q : tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}

// -----

func.func @online_outs(%q: tensor<1x4x16x32xf32>, %acc: tensor<1x4x16x32xf32>, %max: tensor<1x4x16xf32>) -> tensor<1x4x16x32xf32> {
  // expected-error @below {{expects outs(acc, max, sum) and their three results}}
  %o:2 = attn.online_attention ins(%q, %q, %q : tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) outs(%acc, %max : tensor<1x4x16x32xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16x32xf32>, tensor<1x4x16xf32>
  return %o#0 : tensor<1x4x16x32xf32>
}

// -----

func.func @online_state_rows(%q: tensor<1x4x16x32xf32>, %acc: tensor<1x4x16x32xf32>, %max: tensor<1x4x8xf32>) -> tensor<1x4x16x32xf32> {
  // expected-error @below {{index 'm' has size 16 in the accumulator but 8 in the max state}}
  %o:3 = attn.online_attention ins(%q, %q, %q : tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) outs(%acc, %max, %max : tensor<1x4x16x32xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x16x32xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>
  return %o#0 : tensor<1x4x16x32xf32>
}

// -----

func.func @online_offsets(%q: tensor<1x4x16x32xf32>, %acc: tensor<1x4x16x32xf32>, %max: tensor<1x4x16xf32>, %r: index) -> tensor<1x4x16x32xf32> {
  // expected-error @below {{offsets are (row, position, head, key): expected 4 values, got 3}}
  %o:3 = attn.online_attention offsets(%r, %r, %r) ins(%q, %q, %q : tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) outs(%acc, %max, %max : tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>
  return %o#0 : tensor<1x4x16x32xf32>
}

// -----

func.func @online_result_types(%q: tensor<1x4x16x32xf32>, %acc: tensor<1x4x16x32xf32>, %max: tensor<1x4x16xf32>) -> tensor<1x4x?x32xf32> {
  // expected-error @below {{result types must be the outs types}}
  %o:3 = attn.online_attention ins(%q, %q, %q : tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) outs(%acc, %max, %max : tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x?x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>
  return %o#0 : tensor<1x4x?x32xf32>
}

// -----

// Index notation is parsed once, also in the generic form.
func.func @generic_spec(%a: tensor<4x4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{result index 'c' of "ab->c" appears in no operand}}
  %r = "attn.reduce"(%a) <{kind = #attn<reduce add>, spec = #attn.spec<"ab->c">}> : (tensor<4x4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @generic_indices(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{index 'a' appears twice in "aa"}}
  %r = "attn.mask"(%a) <{mask = #attn.mask<causal>, indices = #attn.indices<"aa">, query = #attn.indices<"a">, key = #attn.indices<"b">}> : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

func.func @score_mod_arity(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{score_mod takes the score, (batch, head, row, key, position) and one tensor per capture (6 arguments), got 5}}
  %0 = attn.attention score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    attn.yield %s : f32
  } ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @score_mod_score_type(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{score_mod argument #0 must be the score type 'f32', got 'f64'}}
  %0 = attn.attention score_mod {
  ^bb0(%s: f64, %b: index, %h: index, %i: index, %j: index, %p: index):
    %c = arith.constant 0.0 : f32
    attn.yield %c : f32
  } ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @score_mod_index_type(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{score_mod argument #3 must be an index, got 'i32'}}
  %0 = attn.attention score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: i32, %j: index, %p: index):
    attn.yield %s : f32
  } ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @score_mod_capture_type(%q: tensor<1x2x8x16xf32>, %t: tensor<2xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{score_mod argument #6 must have the type of capture #0, 'tensor<2xf32>', got 'tensor<3xf32>'}}
  %0 = attn.attention captures(%t : tensor<2xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %c: tensor<3xf32>):
    attn.yield %s : f32
  } ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @score_mod_yield_type(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{score_mod yields 'f64', expected the score type 'f32'}}
  %0 = attn.attention score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %x = arith.extf %s : f32 to f64
    attn.yield %x : f64
  } ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @score_mod_tensor_value(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %0 = attn.attention score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    // expected-error @+1 {{computes a 'tensor<4xf32>' in a score_mod region, which works on scalars}}
    %t = tensor.empty() : tensor<4xf32>
    attn.yield %s : f32
  } ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @score_mod_linear(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{a score_mod region applies to score-based attention, not to linear attention (its scores are never formed)}}
  %0 = attn.attention feature #attn.feature<relu> normalizer sum score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    attn.yield %s : f32
  } ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @captures_without_region(%q: tensor<1x2x8x16xf32>, %t: tensor<2xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{captures are read by a score_mod region, but the op has none}}
  %0 = attn.attention captures(%t : tensor<2xf32>) ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @shift_on_softmax(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{'shift' and 'divide' apply to the pointwise normalisers (sigmoid, relu, relu2, softplus, identity) only}}
  %0 = attn.attention shift 1.0 ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @shift_not_finite(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{shift must be finite}}
  %0 = attn.attention normalizer sigmoid shift 0x7FF0000000000000 ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @pointwise_feature(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{a feature map needs normalizer 'sum' or 'none'; 'sigmoid' attention weighs the scores q.k themselves}}
  %0 = attn.attention feature #attn.feature<relu> normalizer sigmoid ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @read_rank(%q: tensor<1x2x8x16xf32>, %t: tensor<2x3xf32>) -> tensor<1x2x8x16xf32> {
  %0 = attn.attention captures(%t : tensor<2x3xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %c: tensor<2x3xf32>):
    // expected-error @+1 {{reads a rank-2 tensor with 1 indices}}
    %x = attn.read %c[%h] : tensor<2x3xf32>
    attn.yield %x : f32
  } ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @read_empty(%q: tensor<1x2x8x16xf32>, %t: tensor<0xf32>) -> tensor<1x2x8x16xf32> {
  %0 = attn.attention captures(%t : tensor<0xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %c: tensor<0xf32>):
    // expected-error @+1 {{reads an empty tensor 'tensor<0xf32>'}}
    %x = attn.read %c[%h] : tensor<0xf32>
    attn.yield %x : f32
  } ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @read_outside(%t: tensor<2xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{expects parent op 'attn.attention'}}
  %x = attn.read %t[%c0] : tensor<2xf32>
  return %x : f32
}

// -----

func.func @lse_pointwise(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8xf32> {
  // expected-error @+1 {{a log-sum-exp result needs normalizer 'softmax' (the 'sigmoid' weights have no softmax denominator)}}
  %o, %l = attn.attention normalizer sigmoid ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
      -> tensor<1x2x8x16xf32>, tensor<1x2x8xf32>
  return %l : tensor<1x2x8xf32>
}

// -----

func.func @lse_shape(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x7xf32> {
  // expected-error @+1 {{index 'm' has size 8 in the result but 7 in the log-sum-exp}}
  %o, %l = attn.attention ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
      -> tensor<1x2x8x16xf32>, tensor<1x2x7xf32>
  return %l : tensor<1x2x7xf32>
}

// -----

func.func @lse_rank(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x1xf32> {
  // expected-error @+1 {{index list "bhm" names 3 dimensions, but the log-sum-exp has rank 4}}
  %o, %l = attn.attention ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
      -> tensor<1x2x8x16xf32>, tensor<1x2x8x1xf32>
  return %l : tensor<1x2x8x1xf32>
}

// -----

func.func @lse_f16(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8xf16> {
  // expected-error @+1 {{result #1 must be ranked tensor of 32-bit float values, but got 'tensor<1x2x8xf16>'}}
  %o, %l = attn.attention ins(%q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
      -> tensor<1x2x8x16xf32>, tensor<1x2x8xf16>
  return %l : tensor<1x2x8xf16>
}

// -----

func.func @merge_counts(%o: tensor<2x8x16xf32>, %l: tensor<2x8xf32>) -> tensor<2x8x16xf32> {
  // expected-error @+1 {{has 2 outputs but 1 log-sum-exps: one per part}}
  %r, %s = attn.merge %o, %o lse %l : (tensor<2x8x16xf32>, tensor<2x8x16xf32>), (tensor<2x8xf32>) -> tensor<2x8x16xf32>, tensor<2x8xf32>
  return %r : tensor<2x8x16xf32>
}

// -----

func.func @merge_empty() -> tensor<2x8x16xf32> {
  // expected-error @+1 {{needs at least one part}}
  %r:2 = "attn.merge"() <{operandSegmentSizes = array<i32: 0, 0>}> : () -> (tensor<2x8x16xf32>, tensor<2x8xf32>)
  return %r#0 : tensor<2x8x16xf32>
}

// -----

func.func @merge_types(%o: tensor<2x8x16xf32>, %p: tensor<2x8x?xf32>, %l: tensor<2x8xf32>) -> tensor<2x8x16xf32> {
  // expected-error @+1 {{every output must have the result's type 'tensor<2x8x16xf32>', got 'tensor<2x8x?xf32>'}}
  %r, %s = attn.merge %o, %p lse %l, %l : (tensor<2x8x16xf32>, tensor<2x8x?xf32>), (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8x16xf32>, tensor<2x8xf32>
  return %r : tensor<2x8x16xf32>
}

// -----

func.func @merge_lse_types(%o: tensor<2x8x16xf32>, %l: tensor<2x8xf32>, %m: tensor<2x?xf32>) -> tensor<2x8x16xf32> {
  // expected-error @+1 {{every log-sum-exp must have the lse result's type 'tensor<2x8xf32>', got 'tensor<2x?xf32>'}}
  %r, %s = attn.merge %o, %o lse %l, %m : (tensor<2x8x16xf32>, tensor<2x8x16xf32>), (tensor<2x8xf32>, tensor<2x?xf32>) -> tensor<2x8x16xf32>, tensor<2x8xf32>
  return %r : tensor<2x8x16xf32>
}

// -----

func.func @merge_shape(%o: tensor<2x8x16xf32>, %l: tensor<2x9xf32>) -> tensor<2x8x16xf32> {
  // expected-error @+1 {{the log-sum-exps 'tensor<2x9xf32>' must have the outputs' shape without the last dimension, 'tensor<2x8x16xf32>'}}
  %r, %s = attn.merge %o lse %l : (tensor<2x8x16xf32>), (tensor<2x9xf32>) -> tensor<2x8x16xf32>, tensor<2x9xf32>
  return %r : tensor<2x8x16xf32>
}

// -----

func.func @paged_without_lengths(%q: tensor<2x4x1x16xf32>, %k: tensor<?x16x2x16xf32>, %t: tensor<2x8xi32>) -> tensor<2x4x1x16xf32> {
  // expected-error @+1 {{a page table needs the sequence lengths beside it}}
  %o = "attn.attention"(%q, %k, %k, %t) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0>}> ({}) : (tensor<2x4x1x16xf32>, tensor<?x16x2x16xf32>, tensor<?x16x2x16xf32>, tensor<2x8xi32>) -> tensor<2x4x1x16xf32>
  return %o : tensor<2x4x1x16xf32>
}

// -----

func.func @paged_batch(%q: tensor<2x4x1x16xf32>, %k: tensor<?x16x2x16xf32>, %t: tensor<3x8xi32>, %l: tensor<2xi32>) -> tensor<2x4x1x16xf32> {
  // expected-error @+1 {{index 'b' has size 2 in the query but 3 in the page table}}
  %o = attn.attention pages(%t, %l : tensor<3x8xi32>, tensor<2xi32>) ins(%q, %k, %k : tensor<2x4x1x16xf32>, tensor<?x16x2x16xf32>, tensor<?x16x2x16xf32>) -> tensor<2x4x1x16xf32>
  return %o : tensor<2x4x1x16xf32>
}

// -----

func.func @paged_heads(%q: tensor<2x3x1x16xf32>, %k: tensor<?x16x2x16xf32>, %t: tensor<2x8xi32>, %l: tensor<2xi32>) -> tensor<2x3x1x16xf32> {
  // expected-error @+1 {{query heads (3) must be a multiple of key/value heads (2)}}
  %o = attn.attention pages(%t, %l : tensor<2x8xi32>, tensor<2xi32>) ins(%q, %k, %k : tensor<2x3x1x16xf32>, tensor<?x16x2x16xf32>, tensor<?x16x2x16xf32>) -> tensor<2x3x1x16xf32>
  return %o : tensor<2x3x1x16xf32>
}

// -----

func.func @paged_pool_dim(%q: tensor<2x4x1x16xf32>, %k: tensor<4x16x2x8xf32>, %t: tensor<2x8xi32>, %l: tensor<2xi32>) -> tensor<2x4x1x16xf32> {
  // expected-error @+1 {{index 'd' has size 16 in the query but 8 in the key pool}}
  %o = attn.attention pages(%t, %l : tensor<2x8xi32>, tensor<2xi32>) ins(%q, %k, %k : tensor<2x4x1x16xf32>, tensor<4x16x2x8xf32>, tensor<4x16x2x8xf32>) -> tensor<2x4x1x16xf32>
  return %o : tensor<2x4x1x16xf32>
}

// -----

func.func @paged_documents(%q: tensor<2x4x1x16xf32>, %k: tensor<?x16x2x16xf32>, %t: tensor<2x8xi32>, %l: tensor<2xi32>) -> tensor<2x4x1x16xf32> {
  // expected-error @+1 {{paged attention takes no mask operands: its mask cannot read document ids or block layouts}}
  %o = attn.attention mask #attn.mask<document> pages(%t, %l : tensor<2x8xi32>, tensor<2xi32>) ins(%q, %k, %k : tensor<2x4x1x16xf32>, tensor<?x16x2x16xf32>, tensor<?x16x2x16xf32>) -> tensor<2x4x1x16xf32>
  return %o : tensor<2x4x1x16xf32>
}

// -----

func.func @paged_empty_pages(%q: tensor<2x4x1x16xf32>, %k: tensor<?x0x2x16xf32>, %t: tensor<2x8xi32>, %l: tensor<2xi32>) -> tensor<2x4x1x16xf32> {
  // expected-error @+1 {{pages must hold at least one key}}
  %o = attn.attention pages(%t, %l : tensor<2x8xi32>, tensor<2xi32>) ins(%q, %k, %k : tensor<2x4x1x16xf32>, tensor<?x0x2x16xf32>, tensor<?x0x2x16xf32>) -> tensor<2x4x1x16xf32>
  return %o : tensor<2x4x1x16xf32>
}

// -----

func.func @paged_linear(%q: tensor<2x4x1x16xf32>, %k: tensor<?x16x2x16xf32>, %t: tensor<2x8xi32>, %l: tensor<2xi32>) -> tensor<2x4x1x16xf32> {
  // expected-error @+1 {{paged KV caches hold the keys of score-based attention; linear attention keeps a state instead}}
  %o = attn.attention feature #attn.feature<elu_plus_one> pages(%t, %l : tensor<2x8xi32>, tensor<2xi32>) normalizer sum ins(%q, %k, %k : tensor<2x4x1x16xf32>, tensor<?x16x2x16xf32>, tensor<?x16x2x16xf32>) -> tensor<2x4x1x16xf32>
  return %o : tensor<2x4x1x16xf32>
}

// -----

func.func @varlen_batch(%q: tensor<2x4x8x16xf32>, %c: tensor<3xi32>) -> tensor<2x4x8x16xf32> {
  // expected-error @+1 {{packed sequences have batch 1, got 2}}
  %o = attn.attention varlen(%c, %c : tensor<3xi32>, tensor<3xi32>) ins(%q, %q, %q : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

func.func @varlen_counts(%q: tensor<1x4x8x16xf32>, %c: tensor<3xi32>, %d: tensor<4xi32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{query and key offsets must count the same sequences, got 3 and 4 entries}}
  %o = attn.attention varlen(%c, %d : tensor<3xi32>, tensor<4xi32>) ins(%q, %q, %q : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @varlen_rank(%q: tensor<1x4x8x16xf32>, %c: tensor<3x1xi32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{sequence offsets are rank-1 [S + 1] tensors, got 'tensor<3x1xi32>' and 'tensor<3x1xi32>'}}
  %o = attn.attention varlen(%c, %c : tensor<3x1xi32>, tensor<3x1xi32>) ins(%q, %q, %q : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @varlen_empty(%q: tensor<1x4x8x16xf32>, %c: tensor<0xi32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{sequence offsets need at least one entry (S + 1 for S sequences)}}
  %o = attn.attention varlen(%c, %c : tensor<0xi32>, tensor<0xi32>) ins(%q, %q, %q : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @varlen_documents(%q: tensor<1x4x8x16xf32>, %c: tensor<3xi32>, %s: tensor<1x8xi32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{packed sequences take no pages, mask operands or offsets (their positions are each sequence's own)}}
  %o = attn.attention mask #attn.mask<document> mask_operands(%s : tensor<1x8xi32>) varlen(%c, %c : tensor<3xi32>, tensor<3xi32>) ins(%q, %q, %q : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_key_value_types(%q: tensor<1x4x16x64xbf16>, %v: tensor<1x4x16x64xf16>) -> tensor<1x4x16x64xbf16> {
  // expected-error @+1 {{key and value element types differ: 'bf16' and 'f16'}}
  %0 = attn.attention ins(%q, %q, %v : tensor<1x4x16x64xbf16>, tensor<1x4x16x64xbf16>, tensor<1x4x16x64xf16>) -> tensor<1x4x16x64xbf16>
  return %0 : tensor<1x4x16x64xbf16>
}

// -----

func.func @attention_query_type(%q: tensor<1x4x16x64xbf16>, %k: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xbf16> {
  // expected-error @+1 {{query element type 'bf16' differs from the key's 'f32' (an f32 query goes with bf16 or f16 keys only)}}
  %0 = attn.attention ins(%q, %k, %k : tensor<1x4x16x64xbf16>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xbf16>
  return %0 : tensor<1x4x16x64xbf16>
}

// -----

func.func @attention_result_type(%q: tensor<1x4x16x64xbf16>) -> tensor<1x4x16x64xf16> {
  // expected-error @+1 {{result element type 'f16' differs from the query's 'bf16' (an f32 result goes with a bf16 or f16 query only)}}
  %0 = attn.attention ins(%q, %q, %q : tensor<1x4x16x64xbf16>, tensor<1x4x16x64xbf16>, tensor<1x4x16x64xbf16>) -> tensor<1x4x16x64xf16>
  return %0 : tensor<1x4x16x64xf16>
}
