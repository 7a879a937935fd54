//===- RaiseCascade.cpp - softmax cascades to attn.attention --------------===//
//
// Matches, from the output backwards:
//   o = einsum "P m n, C n e -> P m e" (w, v)      with w = div "S,R->S" (e, l)
//   o = div "O,R->O" (einsum "S,V->O" (e, v), l)    (normalised after the contraction)
//   l = reduce add "S->R" e,   e = exp(x),   x = sub "S,R->S" (s, reduce max "S->R" s) | s
//   s = [mask neg_inf] [softcap] [scale]* einsum "P m d, C n d -> P m n" (q, k) [scale]
// where S = P m n, R = P m, C is a prefix of P and the rest of P groups query heads.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/AttnOps.h"
#include "attn/IR/IndexNotation.h"
#include "attn/Transforms/AttentionLayout.h"
#include "attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <map>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNRAISECASCADE
#include "attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// What the matcher learns about `softmax(scores)`.
struct SoftmaxMatch {
  Value q, k;
  std::string prefix;    // P: letters before m in the scores
  std::string kvPrefix;  // C: the leading letters of P that k and v share
  char m = 0, n = 0;
  double scale = 1.0;
  std::optional<double> softcap;
  MaskAttr mask;
  std::optional<FeatureKind> feature; // linear attention: phi(q).phi(k) weights
  /// Score modifications between the soft-cap and the mask, in the order they apply:
  /// attn.modify regions and additive tensors (`map add "S,X->S"`, X's letters among
  /// the scores'), each with its letters in the scores' naming.
  struct Modification {
    ModifyOp modify;    // or
    Value addend;       // an additive bias tensor
    std::string letters;
  };
  SmallVector<Modification> modifications;
  /// Pointwise weights f(s + shift) instead of exp (sigmoid, relu, relu2, softplus),
  /// and what a row is divided by.
  std::optional<Normalizer> pointwise;
  double shift = 0.0;
  RowDivisor divisor = RowDivisor::None;
};

std::optional<IndexSpec> specOf(IndexSpecAttr spec) {
  if (!spec)
    return std::nullopt;
  return spec.getValue();
}

template <typename OpTy>
OpTy definingOp(Value v) {
  return v ? v.getDefiningOp<OpTy>() : OpTy();
}

/// Renames the letters of `spec` so that its list `anchor` reads `target`; the other
/// letters get fresh names. Each op names its dimensions independently (a lifted
/// linalg.generic names its loops a, b, c...), so cascades match up to renaming.
std::optional<IndexSpec> renamed(const IndexSpec &spec, const std::string &anchor,
                                 StringRef target) {
  if (anchor.size() != target.size())
    return std::nullopt;
  std::map<char, char> to;
  for (auto [from, into] : llvm::zip(anchor, target))
    to[from] = into;
  std::string used = target.str();
  char fresh = 'A';
  auto rename = [&](const std::string &list) {
    std::string out;
    for (char c : list) {
      if (!to.count(c)) {
        while (used.find(fresh) != std::string::npos)
          ++fresh;
        to[c] = fresh;
        used.push_back(fresh);
      }
      out.push_back(to[c]);
    }
    return out;
  };
  IndexSpec result;
  for (const std::string &in : spec.inputs)
    result.inputs.push_back(rename(in));
  result.output = rename(spec.output);
  return result;
}

bool isBinaryMap(MapOp op, MapFn fn, StringRef lhs, StringRef rhs, StringRef out) {
  if (!op || op.getFn() != fn)
    return false;
  std::optional<IndexSpec> spec = specOf(op.getSpecAttr());
  if (spec)
    spec = renamed(*spec, spec->output, out);
  return spec && spec->inputs[0] == lhs && spec->inputs[1] == rhs;
}

bool isReduce(ReduceOp op, ReduceKind kind, StringRef in, StringRef out) {
  if (!op || op.getKind() != kind)
    return false;
  std::optional<IndexSpec> spec = specOf(op.getSpecAttr());
  if (spec)
    spec = renamed(*spec, spec->inputs[0], in);
  return spec && spec->output == out;
}

