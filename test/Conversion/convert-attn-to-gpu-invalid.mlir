// RUN: attn-opt %s -split-input-file --convert-attn-to-gpu -verify-diagnostics

func.func @linear(%q: tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16> {
  // expected-error @+1 {{cannot lower this attn.attention to the GPU: linear attention is not lowered to the GPU yet}}
  %o = attn.attention feature #attn.feature<elu_plus_one> normalizer sum ins(%q, %q, %q : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

// -----

func.func @head_dim(%q: tensor<1x4x?x72xf16>) -> tensor<1x4x?x72xf16> {
  // expected-error @+1 {{cannot lower this attn.attention to the GPU: the head dim must be a multiple of 16 and at most 128}}
  %o = attn.attention ins(%q, %q, %q : tensor<1x4x?x72xf16>, tensor<1x4x?x72xf16>, tensor<1x4x?x72xf16>) -> tensor<1x4x?x72xf16>
  return %o : tensor<1x4x?x72xf16>
}

// -----

func.func @topk(%q: tensor<1x4x?x64xf16>, %i: tensor<1x4x?x4xi32>) -> tensor<1x4x?x64xf16> {
  // expected-error @+1 {{cannot lower this attn.attention to the GPU: top-k block indices are not supported on the GPU path yet (give the layout with blocks(...))}}
  %o = attn.attention mask #attn.mask<topk_blocks(0, 64, 64)> mask_operands(%i : tensor<1x4x?x4xi32>) ins(%q, %q, %q : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

// -----

func.func @cascade(%s: tensor<4x8xf16>) -> tensor<4x8xf16> {
  // expected-error @+1 {{convert-attn-to-gpu lowers attn.attention only: this cascade was not raised to one}}
  %e = attn.map exp %s : (tensor<4x8xf16>) -> tensor<4x8xf16>
  return %e : tensor<4x8xf16>
}

// -----

func.func @region_log(%q: tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16> {
  // expected-error @+1 {{cannot lower this attn.attention to the GPU: the score_mod region uses transcendental math ops other than exp, exp2 and tanh (libdevice is not linked)}}
  %o = attn.attention score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %l = math.log1p %s : f32
    attn.yield %l : f32
  } ins(%q, %q, %q : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

// -----

func.func @region_f64_capture(%q: tensor<1x4x?x64xf16>, %t: tensor<4xf64>) -> tensor<1x4x?x64xf16> {
  // expected-error @+1 {{cannot lower this attn.attention to the GPU: a captured tensor of f64 (f32 and integers only)}}
  %o = attn.attention captures(%t : tensor<4xf64>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %c: tensor<4xf64>):
    attn.yield %s : f32
  } ins(%q, %q, %q : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

// -----

func.func @merge(%o: tensor<1x4x8x64xf16>, %l: tensor<1x4x8xf32>) -> tensor<1x4x8x64xf16> {
  // expected-error @+1 {{attn.merge has no GPU lowering yet (merge on the CPU, or in the caller's framework)}}
  %r, %s = attn.merge %o, %o lse %l, %l : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>), (tensor<1x4x8xf32>, tensor<1x4x8xf32>)
      -> tensor<1x4x8x64xf16>, tensor<1x4x8xf32>
  return %r : tensor<1x4x8x64xf16>
}

// -----

func.func @paged(%q: tensor<2x4x1x64xf16>, %k: tensor<?x16x2x64xf16>, %t: tensor<2x8xi32>, %l: tensor<2xi32>) -> tensor<2x4x1x64xf16> {
  // expected-error @+1 {{cannot lower this attn.attention to the GPU: the GPU kernel does not read paged KV caches yet (the CPU kernels do)}}
  %o = attn.attention pages(%t, %l : tensor<2x8xi32>, tensor<2xi32>) ins(%q, %k, %k : tensor<2x4x1x64xf16>, tensor<?x16x2x64xf16>, tensor<?x16x2x64xf16>) -> tensor<2x4x1x64xf16>
  return %o : tensor<2x4x1x64xf16>
}

// -----

func.func @varlen(%q: tensor<1x4x?x64xf16>, %c: tensor<3xi32>) -> tensor<1x4x?x64xf16> {
  // expected-error @+1 {{cannot lower this attn.attention to the GPU: the GPU kernel does not take packed sequences (varlen) yet (the CPU kernels do)}}
  %o = attn.attention varlen(%c, %c : tensor<3xi32>, tensor<3xi32>) ins(%q, %q, %q : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

// -----

func.func @mixed_precision(%q: tensor<1x4x64x64xf16>) -> tensor<1x4x64x64xf32> {
  // expected-error @+1 {{cannot lower this attn.attention to the GPU: q, k, v and the result have different element types (mixed precision is CPU-only so far)}}
  %o = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xf16>, tensor<1x4x64x64xf16>, tensor<1x4x64x64xf16>) -> tensor<1x4x64x64xf32>
  return %o : tensor<1x4x64x64xf32>
}
