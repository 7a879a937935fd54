// RUN: attn-opt %s -split-input-file --attn-print-tile-classification="q-len=256" --mlir-print-op-on-diagnostic=false -verify-diagnostics -o /dev/null
// RUN: attn-opt %s -split-input-file --attn-print-tile-classification="q-len=100 kv-len=300 q-tile=32" --mlir-print-op-on-diagnostic=false 2>&1 -o /dev/null | FileCheck %s --check-prefix=CROSS
// RUN: not attn-opt %s --attn-print-tile-classification 2>&1 | FileCheck %s --check-prefix=NOLEN

// Every count below equals a brute-force classification of all (query, key) pairs of
// each tile from the mask's definition (empty: no pair visible; full: all visible).
// NOLEN: error: attn-print-tile-classification needs q-len > 0 and positive tiles, all below 2^30; got q-len=0 q-tile=64 kv-tile=64
// Nq=100 < Nk=300 (end-aligned causal): one empty tile.
// CROSS: remark: tiles of 32x64 for Nq=100 Nk=300: 20 tiles, 1 empty, 14 full, 5 partial; visited 19 (95.0%)

// -----

func.func @causal(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 6 empty, 6 full, 4 partial; visited 10 (62.5%)}}
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

func.func @window(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 9 empty, 0 full, 7 partial; visited 7 (43.8%)}}
  %o = attn.attention mask #attn.mask<and(causal, window(64, 0))> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

func.func @sink_window(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 7 empty, 0 full, 9 partial; visited 9 (56.2%)}}
  %o = attn.attention mask #attn.mask<or(sink(4), and(causal, window(63, 0)))> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

func.func @chunk(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 4 empty, 2 full, 10 partial; visited 12 (75.0%)}}
  %o = attn.attention mask #attn.mask<chunk(100)> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

func.func @prefix(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 5 empty, 7 full, 4 partial; visited 11 (68.8%)}}
  %o = attn.attention mask #attn.mask<prefix(100)> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

func.func @dilated(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 9 empty, 0 full, 7 partial; visited 7 (43.8%)}}
  %o = attn.attention mask #attn.mask<dilated(4, 8)> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

func.func @not_causal(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 6 empty, 6 full, 4 partial; visited 10 (62.5%)}}
  %o = attn.attention mask #attn.mask<not(causal)> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

func.func @neighborhood_1d(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 6 empty, 0 full, 10 partial; visited 10 (62.5%)}}
  %o = attn.attention mask #attn.mask<neighborhood(256, 7)> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

// GNA strides: stride = kernel = tile is blocked attention (exactly the diagonal); a
// 2-D stride of 5 over a 16x16 grid. Both equal the brute-force counts.
func.func @neighborhood_strided(%q: tensor<1x1x256x16xf32>) -> (tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 12 empty, 0 full, 4 partial; visited 4 (25.0%)}}
  %a = attn.attention mask #attn.mask<neighborhood(256, 64, 1, 0, 64)> ins(%q, %q, %q : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 6 empty, 0 full, 10 partial; visited 10 (62.5%)}}
  %b = attn.attention mask #attn.mask<neighborhood(16x16, 5x5, 1x1, 0x0, 5x5)> ins(%q, %q, %q : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %a, %b : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>
}

// -----

// attn.mask in a cascade is classified the same way; unmasked attention is not reported.
func.func @cascade_mask(%s: tensor<2x256x256xf32>, %q: tensor<1x1x256x16xf32>) -> (tensor<2x256x256xf32>, tensor<1x1x256x16xf32>) {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 6 empty, 6 full, 4 partial; visited 10 (62.5%)}}
  %m = attn.mask #attn.mask<causal> %s "hmn" query "m" key "n" : tensor<2x256x256xf32>
  %o = attn.attention ins(%q, %q, %q : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %m, %o : tensor<2x256x256xf32>, tensor<1x1x256x16xf32>
}

// -----

func.func @chunk_shift(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 4 empty, 1 full, 11 partial; visited 12 (75.0%)}}
  %o = attn.attention mask #attn.mask<chunk(100, 50)> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

func.func @dilated_offset(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 9 empty, 0 full, 7 partial; visited 7 (43.8%)}}
  %o = attn.attention mask #attn.mask<dilated(4, 8, 3)> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}

// -----

// Conservative: the tile of distances 129..255 holds no power of two (exact: 7 empty),
// but the classification only uses the causal band.
func.func @power2(%q: tensor<1x1x256x16xf32>, %k: tensor<1x1x256x16xf32>, %v: tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32> {
  // expected-remark @+1 {{tiles of 64x64 for Nq=256 Nk=256: 16 tiles, 6 empty, 0 full, 10 partial; visited 10 (62.5%)}}
  %o = attn.attention mask #attn.mask<power2> ins(%q, %k, %v : tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>, tensor<1x1x256x16xf32>) -> tensor<1x1x256x16xf32>
  return %o : tensor<1x1x256x16xf32>
}
