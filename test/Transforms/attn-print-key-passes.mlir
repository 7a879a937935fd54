// RUN: attn-opt %s -split-input-file --attn-print-key-passes --mlir-print-op-on-diagnostic=false -verify-diagnostics | FileCheck %s

// The IR is left as it is.
// CHECK-LABEL: func.func @softmax_three_pass
// CHECK: attn.reduce max
// CHECK-NOT: attn.attention

// Softmax as written: max (pass 1), exp(s - max) and the sum (pass 2), p = e / sum and
// p V (pass 3). Raised to attn.attention (online softmax): one pass.
// expected-remark @+1 {{key-axis passes: 3 over 'n' as written, 1 after attn-raise-cascade; other reduced axes: 'd' 1}}
func.func @softmax_three_pass(%q: tensor<8x128x64xf32>, %k: tensor<8x128x64xf32>, %v: tensor<8x128x64xf32>) -> tensor<8x128x64xf32> {
  %s = attn.einsum "hmd,hnd->hmn" %q, %k : (tensor<8x128x64xf32>, tensor<8x128x64xf32>) -> tensor<8x128x128xf32>
  %max = attn.reduce max "hmn->hm" %s : tensor<8x128x128xf32> -> tensor<8x128xf32>
  %d = attn.map sub "hmn,hm->hmn" %s, %max : (tensor<8x128x128xf32>, tensor<8x128xf32>) -> tensor<8x128x128xf32>
  %e = attn.map exp %d : (tensor<8x128x128xf32>) -> tensor<8x128x128xf32>
  %sum = attn.reduce add "hmn->hm" %e : tensor<8x128x128xf32> -> tensor<8x128xf32>
  %p = attn.map div "hmn,hm->hmn" %e, %sum : (tensor<8x128x128xf32>, tensor<8x128xf32>) -> tensor<8x128x128xf32>
  %o = attn.einsum "hmn,hnd->hmd" %p, %v : (tensor<8x128x128xf32>, tensor<8x128x64xf32>) -> tensor<8x128x64xf32>
  return %o : tensor<8x128x64xf32>
}

// -----

// Dividing after the value contraction saves a pass (FuseMax's 2-pass cascade); the
// letters may differ per op.
// CHECK-LABEL: func.func @softmax_two_pass
// expected-remark @+1 {{key-axis passes: 2 over 'j' as written, 1 after attn-raise-cascade; other reduced axes: 'c' 1}}
func.func @softmax_two_pass(%q: tensor<2x64x32xf32>, %k: tensor<2x96x32xf32>, %v: tensor<2x96x16xf32>) -> tensor<2x64x16xf32> {
  %s = attn.einsum "bic,bjc->bij" %q, %k scale 0.17 : (tensor<2x64x32xf32>, tensor<2x96x32xf32>) -> tensor<2x64x96xf32>
  %max = attn.reduce max "bij->bi" %s : tensor<2x64x96xf32> -> tensor<2x64xf32>
  %d = attn.map sub "bij,bi->bij" %s, %max : (tensor<2x64x96xf32>, tensor<2x64xf32>) -> tensor<2x64x96xf32>
  %e = attn.map exp %d : (tensor<2x64x96xf32>) -> tensor<2x64x96xf32>
  %sum = attn.reduce add "bxy->bx" %e : tensor<2x64x96xf32> -> tensor<2x64xf32>
  %u = attn.einsum "bij,bje->bie" %e, %v : (tensor<2x64x96xf32>, tensor<2x96x16xf32>) -> tensor<2x64x16xf32>
  %o = attn.map div "bie,bi->bie" %u, %sum : (tensor<2x64x16xf32>, tensor<2x64xf32>) -> tensor<2x64x16xf32>
  return %o : tensor<2x64x16xf32>
}

// -----

// Without the max subtraction (unsafe for large logits, but a valid cascade) exp, sum
// and the contraction all stream in one pass.
// CHECK-LABEL: func.func @softmax_no_max
// expected-remark @+1 {{key-axis passes: 1 over 'n' as written, 1 after attn-raise-cascade; other reduced axes: 'd' 1}}
func.func @softmax_no_max(%q: tensor<4x32x8xf32>, %k: tensor<4x32x8xf32>, %v: tensor<4x32x8xf32>) -> tensor<4x32x8xf32> {
  %s = attn.einsum "hmd,hnd->hmn" %q, %k : (tensor<4x32x8xf32>, tensor<4x32x8xf32>) -> tensor<4x32x32xf32>
  %e = attn.map exp %s : (tensor<4x32x32xf32>) -> tensor<4x32x32xf32>
  %sum = attn.reduce add "hmn->hm" %e : tensor<4x32x32xf32> -> tensor<4x32xf32>
  %u = attn.einsum "hmn,hnd->hmd" %e, %v : (tensor<4x32x32xf32>, tensor<4x32x8xf32>) -> tensor<4x32x8xf32>
  %o = attn.map div "hmd,hm->hmd" %u, %sum : (tensor<4x32x8xf32>, tensor<4x32xf32>) -> tensor<4x32x8xf32>
  return %o : tensor<4x32x8xf32>
}