/// When `v` (with dimension letters `letters`) is a pure permutation of another tensor
/// (a one-operand einsum without reduction, e.g. a lifted linalg.transpose), returns
/// that tensor and its letters in the same naming; otherwise `v` itself.
std::pair<Value, std::string> throughPermutation(Value v, const std::string &letters) {
  auto perm = definingOp<EinsumOp>(v);
  if (!perm || perm.getInputs().size() != 1 || perm.getScale())
    return {v, letters};
  std::optional<IndexSpec> spec = specOf(perm.getSpecAttr());
  if (!spec || spec->inputs[0].size() != spec->output.size())
    return {v, letters};
  std::optional<IndexSpec> named = renamed(*spec, spec->output, letters);
  if (!named)
    return {v, letters};
  return {perm.getInputs()[0], named->inputs[0]};
}

/// s = [mask] [softcap] [scale]* einsum(q, k): fills in everything but the kv prefix.
/// Steps `s` back through an attn.mask filled with `fill` whose query/key letters sit
/// where the scores have m and n, recording the mask; false for any other mask.
bool throughMask(Value &s, StringRef scoreLetters, FillKind fill, SoftmaxMatch &match) {
  auto mask = definingOp<MaskOp>(s);
  if (!mask)
    return true;
  StringRef indices = mask.getIndices().getValue();
  if (mask.getFill() != fill || indices.size() != scoreLetters.size() ||
      indices.find(mask.getQuery().getValue()[0]) != scoreLetters.size() - 2 ||
      indices.find(mask.getKey().getValue()[0]) != scoreLetters.size() - 1)
    return false;
  match.mask = mask.getMask();
  s = mask.getInput();
  return true;
}

/// Steps `s` back through attn.modify ops and additive tensors over the scores (ones
/// the cascade does not compute itself), recording them (outermost last).
void throughModifications(Value &s, StringRef scoreLetters, SoftmaxMatch &match) {
  while (true) {
    if (auto modify = definingOp<ModifyOp>(s);
        modify && modify.getIndices().getValue().size() == scoreLetters.size()) {
      match.modifications.insert(match.modifications.begin(),
                                 {modify, Value(), scoreLetters.str()});
      s = modify.getInput();
      continue;
    }
    auto add = definingOp<MapOp>(s);
    if (!add || add.getFn() != MapFn::Add || add.getInputs().size() != 2)
      return;
    std::optional<IndexSpec> spec = specOf(add.getSpecAttr());
    std::string addendLetters;
    if (spec) {
      spec = renamed(*spec, spec->output, scoreLetters);
      if (!spec || spec->inputs[0] != scoreLetters)
        return;
      addendLetters = spec->inputs[1];
    } else {
      addendLetters = scoreLetters.str(); // same shape
    }
    if (!llvm::all_of(addendLetters, [&](char c) { return scoreLetters.contains(c); }))
      return;
    // A tensor the cascade itself computes (e.g. a 0 / -inf mask built from indices,
    // which canonicalisation turns into attn.mask) is not a captured bias.
    if (Operation *producer = add.getInputs()[1].getDefiningOp();
        producer && isa_and_nonnull<AttnDialect>(producer->getDialect()))
      return;
    match.modifications.insert(match.modifications.begin(),
                               {ModifyOp(), add.getInputs()[1], addendLetters});
    s = add.getInputs()[0];
  }
}

