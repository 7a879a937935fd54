//===- LinalgBuilders.h - linalg.generic from index notation --------------===//
//
// The attn ops name dimensions with letters; linalg.generic wants loops and affine
// maps. These helpers translate: a loop nest is a string of letters, an operand is a
// value with its letters, and the maps and iterator types follow from the strings.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_LINALGBUILDERS_H
#define ATTN_LIB_CONVERSION_LINALGBUILDERS_H

#include "attn/IR/MaskTerm.h"
#include "attn/IR/AttnAttrs.h"
#include "attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include <string>

namespace mlir::attn {

class AttentionOp;

/// A tensor value with one letter per dimension.
struct Indexed {
  Value value;
  std::string letters;
};

/// Body of a generic: block arguments (inputs, then the accumulator when there is one)
/// and the loop letters, so a body can ask for `linalg.index` of a letter.
struct GenericBody {
  OpBuilder &b;
  Location loc;
  ValueRange args;
  StringRef loops;
  /// `linalg.index` of the loop named `letter`.
  Value index(char letter) const;
};
using BodyFn = function_ref<Value(const GenericBody &)>;

/// Size of dimension `letter` taken from the first of `sources` that has it (static
/// when any source knows it statically).
OpFoldResult getLetterSize(OpBuilder &b, Location loc, char letter, ArrayRef<Indexed> sources);

/// `tensor.empty` with dimensions `letters` sized from `sources`, filled with `fill`
/// when given.
Value buildInit(OpBuilder &b, Location loc, Type elt, StringRef letters,
                ArrayRef<Indexed> sources, std::optional<double> fill = std::nullopt);

/// A linalg.generic looping over the result letters followed by the letters of the
/// inputs not in the result (reductions). `init` is the output (already filled for
/// reductions); the body returns the new output element.
Value buildGeneric(OpBuilder &b, Location loc, ArrayRef<Indexed> inputs, Indexed init,
                   BodyFn body);

/// Elementwise over `out` letters: the output is a fresh tensor sized from the inputs.
Value buildElementwise(OpBuilder &b, Location loc, ArrayRef<Indexed> inputs,
                       StringRef outLetters, BodyFn body);

/// Reduces `input` onto `outLetters` with add or max (identity 0 or -inf).
Value buildReduction(OpBuilder &b, Location loc, Indexed input, StringRef outLetters,
                     bool isMax);

/// args[2] + args[0] * args[1] with `reassoc contract`: sums of products may be
/// reordered and fused (as every BLAS does), which lets LLVM vectorise the reductions.
Value multiplyAccumulate(const GenericBody &g);

/// attn.merge's result and log-sum-exp (Merge.cpp).
SmallVector<Value> buildMerge(OpBuilder &b, Location loc, MergeOp op);

/// args[0] / args[1], or 0 where args[1] is 0 (rows of attention without a visible
/// key, zero linear-attention denominators).
Value divideOrZero(const GenericBody &g);

/// An attention score from q.k: scale * x, then c * tanh(x / c) when soft-capped.
Value scaleAndSoftcap(OpBuilder &b, Location loc, Value x, double scale,
                      std::optional<double> softcap);

/// The score_mod region of `op` applied to `score` at `indices` (batch, head, row, key,
/// position of the whole problem), cloned at the insertion point (a generic's body).
Value buildScoreMod(OpBuilder &b, Location loc, AttentionOp op, Value score,
                    ValueRange indices);

/// The weight of a shifted score under a pointwise normaliser (sigmoid, relu, relu2,
/// softplus; identity returns x).
Value buildPointwiseWeight(OpBuilder &b, Location loc, Normalizer normalizer, Value x);

/// Scalar helpers.
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);
Value negInfinity(OpBuilder &b, Location loc, Type type);

/// phi applied along letter `axis` of `input`; `resultType` gives the result shape.
Value buildFeatureMap(OpBuilder &b, Location loc, FeatureKind kind, Indexed input,
                      char axis);

/// FAVOR+ features of `input` along `axis` with the [m, d] `projection`: the result
/// names the feature axis 'f'.
Indexed buildFavorFeatures(OpBuilder &b, Location loc, Indexed input, char axis,
                           Value projection);

/// The tensor-level reader of attn.attention's mask operands (in a linalg.generic
/// body, on index scalars): visible(row, key) under `mask`, the row of the whole problem
/// at position row + `rowToPosition`, query head `head` (for heads(...)). Segment ids
/// ([B, Nk]) are read at the query's position clamped into [0, Nk) (the predicate
/// hides queries outside the keys) and at the key; block layouts ([B, Hq, QB, KB]) at
/// (batch, localHead, row / bq, key / bk), blocks past the layout hidden, never read
/// out of bounds. (The buffer-level reader is MemRefMaskOperands.)
Value buildTensorMaskPredicate(OpBuilder &b, Location loc, MaskAttr mask,
                               ValueRange maskOperands, Value batch, Value localHead,
                               Value head, Value row, Value key, Value rowToPosition);

class OnlineAttentionOp;

/// Where an op's rows, heads and keys sit in the whole problem (index values): row i
/// is row `row` + i at position row + i + `rowToPosition`, head h is `head` + h, key j
/// is key `key` + j.
struct PlacementValues {
  Value row, rowToPosition, head, key;
};

/// The running state (max "bgrm", sum "bgrm", acc "bgrme") of softmax attention.
struct OnlineState {
  Value max, sum, acc;
};

/// attn.online_attention's update of `state` by all of its keys, on the split-head
/// layout (q "bgrmd", k "bgnd", v "bgne"): tiles the mask hides are skipped, full tiles
/// skip the per-element mask.
OnlineState buildOnlineUpdate(OpBuilder &b, Location loc, OnlineAttentionOp op,
                              const PlacementValues &at, Indexed q, Indexed k, Indexed v,
                              OnlineState state);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_LINALGBUILDERS_H
