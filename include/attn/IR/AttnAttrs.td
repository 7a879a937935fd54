#ifndef ATTN_ATTRS_TD
#define ATTN_ATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "attn/IR/AttnDialect.td"

//===----------------------------------------------------------------------===//
// Enums used by the cascade ops
//===----------------------------------------------------------------------===//

def Attn_CombineKind : I32EnumAttr<"CombineKind", "how an einsum combines its operands", [
    I32EnumAttrCase<"Mul", 0, "mul">,
    I32EnumAttrCase<"Add", 1, "add">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}
def Attn_CombineKindAttr : EnumAttr<Attn_Dialect, Attn_CombineKind, "combine"> {
  let assemblyFormat = "$value";
}

def Attn_ReduceKind : I32EnumAttr<"ReduceKind", "how contracted indices are reduced", [
    I32EnumAttrCase<"Add", 0, "add">,
    I32EnumAttrCase<"Max", 1, "max">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}
def Attn_ReduceKindAttr : EnumAttr<Attn_Dialect, Attn_ReduceKind, "reduce"> {
  let assemblyFormat = "$value";
}

def Attn_MapFn : I32EnumAttr<"MapFn", "elementwise function of attn.map", [
    // Unary.
    I32EnumAttrCase<"Exp", 0, "exp">,
    I32EnumAttrCase<"Log", 1, "log">,
    I32EnumAttrCase<"Neg", 2, "neg">,
    I32EnumAttrCase<"Tanh", 3, "tanh">,
    I32EnumAttrCase<"Sigmoid", 4, "sigmoid">,
    I32EnumAttrCase<"Relu", 5, "relu">,
    I32EnumAttrCase<"Softplus", 6, "softplus">,
    I32EnumAttrCase<"Elu", 7, "elu">,
    // Unary with a constant operand (`by c`).
    I32EnumAttrCase<"Scale", 8, "scale">,
    I32EnumAttrCase<"Shift", 9, "shift">,
    I32EnumAttrCase<"Softcap", 10, "softcap">,
    // Binary, with broadcasting written in index notation.
    I32EnumAttrCase<"Add", 11, "add">,
    I32EnumAttrCase<"Sub", 12, "sub">,
    I32EnumAttrCase<"Mul", 13, "mul">,
    I32EnumAttrCase<"Div", 14, "div">,
    I32EnumAttrCase<"Max", 15, "max">,
    I32EnumAttrCase<"Min", 16, "min">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}
def Attn_MapFnAttr : EnumAttr<Attn_Dialect, Attn_MapFn, "fn"> {
  let assemblyFormat = "$value";
}

def Attn_FillKind : I32EnumAttr<"FillKind", "value written where a mask hides a score", [
    I32EnumAttrCase<"NegInf", 0, "neg_inf">,
    I32EnumAttrCase<"Zero", 1, "zero">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}
def Attn_FillKindAttr : EnumAttr<Attn_Dialect, Attn_FillKind, "fill"> {
  let assemblyFormat = "$value";
}

def Attn_LinearOrder : I32EnumAttr<"LinearOrder", "evaluation order of linear attention", [
    I32EnumAttrCase<"Quadratic", 0, "quadratic">,
    I32EnumAttrCase<"Reassociated", 1, "reassociated">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}
def Attn_LinearOrderAttr : EnumAttr<Attn_Dialect, Attn_LinearOrder, "order"> {
  let summary = "How linear attention is evaluated: (phi(Q) phi(K)^T) V or phi(Q) (phi(K)^T V)";
  let assemblyFormat = "$value";
}

def Attn_Normalizer : I32EnumAttr<"Normalizer", "how attention weights are normalised", [
    I32EnumAttrCase<"Softmax", 0, "softmax">,
    I32EnumAttrCase<"Sum", 1, "sum">,
    I32EnumAttrCase<"None", 2, "none">,
    // Pointwise weights of the (modified) score, no running max: sigmoid(s + shift)
    // (SigmoidAttn), relu(s + shift), relu(s + shift)^2 (ReLU attention),
    // softplus(s + shift), and the score itself (a score_mod region that computes the
    // weight: user-defined normalisers).
    I32EnumAttrCase<"Sigmoid", 3, "sigmoid">,
    I32EnumAttrCase<"Relu", 4, "relu">,
    I32EnumAttrCase<"ReluSquared", 5, "relu2">,
    I32EnumAttrCase<"Softplus", 6, "softplus">,
    I32EnumAttrCase<"Identity", 7, "identity">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}