bool matchScores(Value s, StringRef scoreLetters, SoftmaxMatch &match) {
  if (!throughMask(s, scoreLetters, FillKind::NegInf, match))
    return false;
  throughModifications(s, scoreLetters, match);
  if (auto cap = definingOp<MapOp>(s); cap && cap.getFn() == MapFn::Softcap) {
    match.softcap = cap.getConstantAttr().getValueAsDouble();
    s = cap.getInputs()[0];
  }
  while (auto scale = definingOp<MapOp>(s)) {
    if (scale.getFn() != MapFn::Scale)
      return false;
    match.scale *= scale.getConstantAttr().getValueAsDouble();
    s = scale.getInputs()[0];
  }
  auto qk = definingOp<EinsumOp>(s);
  if (!qk || qk.getInputs().size() != 2 || qk.getCombine() != CombineKind::Mul ||
      qk.getReduce() != ReduceKind::Add)
    return false;
  if (FloatAttr scale = qk.getScaleAttr())
    match.scale *= scale.getValueAsDouble();
  std::optional<IndexSpec> spec = specOf(qk.getSpecAttr());
  if (spec)
    spec = renamed(*spec, spec->output, scoreLetters);
  if (!spec)
    return false;
  // Scores are P m n; q is P m d; k is C n d with C a prefix of P (possibly after
  // undoing a transpose of q or k).
  // A constant scale on q or k (applied before the product) is a scale of the scores.
  auto throughScale = [&](Value v) {
    while (auto scale = definingOp<MapOp>(v)) {
      if (scale.getFn() != MapFn::Scale || scale.getSpec())
        break;
      match.scale *= scale.getConstantAttr().getValueAsDouble();
      v = scale.getInputs()[0];
    }
    return v;
  };
  auto [qValue, qL] = throughPermutation(throughScale(qk.getInputs()[0]), spec->inputs[0]);
  auto [kValue, kL] = throughPermutation(throughScale(qk.getInputs()[1]), spec->inputs[1]);
  qValue = throughScale(qValue);
  kValue = throughScale(kValue);
  match.prefix = scoreLetters.drop_back(2).str();
  match.m = scoreLetters.drop_back().back();
  match.n = scoreLetters.back();
  if (qL.size() != match.prefix.size() + 2 || kL.size() < 2)
    return false;
  char d = qL.back();
  if (qL != match.prefix + match.m + d || kL.back() != d || kL[kL.size() - 2] != match.n)
    return false;
  match.kvPrefix = kL.substr(0, kL.size() - 2);
  if (!StringRef(match.prefix).starts_with(match.kvPrefix))
    return false;
  match.q = qValue;
  match.k = kValue;
  return true;
}

/// w = [mask(zero)] einsum(feature(q'), feature(k)) with q' = [scale]* q: the weights
/// of linear attention; fills in everything but the kv prefix.
bool matchLinearScores(Value w, StringRef scoreLetters, SoftmaxMatch &match) {
  if (!throughMask(w, scoreLetters, FillKind::Zero, match))
    return false;
  auto qk = definingOp<EinsumOp>(w);
  if (!qk || qk.getInputs().size() != 2 || qk.getCombine() != CombineKind::Mul ||
      qk.getReduce() != ReduceKind::Add || qk.getScale())
    return false;
  std::optional<IndexSpec> spec = specOf(qk.getSpecAttr());
  if (spec)
    spec = renamed(*spec, spec->output, scoreLetters);
  auto phiQ = definingOp<FeatureOp>(qk.getInputs()[0]);
  auto phiK = definingOp<FeatureOp>(qk.getInputs()[1]);
  if (!spec || !phiQ || !phiK || phiQ.getFeature() != phiK.getFeature())
    return false;
  // Letters: phi(q) is P m f, phi(k) is C n f; the maps apply over f (softmax_features:
  // over n for the keys) in each op's own naming.
  const std::string &qL = spec->inputs[0], &kL = spec->inputs[1];
  match.prefix = scoreLetters.drop_back(2).str();
  match.m = scoreLetters.drop_back().back();
  match.n = scoreLetters.back();
  if (qL.size() != match.prefix.size() + 2 || kL.size() < 2)
    return false;
  char f = qL.back();
  if (qL != match.prefix + match.m + f || kL.back() != f || kL[kL.size() - 2] != match.n)
    return false;
  auto axisPosition = [](FeatureOp op) {
    return op.getIndices().getValue().find(op.getAxis().getValue()[0]);
  };
  bool keysOverSequence = phiK.getFeature() == FeatureKind::SoftmaxFeatures;
  if (axisPosition(phiQ) != qL.size() - 1 ||
      axisPosition(phiK) != kL.size() - (keysOverSequence ? 2 : 1))
    return false;
  match.kvPrefix = kL.substr(0, kL.size() - 2);
  if (!StringRef(match.prefix).starts_with(match.kvPrefix))
    return false;
  // A constant scale of q before the map is the op's scale (phi(scale q)).
  Value q = phiQ.getInput();
  while (auto scale = definingOp<MapOp>(q)) {
    if (scale.getFn() != MapFn::Scale || scale.getSpec())
      break;
    match.scale *= scale.getConstantAttr().getValueAsDouble();
    q = scale.getInputs()[0];
  }
  match.q = q;
  match.k = phiK.getInput();
  match.feature = phiQ.getFeature();
  return true;
}

