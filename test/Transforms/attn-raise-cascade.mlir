// RUN: attn-opt %s -split-input-file --attn-raise-cascade --canonicalize | FileCheck %s

// The textbook cascade with the division before P V.
// CHECK-LABEL: func.func @mha
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8x?x64xf32>, %[[K:.*]]: tensor<2x8x?x64xf32>, %[[V:.*]]: tensor<2x8x?x64xf32>)
// CHECK: %[[O:.*]] = attn.attention scale 1.250000e-01 ins(%[[Q]], %[[K]], %[[V]] : tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>) -> tensor<2x8x?x64xf32>
// CHECK-NEXT: return %[[O]]
func.func @mha(%q: tensor<2x8x?x64xf32>, %k: tensor<2x8x?x64xf32>, %v: tensor<2x8x?x64xf32>) -> tensor<2x8x?x64xf32> {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.125 : (tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>) -> tensor<2x8x?x?xf32>
  %m = attn.reduce max "bhmn->bhm" %s : tensor<2x8x?x?xf32> -> tensor<2x8x?xf32>
  %d = attn.map sub "bhmn,bhm->bhmn" %s, %m : (tensor<2x8x?x?xf32>, tensor<2x8x?xf32>) -> tensor<2x8x?x?xf32>
  %e = attn.map exp %d : (tensor<2x8x?x?xf32>) -> tensor<2x8x?x?xf32>
  %l = attn.reduce add "bhmn->bhm" %e : tensor<2x8x?x?xf32> -> tensor<2x8x?xf32>
  %p = attn.map div "bhmn,bhm->bhmn" %e, %l : (tensor<2x8x?x?xf32>, tensor<2x8x?xf32>) -> tensor<2x8x?x?xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %p, %v : (tensor<2x8x?x?xf32>, tensor<2x8x?x64xf32>) -> tensor<2x8x?x64xf32>
  return %o : tensor<2x8x?x64xf32>
}

// -----

// GQA by index naming: q is split into (g, r); the raised op sees 32 query heads over
// 8 kv heads. Scale maps multiply; soft-cap and mask are picked up.
// CHECK-LABEL: func.func @gqa_softcap_causal
// CHECK: %[[Q4:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] : tensor<1x8x4x128x64xf32> into tensor<1x32x128x64xf32>
// CHECK: %[[O:.*]] = attn.attention mask #attn.mask<causal> scale 2.500000e-01 softcap 3.000000e+01 ins(%[[Q4]], %{{.*}}, %{{.*}} : tensor<1x32x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) -> tensor<1x32x128x64xf32>
// CHECK: tensor.expand_shape %[[O]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 8, 4, 128, 64]
func.func @gqa_softcap_causal(%q: tensor<1x8x4x128x64xf32>, %k: tensor<1x8x128x64xf32>, %v: tensor<1x8x128x64xf32>) -> tensor<1x8x4x128x64xf32> {
  %s0 = attn.einsum "bgrmd,bgnd->bgrmn" %q, %k scale 0.5 : (tensor<1x8x4x128x64xf32>, tensor<1x8x128x64xf32>) -> tensor<1x8x4x128x128xf32>
  %s1 = attn.map scale %s0 by 0.5 : (tensor<1x8x4x128x128xf32>) -> tensor<1x8x4x128x128xf32>
  %s2 = attn.map softcap %s1 by 30.0 : (tensor<1x8x4x128x128xf32>) -> tensor<1x8x4x128x128xf32>
  %s = attn.mask #attn.mask<causal> %s2 "bgrmn" query "m" key "n" : tensor<1x8x4x128x128xf32>
  %m = attn.reduce max "bgrmn->bgrm" %s : tensor<1x8x4x128x128xf32> -> tensor<1x8x4x128xf32>
  %d = attn.map sub "bgrmn,bgrm->bgrmn" %s, %m : (tensor<1x8x4x128x128xf32>, tensor<1x8x4x128xf32>) -> tensor<1x8x4x128x128xf32>
  %e = attn.map exp %d : (tensor<1x8x4x128x128xf32>) -> tensor<1x8x4x128x128xf32>
  %l = attn.reduce add "bgrmn->bgrm" %e : tensor<1x8x4x128x128xf32> -> tensor<1x8x4x128xf32>
  %p = attn.map div "bgrmn,bgrm->bgrmn" %e, %l : (tensor<1x8x4x128x128xf32>, tensor<1x8x4x128xf32>) -> tensor<1x8x4x128x128xf32>
  %o = attn.einsum "bgrmn,bgnd->bgrmd" %p, %v : (tensor<1x8x4x128x128xf32>, tensor<1x8x128x64xf32>) -> tensor<1x8x4x128x64xf32>
  return %o : tensor<1x8x4x128x64xf32>
}