def Attn_NormalizerAttr : EnumAttr<Attn_Dialect, Attn_Normalizer, "normalizer"> {
  let assemblyFormat = "$value";
}

def Attn_RowDivisor : I32EnumAttr<"RowDivisor", "what pointwise attention weights are divided by", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"Length", 1, "length">,
    I32EnumAttrCase<"Sum", 2, "sum">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}
def Attn_RowDivisorAttr : EnumAttr<Attn_Dialect, Attn_RowDivisor, "divide"> {
  let summary = "The divisor of a row of pointwise weights: 1, the number of keys, or their sum";
  let assemblyFormat = "$value";
}

//===----------------------------------------------------------------------===//
// #attn.feature<...>
//===----------------------------------------------------------------------===//

def Attn_FeatureKind : I32EnumAttr<"FeatureKind", "feature map of linear attention", [
    I32EnumAttrCase<"Identity", 0, "identity">,
    I32EnumAttrCase<"EluPlusOne", 1, "elu_plus_one">,
    I32EnumAttrCase<"Relu", 2, "relu">,
    I32EnumAttrCase<"Taylor2", 3, "taylor2">,
    I32EnumAttrCase<"SoftmaxFeatures", 4, "softmax_features">,
    I32EnumAttrCase<"Cosformer", 5, "cosformer">,
    I32EnumAttrCase<"Favor", 6, "favor">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}

