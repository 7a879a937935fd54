// Linear attention through the vector kernel (convert-attn-to-vector, re-associated
// order; causal masks in chunks with the running state): every feature map, with and
// without the denominator, per-head and shared decay, chunk sizes, a head dim that is
// not a multiple of the vector width (see linear-kernel.test).

func.func @identity_causal(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<identity> normalizer none order reassociated
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @identity_full(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention feature #attn.feature<identity> normalizer none order reassociated
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @elu_plus_one_causal(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum order reassociated
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @elu_plus_one_full(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention feature #attn.feature<elu_plus_one> normalizer sum order reassociated
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @relu_causal(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<relu> normalizer sum order reassociated
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @relu_full(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention feature #attn.feature<relu> normalizer sum order reassociated
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @cosformer_causal(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<cosformer> normalizer sum order reassociated
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @cosformer_full(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention feature #attn.feature<cosformer> normalizer sum order reassociated
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @taylor2_causal(%q: tensor<?x?x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x16xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x32xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x32xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<taylor2> normalizer sum scale 0.25 order reassociated chunk 32
      ins(%q, %k, %v : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32>
  return %o : tensor<?x?x?x32xf32>
}

func.func @taylor2_full(%q: tensor<?x?x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x16xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x32xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x32xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention feature #attn.feature<taylor2> normalizer sum scale 0.25 order reassociated
      ins(%q, %k, %v : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32>
  return %o : tensor<?x?x?x32xf32>
}

func.func @elu_unnormalized(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x32xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x32xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer none order reassociated chunk 48
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x32xf32>) -> tensor<?x?x?x32xf32>
  return %o : tensor<?x?x?x32xf32>
}

func.func @decay_per_head(%q: tensor<?x4x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x2x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x2x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x4x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<identity> normalizer none decay [0.5, 0.9, 0.99, 1.0] order reassociated chunk 32
      ins(%q, %k, %v : tensor<?x4x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> tensor<?x4x?x64xf32>
  return %o : tensor<?x4x?x64xf32>
}

func.func @decay_shared(%q: tensor<?x4x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x2x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x2x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x4x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum decay [0.97] order reassociated chunk 128
      ins(%q, %k, %v : tensor<?x4x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> tensor<?x4x?x64xf32>
  return %o : tensor<?x4x?x64xf32>
}

func.func @cosformer_decay_d80(%q: tensor<?x?x?x80xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x80xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x48xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x48xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<cosformer> normalizer sum scale 0.1 decay [0.95] order reassociated chunk 16
      ins(%q, %k, %v : tensor<?x?x?x80xf32>, tensor<?x?x?x80xf32>, tensor<?x?x?x48xf32>) -> tensor<?x?x?x48xf32>
  return %o : tensor<?x?x?x48xf32>
}

func.func @elu_cost_model(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
    %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 4, g = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @favor_causal(%q: tensor<?x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<?x2x?x32xf32> {attn.dims = "bgnd"},
    %v: tensor<?x2x?x64xf32> {attn.dims = "bgne"}, %w: tensor<64x32xf32> {attn.dims = "fd"}) -> tensor<?x4x?x64xf32>
    attributes {attn.defaults = {b = 2, m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<favor> projection(%w : tensor<64x32xf32>)
      normalizer sum scale 0.4 order reassociated chunk 32
      ins(%q, %k, %v : tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x64xf32>) -> tensor<?x4x?x64xf32>
  return %o : tensor<?x4x?x64xf32>
}

func.func @favor_full(%q: tensor<?x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<?x2x?x32xf32> {attn.dims = "bgnd"},
    %v: tensor<?x2x?x64xf32> {attn.dims = "bgne"}, %w: tensor<48x32xf32> {attn.dims = "fd"}) -> tensor<?x4x?x64xf32>
    attributes {attn.defaults = {b = 2, m = 200, n = 200}} {
  %o = attn.attention feature #attn.feature<favor> projection(%w : tensor<48x32xf32>) normalizer sum scale 0.4
      ins(%q, %k, %v : tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x64xf32>) -> tensor<?x4x?x64xf32>
  return %o : tensor<?x4x?x64xf32>
}

// BASED-style hybrids: fused into the linear kernel (causal band) or not (right > 0).
func.func @hybrid(%ql: tensor<?x4x?x16xf32> {attn.dims = "bhmf"}, %kl: tensor<?x2x?x16xf32> {attn.dims = "bgnf"},
    %q: tensor<?x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<?x2x?x32xf32> {attn.dims = "bgnd"},
    %v: tensor<?x2x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x4x?x64xf32>
    attributes {attn.defaults = {b = 2, m = 150, n = 150}} {
  %lin = attn.attention mask #attn.mask<causal> feature #attn.feature<taylor2> normalizer sum scale 0.25
      ins(%ql, %kl, %v : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x64xf32>) -> tensor<?x4x?x64xf32>
  %win = attn.attention mask #attn.mask<and(window(20, 0), causal)>
      ins(%q, %k, %v : tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x64xf32>) -> tensor<?x4x?x64xf32>
  %o = attn.map add %win, %lin : (tensor<?x4x?x64xf32>, tensor<?x4x?x64xf32>) -> tensor<?x4x?x64xf32>
  return %o : tensor<?x4x?x64xf32>
}

func.func @hybrid_unfused(%ql: tensor<?x4x?x16xf32> {attn.dims = "bhmf"}, %kl: tensor<?x2x?x16xf32> {attn.dims = "bgnf"},
    %q: tensor<?x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<?x2x?x32xf32> {attn.dims = "bgnd"},
    %v: tensor<?x2x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x4x?x64xf32>
    attributes {attn.defaults = {b = 2, m = 150, n = 150}} {
  %lin = attn.attention mask #attn.mask<causal> feature #attn.feature<relu> normalizer sum
      ins(%ql, %kl, %v : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x64xf32>) -> tensor<?x4x?x64xf32>
  %win = attn.attention mask #attn.mask<window(20, 3)>
      ins(%q, %k, %v : tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x64xf32>) -> tensor<?x4x?x64xf32>
  %o = attn.map add %lin, %win : (tensor<?x4x?x64xf32>, tensor<?x4x?x64xf32>) -> tensor<?x4x?x64xf32>
  return %o : tensor<?x4x?x64xf32>
}