// -----

// Normalised after the value contraction, without max subtraction, no batch letter.
// CHECK-LABEL: func.func @normalize_after
// CHECK: %[[Q:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 16, 8] : tensor<16x8xf32> into tensor<1x1x16x8xf32>
// CHECK: attn.attention scale 1.000000e+00 ins(%[[Q]],
// CHECK-NOT: attn.einsum
func.func @normalize_after(%q: tensor<16x8xf32>, %k: tensor<32x8xf32>, %v: tensor<32x4xf32>) -> tensor<16x4xf32> {
  %s = attn.einsum "md,nd->mn" %q, %k : (tensor<16x8xf32>, tensor<32x8xf32>) -> tensor<16x32xf32>
  %e = attn.map exp %s : (tensor<16x32xf32>) -> tensor<16x32xf32>
  %l = attn.reduce add "mn->m" %e : tensor<16x32xf32> -> tensor<16xf32>
  %pv = attn.einsum "mn,ne->me" %e, %v : (tensor<16x32xf32>, tensor<32x4xf32>) -> tensor<16x4xf32>
  %o = attn.map div "me,m->me" %pv, %l : (tensor<16x4xf32>, tensor<16xf32>) -> tensor<16x4xf32>
  return %o : tensor<16x4xf32>
}

// -----

// A score modification region between the scores and the softmax becomes the
// score_mod region (no batch or head letters here: the region ignores those indices).
// CHECK-LABEL: func.func @with_modify
// CHECK: attn.attention scale 1.000000e+00 score_mod {
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index):
// CHECK-NEXT: attn.yield %[[X]] : f32
// CHECK-NOT: attn.modify
func.func @with_modify(%q: tensor<16x8xf32>, %k: tensor<32x8xf32>, %v: tensor<32x4xf32>) -> tensor<16x4xf32> {
  %s0 = attn.einsum "md,nd->mn" %q, %k : (tensor<16x8xf32>, tensor<32x8xf32>) -> tensor<16x32xf32>
  %s = attn.modify %s0 "mn" {
  ^bb0(%x: f32, %m: index, %n: index):
    attn.yield %x : f32
  } : tensor<16x32xf32>
  %e = attn.map exp %s : (tensor<16x32xf32>) -> tensor<16x32xf32>
  %l = attn.reduce add "mn->m" %e : tensor<16x32xf32> -> tensor<16xf32>
  %p = attn.map div "mn,m->mn" %e, %l : (tensor<16x32xf32>, tensor<16xf32>) -> tensor<16x32xf32>
  %o = attn.einsum "mn,ne->me" %p, %v : (tensor<16x32xf32>, tensor<32x4xf32>) -> tensor<16x4xf32>
  return %o : tensor<16x4xf32>
}

// -----

