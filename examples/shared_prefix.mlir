// Shared-prefix (cascade) attention, as FlashInfer's merge_state does it: S sequences
// share one long prompt prefix (a system prompt, few-shot examples), stored once; each
// also has its own suffix, packed back to back without padding (varlen). The new rows
// of all sequences (packed too) attend to prefix ++ own suffix, which is the merge of
// two partial attentions, each with its log-sum-exp:
//   - every row against the shared prefix (no mask: the prefix precedes every row),
//     one attention for the whole batch, so the prefix's K and V are read once;
//   - each sequence's rows against its own suffix under the causal mask (the rows are
//     the suffix's last positions).
// attn-run fills the offsets at random (a sequence with no suffix keys merges to its
// prefix part alone: empty parts weigh nothing).
//
//   attn-run examples/shared_prefix.mlir --check
func.func @shared_prefix(%q: tensor<1x8x?x64xf32> {attn.dims = "bhmd"},
                         %k_prefix: tensor<1x8x?x64xf32> {attn.dims = "bhpd"},
                         %v_prefix: tensor<1x8x?x64xf32> {attn.dims = "bhpd"},
                         %k_suffix: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
                         %v_suffix: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
                         %cu_rows: tensor<5xi32>, %cu_suffix: tensor<5xi32>)
    -> (tensor<1x8x?x64xf32>, tensor<1x8x?xf32>) attributes {attn.defaults = {m = 16, p = 4096, n = 400}} {
  %op, %lp = attn.attention ins(%q, %k_prefix, %v_prefix : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
      -> tensor<1x8x?x64xf32>, tensor<1x8x?xf32>
  %os, %ls = attn.attention mask #attn.mask<causal> varlen(%cu_rows, %cu_suffix : tensor<5xi32>, tensor<5xi32>)
      ins(%q, %k_suffix, %v_suffix : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
      -> tensor<1x8x?x64xf32>, tensor<1x8x?xf32>
  %o, %l = attn.merge %op, %os lse %lp, %ls
      : (tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>), (tensor<1x8x?xf32>, tensor<1x8x?xf32>)
      -> tensor<1x8x?x64xf32>, tensor<1x8x?xf32>
  return %o, %l : tensor<1x8x?x64xf32>, tensor<1x8x?xf32>
}