/// w = [scale by 1/Nk] [mask(zero)] f([shift by b] s) with f sigmoid, relu, relu^2
/// (mul of one relu by itself) or softplus, s the scores: pointwise attention weights.
/// Fills everything but the kv prefix.
bool matchPointwiseWeights(Value w, StringRef scoreLetters, SoftmaxMatch &match) {
  // Division by the number of keys, written as a scale by 1 / Nk (static Nk).
  if (auto scale = definingOp<MapOp>(w); scale && scale.getFn() == MapFn::Scale) {
    auto type = cast<RankedTensorType>(scale.getType());
    int64_t n = type.getDimSize(type.getRank() - 1);
    double c = scale.getConstantAttr().getValueAsDouble();
    if (ShapedType::isDynamic(n) || n == 0 || std::abs(c * double(n) - 1.0) > 1e-12)
      return false;
    match.divisor = RowDivisor::Length;
    w = scale.getInputs()[0];
  }
  if (!throughMask(w, scoreLetters, FillKind::Zero, match))
    return false;
  auto f = definingOp<MapOp>(w);
  if (!f)
    return false;
  Value x;
  switch (f.getFn()) {
  case MapFn::Sigmoid:
    match.pointwise = Normalizer::Sigmoid;
    x = f.getInputs()[0];
    break;
  case MapFn::Relu:
    match.pointwise = Normalizer::Relu;
    x = f.getInputs()[0];
    break;
  case MapFn::Softplus:
    match.pointwise = Normalizer::Softplus;
    x = f.getInputs()[0];
    break;
  case MapFn::Mul: {
    auto relu = definingOp<MapOp>(f.getInputs()[0]);
    if (f.getSpec() || f.getInputs()[0] != f.getInputs()[1] || !relu ||
        relu.getFn() != MapFn::Relu)
      return false;
    match.pointwise = Normalizer::ReluSquared;
    x = relu.getInputs()[0];
    break;
  }
  default:
    return false;
  }
  if (auto shift = definingOp<MapOp>(x); shift && shift.getFn() == MapFn::Shift) {
    match.shift = shift.getConstantAttr().getValueAsDouble();
    x = shift.getInputs()[0];
  }
  // A mask hiding pairs before f (fill -inf) gives them weight 0 as well; matchScores
  // steps through it. Two masks are not one attention.
  MaskAttr weightMask = match.mask;
  match.mask = MaskAttr();
  if (!matchScores(x, scoreLetters, match))
    return false;
  if (weightMask && match.mask)
    return false;
  if (weightMask)
    match.mask = weightMask;
  return true;
}

/// e = exp(sub(s, max(s))) or exp(s); returns the scores s.
Value matchExpWeights(Value e, StringRef scores, StringRef rows) {
  auto exp = definingOp<MapOp>(e);
  if (!exp || exp.getFn() != MapFn::Exp)
    return {};
  Value x = exp.getInputs()[0];
  auto sub = definingOp<MapOp>(x);
  if (!sub || sub.getFn() != MapFn::Sub)
    return x;
  if (!isBinaryMap(sub, MapFn::Sub, scores, rows, scores))
    return {};
  auto max = definingOp<ReduceOp>(sub.getInputs()[1]);
  if (!isReduce(max, ReduceKind::Max, scores, rows) || max.getInput() != sub.getInputs()[0])
    return {};
  return sub.getInputs()[0];
}

/// The normaliser of a matched cascade: pointwise, linear (sum when divided), softmax.
Normalizer normalizerOf(const SoftmaxMatch &match, bool normalized) {
  if (match.pointwise)
    return *match.pointwise;
  if (match.feature)
    return normalized ? Normalizer::Sum : Normalizer::None;
  return Normalizer::Softmax;
}

