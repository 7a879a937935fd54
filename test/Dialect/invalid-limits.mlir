// RUN: attn-opt %s -split-input-file -verify-diagnostics
// Robustness: malformed and out-of-range mask terms, shapes and chunks get one located
// diagnostic each (no crash after it, no wrap-around in the kernels' 32-bit lanes).

// An invalid term nested in a connective used to leave a null term for the parent.
// expected-error @+1 {{mask term 'window' needs non-negative arguments, got -1}}
func.func @nested_not() attributes {m = #attn.mask<not(window(-1, 0))>} { return }

// -----

// expected-error @+1 {{mask term 'chunk' needs positive sizes}}
func.func @nested_chunk() attributes {m = #attn.mask<not(chunk(0))>} { return }

// -----

// expected-error @+1 {{mask term 'or' takes two or more masks, got 0}}
func.func @nested_or() attributes {m = #attn.mask<and(or, full)>} { return }

// -----

// expected-error @+1 {{mask term 'chunk' needs positive sizes}}
func.func @nested_heads() attributes {m = #attn.mask<heads(chunk(0))>} { return }

// -----

// expected-error @+1 {{mask term 'sink' takes 1 integer argument(s), got 0}}
func.func @deep_or() attributes {m = #attn.mask<or(causal, and(full, not(or(sink, causal))))>} { return }

// -----

// expected-error @+1 {{mask term 'dilated': argument 4611686018427387904 is not below 2^30}}
func.func @huge_dilated() attributes {m = #attn.mask<dilated(4611686018427387904, 4611686018427387904)>} { return }

// -----

// expected-error @+1 {{mask term 'dilated': width 65536 x rate 65536 is not below 2^30}}
func.func @dilated_product() attributes {m = #attn.mask<dilated(65536, 65536)>} { return }

// -----

// expected-error @+1 {{mask term 'window': argument 1073741824 is not below 2^30}}
func.func @huge_window() attributes {m = #attn.mask<window(1073741824, 0)>} { return }

// -----

// The largest parameter that fits.
// CHECK-NOT: error
func.func @window_limit() attributes {m = #attn.mask<window(1073741823, 0)>} { return }

// -----

// kernel * dilation would overflow int64; the check divides instead.
// expected-error @+1 {{mask term 'neighborhood': kernel 4611686018427387904 x dilation 2 does not fit axis 0 of length 128}}
func.func @neighborhood_overflow() attributes {m = #attn.mask<neighborhood(128x128, 4611686018427387904x1, 2x1)>} { return }

// -----

// expected-error @+1 {{mask term 'neighborhood': the grid has more than 2^30 - 1 tokens}}
func.func @neighborhood_grid() attributes {m = #attn.mask<neighborhood(65536x65536, 3x3)>} { return }

// -----

// expected-error @+1 {{mask term 'blocks': argument 2147483648 is not below 2^30}}
func.func @huge_blocks() attributes {m = #attn.mask<blocks(0, 2147483648, 64)>} { return }

// -----

func.func @long_sequence(%q: tensor<1x1x1073741824x16xf32>, %k: tensor<1x1x8x16xf32>) -> tensor<1x1x1073741824x16xf32> {
  // expected-error @+1 {{the query sequence has 1073741824 positions; at most 2^30 - 1 are supported}}
  %0 = attn.attention ins(%q, %k, %k : tensor<1x1x1073741824x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x1073741824x16xf32>
  return %0 : tensor<1x1x1073741824x16xf32>
}

// -----

func.func @huge_chunk(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{chunk 2147483648 exceeds the largest supported chunk 1024}}
  %0 = attn.attention mask #attn.mask<causal> feature #attn.feature<relu> normalizer sum order reassociated chunk 2147483648 ins(%q, %q, %q : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

// Tile offsets: positions are 32-bit lanes; heads and keys are not negative.
func.func @offset_range(%q: tensor<1x4x16x32xf32>) -> tensor<1x4x16x32xf32> {
  %c0 = arith.constant 0 : index
  %big = arith.constant 1073741824 : index
  // expected-error @below {{the position offset 1073741824 is not within +-(2^30 - 1)}}
  %o = attn.attention offsets(%c0, %big, %c0) ins(%q, %q, %q : tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) -> tensor<1x4x16x32xf32>
  return %o : tensor<1x4x16x32xf32>
}

// -----

func.func @negative_key(%q: tensor<1x4x16x32xf32>, %acc: tensor<1x4x16x32xf32>, %max: tensor<1x4x16xf32>) -> tensor<1x4x16x32xf32> {
  %c0 = arith.constant 0 : index
  %neg = arith.constant -1 : index
  // expected-error @below {{the key offset must not be negative, got -1}}
  %o:3 = attn.online_attention offsets(%c0, %c0, %c0, %neg) ins(%q, %q, %q : tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) outs(%acc, %max, %max : tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>
  return %o#0 : tensor<1x4x16x32xf32>
}
