// attn.merge: partial attention results over disjoint key sets combined by their
// log-sum-exps (merge.test checks each entry against the fp64 reference, and the
// shared-prefix entry against NumPy attention over the concatenated keys).

// Shared-prefix (cascade) attention: 4 query rows of 8 heads (GQA 8/2) see all of a
// shared prefix and, causally, their own suffix; merged = attention over prefix ++ suffix
// under an end-aligned causal mask.
func.func @shared_prefix(%q: tensor<1x8x4x64xf32>,
                         %kp: tensor<1x2x?x64xf32> {attn.dims = "bgpd"}, %vp: tensor<1x2x?x64xf32> {attn.dims = "bgpd"},
                         %ks: tensor<1x2x?x64xf32> {attn.dims = "bgnd"}, %vs: tensor<1x2x?x64xf32> {attn.dims = "bgnd"})
    -> (tensor<1x8x4x64xf32>, tensor<1x8x4xf32>) attributes {attn.defaults = {p = 300, n = 37}} {
  %o1, %l1 = attn.attention ins(%q, %kp, %vp : tensor<1x8x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
  %o2, %l2 = attn.attention mask #attn.mask<causal> ins(%q, %ks, %vs : tensor<1x8x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
  %o, %l = attn.merge %o1, %o2 lse %l1, %l2
      : (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>), (tensor<1x8x4xf32>, tensor<1x8x4xf32>)
      -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
  return %o, %l : tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
}

// Three parts of a prefill (dynamic rows), any of them possibly empty (x, y, z = 0);
// the merge of merges equals the merge of all parts (associativity).
func.func @three_parts(%q: tensor<2x4x?x32xf32> {attn.dims = "bhmd"},
                       %k1: tensor<2x4x?x32xf32> {attn.dims = "bhxd"}, %v1: tensor<2x4x?x32xf32> {attn.dims = "bhxd"},
                       %k2: tensor<2x4x?x32xf32> {attn.dims = "bhyd"}, %v2: tensor<2x4x?x32xf32> {attn.dims = "bhyd"},
                       %k3: tensor<2x4x?x32xf32> {attn.dims = "bhzd"}, %v3: tensor<2x4x?x32xf32> {attn.dims = "bhzd"})
    -> (tensor<2x4x?x32xf32>, tensor<2x4x?xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?xf32>)
    attributes {attn.defaults = {m = 50, x = 70, y = 20, z = 90}} {
  %o1, %l1 = attn.attention mask #attn.mask<causal> ins(%q, %k1, %v1 : tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>)
      -> tensor<2x4x?x32xf32>, tensor<2x4x?xf32>
  %o2, %l2 = attn.attention mask #attn.mask<window(10, 10)> ins(%q, %k2, %v2 : tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>)
      -> tensor<2x4x?x32xf32>, tensor<2x4x?xf32>
  %o3, %l3 = attn.attention softcap 5.0 ins(%q, %k3, %v3 : tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>)
      -> tensor<2x4x?x32xf32>, tensor<2x4x?xf32>
  %o, %l = attn.merge %o1, %o2, %o3 lse %l1, %l2, %l3
      : (tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>), (tensor<2x4x?xf32>, tensor<2x4x?xf32>, tensor<2x4x?xf32>)
      -> tensor<2x4x?x32xf32>, tensor<2x4x?xf32>
  %o12, %l12 = attn.merge %o1, %o2 lse %l1, %l2
      : (tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>), (tensor<2x4x?xf32>, tensor<2x4x?xf32>)
      -> tensor<2x4x?x32xf32>, tensor<2x4x?xf32>
  %oa, %la = attn.merge %o12, %o3 lse %l12, %l3
      : (tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>), (tensor<2x4x?xf32>, tensor<2x4x?xf32>)
      -> tensor<2x4x?x32xf32>, tensor<2x4x?xf32>
  return %o, %l, %oa, %la : tensor<2x4x?x32xf32>, tensor<2x4x?xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?xf32>
}

// One part: the merge is the identity on (o, lse).
func.func @one_part(%q: tensor<1x2x3x16xf32>, %k: tensor<1x2x?x16xf32> {attn.dims = "bhnd"}, %v: tensor<1x2x?x16xf32> {attn.dims = "bhnd"})
    -> (tensor<1x2x3x16xf32>, tensor<1x2x3xf32>) attributes {attn.defaults = {n = 9}} {
  %o1, %l1 = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x2x3x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>)
      -> tensor<1x2x3x16xf32>, tensor<1x2x3xf32>
  %o, %l = attn.merge %o1 lse %l1 : (tensor<1x2x3x16xf32>), (tensor<1x2x3xf32>) -> tensor<1x2x3x16xf32>, tensor<1x2x3xf32>
  return %o, %l : tensor<1x2x3x16xf32>, tensor<1x2x3xf32>
}
