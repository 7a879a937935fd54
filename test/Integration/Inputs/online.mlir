// attn.online_attention folding a block of keys into a (random) running state, placed
// in a larger problem: rows 3.. at positions 50.., heads 1..4, keys 30..69 of 80.

func.func @state_update(%q: tensor<1x4x24x16xf32>, %k: tensor<1x2x40x16xf32>, %v: tensor<1x2x40x16xf32>,
                        %doc: tensor<1x80xi32>, %acc: tensor<1x4x24x16xf32>, %max: tensor<1x4x24xf32>,
                        %sum: tensor<1x4x24xf32>) -> (tensor<1x4x24x16xf32>, tensor<1x4x24xf32>, tensor<1x4x24xf32>) {
  %row = arith.constant 3 : index
  %position = arith.constant 50 : index
  %head = arith.constant 1 : index
  %key = arith.constant 30 : index
  %o:3 = attn.online_attention mask #attn.mask<and(heads(causal, window(12, 0)), document(0))>
      mask_operands(%doc : tensor<1x80xi32>) offsets(%row, %position, %head, %key) softcap 20.0
      ins(%q, %k, %v : tensor<1x4x24x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>)
      outs(%acc, %max, %sum : tensor<1x4x24x16xf32>, tensor<1x4x24xf32>, tensor<1x4x24xf32>)
      -> tensor<1x4x24x16xf32>, tensor<1x4x24xf32>, tensor<1x4x24xf32>
  return %o#0, %o#1, %o#2 : tensor<1x4x24x16xf32>, tensor<1x4x24xf32>, tensor<1x4x24xf32>
}

// Unplaced (end-aligned), with dynamic sequences: the state of all keys.
func.func @dynamic(%q: tensor<1x2x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x16xf32> {attn.dims = "bhnd"},
                   %v: tensor<1x2x?x16xf32> {attn.dims = "bhnd"}, %acc: tensor<1x2x?x16xf32> {attn.dims = "bhmd"},
                   %max: tensor<1x2x?xf32> {attn.dims = "bhm"}, %sum: tensor<1x2x?xf32> {attn.dims = "bhm"})
    -> (tensor<1x2x?x16xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>) attributes {attn.defaults = {m = 37, n = 53}} {
  %o:3 = attn.online_attention mask #attn.mask<causal>
      ins(%q, %k, %v : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>)
      outs(%acc, %max, %sum : tensor<1x2x?x16xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>)
      -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>
  return %o#0, %o#1, %o#2 : tensor<1x2x?x16xf32>, tensor<1x2x?xf32>, tensor<1x2x?xf32>
}

// Keys 30..69 of segment ids that end at 50 (a key tile placed past the ids): keys
// outside read the nearest id, never out of bounds.
func.func @keys_past_ids(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x40x16xf32>, %v: tensor<1x2x40x16xf32>,
                         %doc: tensor<1x50xi32>, %acc: tensor<1x2x8x16xf32>, %max: tensor<1x2x8xf32>,
                         %sum: tensor<1x2x8xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>) {
  %row = arith.constant 0 : index
  %position = arith.constant 60 : index
  %head = arith.constant 0 : index
  %key = arith.constant 30 : index
  %o:3 = attn.online_attention mask #attn.mask<and(causal, document(0))>
      mask_operands(%doc : tensor<1x50xi32>) offsets(%row, %position, %head, %key)
      ins(%q, %k, %v : tensor<1x2x8x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>)
      outs(%acc, %max, %sum : tensor<1x2x8x16xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>)
      -> tensor<1x2x8x16xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>
  return %o#0, %o#1, %o#2 : tensor<1x2x8x16xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>
}