// The denominator sums over the wrong index: not a softmax, left alone.
// CHECK-LABEL: func.func @wrong_normalizer
// CHECK-NOT: attn.attention
func.func @wrong_normalizer(%q: tensor<16x8xf32>, %k: tensor<16x8xf32>, %v: tensor<16x4xf32>) -> tensor<16x4xf32> {
  %s = attn.einsum "md,nd->mn" %q, %k : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x16xf32>
  %e = attn.map exp %s : (tensor<16x16xf32>) -> tensor<16x16xf32>
  %l = attn.reduce add "mn->n" %e : tensor<16x16xf32> -> tensor<16xf32>
  %p = attn.map div "mn,n->mn" %e, %l : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<16x16xf32>
  %o = attn.einsum "mn,ne->me" %p, %v : (tensor<16x16xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
  return %o : tensor<16x4xf32>
}

// -----

// A mask filled with zero (a linear-attention mask) before exp is not softmax masking.
// CHECK-LABEL: func.func @zero_fill_mask
// CHECK-NOT: attn.attention
func.func @zero_fill_mask(%q: tensor<16x8xf32>, %k: tensor<16x8xf32>, %v: tensor<16x4xf32>) -> tensor<16x4xf32> {
  %s0 = attn.einsum "md,nd->mn" %q, %k : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x16xf32>
  %s = attn.mask #attn.mask<causal> %s0 "mn" query "m" key "n" fill zero : tensor<16x16xf32>
  %e = attn.map exp %s : (tensor<16x16xf32>) -> tensor<16x16xf32>
  %l = attn.reduce add "mn->m" %e : tensor<16x16xf32> -> tensor<16xf32>
  %p = attn.map div "mn,m->mn" %e, %l : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<16x16xf32>
  %o = attn.einsum "mn,ne->me" %p, %v : (tensor<16x16xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
  return %o : tensor<16x4xf32>
}

// -----

// Every op names its dimensions its own way (as lifted linalg.generic ops do): the
// cascade matches up to renaming.
// CHECK-LABEL: func.func @renamed_letters
// CHECK: attn.attention mask #attn.mask<causal> scale 1.250000e-01 ins(
func.func @renamed_letters(%q: tensor<8x16x4xf32>, %k: tensor<8x16x4xf32>, %v: tensor<8x16x4xf32>) -> tensor<8x16x4xf32> {
  %s0 = attn.einsum "abd,acd->abc" %q, %k scale 0.125 : (tensor<8x16x4xf32>, tensor<8x16x4xf32>) -> tensor<8x16x16xf32>
  %s = attn.mask #attn.mask<causal> %s0 "xyz" query "y" key "z" : tensor<8x16x16xf32>
  %m = attn.reduce max "hij->hi" %s : tensor<8x16x16xf32> -> tensor<8x16xf32>
  %d = attn.map sub "abc,ab->abc" %s, %m : (tensor<8x16x16xf32>, tensor<8x16xf32>) -> tensor<8x16x16xf32>
  %e = attn.map exp %d : (tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %l = attn.reduce add "pqr->pq" %e : tensor<8x16x16xf32> -> tensor<8x16xf32>
  %p = attn.map div "ijk,ij->ijk" %e, %l : (tensor<8x16x16xf32>, tensor<8x16xf32>) -> tensor<8x16x16xf32>
  %o = attn.einsum "hmn,hnd->hmd" %p, %v : (tensor<8x16x16xf32>, tensor<8x16x4xf32>) -> tensor<8x16x4xf32>
  return %o : tensor<8x16x4xf32>
}

// -----

// The mask is on the wrong pair of indices (keys as queries): not raised.
// CHECK-LABEL: func.func @mask_transposed
// CHECK-NOT: attn.attention
func.func @mask_transposed(%q: tensor<16x4xf32>, %k: tensor<16x4xf32>, %v: tensor<16x4xf32>) -> tensor<16x4xf32> {
  %s0 = attn.einsum "md,nd->mn" %q, %k : (tensor<16x4xf32>, tensor<16x4xf32>) -> tensor<16x16xf32>
  %s = attn.mask #attn.mask<causal> %s0 "mn" query "n" key "m" : tensor<16x16xf32>
  %e = attn.map exp %s : (tensor<16x16xf32>) -> tensor<16x16xf32>
  %l = attn.reduce add "mn->m" %e : tensor<16x16xf32> -> tensor<16xf32>
  %p = attn.map div "mn,m->mn" %e, %l : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<16x16xf32>
  %o = attn.einsum "mn,ne->me" %p, %v : (tensor<16x16xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
  return %o : tensor<16x4xf32>
}

// -----

// Linear attention written in its quadratic order: phi(q) phi(k)^T, masked with zeros,
// times V, divided by the row sums; a scale on q before the map is the op's scale.
// CHECK-LABEL: func.func @linear_normalized_after
// CHECK: %[[O:.*]] = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum scale 5.000000e-01 ins(%arg0, %arg1, %arg2 : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>)
// CHECK-NEXT: return %[[O]]
func.func @linear_normalized_after(%q: tensor<1x4x?x32xf32>, %k: tensor<1x4x?x32xf32>, %v: tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32> {
  %qs = attn.map scale %q by 0.5 : (tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>
  %pq = attn.feature #attn.feature<elu_plus_one> %qs "bhmd" over "d" : tensor<1x4x?x32xf32> -> tensor<1x4x?x32xf32>
  %pk = attn.feature #attn.feature<elu_plus_one> %k "bhnd" over "d" : tensor<1x4x?x32xf32> -> tensor<1x4x?x32xf32>
  %a = attn.einsum "bhmd,bhnd->bhmn" %pq, %pk : (tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x?xf32>
  %am = attn.mask #attn.mask<causal> %a "bhmn" query "m" key "n" fill zero : tensor<1x4x?x?xf32>
  %num = attn.einsum "bhmn,bhne->bhme" %am, %v : (tensor<1x4x?x?xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>
  %den = attn.reduce add "bhmn->bhm" %am : tensor<1x4x?x?xf32> -> tensor<1x4x?xf32>
  %o = attn.map div "bhme,bhm->bhme" %num, %den : (tensor<1x4x?x32xf32>, tensor<1x4x?xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// -----

// Normalized before the value contraction, GQA by index naming, taylor2 features.
// CHECK-LABEL: func.func @linear_normalized_before_gqa
// CHECK: attn.attention feature #attn.feature<taylor2> normalizer sum scale 1.000000e+00 ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x32xf32>) -> tensor<1x8x64x32xf32>
func.func @linear_normalized_before_gqa(%q: tensor<1x2x4x64x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x32xf32>) -> tensor<1x2x4x64x32xf32> {
  %pq = attn.feature #attn.feature<taylor2> %q "bgrmd" over "d" : tensor<1x2x4x64x16xf32> -> tensor<1x2x4x64x273xf32>
  %pk = attn.feature #attn.feature<taylor2> %k "bgnd" over "d" : tensor<1x2x64x16xf32> -> tensor<1x2x64x273xf32>
  %a = attn.einsum "bgrmf,bgnf->bgrmn" %pq, %pk : (tensor<1x2x4x64x273xf32>, tensor<1x2x64x273xf32>) -> tensor<1x2x4x64x64xf32>
  %den = attn.reduce add "bgrmn->bgrm" %a : tensor<1x2x4x64x64xf32> -> tensor<1x2x4x64xf32>
  %w = attn.map div "bgrmn,bgrm->bgrmn" %a, %den : (tensor<1x2x4x64x64xf32>, tensor<1x2x4x64xf32>) -> tensor<1x2x4x64x64xf32>
  %o = attn.einsum "bgrmn,bgne->bgrme" %w, %v : (tensor<1x2x4x64x64xf32>, tensor<1x2x64x32xf32>) -> tensor<1x2x4x64x32xf32>
  return %o : tensor<1x2x4x64x32xf32>
}

// -----

// Without a denominator: normalizer none.
// CHECK-LABEL: func.func @linear_unnormalized
// CHECK: attn.attention mask #attn.mask<causal> feature #attn.feature<relu> normalizer none scale 1.000000e+00
// CHECK-NOT: attn.einsum
func.func @linear_unnormalized(%q: tensor<2x?x32xf32>, %k: tensor<2x?x32xf32>, %v: tensor<2x?x32xf32>) -> tensor<2x?x32xf32> {
  %pq = attn.feature #attn.feature<relu> %q "hmd" over "d" : tensor<2x?x32xf32> -> tensor<2x?x32xf32>
  %pk = attn.feature #attn.feature<relu> %k "hnd" over "d" : tensor<2x?x32xf32> -> tensor<2x?x32xf32>
  %a = attn.einsum "hmd,hnd->hmn" %pq, %pk : (tensor<2x?x32xf32>, tensor<2x?x32xf32>) -> tensor<2x?x?xf32>
  %am = attn.mask #attn.mask<causal> %a "hmn" query "m" key "n" fill zero : tensor<2x?x?xf32>
  %o = attn.einsum "hmn,hne->hme" %am, %v : (tensor<2x?x?xf32>, tensor<2x?x32xf32>) -> tensor<2x?x32xf32>
  return %o : tensor<2x?x32xf32>
}

// -----

// Not linear attention as attn.attention defines it: different maps for q and k,
// weights that are not phi(q).phi(k). Left alone.
// CHECK-LABEL: func.func @linear_not_raised
// CHECK-NOT: attn.attention
// CHECK: return
func.func @linear_not_raised(%q: tensor<2x16x8xf32>, %k: tensor<2x16x8xf32>, %v: tensor<2x16x8xf32>)
    -> (tensor<2x16x8xf32>, tensor<2x16x8xf32>) {
  %ks = attn.map scale %k by 0.5 : (tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  %pq = attn.feature #attn.feature<elu_plus_one> %q "hmd" over "d" : tensor<2x16x8xf32> -> tensor<2x16x8xf32>
  %pk = attn.feature #attn.feature<elu_plus_one> %ks "hnd" over "d" : tensor<2x16x8xf32> -> tensor<2x16x8xf32>
  %pr = attn.feature #attn.feature<relu> %k "hnd" over "d" : tensor<2x16x8xf32> -> tensor<2x16x8xf32>
  %a = attn.einsum "hmd,hnd->hmn" %pq, %pk : (tensor<2x16x8xf32>, tensor<2x16x8xf32>) -> tensor<2x16x16xf32>
  %b = attn.einsum "hmd,hnd->hmn" %pq, %pr : (tensor<2x16x8xf32>, tensor<2x16x8xf32>) -> tensor<2x16x16xf32>
  %c = attn.einsum "hmn,hmn->hmn" %a, %b : (tensor<2x16x16xf32>, tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
  %o1 = attn.einsum "hmn,hne->hme" %b, %v : (tensor<2x16x16xf32>, tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  %o2 = attn.einsum "hmn,hne->hme" %c, %v : (tensor<2x16x16xf32>, tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  return %o1, %o2 : tensor<2x16x8xf32>, tensor<2x16x8xf32>
}

// -----

// A HuggingFace-style additive mask [B, Nq, Nk] (broadcast over heads) and an
// attn.modify region between the scale and the mask become the score_mod region: the
// tensor a capture read at (batch, row, key), the modify body inlined after it.
// CHECK-LABEL: func.func @bias_and_modify
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x?x32xf32>, %{{.*}}: tensor<2x4x?x32xf32>, %{{.*}}: tensor<2x4x?x32xf32>, %[[B:.*]]: tensor<2x?x?xf32>)
// CHECK: attn.attention mask #attn.mask<causal> scale 1.250000e-01 captures(%[[B]] : tensor<2x?x?xf32>) score_mod {
// CHECK: ^bb0(%[[S:.*]]: f32, %[[BI:.*]]: index, %[[H:.*]]: index, %[[I:.*]]: index, %[[J:.*]]: index, %{{.*}}: index, %[[T:.*]]: tensor<2x?x?xf32>):
// CHECK: %[[X:.*]] = attn.read %[[T]][%[[BI]], %[[I]], %[[J]]] : tensor<2x?x?xf32>
// CHECK: %[[A:.*]] = arith.addf %[[S]], %[[X]] : f32
// CHECK: arith.index_cast %[[H]]
// CHECK: attn.yield
// CHECK-NOT: attn.modify
func.func @bias_and_modify(%q: tensor<2x4x?x32xf32>, %k: tensor<2x4x?x32xf32>, %v: tensor<2x4x?x32xf32>, %bias: tensor<2x?x?xf32>) -> tensor<2x4x?x32xf32> {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.125 : (tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>) -> tensor<2x4x?x?xf32>
  %a = attn.map add "bhmn,bmn->bhmn" %s, %bias : (tensor<2x4x?x?xf32>, tensor<2x?x?xf32>) -> tensor<2x4x?x?xf32>
  %r = attn.modify %a "bhmn" {
  ^bb0(%x: f32, %b: index, %h: index, %m: index, %n: index):
    %hi = arith.index_cast %h : index to i64
    %hf = arith.sitofp %hi : i64 to f32
    %y = arith.addf %x, %hf : f32
    attn.yield %y : f32
  } : tensor<2x4x?x?xf32>
  %c = attn.mask #attn.mask<causal> %r "bhmn" query "m" key "n" : tensor<2x4x?x?xf32>
  %m = attn.reduce max "bhmn->bhm" %c : tensor<2x4x?x?xf32> -> tensor<2x4x?xf32>
  %d = attn.map sub "bhmn,bhm->bhmn" %c, %m : (tensor<2x4x?x?xf32>, tensor<2x4x?xf32>) -> tensor<2x4x?x?xf32>
  %e = attn.map exp %d : (tensor<2x4x?x?xf32>) -> tensor<2x4x?x?xf32>
  %l = attn.reduce add "bhmn->bhm" %e : tensor<2x4x?x?xf32> -> tensor<2x4x?xf32>
  %p = attn.map div "bhmn,bhm->bhmn" %e, %l : (tensor<2x4x?x?xf32>, tensor<2x4x?xf32>) -> tensor<2x4x?x?xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %p, %v : (tensor<2x4x?x?xf32>, tensor<2x4x?x32xf32>) -> tensor<2x4x?x32xf32>
  return %o : tensor<2x4x?x32xf32>
}

// -----

// A modification before the scale is not in attn.attention's evaluation order
// (scale, soft-cap, score_mod, mask): left alone.
// CHECK-LABEL: func.func @modify_before_scale
// CHECK-NOT: attn.attention
// CHECK: attn.modify
func.func @modify_before_scale(%q: tensor<16x8xf32>, %k: tensor<32x8xf32>, %v: tensor<32x4xf32>) -> tensor<16x4xf32> {
  %s0 = attn.einsum "md,nd->mn" %q, %k : (tensor<16x8xf32>, tensor<32x8xf32>) -> tensor<16x32xf32>
  %s1 = attn.modify %s0 "mn" {
  ^bb0(%x: f32, %m: index, %n: index):
    attn.yield %x : f32
  } : tensor<16x32xf32>
  %s = attn.map scale %s1 by 0.5 : (tensor<16x32xf32>) -> tensor<16x32xf32>
  %e = attn.map exp %s : (tensor<16x32xf32>) -> tensor<16x32xf32>
  %l = attn.reduce add "mn->m" %e : tensor<16x32xf32> -> tensor<16xf32>
  %p = attn.map div "mn,m->mn" %e, %l : (tensor<16x32xf32>, tensor<16xf32>) -> tensor<16x32xf32>
  %o = attn.einsum "mn,ne->me" %p, %v : (tensor<16x32xf32>, tensor<32x4xf32>) -> tensor<16x4xf32>
  return %o : tensor<16x4xf32>
}