def Attn_FeatureAttr : EnumAttr<Attn_Dialect, Attn_FeatureKind, "feature"> {
  let summary = "A feature map phi of kernelised (linear) attention";
  let description = [{
    `#attn.feature<kind>` names a feature map phi applied along one axis (the feature
    axis, or for `softmax_features` whichever axis the op names):

    | kind | phi(x) | output length |
    |---|---|---|
    | `identity` | x | d |
    | `elu_plus_one` | elu(x) + 1 (Katharopoulos et al. 2020) | d |
    | `relu` | max(x, 0) | d |
    | `taylor2` | [1, x, vec(x x^T) / sqrt(2)] so that phi(q).phi(k) = 1 + q.k + (q.k)^2/2 (BASED) | 1 + d + d^2 |
    | `softmax_features` | exp(x - max x) / sum exp(x - max x) along the axis (Efficient Attention) | d |
    | `cosformer` | [relu(x) cos(pi p / 2M), relu(x) sin(pi p / 2M)] at token position p, M = Nk, so that phi(q_i).phi(k_j) = relu(q_i).relu(k_j) cos(pi (p_i - j) / 2M) (cosFormer); `attn.attention` only, it needs positions | 2d |
    | `favor` | exp(W x - \|x\|^2 / 2) / sqrt(m), W the [m, d] `projection` operand of `attn.attention` (positive random features of FAVOR+, Performer: E[phi(q).phi(k)] = exp(q.k) for Gaussian W) | m |
  }];
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// #attn.mask<...>
//===----------------------------------------------------------------------===//

def Attn_MaskKind : I32EnumAttr<"MaskKind", "a node of the mask algebra", [
    I32EnumAttrCase<"Full", 0, "full">,
    I32EnumAttrCase<"Causal", 1, "causal">,
    I32EnumAttrCase<"Window", 2, "window">,
    I32EnumAttrCase<"Sink", 3, "sink">,
    I32EnumAttrCase<"Chunk", 4, "chunk">,
    I32EnumAttrCase<"Dilated", 5, "dilated">,
    I32EnumAttrCase<"Prefix", 6, "prefix">,
    I32EnumAttrCase<"And", 7, "and">,
    I32EnumAttrCase<"Or", 8, "or">,
    I32EnumAttrCase<"Not", 9, "not">,
    I32EnumAttrCase<"Neighborhood", 10, "neighborhood">,
    I32EnumAttrCase<"Heads", 11, "heads">,
    I32EnumAttrCase<"Power2", 12, "power2">,
    I32EnumAttrCase<"Document", 13, "document">,
    I32EnumAttrCase<"Blocks", 14, "blocks">,
    I32EnumAttrCase<"TopkBlocks", 15, "topk_blocks">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}

def Attn_MaskAttr : AttrDef<Attn_Dialect, "Mask"> {
  let mnemonic = "mask";
  let summary = "Which query/key pairs interact: a term of a small mask algebra";
  let description = [{
    A mask is a predicate `visible(i, j)` over query row `i` in `[0, Nq)` and key column
    `j` in `[0, Nk)`. Positions are **aligned at the end** (FlashAttention's convention for
    causal attention with `Nq != Nk`): query row `i` sits at absolute position
    `p = i + (Nk - Nq)`, key column `j` at position `j`. With `Nq == Nk` this is the
    ordinary `p = i`; with a short query block (decoding, chunked prefill) the queries are
    the *last* `Nq` tokens of the key sequence. All terms below are written with `p` and `j`:

    | term | visible(i, j) |
    |---|---|
    | `full` | true |
    | `causal` | j <= p |
    | `window(left, right)` | p - left <= j <= p + right |
    | `sink(n)` | j < n (the first n keys, StreamingLLM's attention sinks) |
    | `chunk(size[, shift])` | floor((p + shift) / size) == floor((j + shift) / size) (block-diagonal; LongLoRA's S2-attention shifts half the heads by size / 2) |
    | `dilated(window, rate)` | 0 <= p - j < window * rate and (p - j) mod rate == 0 |
    | `dilated(window, rate, offset)` | 0 <= p - j < window * rate and j mod rate == offset mod rate (LongNet: each head its own phase) |
    | `power2` | p - j is 0 or a power of two (PowerAttention's exponentially spaced keys) |
    | `document(i)` | seg[p] == seg[j], seg the i-th mask operand of `attn.attention` (sequence packing) |
    | `blocks(i, bq, bk)` | layout[h, i / bq, j / bk] != 0 (query row i), layout the i-th mask operand: a run-time block layout |
    | `topk_blocks(i, bq, bk)` | j / bk is one of idx[h, i / bq, :] (query row i), idx the i-th mask operand: per query block, the indices of the key blocks it attends to (MoBA's top-k gating) |
    | `prefix(n)` | j < n or j <= p (prefix-LM: bidirectional prefix, causal rest) |
    | `neighborhood(G, K[, D[, C[, S]]])` | neighborhood attention on a token grid (below) |
    | `heads(m0, m1, ..., mk-1)` | query head h uses m(h mod k) (per-head masks: DuoAttention, MoA) |
    | `and(m1, m2, ...)` | every mi |
    | `or(m1, m2, ...)` | some mi |
    | `not(m)` | not m |

    `neighborhood(G, K, D, C, S)` is NATTEN's (generalized) neighborhood attention (1-D,
    2-D or 3-D) over tokens laid out row-major on a grid: `G` the grid (`128x128`), `K`
    the kernel size per axis (`7x7`), `D` the dilation per axis (default 1), `C` per-axis
    causality (0/1, default 0), `S` the stride per axis (1 to K, default 1). Per axis,
    with query coordinate `x` and key coordinate `y`, dilation `d`, stride `s`: the key
    must be in the query's dilation group (`y mod d == x mod d`); within the group
    (coordinates `x' = x / d`, `y' = y / d`, group length `L'`), queries come in stride
    groups of `s` that share the window of their leader `l`: the window is the `k`
    positions starting at `clamp(l - k / 2, 0, L' - k)` with `l = min(s floor(x' / s) +
    s / 2, L' - 1)` (centred, shifted inwards at the borders); when causal,
    `max(l - k + 1, 0) <= y' <= x'` with `l = min(s floor(x' / s) + s - 1, L' - 1)`.
    With `s = 1` the leader is the query itself; with `s = k` (and `k` dividing the axis)
    the windows tile the axis (blocked attention). Tokens past the grid see, and are
    seen by, nothing.

    `document(i)` (or `document` for i = 0) reads a run-time tensor: the i-th
    `mask_operands` of `attn.attention`, `[B, Nk]` i32 segment (document) ids per key
    position; a query at position p belongs to segment seg[p]. Packed sequences attend
    within their own document: `and(causal, document)`. `blocks(i, bq, bk)` reads a
    `[B, Hq, ceil(Nq / bq), ceil(Nk / bk)]` i32 block layout (nonzero: the block of
    query rows x keys is visible), per batch and query head. `topk_blocks(i, bq, bk)`
    reads `[B, Hq, ceil(Nq / bq), K]` i32 key-block indices (MoBA: the K blocks the
    gate selected for each query block; entries outside `[0, ceil(Nk / bk))`, such as
    -1 padding, select nothing); MoBA's own block and causality are the usual terms:
    `and(causal, or(topk_blocks(0, 512, 512), chunk(512)))`. The lowerings turn the
    indices into a block layout in a prologue (O(B Hq QB KB K)) and run the layout path.

    `heads` gives each query head its own mask (with k equal to the number of query
    heads, one per head; a shorter list repeats). It needs the head index, so it is
    accepted by `attn.attention` only, not by `attn.mask` on a cascade.

    Examples: `#attn.mask<causal>`, `#attn.mask<and(causal, window(256, 0))>`,
    `#attn.mask<or(sink(4), and(causal, window(1024, 0)))>`,
    `#attn.mask<neighborhood(128x128, 7x7)>`, `#attn.mask<neighborhood(8x32x32, 3x5x5, 1x2x2, 1x0x0)>`.

    A query row that sees no key produces a zero output row in `attn.attention` (never NaN).
    A tile of `attn.attention` (`offsets(row, position, head)`) states its rows' row
    index and position in the whole problem instead of the end-aligned default.
  }];
  let parameters = (ins
    "::mlir::attn::MaskKind":$kind,
    ArrayRefParameter<"int64_t", "integer arguments">:$args,
    ArrayRefParameter<"::mlir::Attribute", "operand masks">:$operands);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Operands of and/or/not as masks.
    ::mlir::attn::MaskAttr getOperand(unsigned i) const;
    /// neighborhood(...): the grid, kernel, dilation and causal flags per axis.
    struct Neighborhood {
      ::llvm::ArrayRef<int64_t> grid, kernel, dilation, causal, stride;
    };
    Neighborhood getNeighborhood() const;
    /// Builds a term without operand masks, e.g. `window(256, 0)`.
    static MaskAttr getLeaf(::mlir::MLIRContext *ctx, MaskKind kind,
                            ::llvm::ArrayRef<int64_t> args = {});
  }];
}

//===----------------------------------------------------------------------===//
// Index notation: parsed and verified once, when the IR is read or built
//===----------------------------------------------------------------------===//

def Attn_IndexListAttr : AttrDef<Attn_Dialect, "IndexList"> {
  let mnemonic = "indices";
  let summary = "A list of index letters naming the dimensions of a tensor";
  let description = [{
    ASCII letters, each at most once: `#attn.indices<"bhmn">`. Ops write it as a plain
    string (`attn.mask ... %s "bhmn" query "m" key "n"`).
  }];
  let parameters = (ins "::mlir::StringAttr":$letters);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    ::llvm::StringRef getValue() const { return getLetters().getValue(); }
    /// Parses `text`, or returns null with a message in `error`.
    static IndexListAttr fromText(::mlir::MLIRContext *ctx, ::llvm::StringRef text,
                                  std::string &error);
  }];
}

def Attn_IndexSpecAttr : AttrDef<Attn_Dialect, "IndexSpec"> {
  let mnemonic = "spec";
  let summary = "An einsum-style spec: operand index lists and the result's";
  let description = [{
    `#attn.spec<"bhmd,bhnd->bhmn">`: one index list per operand, then the result's; every
    result letter appears in some operand. Ops write it as a plain string.
  }];
  let parameters = (ins ArrayRefParameter<"::mlir::StringAttr", "operand index lists">:$inputs,
                        "::mlir::StringAttr":$output);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The spec as plain strings (no parsing).
    ::mlir::attn::IndexSpec getValue() const;
    /// `in1,in2->out`.
    std::string str() const;
    /// Parses `text`, or returns null with a message in `error`.
    static IndexSpecAttr fromText(::mlir::MLIRContext *ctx, ::llvm::StringRef text,
                                  std::string &error);
  }];
}

#endif // ATTN_ATTRS_TD
