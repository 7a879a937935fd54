// Every mask term, through attn.attention (fused lowering of the mask predicate) and
// through attn.mask in a cascade (generic path), on Nq = 37, Nk = 53 (end-aligned),
// each checked against the reference evaluator's own reading of the definitions.

func.func @causal(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @causal_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<causal> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}

func.func @window(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<window(5, 3)> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @window_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<window(5, 3)> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}

func.func @sink(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<sink(3)> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @sink_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<sink(3)> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}

func.func @chunk(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<chunk(8)> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @chunk_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<chunk(8)> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}

func.func @dilated(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<dilated(4, 3)> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @dilated_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<dilated(4, 3)> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}

func.func @prefix(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<prefix(10)> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @prefix_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<prefix(10)> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}

func.func @and_not(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<and(causal, not(sink(2)))> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @and_not_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<and(causal, not(sink(2)))> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}

func.func @sink_window(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<or(sink(4), and(causal, window(6, 0)))> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @sink_window_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<or(sink(4), and(causal, window(6, 0)))> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}

func.func @not_causal(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<not(causal)> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @not_causal_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<not(causal)> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}

func.func @full(%q: tensor<1x2x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32> {
  %o = attn.attention mask #attn.mask<full> ins(%q, %k, %v : tensor<1x2x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x8xf32>) -> tensor<1x2x37x8xf32>
  return %o : tensor<1x2x37x8xf32>
}

func.func @full_cascade(%s: tensor<2x37x53xf32>) -> tensor<2x37x53xf32> {
  %m = attn.mask #attn.mask<full> %s "hmn" query "m" key "n" fill zero : tensor<2x37x53xf32>
  return %m : tensor<2x37x53xf32>
}
