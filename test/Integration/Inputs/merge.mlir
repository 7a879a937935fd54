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

// Eight parts, one of them empty (x = 0), under different masks and scales (any
// partition of the keys merges exactly).
func.func @eight_parts(%q: tensor<1x2x?x16xf32> {attn.dims = "bhmd"}, %k0: tensor<1x2x?x16xf32> {attn.dims = "bhwd"}, %v0: tensor<1x2x?x16xf32> {attn.dims = "bhwd"}, %k1: tensor<1x2x?x16xf32> {attn.dims = "bhxd"}, %v1: tensor<1x2x?x16xf32> {attn.dims = "bhxd"}, %k2: tensor<1x2x?x16xf32> {attn.dims = "bhyd"}, %v2: tensor<1x2x?x16xf32> {attn.dims = "bhyd"}, %k3: tensor<1x2x?x16xf32> {attn.dims = "bhzd"}, %v3: tensor<1x2x?x16xf32> {attn.dims = "bhzd"}, %k4: tensor<1x2x?x16xf32> {attn.dims = "bhpd"}, %v4: tensor<1x2x?x16xf32> {attn.dims = "bhpd"}, %k5: tensor<1x2x?x16xf32> {attn.dims = "bhqd"}, %v5: tensor<1x2x?x16xf32> {attn.dims = "bhqd"}, %k6: tensor<1x2x?x16xf32> {attn.dims = "bhrd"}, %v6: tensor<1x2x?x16xf32> {attn.dims = "bhrd"}, %k7: tensor<1x2x?x16xf32> {attn.dims = "bhsd"}, %v7: tensor<1x2x?x16xf32> {attn.dims = "bhsd"})
    -> (tensor<1x2x?x16xf32>, tensor<1x2x?xf32>) attributes {attn.defaults = {m = 20, w = 40, x = 0, y = 7, z = 130, p = 1, q = 64, r = 65, s = 3}} {
  %o0, %l0 = attn.attention ins(%q, %k0, %v0 : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  %o1, %l1 = attn.attention mask #attn.mask<causal> ins(%q, %k1, %v1 : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  %o2, %l2 = attn.attention softcap 3.0 ins(%q, %k2, %v2 : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  %o3, %l3 = attn.attention mask #attn.mask<window(5, 5)> ins(%q, %k3, %v3 : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  %o4, %l4 = attn.attention ins(%q, %k4, %v4 : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  %o5, %l5 = attn.attention scale 0.5 ins(%q, %k5, %v5 : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  %o6, %l6 = attn.attention mask #attn.mask<causal> ins(%q, %k6, %v6 : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  %o7, %l7 = attn.attention ins(%q, %k7, %v7 : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  %o, %l = attn.merge %o0, %o1, %o2, %o3, %o4, %o5, %o6, %o7 lse %l0, %l1, %l2, %l3, %l4, %l5, %l6, %l7
      : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>),
        (tensor<1x2x?xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>) -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  return %o, %l : tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
}
