// Shapes for the vector flash kernel (convert-attn-to-vector): every head dim the
// kernel is tuned for, GQA, ragged and dynamic sequence lengths (see flash-kernel.test).

func.func @d64(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
                %v: tensor<?x?x?x64xf32> {attn.dims = "bgnd"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 2, h = 8, g = 2, m = 77, n = 131}} {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

func.func @d80(%q: tensor<?x?x?x80xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x80xf32> {attn.dims = "bgnd"},
                %v: tensor<?x?x?x80xf32> {attn.dims = "bgnd"}) -> tensor<?x?x?x80xf32>
    attributes {attn.defaults = {b = 2, h = 8, g = 2, m = 77, n = 131}} {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<?x?x?x80xf32>, tensor<?x?x?x80xf32>, tensor<?x?x?x80xf32>) -> tensor<?x?x?x80xf32>
  return %o : tensor<?x?x?x80xf32>
}

func.func @d96(%q: tensor<?x?x?x96xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x96xf32> {attn.dims = "bgnd"},
                %v: tensor<?x?x?x96xf32> {attn.dims = "bgnd"}) -> tensor<?x?x?x96xf32>
    attributes {attn.defaults = {b = 2, h = 8, g = 2, m = 77, n = 131}} {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<?x?x?x96xf32>, tensor<?x?x?x96xf32>, tensor<?x?x?x96xf32>) -> tensor<?x?x?x96xf32>
  return %o : tensor<?x?x?x96xf32>
}

func.func @d128(%q: tensor<?x?x?x128xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x128xf32> {attn.dims = "bgnd"},
                %v: tensor<?x?x?x128xf32> {attn.dims = "bgnd"}) -> tensor<?x?x?x128xf32>
    attributes {attn.defaults = {b = 2, h = 8, g = 2, m = 77, n = 131}} {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<?x?x?x128xf32>, tensor<?x?x?x128xf32>, tensor<?x?x?x128xf32>) -> tensor<?x?x?x128xf32>
  return %o : tensor<?x?x?x128xf32>
}

func.func @d256(%q: tensor<?x?x?x256xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x256xf32> {attn.dims = "bgnd"},
                %v: tensor<?x?x?x256xf32> {attn.dims = "bgnd"}) -> tensor<?x?x?x256xf32>
    attributes {attn.defaults = {b = 2, h = 8, g = 2, m = 77, n = 131}} {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<?x?x?x256xf32>, tensor<?x?x?x256xf32>, tensor<?x?x?x256xf32>) -> tensor<?x?x?x256xf32>
  return %o : tensor<?x?x?x256xf32>
}

// Query and key head dims differ (D = 48 for scores, E = 64 for values), unmasked.
func.func @dense_d48_e64(%q: tensor<?x?x?x48xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x48xf32> {attn.dims = "bgnd"},
                         %v: tensor<?x?x?x64xf32> {attn.dims = "bgne"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 1, h = 4, g = 4, m = 200, n = 333, e = 64}} {
  %o = attn.attention ins(%q, %k, %v : tensor<?x?x?x48xf32>, tensor<?x?x?x48xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// Sliding window with sinks and a soft-cap: skipped, full and partial tiles together.
func.func @sink_window_softcap(%q: tensor<?x?x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<?x?x?x64xf32> {attn.dims = "bgnd"},
                               %v: tensor<?x?x?x64xf32> {attn.dims = "bgnd"}) -> tensor<?x?x?x64xf32>
    attributes {attn.defaults = {b = 1, h = 4, g = 1, m = 700, n = 700}} {
  %o = attn.attention mask #attn.mask<or(sink(4), and(causal, window(100, 0)))> softcap 20.0
      ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}
