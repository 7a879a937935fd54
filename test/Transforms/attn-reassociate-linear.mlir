// RUN: attn-opt %s -split-input-file --attn-reassociate-linear | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-reassociate-linear="chunk=128" | FileCheck %s --check-prefix=CHUNK
// RUN: attn-opt %s -split-input-file --attn-reassociate-linear="remarks=1" 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: not attn-opt %s -split-input-file --attn-reassociate-linear="chunk=40" 2>&1 | FileCheck %s --check-prefix=BADCHUNK

// BADCHUNK: attn-reassociate-linear: chunk must be 0 (cost model) or a positive multiple of 16 up to 1024, got 40

// Short sequences: 2 N^2 (F + E) is less than the two F x E products per token.
// CHECK-LABEL: func.func @short_full
// CHECK: attn.attention feature #attn.feature<elu_plus_one> normalizer sum order quadratic ins
// REMARK: remark: linear attention: quadratic; estimated cost quadratic 2.662400e+05, re-associated 5.324800e+05
func.func @short_full(%q: tensor<1x4x32x64xf32>, %v: tensor<1x4x32x64xf32>) -> tensor<1x4x32x64xf32> {
  %o = attn.attention feature #attn.feature<elu_plus_one> normalizer sum
      ins(%q, %q, %v : tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>) -> tensor<1x4x32x64xf32>
  return %o : tensor<1x4x32x64xf32>
}

// -----

// Long sequences without a mask: phi(Q) (phi(K)^T V), no chunk.
// CHECK-LABEL: func.func @long_full
// CHECK: attn.attention feature #attn.feature<relu> normalizer sum order reassociated ins
// CHUNK-LABEL: func.func @long_full
// CHUNK-NOT: chunk
// REMARK: remark: linear attention: reassociated; estimated cost quadratic 2.214593e+09, re-associated 1.730150e+07
func.func @long_full(%q: tensor<1x4x4096x32xf32>, %v: tensor<1x4x4096x32xf32>) -> tensor<1x4x4096x32xf32> {
  %o = attn.attention feature #attn.feature<relu> normalizer sum
      ins(%q, %q, %v : tensor<1x4x4096x32xf32>, tensor<1x4x4096x32xf32>, tensor<1x4x4096x32xf32>) -> tensor<1x4x4096x32xf32>
  return %o : tensor<1x4x4096x32xf32>
}

// -----

// Causal, long: chunks of 16 keys (the fitted optimum for F = E = 64); the option
// overrides the chunk.
// CHECK-LABEL: func.func @long_causal
// CHECK: order reassociated chunk 16 ins
// CHUNK-LABEL: func.func @long_causal
// CHUNK: order reassociated chunk 128 ins
func.func @long_causal(%q: tensor<1x4x16384x64xf32>, %v: tensor<1x4x16384x64xf32>) -> tensor<1x4x16384x64xf32> {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum decay [0.99]
      ins(%q, %q, %v : tensor<1x4x16384x64xf32>, tensor<1x4x16384x64xf32>, tensor<1x4x16384x64xf32>) -> tensor<1x4x16384x64xf32>
  return %o : tensor<1x4x16384x64xf32>
}

// -----

// Causal, short: the masked quadratic form is cheaper than chunking 48 tokens.
// CHECK-LABEL: func.func @short_causal
// CHECK: order quadratic ins
func.func @short_causal(%q: tensor<1x4x48x64xf32>, %v: tensor<1x4x48x64xf32>) -> tensor<1x4x48x64xf32> {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum
      ins(%q, %q, %v : tensor<1x4x48x64xf32>, tensor<1x4x48x64xf32>, tensor<1x4x48x64xf32>) -> tensor<1x4x48x64xf32>
  return %o : tensor<1x4x48x64xf32>
}

// -----

// Large feature maps move the break-even: taylor2 with D = 16 has F = 273 features.
// CHECK-LABEL: func.func @taylor2_lengths
// CHECK: order quadratic ins
// CHECK: order reassociated ins
func.func @taylor2_lengths(%q: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x64xf32>,
                           %q2: tensor<1x1x2048x16xf32>, %v2: tensor<1x1x2048x64xf32>)
    -> (tensor<1x1x64x64xf32>, tensor<1x1x2048x64xf32>) {
  %0 = attn.attention feature #attn.feature<taylor2> normalizer sum
      ins(%q, %q, %v : tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32>
  %1 = attn.attention feature #attn.feature<taylor2> normalizer sum
      ins(%q2, %q2, %v2 : tensor<1x1x2048x16xf32>, tensor<1x1x2048x16xf32>, tensor<1x1x2048x64xf32>) -> tensor<1x1x2048x64xf32>
  return %0, %1 : tensor<1x1x64x64xf32>, tensor<1x1x2048x64xf32>
}

// -----

// Dynamic lengths: the order that stays linear, whatever they turn out to be.
// CHECK-LABEL: func.func @dynamic
// CHECK: order reassociated chunk 16 ins
func.func @dynamic(%q: tensor<1x4x?x64xf32>, %v: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum
      ins(%q, %q, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// -----

// Masks the re-associated order cannot express keep the quadratic order; an order in
// the IR is kept; softmax attention is not touched.
// CHECK-LABEL: func.func @kept
// CHECK: mask #attn.mask<window(256, 0)> feature #attn.feature<relu> normalizer sum order quadratic ins
// CHECK: feature #attn.feature<relu> normalizer sum order quadratic ins
// CHECK: attn.attention mask #attn.mask<causal> ins
// CHECK-NOT: order
func.func @kept(%q: tensor<1x4x?x64xf32>, %v: tensor<1x4x?x64xf32>)
    -> (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) {
  %0 = attn.attention mask #attn.mask<window(256, 0)> feature #attn.feature<relu> normalizer sum
      ins(%q, %q, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  %1 = attn.attention feature #attn.feature<relu> normalizer sum order quadratic
      ins(%q, %q, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  %2 = attn.attention mask #attn.mask<causal>
      ins(%q, %q, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  return %0, %1, %2 : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>
}
