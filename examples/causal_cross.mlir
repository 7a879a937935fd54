// Causal attention with fewer queries than keys (chunked prefill / decoding with a
// cache): the Nq queries are the *last* Nq positions of the Nk keys (FlashAttention's
// bottom-right alignment, see #attn.mask), so query row i sees keys j <= i + Nk - Nq.
//
//   attn-run examples/causal_cross.mlir --check [--dims m=1,n=333]
func.func @causal_cross(%q: tensor<1x4x?x64xf32> {attn.dims = "bhmd"},
                        %k: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                        %v: tensor<1x4x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x64xf32>
    attributes {attn.defaults = {m = 100, n = 260}} {
  %o = attn.attention mask #attn.mask<causal>
      ins(%q, %k, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}
