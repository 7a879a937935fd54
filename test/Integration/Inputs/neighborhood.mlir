// Neighborhood attention (NATTEN semantics) on 1-D, 2-D and 3-D token grids, with
// dilation, per-axis causality, strides (GNA), and tokens past the grid (see
// neighborhood.test).

func.func @nbh_1d(%q: tensor<1x2x100x16xf32>, %k: tensor<1x2x100x16xf32>, %v: tensor<1x2x100x16xf32>) -> tensor<1x2x100x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(100, 7)> ins(%q, %k, %v : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) -> tensor<1x2x100x16xf32>
  return %o : tensor<1x2x100x16xf32>
}

func.func @nbh_1d_dilated_causal(%q: tensor<1x2x100x16xf32>, %k: tensor<1x2x100x16xf32>, %v: tensor<1x2x100x16xf32>) -> tensor<1x2x100x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(100, 5, 3, 1)> ins(%q, %k, %v : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) -> tensor<1x2x100x16xf32>
  return %o : tensor<1x2x100x16xf32>
}

func.func @nbh_2d(%q: tensor<1x2x240x16xf32>, %k: tensor<1x2x240x16xf32>, %v: tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(12x20, 5x7)> ins(%q, %k, %v : tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32>
  return %o : tensor<1x2x240x16xf32>
}

func.func @nbh_2d_dilated(%q: tensor<1x2x240x16xf32>, %k: tensor<1x2x240x16xf32>, %v: tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(12x20, 3x5, 2x3)> ins(%q, %k, %v : tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32>
  return %o : tensor<1x2x240x16xf32>
}

func.func @nbh_3d_causal_time(%q: tensor<1x2x240x16xf32>, %k: tensor<1x2x240x16xf32>, %v: tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(4x6x10, 3x3x5, 1x1x2, 1x0x0)> ins(%q, %k, %v : tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32>
  return %o : tensor<1x2x240x16xf32>
}

// 120 tokens on a 10x10 grid: the last 20 see nothing (zero rows) and are seen by none.
func.func @nbh_past_grid(%q: tensor<1x2x120x16xf32>, %k: tensor<1x2x120x16xf32>, %v: tensor<1x2x120x16xf32>) -> tensor<1x2x120x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(10x10, 3x3)> ins(%q, %k, %v : tensor<1x2x120x16xf32>, tensor<1x2x120x16xf32>, tensor<1x2x120x16xf32>) -> tensor<1x2x120x16xf32>
  return %o : tensor<1x2x120x16xf32>
}

// Combined with the rest of the algebra: a global sink token plus the 2-D window.
func.func @nbh_or_sink(%q: tensor<1x2x240x16xf32>, %k: tensor<1x2x240x16xf32>, %v: tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32> {
  %o = attn.attention mask #attn.mask<or(sink(1), neighborhood(12x20, 3x3))> ins(%q, %k, %v : tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32>
  return %o : tensor<1x2x240x16xf32>
}

func.func @nbh_1d_stride(%q: tensor<1x2x100x16xf32>, %k: tensor<1x2x100x16xf32>, %v: tensor<1x2x100x16xf32>) -> tensor<1x2x100x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(100, 7, 1, 0, 4)> ins(%q, %k, %v : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) -> tensor<1x2x100x16xf32>
  return %o : tensor<1x2x100x16xf32>
}

func.func @nbh_2d_stride_dilated(%q: tensor<1x2x240x16xf32>, %k: tensor<1x2x240x16xf32>, %v: tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(12x20, 5x7, 2x1, 0x0, 3x7)> ins(%q, %k, %v : tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32>
  return %o : tensor<1x2x240x16xf32>
}

func.func @nbh_3d_stride_causal(%q: tensor<1x2x240x16xf32>, %k: tensor<1x2x240x16xf32>, %v: tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(6x8x5, 3x5x3, 1x1x1, 1x0x0, 2x2x3)> ins(%q, %k, %v : tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>, tensor<1x2x240x16xf32>) -> tensor<1x2x240x16xf32>
  return %o : tensor<1x2x240x16xf32>
}

func.func @nbh_blocked(%q: tensor<1x2x96x16xf32>, %k: tensor<1x2x96x16xf32>, %v: tensor<1x2x96x16xf32>) -> tensor<1x2x96x16xf32> {
  %o = attn.attention mask #attn.mask<neighborhood(96, 8, 1, 0, 8)> ins(%q, %k, %v : tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32>) -> tensor<1x2x96x16xf32>
  return %o : tensor<1x2x96x16xf32>
}