/// The score_mod region of `attention` from the matched modifications: each attn.modify
/// body is inlined with its letters bound to (batch, head, row, key), each additive
/// tensor becomes a capture read at its letters' indices.
void buildScoreMod(PatternRewriter &rewriter, Location loc, AttentionOp attention,
                   const SoftmaxMatch &match, unsigned numBatch) {
  SmallVector<Value> captures;
  for (const SoftmaxMatch::Modification &m : match.modifications)
    if (m.addend)
      captures.push_back(m.addend);
  attention.getCapturesMutable().assign(captures);
  Type elt = attention.getType().getElementType();
  Block *block = &attention.getScoreMod().emplaceBlock();
  SmallVector<Type> argTypes = {elt};
  argTypes.append(AttentionOp::kScoreModIndices, rewriter.getIndexType());
  for (Value capture : captures)
    argTypes.push_back(capture.getType());
  block->addArguments(argTypes, SmallVector<Location>(argTypes.size(), loc));
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(block);
  // The score letter at position p (P m n) is the region's batch, head, row or key.
  std::string scoreLetters = match.prefix + match.m + match.n;
  auto indexOf = [&](char letter) -> Value {
    size_t p = scoreLetters.find(letter);
    unsigned numPrefix = match.prefix.size();
    if (p == numPrefix)
      return block->getArgument(3); // row
    if (p == numPrefix + 1)
      return block->getArgument(4); // key
    if (p < numBatch)
      return block->getArgument(1); // batch
    return block->getArgument(2);   // head
  };
  Value score = block->getArgument(0);
  unsigned capture = 0;
  for (const SoftmaxMatch::Modification &m : match.modifications) {
    if (m.addend) {
      SmallVector<Value> at;
      for (char letter : m.letters)
        at.push_back(indexOf(letter));
      Value x = ReadOp::create(rewriter, loc,
                               block->getArgument(1 + AttentionOp::kScoreModIndices + capture++),
                               at);
      score = arith::AddFOp::create(rewriter, loc, score, x);
      continue;
    }
    Block &body = ModifyOp(m.modify).getBody().front();
    IRMapping map;
    map.map(body.getArgument(0), score);
    for (auto [i, letter] : llvm::enumerate(m.letters))
      map.map(body.getArgument(1 + i), indexOf(letter));
    for (Operation &inner : body.without_terminator())
      rewriter.clone(inner, map);
    score = map.lookup(cast<YieldOp>(body.getTerminator()).getValue());
  }
  YieldOp::create(rewriter, loc, score);
}

/// Replaces `root` (with letters P m e) by attn.attention on the matched operands. The
/// kv prefix C is (batch letters..., kv head letter); the query heads are the kv head
/// letter followed by the group letters P \ C, so query head h reads kv head h / |G|.
LogicalResult raise(PatternRewriter &rewriter, Operation *root, const SoftmaxMatch &match,
                    Value v, Normalizer normalizer = Normalizer::Softmax) {
  Location loc = root->getLoc();
  unsigned numPrefix = match.prefix.size(), numKv = match.kvPrefix.size();
  unsigned numBatch = numKv > 0 ? numKv - 1 : 0;
  // Splitting one dimension into several dynamic ones is legal IR, but LLVM 22's
  // expand-strided-metadata crashes on the resulting memref.expand_shape; such
  // cascades stay on the generic path.
  // A score_mod region sees one batch and one head index: modifications raise when
  // batch and query heads are at most one letter each.
  if (!match.modifications.empty() && (numBatch > 1 || numPrefix - numBatch > 1))
    return rewriter.notifyMatchFailure(root, "score modifications over several batch or head "
                                             "letters stay on the generic path");
  auto qType = cast<RankedTensorType>(match.q.getType());
  auto numDynamic = [&](unsigned from, unsigned to) {
    unsigned n = 0;
    for (unsigned i = from; i < to; ++i)
      n += qType.isDynamicDim(i);
    return n;
  };
  if (numDynamic(0, numBatch) > 1 || numDynamic(numBatch, numPrefix) > 1)
    return rewriter.notifyMatchFailure(root, "would split a dimension into several dynamic ones");
  Value q = toAttentionLayout(rewriter, loc, match.q, numBatch, numPrefix - numBatch);
  Value k = toAttentionLayout(rewriter, loc, match.k, numBatch, numKv - numBatch);
  Value v4 = toAttentionLayout(rewriter, loc, v, numBatch, numKv - numBatch);
  auto resultType = cast<RankedTensorType>(root->getResult(0).getType());
  auto q4Type = cast<RankedTensorType>(q.getType());
  auto vType = cast<RankedTensorType>(v4.getType());
  auto attnType = RankedTensorType::get(
      {q4Type.getDimSize(0), q4Type.getDimSize(1), q4Type.getDimSize(2), vType.getDimSize(3)},
      resultType.getElementType());
  auto attention = AttentionOp::create(
      rewriter, loc, attnType, /*lse=*/Type(), q, k, v4, /*maskOperands=*/ValueRange{}, /*projection=*/Value(), /*offsets=*/ValueRange{},
      /*captures=*/ValueRange{}, /*pageTable=*/Value(), /*lengths=*/Value(),
      /*cuSeqlensQ=*/Value(), /*cuSeqlensK=*/Value(), match.mask,
      match.feature ? FeatureKindAttr::get(rewriter.getContext(), *match.feature)
                    : FeatureKindAttr(),
      NormalizerAttr::get(rewriter.getContext(), normalizer),
      rewriter.getF64FloatAttr(match.scale),
      match.softcap ? rewriter.getF64FloatAttr(*match.softcap) : FloatAttr(),
      match.pointwise && match.shift != 0.0 ? rewriter.getF64FloatAttr(match.shift) : FloatAttr(),
      match.pointwise && match.divisor != RowDivisor::None
          ? RowDivisorAttr::get(rewriter.getContext(), match.divisor)
          : RowDivisorAttr(),
      /*decay=*/DenseF64ArrayAttr(), /*order=*/LinearOrderAttr(), /*chunk=*/IntegerAttr());
  if (!match.modifications.empty())
    buildScoreMod(rewriter, loc, attention, match, numBatch);
  // The result is P... m e: sizes of P and m come from q, e from v.
  SmallVector<OpFoldResult> shape;
  for (unsigned i = 0; i <= numPrefix; ++i)
    shape.push_back(tensor::getMixedSize(rewriter, loc, match.q, i));
  shape.push_back(tensor::getMixedSize(rewriter, loc, v, numKv + 1));
  Value result = fromAttentionLayout(rewriter, loc, attention.getResult(), numBatch,
                                     numPrefix - numBatch, resultType, shape);
  if (result.getType() != resultType)
    result = tensor::CastOp::create(rewriter, loc, resultType, result);
  rewriter.replaceOp(root, result);
  return success();
}

