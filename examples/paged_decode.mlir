// One decode step of a GQA model (32 query heads over 8 kv heads, D = 128) over a
// paged KV cache (vLLM's layout): K and V live in pools of 16-key pages [P, 16, 8, 128],
// each of the 8 sequences reads its pages through a row of the page table and has its
// own length (attn-run fills the table from a shuffled pool, one sequence full, one
// empty, the rest random). The decode kernel reads each sequence's K and V once per kv
// head, splits long sequences across threads, and returns the log-sum-exp beside the
// output (for merging with other partial results).
//
//   attn-run examples/paged_decode.mlir --check
//   attn-run examples/paged_decode.mlir --bench --dims p=16384,t=2048
func.func @paged_decode(%q: tensor<8x32x1x128xf32>,
                        %k_pool: tensor<?x16x8x128xf32> {attn.dims = "psgd"},
                        %v_pool: tensor<?x16x8x128xf32> {attn.dims = "psgd"},
                        %page_table: tensor<8x?xi32> {attn.dims = "bt"},
                        %lengths: tensor<8xi32>)
    -> (tensor<8x32x1x128xf32>, tensor<8x32x1xf32>) attributes {attn.defaults = {p = 512, t = 64}} {
  %o, %lse = attn.attention pages(%page_table, %lengths : tensor<8x?xi32>, tensor<8xi32>)
      ins(%q, %k_pool, %v_pool : tensor<8x32x1x128xf32>, tensor<?x16x8x128xf32>, tensor<?x16x8x128xf32>)
      -> tensor<8x32x1x128xf32>, tensor<8x32x1xf32>
  return %o, %lse : tensor<8x32x1x128xf32>, tensor<8x32x1xf32>
}