// -----

// A cascade no rewrite reduces: scores centred by their mean over the keys before the
// softmax need a pass for the mean, then the three of softmax.
// CHECK-LABEL: func.func @centred_softmax
// expected-remark @+1 {{key-axis passes: 4 over 'n' as written, 4 after attn-raise-cascade; other reduced axes: 'd' 1}}
func.func @centred_softmax(%q: tensor<4x32x8xf32>, %k: tensor<4x32x8xf32>, %v: tensor<4x32x8xf32>) -> tensor<4x32x8xf32> {
  %s = attn.einsum "hmd,hnd->hmn" %q, %k : (tensor<4x32x8xf32>, tensor<4x32x8xf32>) -> tensor<4x32x32xf32>
  %total = attn.reduce add "hmn->hm" %s : tensor<4x32x32xf32> -> tensor<4x32xf32>
  %mean = attn.map scale %total by 0.03125 : (tensor<4x32xf32>) -> tensor<4x32xf32>
  %c = attn.map sub "hmn,hm->hmn" %s, %mean : (tensor<4x32x32xf32>, tensor<4x32xf32>) -> tensor<4x32x32xf32>
  %max = attn.reduce max "hmn->hm" %c : tensor<4x32x32xf32> -> tensor<4x32xf32>
  %d = attn.map sub "hmn,hm->hmn" %c, %max : (tensor<4x32x32xf32>, tensor<4x32xf32>) -> tensor<4x32x32xf32>
  %e = attn.map exp %d : (tensor<4x32x32xf32>) -> tensor<4x32x32xf32>
  %sum = attn.reduce add "hmn->hm" %e : tensor<4x32x32xf32> -> tensor<4x32xf32>
  %p = attn.map div "hmn,hm->hmn" %e, %sum : (tensor<4x32x32xf32>, tensor<4x32xf32>) -> tensor<4x32x32xf32>
  %o = attn.einsum "hmn,hnd->hmd" %p, %v : (tensor<4x32x32xf32>, tensor<4x32x8xf32>) -> tensor<4x32x8xf32>
  return %o : tensor<4x32x8xf32>
}

// -----

// attn.attention is one pass over its keys; linear attention re-associated as
// phi(Q) (phi(K)^T V) is one pass too.
// CHECK-LABEL: func.func @fused
// expected-remark @+1 {{key-axis passes: 1 over 'n' as written, 1 after attn-raise-cascade; other reduced axes: 'd' 1}}
func.func @fused(%q: tensor<1x4x64x32xf32>, %k: tensor<1x4x64x32xf32>, %v: tensor<1x4x64x32xf32>) -> tensor<1x4x64x32xf32> {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x4x64x32xf32>, tensor<1x4x64x32xf32>, tensor<1x4x64x32xf32>) -> tensor<1x4x64x32xf32>
  return %o : tensor<1x4x64x32xf32>
}

// -----

// CHECK-LABEL: func.func @linear_reassociated
// expected-remark @+1 {{key-axis passes: 1 over 'n' as written, 1 after attn-raise-cascade; other reduced axes: 'd' 1}}
func.func @linear_reassociated(%q: tensor<4x32x8xf32>, %k: tensor<4x32x8xf32>, %v: tensor<4x32x8xf32>) -> tensor<4x32x8xf32> {
  %fq = attn.feature #attn.feature<elu_plus_one> %q "hmd" over "d" : tensor<4x32x8xf32> -> tensor<4x32x8xf32>
  %fk = attn.feature #attn.feature<elu_plus_one> %k "hnd" over "d" : tensor<4x32x8xf32> -> tensor<4x32x8xf32>
  %kv = attn.einsum "hnd,hne->hde" %fk, %v : (tensor<4x32x8xf32>, tensor<4x32x8xf32>) -> tensor<4x8x8xf32>
  %num = attn.einsum "hmd,hde->hme" %fq, %kv : (tensor<4x32x8xf32>, tensor<4x8x8xf32>) -> tensor<4x32x8xf32>
  %ksum = attn.reduce add "hnd->hd" %fk : tensor<4x32x8xf32> -> tensor<4x8xf32>
  %den = attn.einsum "hmd,hd->hm" %fq, %ksum : (tensor<4x32x8xf32>, tensor<4x8xf32>) -> tensor<4x32xf32>
  %o = attn.map div "hme,hm->hme" %num, %den : (tensor<4x32x8xf32>, tensor<4x32xf32>) -> tensor<4x32x8xf32>
  return %o : tensor<4x32x8xf32>
}

// -----

// Functions without reductions get no remark.
// CHECK-LABEL: func.func @no_reduction
func.func @no_reduction(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = attn.map exp %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %e : tensor<4x8xf32>
}