/// o = einsum "S,V->O" (div(e, l), v)
struct RaiseNormalizedWeights : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EinsumOp op, PatternRewriter &rewriter) const override {
    SoftmaxMatch match;
    Value v;
    if (!matchValueContraction(op, match, v, /*normalized=*/true))
      return rewriter.notifyMatchFailure(op, "not softmax(scores) V");
    return raise(rewriter, op, match, v, normalizerOf(match, /*normalized=*/true));
  }

  /// Checks `op` = einsum "P m n, C n e -> P m e" (w, v) with w the softmax weights
  /// (normalized) or exp weights (not normalized), and fills `match`.
  static bool matchValueContraction(EinsumOp op, SoftmaxMatch &match, Value &v,
                                    bool normalized) {
    if (op.getInputs().size() != 2 || op.getCombine() != CombineKind::Mul ||
        op.getReduce() != ReduceKind::Add || op.getScale())
      return false;
    std::optional<IndexSpec> spec = specOf(op.getSpecAttr());
    if (!spec)
      return false;
    StringRef scores = spec->inputs[0];
    if (scores.size() < 2)
      return false;
    std::string rows = scores.drop_back().str();
    Value weights = op.getInputs()[0];
    if (normalized) {
      auto div = definingOp<MapOp>(weights);
      if (!isBinaryMap(div, MapFn::Div, scores, rows, scores))
        return false;
      auto sum = definingOp<ReduceOp>(div.getInputs()[1]);
      if (!isReduce(sum, ReduceKind::Add, scores, rows) ||
          sum.getInput() != div.getInputs()[0])
        return false;
      weights = div.getInputs()[0];
    }
    Value s = matchExpWeights(weights, scores, rows);
    if (!(s && matchScores(s, scores, match))) {
      match = SoftmaxMatch();
      if (!matchLinearScores(weights, scores, match)) {
        match = SoftmaxMatch();
        if (!matchPointwiseWeights(weights, scores, match))
          return false;
        // Both a division by Nk and one by the row sum: not one of the divisors.
        if (normalized && match.divisor == RowDivisor::Length)
          return false;
        if (normalized)
          match.divisor = RowDivisor::Sum;
      }
    }
    char e = spec->output.back();
    auto [vValue, vL] = throughPermutation(op.getInputs()[1], spec->inputs[1]);
    if (vL != match.kvPrefix + match.n + e || spec->output != rows + e)
      return false;
    v = vValue;
    return true;
  }
};

