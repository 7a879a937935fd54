// Each elementwise function, reduction, contraction form and feature map of the
// cascade, through the generic lowering, against the reference evaluator.
func.func @unary_maps(%x: tensor<3x17x?xf32> {attn.dims = "abc"}) -> (tensor<3x17x?xf32>, tensor<3x17x?xf32>, tensor<3x17x?xf32>, tensor<3x17x?xf32>, tensor<3x17x?xf32>, tensor<3x17x?xf32>)
    attributes {attn.defaults = {c = 9}} {
  %0 = attn.map sigmoid %x : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  %1 = attn.map softplus %x : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  %2 = attn.map elu %x by 0.7 : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  %3 = attn.map relu %x : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  %t = attn.map tanh %x : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  %4 = attn.map neg %t : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  %e = attn.map exp %x : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  %l = attn.map log %e : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  %s = attn.map shift %l by 0.25 : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  %5 = attn.map softcap %s by 0.5 : (tensor<3x17x?xf32>) -> tensor<3x17x?xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<3x17x?xf32>, tensor<3x17x?xf32>, tensor<3x17x?xf32>, tensor<3x17x?xf32>, tensor<3x17x?xf32>, tensor<3x17x?xf32>
}

func.func @binary_maps(%x: tensor<3x17xf32>, %y: tensor<17xf32>) -> (tensor<17x3xf32>, tensor<3x17xf32>, tensor<3x17xf32>, tensor<3x17xf32>, tensor<3x17xf32>) {
  %0 = attn.map add "ab,b->ba" %x, %y : (tensor<3x17xf32>, tensor<17xf32>) -> tensor<17x3xf32>
  %1 = attn.map mul "ab,b->ab" %x, %y : (tensor<3x17xf32>, tensor<17xf32>) -> tensor<3x17xf32>
  %2 = attn.map max "ab,b->ab" %x, %y : (tensor<3x17xf32>, tensor<17xf32>) -> tensor<3x17xf32>
  %3 = attn.map min "ab,b->ab" %x, %y : (tensor<3x17xf32>, tensor<17xf32>) -> tensor<3x17xf32>
  %e = attn.map exp %y : (tensor<17xf32>) -> tensor<17xf32>
  %4 = attn.map div "ab,b->ab" %x, %e : (tensor<3x17xf32>, tensor<17xf32>) -> tensor<3x17xf32>
  return %0, %1, %2, %3, %4 : tensor<17x3xf32>, tensor<3x17xf32>, tensor<3x17xf32>, tensor<3x17xf32>, tensor<3x17xf32>
}

func.func @contractions(%a: tensor<5x7x4xf32>, %b: tensor<7x4x6xf32>) -> (tensor<6x5xf32>, tensor<5x6xf32>, tensor<4x5xf32>, tensor<5x7xf32>) {
  %0 = attn.einsum "akc,kcb->ba" %a, %b scale 0.5 : (tensor<5x7x4xf32>, tensor<7x4x6xf32>) -> tensor<6x5xf32>
  %1 = attn.einsum "akc,kcb->ab" %a, %b combine add reduce max : (tensor<5x7x4xf32>, tensor<7x4x6xf32>) -> tensor<5x6xf32>
  %2 = attn.einsum "akc->ca" %a : (tensor<5x7x4xf32>) -> tensor<4x5xf32>
  %3 = attn.reduce max "akc->ak" %a : tensor<5x7x4xf32> -> tensor<5x7xf32>
  return %0, %1, %2, %3 : tensor<6x5xf32>, tensor<5x6xf32>, tensor<4x5xf32>, tensor<5x7xf32>
}

func.func @features(%x: tensor<2x11x5xf32>) -> (tensor<2x11x5xf32>, tensor<2x11x5xf32>, tensor<2x11x31xf32>, tensor<2x11x5xf32>, tensor<2x11x5xf32>) {
  %0 = attn.feature #attn.feature<elu_plus_one> %x "hnd" over "d" : tensor<2x11x5xf32> -> tensor<2x11x5xf32>
  %1 = attn.feature #attn.feature<relu> %x "hnd" over "d" : tensor<2x11x5xf32> -> tensor<2x11x5xf32>
  %2 = attn.feature #attn.feature<taylor2> %x "hnd" over "d" : tensor<2x11x5xf32> -> tensor<2x11x31xf32>
  %3 = attn.feature #attn.feature<softmax_features> %x "hnd" over "d" : tensor<2x11x5xf32> -> tensor<2x11x5xf32>
  %4 = attn.feature #attn.feature<softmax_features> %x "hnd" over "n" : tensor<2x11x5xf32> -> tensor<2x11x5xf32>
  return %0, %1, %2, %3, %4 : tensor<2x11x5xf32>, tensor<2x11x5xf32>, tensor<2x11x31xf32>, tensor<2x11x5xf32>, tensor<2x11x5xf32>
}

// Efficient Attention (Shen et al.): softmax of q over features, of k over the sequence.
func.func @efficient_attention(%q: tensor<1x2x33x16xf32>, %k: tensor<1x2x47x16xf32>, %v: tensor<1x2x47x8xf32>) -> tensor<1x2x33x8xf32> {
  %o = attn.attention feature #attn.feature<softmax_features> normalizer none
      ins(%q, %k, %v : tensor<1x2x33x16xf32>, tensor<1x2x47x16xf32>, tensor<1x2x47x8xf32>) -> tensor<1x2x33x8xf32>
  return %o : tensor<1x2x33x8xf32>
}

func.func @relu_linear(%q: tensor<1x2x33x16xf32>, %k: tensor<1x2x47x16xf32>, %v: tensor<1x2x47x8xf32>) -> tensor<1x2x33x8xf32> {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<relu> normalizer sum scale 0.5
      ins(%q, %k, %v : tensor<1x2x33x16xf32>, tensor<1x2x47x16xf32>, tensor<1x2x47x8xf32>) -> tensor<1x2x33x8xf32>
  return %o : tensor<1x2x33x8xf32>
}
