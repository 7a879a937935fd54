#ifndef ATTN_OPS_TD
#define ATTN_OPS_TD

include "attn/IR/AttnDialect.td"
include "attn/IR/AttnAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/TilingInterface.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Dialect/Linalg/IR/LinalgInterfaces.td"

def Attn_FloatTensor : RankedTensorOf<[AnyFloat]>;

//===----------------------------------------------------------------------===//
// The cascade
//===----------------------------------------------------------------------===//

def Attn_EinsumOp : Attn_Op<"einsum", [Pure]> {
  let summary = "A contraction written in einsum notation";
  let description = [{
    `result[out] = scale * REDUCE_{indices not in out} COMBINE(a[ia], b[ib])`.
    COMBINE is `mul` (default) or `add`; REDUCE is `add` (default) or `max`, so both
    ordinary contractions and max-plus products are expressible. With one operand the op
    reduces (and may transpose) it. Every index letter keeps one size across the operands
    and the result; dimensions may be dynamic.

    ```mlir
    %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.125
        : (tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) -> tensor<1x8x128x128xf32>
    ```
  }];
  let arguments = (ins Variadic<Attn_FloatTensor>:$inputs, Attn_IndexSpecAttr:$spec,
                   DefaultValuedAttr<Attn_CombineKindAttr, "::mlir::attn::CombineKind::Mul">:$combine,
                   DefaultValuedAttr<Attn_ReduceKindAttr, "::mlir::attn::ReduceKind::Add">:$reduce,
                   OptionalAttr<F64Attr>:$scale);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = [{
    custom<IndexSpecString>($spec) $inputs (`combine` $combine^)? (`reduce` $reduce^)? (`scale` $scale^)?
    attr-dict `:` functional-type($inputs, $result)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Attn_MapOp : Attn_Op<"map", [Pure]> {
  let summary = "An elementwise function, with broadcasting written in index notation";
  let description = [{
    Unary functions: `exp`, `log`, `neg`, `tanh`, `sigmoid`, `relu`, `softplus`,
    `elu` (alpha = `by` constant, default 1). Unary with a constant `by c`: `scale`
    (x * c), `shift` (x + c), `softcap` (c * tanh(x / c), Gemma-2 / Grok soft-capping).
    Binary: `add`, `sub`, `mul`, `div`, `max`, `min`; when the operands have different
    index sets, an index spec says how they broadcast into the result:

    ```mlir
    %e = attn.map exp %x : (tensor<8x128x128xf32>) -> tensor<8x128x128xf32>
    %c = attn.map softcap %s by 30.0 : (tensor<8x128x128xf32>) -> tensor<8x128x128xf32>
    %d = attn.map sub "hmn,hm->hmn" %s, %mx
        : (tensor<8x128x128xf32>, tensor<8x128xf32>) -> tensor<8x128x128xf32>
    ```
  }];
  let arguments = (ins Attn_MapFnAttr:$fn, Variadic<Attn_FloatTensor>:$inputs,
                   OptionalAttr<Attn_IndexSpecAttr>:$spec, OptionalAttr<F64Attr>:$constant);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = [{
    `` $fn custom<OptionalIndexSpecString>($spec) $inputs (`by` $constant^)? attr-dict `:`
    functional-type($inputs, $result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    static unsigned getArity(::mlir::attn::MapFn fn);
    static bool needsConstant(::mlir::attn::MapFn fn);
  }];
}

def Attn_ModifyOp : Attn_Op<"modify", [Pure, SameOperandsAndResultType,
    IsolatedFromAbove]> {
  let summary = "An arbitrary score modification with access to the indices";
  let description = [{
    Applies the region to every element. The block receives the element and then one
    `index` per letter of the index spec, so the modification can depend on positions
    (ALiBi, relative biases, custom masks) as FlexAttention's `score_mod` does. The body
    holds `arith` and `math` ops on scalars, defines its own constants (the region is
    isolated from above) and ends with `attn.yield`.

    ```mlir
    %r = attn.modify %s "hmn" {
    ^bb0(%x: f32, %h: index, %m: index, %n: index):
      ...
      attn.yield %y : f32
    } : tensor<8x128x128xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input, Attn_IndexListAttr:$indices);
  let results = (outs Attn_FloatTensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$input custom<IndexListString>($indices) $body attr-dict `:` type($input)";
  let hasRegionVerifier = 1;
}

def Attn_YieldOp : Attn_Op<"yield", [Pure, Terminator, ReturnLike,
    ParentOneOf<["::mlir::attn::ModifyOp", "::mlir::attn::AttentionOp"]>]> {
  let summary = "Yields the modified element of attn.modify or of a score_mod region";
  let arguments = (ins AnyFloat:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

def Attn_ReadOp : Attn_Op<"read", [Pure, HasParent<"::mlir::attn::AttentionOp">,
    TypesMatchWith<"the result is the element type of the source", "source", "result",
                   "::llvm::cast<::mlir::ShapedType>($_self).getElementType()">]> {
  let summary = "Reads an element of a captured tensor in a score_mod region";
  let description = [{
    `attn.read %t[%i, ...]` reads the element of the captured tensor `%t` (a block
    argument of the region) at the given indices, each **clamped** into
    `[0, size - 1]`: a read never leaves the tensor, so a relative-position table read
    at a distance beyond its range returns its edge entry (T5's bucketing saturates the
    same way) and a bias narrower than the scores repeats its last column. A tensor that
    is empty at run time reads as 0 (a static empty one is refused by the verifier).

    ```mlir
    %slope = attn.read %slopes[%h] : tensor<8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$source, Variadic<Index>:$indices);
  let results = (outs AnyType:$result);
  let assemblyFormat = "$source `[` $indices `]` attr-dict `:` type($source)";
  let hasVerifier = 1;
}

def Attn_ReduceOp : Attn_Op<"reduce", [Pure]> {
  let summary = "Reduces named indices with add or max";
  let description = [{
    ```mlir
    %m = attn.reduce max "hmn->hm" %s : tensor<8x128x128xf32> -> tensor<8x128xf32>
    ```
    The reduced indices are those of the input absent from the result; the result may
    also permute the kept indices.
  }];
  let arguments = (ins Attn_ReduceKindAttr:$kind, Attn_IndexSpecAttr:$spec, Attn_FloatTensor:$input);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = [{
    $kind custom<IndexSpecString>($spec) $input attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Attn_MaskOp : Attn_Op<"mask", [Pure, SameOperandsAndResultType]> {
  let summary = "Applies a #attn.mask to a score tensor";
  let description = [{
    Keeps the elements whose (query, key) pair is visible under the mask and writes the
    fill value elsewhere: `neg_inf` (default) before a softmax, `zero` on linear paths.
    The index spec names every dimension; `query` and `key` name the two sequence indices
    the mask is a function of (all other indices are broadcast over).

    ```mlir
    %m = attn.mask #attn.mask<causal> %s "hmn" query "m" key "n"
        : tensor<8x128x128xf32>
    ```
  }];
  let arguments = (ins Attn_MaskAttr:$mask, Attn_FloatTensor:$input, Attn_IndexListAttr:$indices,
                   Attn_IndexListAttr:$query, Attn_IndexListAttr:$key,
                   DefaultValuedAttr<Attn_FillKindAttr, "::mlir::attn::FillKind::NegInf">:$fill);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = [{
    qualified($mask) $input custom<IndexListString>($indices)
    `query` custom<IndexListString>($query) `key` custom<IndexListString>($key)
    (`fill` $fill^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Attn_FeatureOp : Attn_Op<"feature", [Pure]> {
  let summary = "Applies a #attn.feature map along one axis";
  let description = [{
    ```mlir
    %p = attn.feature #attn.feature<taylor2> %q "hmd" over "d"
        : tensor<8x128x16xf32> -> tensor<8x128x273xf32>
    ```
    The axis keeps its letter; its length changes for maps that expand the features
    (`taylor2`: d -> 1 + d + d^2).
  }];
  let arguments = (ins Attn_FeatureAttr:$feature, Attn_FloatTensor:$input,
                   Attn_IndexListAttr:$indices, Attn_IndexListAttr:$axis);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = [{
    qualified($feature) $input custom<IndexListString>($indices)
    `over` custom<IndexListString>($axis) attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// The recognised form
//===----------------------------------------------------------------------===//

def Attn_AttentionOp : Attn_Op<"attention", [Pure, AttrSizedOperandSegments, IsolatedFromAbove,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<TilingInterface,
        ["getLoopIteratorTypes", "getIterationDomain", "getTiledImplementation",
         "getResultTilePosition", "generateResultTileValue"]>,
    DeclareOpInterfaceMethods<AggregatedOpInterface, ["decomposeOperation"]>]> {
  let summary = "Recognised attention: q, k, v, mask, feature map, normaliser, scale";
  let description = [{
    Operands are `q: [B, Hq, Nq, D]`, `k: [B, Hkv, Nk, D]`, `v: [B, Hkv, Nk, Dv]`; the
    result is `[B, Hq, Nq, Dv]`. `Hq` must be a multiple of `Hkv`: query head `h` reads
    key/value head `h floordiv (Hq / Hkv)` (MHA, GQA and MQA are the same op).

    With `normalizer softmax` (default):
    `o[i] = sum_j softmax_j(s[i, j]) v[j]`, `s = scale * q.k` (scale defaults to
    `1/sqrt(D)`), then `softcap c`: `s = c * tanh(s / c)`, then the mask hides pairs.
    With a feature map phi and `normalizer sum`:
    `a[i, j] = phi(scale * q[i]) . phi(k[j])` (masked pairs give 0),
    `o[i] = sum_j a[i, j] v[j] / sum_j a[i, j]`; `normalizer none` drops the division.
    `softmax_features` takes the softmax of q over its features and of k over the
    sequence (Efficient Attention). Scale defaults to 1 on linear paths.

    `decay [l0, ...]` (linear attention under a causal mask: RetNet, TransNormerLLM,
    Lightning Attention) weights pair (i, j) by `l_h^(p_i - j)`, `p_i` the end-aligned
    position of query row i and `l_h` the decay of query head h (one value for all
    heads, or one per head; a tile reads them by its heads' place in the whole
    problem, modulo their count); each in (0, 1].

    `projection(%w : tensor<MxDxf32>)` is the random projection of the `favor`
    feature map (FAVOR+): `phi(x) = exp(W x - |x|^2 / 2) / sqrt(M)`, M static.

    `order` fixes how linear attention is evaluated: `quadratic`,
    `(phi(Q) phi(K)^T) V` with the mask applied to the N x N weights, or
    `reassociated`, `phi(Q) (phi(K)^T V)`: one state `phi(K)^T V` (and
    `sum phi(K)`) per head, or for a causal mask a state carried across chunks of
    `chunk` keys with the masked quadratic form inside each chunk (Lightning
    Attention-2). Without `order` the lowering asks the cost model
    (`attn-reassociate-linear` writes its decision into the IR). `reassociated` needs
    no mask, `full` or `causal`.

    A row with no visible key (or a zero denominator) yields zeros, never NaN.
    Masks follow the end-aligned convention of `#attn.mask`. Run-time mask terms
    (`document(i)`) read `mask_operands`: `[B, Nk]` i32 tensors.

    ```mlir
    %o = attn.attention mask #attn.mask<and(causal, document)>
        mask_operands(%segments : tensor<1x?xi32>)
        ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>,
                         tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32>
    ```

    ```mlir
    %o = attn.attention mask #attn.mask<causal> scale 0.125
        ins(%q, %k, %v : tensor<1x32x128x64xf32>, tensor<1x8x128x64xf32>,
                         tensor<1x8x128x64xf32>) -> tensor<1x32x128x64xf32>
    ```

    **Tiles.** `offsets(%row, %position, %head)` (three `index` values) says that the op
    is a tile of a larger attention: its query row `i` is row `%row + i` of the whole
    problem (the row `blocks`/`topk_blocks` layouts are indexed by) at absolute position
    `%position + i` (what causal, window, chunk, document, ... terms and decay compare),
    and its query head `h` is head `%head + h` (what `heads(...)` terms and per-head
    decays select by). Without `offsets`: row 0, position `Nk - Nq` (end-aligned), head
    0. Mask operands stay indexed by the op's own batch and head (a tile carries its
    slice of them); only their query-block axis is indexed by the whole problem's rows.
    Constant offsets are verified to lie within +-(2^30 - 1) (positions are 32-bit lanes
    in the kernels), the head offset not negative; run-time offsets are the tiling's (or
    the caller's) to keep there.

    **Score modification.** `score_mod { ... }` is FlexAttention's `score_mod` as a
    region: it receives the score and `(b, h, i, j, p)`: batch, query head and query
    row of the whole problem, key, and the end-aligned position of the query row
    (`p = i + Nk - Nq` without offsets), then one block argument per tensor of
    `captures(...)` (per-head slopes, relative-position tables, additive biases, of any
    shape and float or integer type), read with `attn.read` at clamped indices. The body
    holds scalar `arith`/`math` ops and ends with `attn.yield` of the new score (in the
    element type, f32 for f16 / bf16 attention: scores accumulate in f32). A region that yields `-inf` hides the pair (as a mask does); NaN
    propagates into the row's output.

    **Evaluation order**, per pair (i, j):
    1. `s = scale * q_i . k_j`; 2. `s = c * tanh(s / c)` (`softcap c`);
    3. `s = score_mod(s, b, h, i, j, p, captures...)`; 4. the mask hides the pair
    (`s = -inf`); 5. the weight: `softmax` takes `exp(s - max_j s)` and divides by the
    row sum; `sigmoid`, `relu`, `relu2`, `softplus` take `f(s + shift)` (`shift`
    defaults to 0; SigmoidAttn's bias `-log N`), `identity` takes `s` itself (the
    region computed the weight); a pair with `s = -inf` weighs 0 under every
    normaliser; 6. `o_i = sum_j w_ij v_j / d_i`, `d_i` per `divide`: `none` (1,
    default), `length` (Nk) or `sum` (`sum_j w_ij`, L1 normalisation); 0 where
    `d_i = 0`. Pointwise normalisers need no running max: their kernels skip the
    rescale.

    **Paged KV cache.** `pages(%table, %lengths : tensor<BxTxi32>, tensor<Bxi32>)`
    makes `k: [P, S, G, D]` and `v: [P, S, G, Dv]` pools of P pages of S keys (vLLM's
    layout): key j of sequence b is `k[table[b, j floordiv S], j mod S, g]`, for
    `j < lengths[b]`. Sequence b has `lengths[b]` keys and its query rows are its last
    Nq positions (row i at position `lengths[b] - Nq + i`: decoding, or prefill of new
    tokens already appended to the cache); masks compare these logical positions.
    Pages may be in any order and shared between sequences. Page ids outside [0, P) and
    lengths outside [0, T * S] are errors of the caller (the reference reports them; the
    kernels clamp them so that they never read outside the pool). Paged attention has no
    mask operands and no offsets.

    ```mlir
    %o = attn.attention mask #attn.mask<causal>
        pages(%table, %lengths : tensor<8x?xi32>, tensor<8xi32>)
        ins(%q, %kpool, %vpool : tensor<8x32x1x128xf32>, tensor<?x16x8x128xf32>,
                                 tensor<?x16x8x128xf32>) -> tensor<8x32x1x128xf32>
    ```

    **Packed sequences (varlen).** `varlen(%cu_q, %cu_k : tensor<?xi32>, tensor<?xi32>)`
    packs S sequences back to back without padding (FlashAttention's `cu_seqlens`):
    q `[1, Hq, Tq, D]`, k and v `[1, G, Tk, D]`; sequence s owns query rows
    `[cu_q[s], cu_q[s+1])` and keys `[cu_k[s], cu_k[s+1])` and attends within itself,
    its positions its own (end-aligned over its lengths). Rows outside every sequence
    yield 0 (lse -inf). The offsets start at 0 and never decrease, within the packed
    lengths (the reference reports violations; the kernels clamp them). No mask operands,
    offsets or pages.

    ```mlir
    %o = attn.attention mask #attn.mask<causal>
        varlen(%cu, %cu : tensor<5xi32>, tensor<5xi32>)
        ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
        -> tensor<1x8x?x64xf32>
    ```

    **Log-sum-exp.** Softmax attention may return a second result, `lse: [B, Hq, Nq]`
    f32: per query row the natural logarithm of the softmax denominator,
    `log sum_j exp(s_ij)` over the visible keys (FlashAttention's `softmax_lse`), and
    `-inf` for a row that sees no key. With it, partial results over disjoint key sets
    combine exactly (`attn.merge`): split-KV decoding, shared prefixes, sequence
    parallelism, and the backward pass's recomputation of P.

    ```mlir
    %o, %lse = attn.attention mask #attn.mask<causal>
        ins(%q, %k, %v : tensor<1x8x4x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
        -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
    ```

    The op implements `TilingInterface` over (batch, query heads, query rows): a tile
    slices q, the kv heads its query heads read, and the mask operands, and records where
    it sits with `offsets`; upstream `scf::tileUsingSCF` (`transform.structured.
    tile_using_for` / `tile_using_forall`) and producer fusion apply. A head tile must
    divide the GQA ratio or be a multiple of it (a tile never splits a kv head's group
    unevenly). The key axis is the softmax reduction: softmax attention decomposes
    (`AggregatedOpInterface`, `transform.structured.decompose_interface`) into
    `attn.online_attention` from the empty state followed by the division `acc / sum`,
    and `attn.online_attention` tiles its keys.
  }];
  let arguments = (ins Attn_FloatTensor:$query, Attn_FloatTensor:$key, Attn_FloatTensor:$value,
                   Variadic<RankedTensorOf<[I32]>>:$mask_operands,
                   Optional<Attn_FloatTensor>:$projection,
                   Variadic<Index>:$offsets,
                   Variadic<AnyRankedTensor>:$captures,
                   Optional<RankedTensorOf<[I32]>>:$page_table,
                   Optional<RankedTensorOf<[I32]>>:$lengths,
                   Optional<RankedTensorOf<[I32]>>:$cu_seqlens_q,
                   Optional<RankedTensorOf<[I32]>>:$cu_seqlens_k,
                   OptionalAttr<Attn_MaskAttr>:$mask,
                   OptionalAttr<Attn_FeatureAttr>:$feature,
                   DefaultValuedAttr<Attn_NormalizerAttr, "::mlir::attn::Normalizer::Softmax">:$normalizer,
                   OptionalAttr<F64Attr>:$scale,
                   OptionalAttr<F64Attr>:$softcap,
                   OptionalAttr<F64Attr>:$shift,
                   OptionalAttr<Attn_RowDivisorAttr>:$divide,
                   OptionalAttr<DenseF64ArrayAttr>:$decay,
                   OptionalAttr<Attn_LinearOrderAttr>:$order,
                   OptionalAttr<I64Attr>:$chunk);
  let results = (outs Attn_FloatTensor:$result, Optional<RankedTensorOf<[F32]>>:$lse);
  let regions = (region MaxSizedRegion<1>:$score_mod);
  let assemblyFormat = [{
    (`mask` qualified($mask)^)?
    (`mask_operands` `(` $mask_operands^ `:` type($mask_operands) `)`)?
    (`feature` qualified($feature)^)?
    (`projection` `(` $projection^ `:` type($projection) `)`)?
    (`offsets` `(` $offsets^ `)`)?
    (`pages` `(` $page_table^ `,` $lengths `:` type($page_table) `,` type($lengths) `)`)?
    (`varlen` `(` $cu_seqlens_q^ `,` $cu_seqlens_k `:` type($cu_seqlens_q) `,`
        type($cu_seqlens_k) `)`)?
    (`normalizer` `` $normalizer^)? (`shift` $shift^)? (`divide` `` $divide^)?
    (`scale` $scale^)? (`softcap` $softcap^)?
    (`decay` $decay^)? (`order` `` $order^)? (`chunk` $chunk^)?
    (`captures` `(` $captures^ `:` type($captures) `)`)?
    (`score_mod` $score_mod^)?
    `ins` `(` $query `,` $key `,` $value `:` type($query) `,` type($key) `,` type($value) `)`
    attr-dict `->` type($result) (`,` type($lse)^)?
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// K and V are page pools read through a page table (a paged KV cache).
    bool isPaged() { return static_cast<bool>(getPageTable()); }
    /// Sequences packed back to back (cu_seqlens), each attending within itself.
    bool isVarlen() { return static_cast<bool>(getCuSeqlensQ()); }
    /// The dimension of K and V that holds the kv heads: 1 ([B, G, N, D]), or 2 for
    /// page pools ([P, page size, G, D]).
    int64_t getKvHeadDim() { return isPaged() ? 2 : 1; }
    /// The attention result's type (the op may also return a log-sum-exp).
    RankedTensorType getType() { return cast<RankedTensorType>(getResult().getType()); }
    /// The scale actually applied: the attribute, or its documented default.
    double getEffectiveScale();
    std::optional<double> getSoftcapValue() {
      if (auto attr = getSoftcapAttr())
        return attr.getValueAsDouble();
      return std::nullopt;
    }
    /// Feature length of phi (2D for cosformer, 1 + D + D^2 for taylor2); D on softmax.
    int64_t getFeatureDim();
    /// The shape facts the linear cost model reads.
    LinearProblem getLinearProblem();
    /// The order and chunk the lowerings use: the attributes where given, else the
    /// cost model's choice (LinearCostModel.h).
    LinearSchedule getLinearSchedule();
    /// Decay, order and chunk: their own rules.
    LogicalResult verifyLinearSchedule();
    /// Where the op sits in the whole problem (see the description): explicit
    /// `offsets`, or row 0, position Nk - Nq, head 0.
    struct Placement {
      OpFoldResult row, position, head;
    };
    Placement getPlacement(OpBuilder &b);
    bool isTile() { return !getOffsets().empty(); }
    /// Linear attention (a feature map with `sum` or `none`), as opposed to weights
    /// computed from scores (softmax and the pointwise normalisers).
    bool isLinear() {
      return getNormalizer() == Normalizer::Sum || getNormalizer() == Normalizer::None;
    }
    /// Pointwise weights of scores: no running max, no rescale.
    bool isPointwise() {
      return !isLinear() && getNormalizer() != Normalizer::Softmax;
    }
    bool hasScoreMod() { return !getScoreMod().empty(); }
    /// The score_mod block's arguments: score, then batch, head, row, key, position,
    /// then the captures.
    static constexpr unsigned kScoreModIndices = 5;
    RowDivisor getRowDivisor() { return getDivide().value_or(RowDivisor::None); }
    /// The type a score_mod region computes scores in: the element type, or f32 for
    /// 16-bit floats (the kernels accumulate scores in f32).
    Type getScoreType() {
      Type elt = getType().getElementType();
      return elt.getIntOrFloatBitWidth() < 32 ? Float32Type::get(getContext()) : elt;
    }
    double getShiftValue() {
      if (auto attr = getShiftAttr())
        return attr.getValueAsDouble();
      return 0.0;
    }
    /// The decay of query head `head` of the whole problem (1 without a decay); heads
    /// past the list (a tile placed beyond it) wrap around, as heads(...) terms do.
    double getDecayOfHead(int64_t head) {
      std::optional<ArrayRef<double>> decay = getDecay();
      if (!decay)
        return 1.0;
      int64_t n = decay->size();
      return (*decay)[((head % n) + n) % n];
    }
  }];
}

def Attn_MergeOp : Attn_Op<"merge", [Pure, AttrSizedOperandSegments]> {
  let summary = "Combine partial attention results by their log-sum-exps";
  let description = [{
    Softmax attention over the union of disjoint key sets from its parts: part `p` is
    an attention output `o_p: [..., E]` with its log-sum-exp `lse_p: [...]` (the second
    result of `attn.attention`, or of another `attn.merge`). Per row,

    `M = max_p lse_p`, `w_p = exp(lse_p - M)` (0 for a part with `lse_p = -inf`: it
    saw no key), `o = sum_p w_p o_p / sum_p w_p`, `lse = M + log(sum_p w_p)`;

    a row no part saw yields `o = 0` and `lse = -inf`, as `attn.attention` does. The
    merge is exact up to rounding, associative and commutative (merging merges is
    merging all parts): split-KV decoding, shared-prefix (cascade) attention, ring
    attention. All outputs share one type and all lses another, the lses' shape the
    outputs' without the last dimension.

    ```mlir
    %o, %lse = attn.merge %o1, %o2 lse %l1, %l2
        : (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>), (tensor<1x8x4xf32>, tensor<1x8x4xf32>)
        -> tensor<1x8x4x64xf32>, tensor<1x8x4xf32>
    ```
  }];
  let arguments = (ins Variadic<Attn_FloatTensor>:$outputs,
                   Variadic<RankedTensorOf<[F32]>>:$lses);
  let results = (outs Attn_FloatTensor:$result, RankedTensorOf<[F32]>:$lse);
  let assemblyFormat = [{
    $outputs `lse` $lses attr-dict `:` `(` type($outputs) `)` `,` `(` type($lses) `)` `->`
    type($result) `,` type($lse)
  }];
  let hasVerifier = 1;
}

def Attn_OnlineAttentionOp : Attn_Op<"online_attention", [Pure, AttrSizedOperandSegments,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<TilingInterface,
        ["getLoopIteratorTypes", "getIterationDomain", "getTiledImplementation",
         "getResultTilePosition"]>]> {
  let summary = "Softmax attention's partial state, updated by a block of keys";
  let description = [{
    The partial-state form of softmax `attn.attention` (FlashAttention's online softmax,
    IREE's `online_attention`): `outs(%acc, %max, %sum)` hold, per query row, the
    running max `m` of the scores seen so far, the sum `l` of `exp(s - m)` and the
    unnormalised output `acc = sum exp(s - m) v`; the op folds in its keys:

    `m' = max(m, max_j s_j)`, `alpha = exp(m - m')` (0 when `m = -inf < m'`),
    `l' = alpha l + sum_j exp(s_j - m')`, `acc' = alpha acc + sum_j exp(s_j - m') v_j`,

    over the keys j the mask shows (a row that sees none keeps its state). Scores are
    `scale * q.k` (default `1/sqrt(D)`) then `softcap`, as in `attn.attention`. From the
    empty state (0, -inf, 0), `acc / l` (0 where l = 0) is the attention; the state of
    two key blocks is the state of their union, so the key axis tiles as a reduction
    (`scf.for` carrying the state; the order of blocks does not change the result beyond
    rounding).

    `offsets(%row, %position, %head, %key)`: as `attn.attention`'s, plus the index of the
    op's first key in the whole problem (what masks and mask operands see: a key tile
    reads the whole problem's `[B, Nk]` segment ids and layouts, sliced by batch and
    head only). Without `offsets`: row 0, position `Nk - Nq`, head 0, key 0.

    ```mlir
    %acc, %max, %sum = attn.online_attention mask #attn.mask<causal>
        ins(%q, %k, %v : tensor<1x8x128x64xf32>, tensor<1x8x512x64xf32>,
                         tensor<1x8x512x64xf32>)
        outs(%acc0, %max0, %sum0 : tensor<1x8x128x64xf32>, tensor<1x8x128xf32>,
                                   tensor<1x8x128xf32>)
        -> tensor<1x8x128x64xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$query, Attn_FloatTensor:$key, Attn_FloatTensor:$value,
                   Variadic<RankedTensorOf<[I32]>>:$mask_operands,
                   Variadic<Index>:$offsets,
                   Variadic<Attn_FloatTensor>:$outputs,
                   OptionalAttr<Attn_MaskAttr>:$mask,
                   OptionalAttr<F64Attr>:$scale,
                   OptionalAttr<F64Attr>:$softcap);
  let results = (outs Variadic<Attn_FloatTensor>:$results);
  let assemblyFormat = [{
    (`mask` qualified($mask)^)?
    (`mask_operands` `(` $mask_operands^ `:` type($mask_operands) `)`)?
    (`offsets` `(` $offsets^ `)`)?
    (`scale` $scale^)? (`softcap` $softcap^)?
    `ins` `(` $query `,` $key `,` $value `:` type($query) `,` type($key) `,` type($value) `)`
    `outs` `(` $outputs `:` type($outputs) `)`
    attr-dict `->` type($results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getOutputsMutable(); }
    Value getAcc() { return getOutputs()[0]; }
    Value getMax() { return getOutputs()[1]; }
    Value getSum() { return getOutputs()[2]; }
    double getEffectiveScale();
    std::optional<double> getSoftcapValue() {
      if (auto attr = getSoftcapAttr())
        return attr.getValueAsDouble();
      return std::nullopt;
    }
    bool isTile() { return !getOffsets().empty(); }
    /// Where the op sits in the whole problem: explicit offsets, or row 0, position
    /// Nk - Nq, head 0, key 0.
    struct Placement {
      OpFoldResult row, position, head, key;
    };
    Placement getPlacement(OpBuilder &b);
  }];
}

#endif // ATTN_OPS_TD