/// o = div "O,R->O" (einsum "S,V->O" (e, v), reduce add e)
struct RaiseNormalizedOutput : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != MapFn::Div)
      return failure();
    auto pv = definingOp<EinsumOp>(op.getInputs()[0]);
    auto sum = definingOp<ReduceOp>(op.getInputs()[1]);
    std::optional<IndexSpec> spec = specOf(op.getSpecAttr());
    if (!pv || !sum || !spec)
      return rewriter.notifyMatchFailure(op, "not (exp-weights V) / row sums");
    SoftmaxMatch match;
    Value v;
    if (!RaiseNormalizedWeights::matchValueContraction(pv, match, v, /*normalized=*/false))
      return rewriter.notifyMatchFailure(op, "not exp-weights V");
    std::string scores = match.prefix + match.m + match.n;
    std::string rows = match.prefix + match.m;
    std::optional<IndexSpec> pvSpec = specOf(pv.getSpecAttr());
    std::optional<IndexSpec> pvRenamed =
        renamed(*pvSpec, pvSpec->inputs[0], scores); // pv output in the scores' letters
    if (!pvRenamed || !isReduce(sum, ReduceKind::Add, scores, rows) ||
        sum.getInput() != pv.getInputs()[0] ||
        !isBinaryMap(op, MapFn::Div, pvRenamed->output, rows, pvRenamed->output))
      return rewriter.notifyMatchFailure(op, "denominator is not the row sum");
    if (match.pointwise) {
      if (match.divisor == RowDivisor::Length)
        return rewriter.notifyMatchFailure(op, "divided by both Nk and the row sum");
      match.divisor = RowDivisor::Sum;
    }
    return raise(rewriter, op, match, v, normalizerOf(match, /*normalized=*/true));
  }
};

/// o = einsum "W,V->O" (w, v) with w the weights of linear attention (normalizer
/// none) or pointwise weights (divide none, or length when scaled by 1 / Nk). A sum
/// divided afterwards is left to RaiseNormalizedOutput.
struct RaiseUnnormalizedLinear : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EinsumOp op, PatternRewriter &rewriter) const override {
    for (Operation *user : op->getUsers())
      if (auto div = dyn_cast<MapOp>(user); div && div.getFn() == MapFn::Div)
        return rewriter.notifyMatchFailure(op, "divided afterwards: the normalized form");
    SoftmaxMatch match;
    Value v;
    if (!RaiseNormalizedWeights::matchValueContraction(op, match, v, /*normalized=*/false) ||
        !(match.feature || match.pointwise))
      return rewriter.notifyMatchFailure(op, "not phi(Q) phi(K)^T V or f(Q K^T) V");
    return raise(rewriter, op, match, v, normalizerOf(match, /*normalized=*/false));
  }
};

/// add(x, mask<M>(0)) -> mask<M>(x): an additive 0/-inf mask tensor is the mask itself
/// (for finite scores, which is what they are before the softmax).
struct FoldAdditiveMask : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != MapFn::Add || op.getInputs()[0].getType() != op.getType())
      return failure();
    for (unsigned i = 0; i < 2; ++i) {
      auto mask = definingOp<MaskOp>(op.getInputs()[i]);
      Value scores = op.getInputs()[1 - i];
      if (!mask || mask.getFill() != FillKind::NegInf || scores.getType() != op.getType() ||
          !isZeroTensor(mask.getInput()))
        continue;
      // The mask's letters line up with the result; the scores must too.
      std::optional<IndexSpec> spec = specOf(op.getSpecAttr());
      if (spec && (spec->inputs[0] != spec->output || spec->inputs[1] != spec->output))
        continue;
      rewriter.replaceOpWithNewOp<MaskOp>(op, op.getType(), mask.getMask(), scores,
                                          mask.getIndices(), mask.getQuery(), mask.getKey(),
                                          FillKind::NegInf);
      return success();
    }
    return failure();
  }

  static bool isZeroTensor(Value v) {
    if (auto fill = definingOp<linalg::FillOp>(v)) {
      auto cst = fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
      auto f = cst ? dyn_cast<FloatAttr>(cst.getValue()) : FloatAttr();
      return f && f.getValue().isZero();
    }
    DenseFPElementsAttr dense;
    return matchPattern(v, m_Constant(&dense)) && dense.isSplat() &&
           dense.getSplatValue<APFloat>().isZero();
  }
};

struct AttnRaiseCascadePass : attn::impl::AttnRaiseCascadeBase<AttnRaiseCascadePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateAttnRaiseCascadePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateAttnRaiseCascadePatterns(RewritePatternSet &patterns) {
  patterns.add<FoldAdditiveMask, RaiseNormalizedWeights, RaiseNormalizedOutput,
               RaiseUnnormalizedLinear>(patterns.getContext());
}
