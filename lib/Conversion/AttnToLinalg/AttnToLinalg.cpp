//===- AttnToLinalg.cpp - every attn op to linalg.generic on tensors ------===//
#include "attn/IR/Limits.h"
#include "attn/IR/MaskTerm.h"
#include "attn/Conversion/Passes.h"
#include "attn/IR/AttnOps.h"
#include "attn/Transforms/Passes.h"
#include "attn/IR/IndexNotation.h"
#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOLINALG
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;


static Value elementOf(const GenericBody &g, Value x, MapFn fn, std::optional<double> c,
                       Value y = {}) {
  OpBuilder &b = g.b;
  Location l = g.loc;
  Type t = x.getType();
  auto cst = [&](double v) { return floatConstant(b, l, t, v); };
  switch (fn) {
  case MapFn::Exp:
    return math::ExpOp::create(b, l, x);
  case MapFn::Log:
    return math::LogOp::create(b, l, x);
  case MapFn::Neg:
    return arith::NegFOp::create(b, l, x);
  case MapFn::Tanh:
    return math::TanhOp::create(b, l, x);
  case MapFn::Sigmoid: {
    Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
    return arith::DivFOp::create(b, l, cst(1.0), arith::AddFOp::create(b, l, cst(1.0), e));
  }
  case MapFn::Relu:
    return arith::MaximumFOp::create(b, l, x, cst(0.0));
  case MapFn::Softplus: {
    // max(x, 0) + log1p(exp(-|x|)): no overflow for large |x|.
    Value absNeg = arith::NegFOp::create(b, l, math::AbsFOp::create(b, l, x));
    Value tail = math::Log1pOp::create(b, l, math::ExpOp::create(b, l, absNeg));
    return arith::AddFOp::create(b, l, arith::MaximumFOp::create(b, l, x, cst(0.0)), tail);
  }
  case MapFn::Elu: {
    Value neg = arith::MulFOp::create(b, l, cst(c.value_or(1.0)),
                                      math::ExpM1Op::create(b, l, x));
    Value pos = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x, cst(0.0));
    return arith::SelectOp::create(b, l, pos, x, neg);
  }
  case MapFn::Scale:
    return arith::MulFOp::create(b, l, x, cst(*c));
  case MapFn::Shift:
    return arith::AddFOp::create(b, l, x, cst(*c));
  case MapFn::Softcap: {
    Value t = math::TanhOp::create(b, l, arith::DivFOp::create(b, l, x, cst(*c)));
    return arith::MulFOp::create(b, l, t, cst(*c));
  }
  case MapFn::Add:
    return arith::AddFOp::create(b, l, x, y);
  case MapFn::Sub:
    return arith::SubFOp::create(b, l, x, y);
  case MapFn::Mul:
    return arith::MulFOp::create(b, l, x, y);
  case MapFn::Div:
    return arith::DivFOp::create(b, l, x, y);
  case MapFn::Max:
    return arith::MaximumFOp::create(b, l, x, y);
  case MapFn::Min:
    return arith::MinimumFOp::create(b, l, x, y);
  }
  llvm_unreachable("unknown map function");
}

static Value scaleBy(OpBuilder &b, Location loc, Indexed in, double scale) {
  if (scale == 1.0)
    return in.value;
  return buildElementwise(b, loc, {in}, in.letters, [&](const GenericBody &g) {
    return elementOf(g, g.args[0], MapFn::Scale, scale);
  });
}

/// `numbers` as index letters "abcd..." for ops that carry no spec of their own.
static std::string defaultLetters(int64_t rank) {
  std::string letters;
  for (int64_t i = 0; i < rank; ++i)
    letters.push_back('a' + i);
  return letters;
}

namespace {

struct LowerEinsum : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EinsumOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    IndexSpec spec = op.getSpec().getValue();
    SmallVector<Indexed> inputs;
    for (auto [value, letters] : llvm::zip(op.getInputs(), spec.inputs))
      inputs.push_back({value, letters});
    bool isMax = op.getReduce() == ReduceKind::Max;
    Value init = buildInit(rewriter, loc, op.getType().getElementType(), spec.output, inputs,
                           isMax ? -std::numeric_limits<double>::infinity() : 0.0);
    bool addCombine = op.getCombine() == CombineKind::Add;
    // A sum may be reordered (see multiplyAccumulate).
    auto sumOfProducts = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    Value result =
        buildGeneric(rewriter, loc, inputs, {init, spec.output}, [&](const GenericBody &g) {
          Value term = g.args[0];
          if (inputs.size() == 2)
            term = addCombine ? (Value)arith::AddFOp::create(g.b, g.loc, g.args[0], g.args[1])
                              : (Value)arith::MulFOp::create(g.b, g.loc, g.args[0], g.args[1],
                                                             sumOfProducts);
          Value acc = g.args.back();
          return isMax ? (Value)arith::MaximumFOp::create(g.b, g.loc, acc, term)
                       : (Value)arith::AddFOp::create(g.b, g.loc, acc, term, sumOfProducts);
        });
    if (FloatAttr scale = op.getScaleAttr())
      result = scaleBy(rewriter, loc, {result, spec.output}, scale.getValueAsDouble());
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerMap : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp op, PatternRewriter &rewriter) const override {
    IndexSpec spec;
    if (IndexSpecAttr given = op.getSpecAttr()) {
      spec = given.getValue();
    } else {
      spec.output = defaultLetters(op.getType().getRank());
      spec.inputs.assign(op.getInputs().size(), spec.output);
    }
    SmallVector<Indexed> inputs;
    for (auto [value, letters] : llvm::zip(op.getInputs(), spec.inputs))
      inputs.push_back({value, letters});
    std::optional<double> c;
    if (FloatAttr attr = op.getConstantAttr())
      c = attr.getValueAsDouble();
    Value result = buildElementwise(rewriter, op.getLoc(), inputs, spec.output,
                                    [&](const GenericBody &g) {
                                      Value y = inputs.size() == 2 ? g.args[1] : Value();
                                      return elementOf(g, g.args[0], op.getFn(), c, y);
                                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerModify : OpRewritePattern<ModifyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ModifyOp op, PatternRewriter &rewriter) const override {
    std::string letters = op.getIndices().getValue().str();
    Block &body = op.getBody().front();
    Value result = buildElementwise(
        rewriter, op.getLoc(), {{op.getInput(), letters}}, letters, [&](const GenericBody &g) {
          IRMapping mapping;
          mapping.map(body.getArgument(0), g.args[0]);
          for (auto [i, c] : llvm::enumerate(letters))
            mapping.map(body.getArgument(i + 1), g.index(c));
          for (Operation &inner : body.without_terminator())
            g.b.clone(inner, mapping);
          return mapping.lookup(cast<YieldOp>(body.getTerminator()).getValue());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerReduce : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp op, PatternRewriter &rewriter) const override {
    IndexSpec spec = op.getSpec().getValue();
    rewriter.replaceOp(op, buildReduction(rewriter, op.getLoc(),
                                          {op.getInput(), spec.inputs[0]}, spec.output,
                                          op.getKind() == ReduceKind::Max));
    return success();
  }
};

/// The end-aligned placement of scores whose query/key letters are `query`/`key`.
static PlacementValues endAligned(OpBuilder &b, Location loc, Indexed scores, char query,
                                  char key) {
  Value numQueries =
      getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, query, {scores}));
  Value numKeys = getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, key, {scores}));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  return {zero, arith::SubIOp::create(b, loc, numKeys, numQueries), zero, zero};
}

/// The placement an op states (its tile offsets, or end-aligned).
template <typename Placement>
static PlacementValues placementValues(OpBuilder &b, Location loc, const Placement &p,
                                       OpFoldResult key) {
  Value row = getValueOrCreateConstantIndexOp(b, loc, p.row);
  Value position = getValueOrCreateConstantIndexOp(b, loc, p.position);
  return {row, arith::SubIOp::create(b, loc, position, row),
          getValueOrCreateConstantIndexOp(b, loc, p.head),
          getValueOrCreateConstantIndexOp(b, loc, key)};
}
static PlacementValues placementOf(OpBuilder &b, Location loc, AttentionOp op) {
  return placementValues(b, loc, op.getPlacement(b), b.getIndexAttr(0));
}
static PlacementValues placementOf(OpBuilder &b, Location loc, OnlineAttentionOp op) {
  OnlineAttentionOp::Placement p = op.getPlacement(b);
  return placementValues(b, loc, p, p.key);
}

/// select(visible(i, j), x, fill) with i, j the query/key letters.
static Value applyMask(OpBuilder &b, Location loc, MaskAttr mask, Indexed scores, char query,
                       char key, FillKind fill, const PlacementValues &at,
                       ValueRange maskOperands = {}) {
  // Attention scores "bgrmn": query head g * R + r, for per-head masks.
  bool headed = StringRef(scores.letters).contains('g') && StringRef(scores.letters).contains('r');
  Value ratio = headed ? getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, 'r', {scores}))
                       : Value();
  return buildElementwise(b, loc, {scores}, scores.letters, [&](const GenericBody &g) {
    Value localHead, head;
    if (headed) {
      localHead = arith::AddIOp::create(
          g.b, g.loc, arith::MulIOp::create(g.b, g.loc, g.index('g'), ratio), g.index('r'));
      head = arith::AddIOp::create(g.b, g.loc, localHead, at.head);
    }
    Value row = arith::AddIOp::create(g.b, g.loc, g.index(query), at.row);
    Value visible =
        buildTensorMaskPredicate(g.b, g.loc, mask, maskOperands, g.index('b'), localHead, head,
                                 row, g.index(key), at.rowToPosition);
    Type t = g.args[0].getType();
    Value filler = fill == FillKind::NegInf ? negInfinity(g.b, g.loc, t)
                                            : floatConstant(g.b, g.loc, t, 0.0);
    return arith::SelectOp::create(g.b, g.loc, visible, g.args[0], filler).getResult();
  });
}

struct LowerMask : OpRewritePattern<MaskOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaskOp op, PatternRewriter &rewriter) const override {
    Indexed scores{op.getInput(), op.getIndices().getValue().str()};
    char query = op.getQuery().getValue()[0], key = op.getKey().getValue()[0];
    rewriter.replaceOp(op, applyMask(rewriter, op.getLoc(), op.getMask(), scores, query, key,
                                     op.getFill(),
                                     endAligned(rewriter, op.getLoc(), scores, query, key)));
    return success();
  }
};

struct LowerFeature : OpRewritePattern<FeatureOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FeatureOp op, PatternRewriter &rewriter) const override {
    Value result = buildFeatureMap(rewriter, op.getLoc(), op.getFeature(),
                                   {op.getInput(), op.getIndices().getValue().str()},
                                   op.getAxis().getValue()[0]);
    if (result.getType() != op.getType())
      result = tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// [B, G, N, D] -> [B, G * ratio, N, D], kv head g copied to heads g*ratio..+ratio-1.
static Value replicateHeads(OpBuilder &b, Location loc, Value kv, Value ratio) {
  auto type = cast<RankedTensorType>(kv.getType());
  SmallVector<OpFoldResult> shape = {tensor::getMixedSize(b, loc, kv, 0),
                                     tensor::getMixedSize(b, loc, kv, 1), ratio,
                                     tensor::getMixedSize(b, loc, kv, 2),
                                     tensor::getMixedSize(b, loc, kv, 3)};
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  Value wide = linalg::BroadcastOp::create(b, loc, kv, init, ArrayRef<int64_t>{2})
                   .getResult()
                   .front();
  return tensor::CollapseShapeOp::create(
      b, loc, wide, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
}

/// Query heads split as [B, G, R, ...] (G = kv heads, R = query heads per kv head) so
/// that GQA is plain index sharing: q "bgrmd", k "bgnd", v "bgne". When the ratio R is
/// only known at run time, k and v are replicated R times along their heads instead
/// (G := Hq, R := 1): the generic path's simplicity is worth the copy.
struct SplitHeads {
  Indexed q, k, v;
  OpFoldResult g, r;

  SplitHeads(OpBuilder &b, Location loc, Value query, Value key, Value value) {
    OpFoldResult hq = tensor::getMixedSize(b, loc, query, 1);
    g = tensor::getMixedSize(b, loc, key, 1);
    r = b.getIndexAttr(1);
    std::optional<int64_t> hqStatic = getConstantIntValue(hq), gStatic = getConstantIntValue(g);
    if (hqStatic && gStatic) {
      r = b.getIndexAttr(*hqStatic / *gStatic);
    } else {
      Value ratio = arith::DivUIOp::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, hq),
                                           getValueOrCreateConstantIndexOp(b, loc, g));
      key = replicateHeads(b, loc, key, ratio);
      value = replicateHeads(b, loc, value, ratio);
      g = hq;
    }
    q = {expand(b, loc, query), "bgrmd"};
    k = {key, "bgnd"};
    v = {value, "bgne"};
  }

  /// [B, Hq, ...] as [B, G, R, ...].
  Value expand(OpBuilder &b, Location loc, Value t) const {
    auto type = cast<RankedTensorType>(t.getType());
    SmallVector<OpFoldResult> shape = {tensor::getMixedSize(b, loc, t, 0), g, r};
    for (int64_t d = 2; d < type.getRank(); ++d)
      shape.push_back(tensor::getMixedSize(b, loc, t, d));
    SmallVector<int64_t> staticShape;
    SmallVector<Value> dynamic;
    dispatchIndexOpFoldResults(shape, dynamic, staticShape);
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(staticShape, type.getElementType()), t,
        reassociation(type.getRank()), shape);
  }

  /// [B, G, R, ...] back as `type`.
  static Value collapse(OpBuilder &b, Location loc, Value t, Type type) {
    int64_t rank = cast<RankedTensorType>(type).getRank();
    Value collapsed = tensor::CollapseShapeOp::create(b, loc, t, reassociation(rank));
    if (collapsed.getType() != type)
      collapsed = tensor::CastOp::create(b, loc, type, collapsed);
    return collapsed;
  }

  static SmallVector<ReassociationIndices> reassociation(int64_t rank) {
    SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
    for (int64_t d = 2; d < rank; ++d)
      split.push_back({d + 1});
    return split;
  }
};

/// The unfused attention on the split-head layout; the result "bgrme". Softmax in the
/// online form is decomposed into attn.online_attention instead (AttnToLinalg's pass
/// tiles it first).
struct LowerAttention : OpRewritePattern<AttentionOp> {
  LowerAttention(MLIRContext *ctx, bool online) : OpRewritePattern(ctx), online(online) {}
  bool online;

  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    bool softmax = op.getNormalizer() == Normalizer::Softmax;
    if (softmax && online && !op.hasScoreMod()) {
      FailureOr<SmallVector<Value>> parts = op.decomposeOperation(rewriter);
      if (failed(parts))
        return failure();
      rewriter.replaceOp(op, *parts);
      return success();
    }
    SplitHeads split(b, loc, op.getQuery(), op.getKey(), op.getValue());
    PlacementValues at = placementOf(b, loc, op);
    Value lse;
    Value out = !op.isLinear()
                    ? lowerScoreBased(b, loc, op, at, split.q, split.k, split.v, &lse)
                    : lowerLinear(b, loc, op, at, split.q, split.k, split.v);
    SmallVector<Value> results{SplitHeads::collapse(b, loc, out, op.getType())};
    if (op.getLse())
      results.push_back(SplitHeads::collapse(b, loc, lse, op.getLse().getType()));
    rewriter.replaceOp(op, results);
    return success();
  }

  /// Scores s = scale q.k, soft-capped, modified by the score_mod region and masked;
  /// then softmax: o = (sum_j exp(s_ij - m_i) v_j) / sum_j exp(s_ij - m_i), with m_i
  /// the row max (rows without a visible key have m_i = -inf and produce 0), or a
  /// pointwise normaliser: o = sum_j f(s_ij + shift) v_j / divisor. With a log-sum-exp
  /// result, `lse` ("bgrm") is m_i + log sum_j exp(s_ij - m_i) (-inf for empty rows).
  static Value lowerScoreBased(OpBuilder &b, Location loc, AttentionOp op,
                               const PlacementValues &at, Indexed q, Indexed k, Indexed v,
                               Value *lse) {
    Type elt = op.getType().getElementType();
    Value zeroScores = buildInit(b, loc, elt, "bgrmn", {q, k}, 0.0);
    Value qk = buildGeneric(b, loc, {q, k}, {zeroScores, "bgrmn"}, multiplyAccumulate);
    double scale = op.getEffectiveScale();
    std::optional<double> softcap = op.getSoftcapValue();
    Indexed scores{qk, "bgrmn"};
    Value ratio = getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, 'r', {q}));
    scores.value = buildElementwise(b, loc, {scores}, scores.letters, [&](const GenericBody &g) {
      Value x = scaleAndSoftcap(g.b, g.loc, g.args[0], scale, softcap);
      if (!op.hasScoreMod())
        return x;
      // The region sees the whole problem's head, row and position.
      Value head = arith::AddIOp::create(
          g.b, g.loc,
          arith::AddIOp::create(g.b, g.loc, arith::MulIOp::create(g.b, g.loc, g.index('g'), ratio),
                                g.index('r')),
          at.head);
      Value row = arith::AddIOp::create(g.b, g.loc, g.index('m'), at.row);
      Value position = arith::AddIOp::create(g.b, g.loc, row, at.rowToPosition);
      return buildScoreMod(g.b, g.loc, op, x, {g.index('b'), head, row, g.index('n'), position});
    });
    if (MaskAttr mask = op.getMaskAttr())
      scores.value = applyMask(b, loc, mask, scores, 'm', 'n', FillKind::NegInf, at,
                               op.getMaskOperands());
    if (op.isPointwise())
      return lowerPointwise(b, loc, op, scores, v);

    Indexed rowMax{buildReduction(b, loc, scores, "bgrm", /*isMax=*/true), "bgrm"};
    Indexed weights{buildElementwise(b, loc, {scores, rowMax}, scores.letters,
                                     [](const GenericBody &g) {
                                       // An empty row has max -inf: subtract 0 so that
                                       // exp(-inf - 0) = 0 rather than NaN.
                                       Value m = g.args[1];
                                       Value isInf = arith::CmpFOp::create(
                                           g.b, g.loc, arith::CmpFPredicate::OEQ, m,
                                           negInfinity(g.b, g.loc, m.getType()));
                                       m = arith::SelectOp::create(
                                           g.b, g.loc, isInf,
                                           floatConstant(g.b, g.loc, m.getType(), 0.0), m);
                                       Value d = arith::SubFOp::create(g.b, g.loc, g.args[0], m);
                                       return math::ExpOp::create(g.b, g.loc, d).getResult();
                                     }),
                    scores.letters};
    if (op.getLse()) {
      Indexed rowSum{buildReduction(b, loc, weights, "bgrm", /*isMax=*/false), "bgrm"};
      Type f32 = b.getF32Type();
      Value init = buildInit(b, loc, f32, "bgrm", {rowMax});
      *lse = buildGeneric(b, loc, {rowMax, rowSum}, {init, "bgrm"}, [&](const GenericBody &g) {
        Value m = g.args[0], sum = g.args[1];
        if (m.getType() != f32) {
          m = arith::ExtFOp::create(g.b, g.loc, f32, m);
          sum = arith::ExtFOp::create(g.b, g.loc, f32, sum);
        }
        Value empty = arith::CmpFOp::create(g.b, g.loc, arith::CmpFPredicate::OEQ, sum,
                                            floatConstant(g.b, g.loc, f32, 0.0));
        Value value =
            arith::AddFOp::create(g.b, g.loc, m, math::LogOp::create(g.b, g.loc, sum));
        return arith::SelectOp::create(g.b, g.loc, empty, negInfinity(g.b, g.loc, f32), value)
            .getResult();
      });
    }
    return weightedValues(b, loc, weights, v, /*normalize=*/true);
  }

  /// w_ij = f(s_ij + shift) (0 where s_ij = -inf: masked or hidden by the region),
  /// o_i = sum_j w_ij v_j [/ Nk or / sum_j w_ij].
  static Value lowerPointwise(OpBuilder &b, Location loc, AttentionOp op, Indexed scores,
                              Indexed v) {
    Type elt = op.getType().getElementType();
    RowDivisor divisor = op.getRowDivisor();
    Value numKeys =
        getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, 'n', {scores}));
    Indexed weights{
        buildElementwise(b, loc, {scores}, scores.letters,
                         [&](const GenericBody &g) {
                           Value s = g.args[0];
                           Value shifted = arith::AddFOp::create(
                               g.b, g.loc, s, floatConstant(g.b, g.loc, elt, op.getShiftValue()));
                           Value w = buildPointwiseWeight(g.b, g.loc, op.getNormalizer(), shifted);
                           if (divisor == RowDivisor::Length) {
                             Value n = arith::SIToFPOp::create(
                                 g.b, g.loc, elt,
                                 arith::IndexCastOp::create(g.b, g.loc, g.b.getI64Type(), numKeys));
                             w = arith::DivFOp::create(g.b, g.loc, w, n);
                           }
                           Value hidden = arith::CmpFOp::create(g.b, g.loc, arith::CmpFPredicate::OEQ,
                                                                s, negInfinity(g.b, g.loc, elt));
                           return arith::SelectOp::create(g.b, g.loc, hidden,
                                                          floatConstant(g.b, g.loc, elt, 0.0), w)
                               .getResult();
                         }),
        scores.letters};
    return weightedValues(b, loc, weights, v, divisor == RowDivisor::Sum);
  }

  /// a_ij = phi(scale q_i).phi(k_j) [x position weights], masked to 0;
  /// o_i = sum_j a_ij v_j [/ sum_j a_ij]. Re-associated as phi(Q) (phi(K)^T V) when the
  /// schedule says so and nothing depends on positions; the causal chunked order is
  /// the vector kernel's, here causal masks keep the quadratic order.
  static Value lowerLinear(OpBuilder &b, Location loc, AttentionOp op,
                           const PlacementValues &at, Indexed q, Indexed k, Indexed v) {
    FeatureKind kind = *op.getFeature();
    // cosFormer: relu features, its cos(pi (p_i - j) / 2M) weight applied per pair.
    bool cosformer = kind == FeatureKind::Cosformer;
    FeatureKind map = cosformer ? FeatureKind::Relu : kind;
    Type elt = op.getType().getElementType();
    Indexed scaledQ{scaleBy(b, loc, q, op.getEffectiveScale()), q.letters};
    Indexed phiQ, phiK;
    if (kind == FeatureKind::Favor) {
      phiQ = buildFavorFeatures(b, loc, scaledQ, 'd', op.getProjection());
      phiK = buildFavorFeatures(b, loc, k, 'd', op.getProjection());
    } else {
      phiQ = {buildFeatureMap(b, loc, map, scaledQ, 'd'), q.letters};
      // Efficient Attention normalises keys over the sequence, queries over features.
      char keyAxis = kind == FeatureKind::SoftmaxFeatures ? 'n' : 'd';
      phiK = {buildFeatureMap(b, loc, map, k, keyAxis), k.letters};
    }
    bool normalize = op.getNormalizer() == Normalizer::Sum;
    bool causal = op.getMaskAttr() && op.getMaskAttr().getKind() == MaskKind::Causal;
    if (op.getLinearSchedule().order == LinearOrder::Reassociated && !causal && !cosformer)
      return reassociated(b, loc, phiQ, phiK, v, normalize);

    Value zero = buildInit(b, loc, elt, "bgrmn", {q, k}, 0.0);
    Indexed scores{buildGeneric(b, loc, {phiQ, phiK}, {zero, "bgrmn"},
                                multiplyAccumulate),
                   "bgrmn"};
    if (cosformer || op.getDecay())
      scores.value = weighByDistance(b, loc, op, at, scores, cosformer);
    if (MaskAttr mask = op.getMaskAttr())
      scores.value =
          applyMask(b, loc, mask, scores, 'm', 'n', FillKind::Zero, at, op.getMaskOperands());
    return weightedValues(b, loc, scores, v, normalize);
  }

  /// o = phi(Q) S [/ phi(Q) z] with S = phi(K)^T V ("bg.e", . the feature letter) and
  /// z = sum_n phi(K) ("bg."): no M x N tensor.
  static Value reassociated(OpBuilder &b, Location loc, Indexed phiQ, Indexed phiK, Indexed v,
                            bool normalize) {
    Type elt = cast<ShapedType>(v.value.getType()).getElementType();
    char f = phiK.letters.back();
    std::string stateLetters = {'b', 'g', f, 'e'}, sumLetters = {'b', 'g', f};
    Indexed state{buildGeneric(b, loc, {phiK, v},
                               {buildInit(b, loc, elt, stateLetters, {phiK, v}, 0.0), stateLetters},
                               multiplyAccumulate),
                  stateLetters};
    Value out = buildGeneric(b, loc, {phiQ, state},
                             {buildInit(b, loc, elt, "bgrme", {phiQ, v}, 0.0), "bgrme"},
                             multiplyAccumulate);
    if (!normalize)
      return out;
    Indexed keySum{buildReduction(b, loc, phiK, sumLetters, /*isMax=*/false), sumLetters};
    Indexed denom{buildGeneric(b, loc, {phiQ, keySum},
                               {buildInit(b, loc, elt, "bgrm", {phiQ}, 0.0), "bgrm"},
                               multiplyAccumulate),
                  "bgrm"};
    return buildElementwise(b, loc, {{out, "bgrme"}, denom}, "bgrme", divideOrZero);
  }

  /// a_ij x cos(pi t / 2 Nk) (cosFormer) x l_h^t (decay), t = p_i - j the end-aligned
  /// distance; pairs the mask hides are zeroed afterwards.
  static Value weighByDistance(OpBuilder &b, Location loc, AttentionOp op,
                               const PlacementValues &at, Indexed scores, bool cosformer) {
    Value numKeys = getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, 'n', {scores}));
    Value ratio = getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, 'r', {scores}));
    Type elt = cast<ShapedType>(scores.value.getType()).getElementType();
    // log2 of each head's decay, looked up by query head.
    Value logDecay;
    if (std::optional<ArrayRef<double>> decay = op.getDecay()) {
      SmallVector<Attribute> logs;
      for (double l : *decay)
        logs.push_back(b.getFloatAttr(elt, std::log2(l)));
      auto type = RankedTensorType::get({(int64_t)logs.size()}, elt);
      logDecay = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, logs));
    }
    return buildElementwise(b, loc, {scores}, scores.letters, [&](const GenericBody &g) {
      Value position = arith::AddIOp::create(
          g.b, g.loc, arith::AddIOp::create(g.b, g.loc, g.index('m'), at.row), at.rowToPosition);
      Value distanceIndex = arith::SubIOp::create(g.b, g.loc, position, g.index('n'));
      Value distance = arith::SIToFPOp::create(
          g.b, g.loc, elt,
          arith::IndexCastOp::create(g.b, g.loc, g.b.getI64Type(), distanceIndex));
      Value weight = g.args[0];
      if (cosformer) {
        Value length = arith::SIToFPOp::create(
            g.b, g.loc, elt, arith::IndexCastOp::create(g.b, g.loc, g.b.getI64Type(), numKeys));
        Value angle = arith::DivFOp::create(
            g.b, g.loc,
            arith::MulFOp::create(g.b, g.loc, distance, floatConstant(g.b, g.loc, elt, M_PI / 2)),
            length);
        weight = arith::MulFOp::create(g.b, g.loc, weight, math::CosOp::create(g.b, g.loc, angle));
      }
      if (logDecay) {
        // The decay of the head's place in the whole problem, modulo their count.
        Value head = arith::AddIOp::create(
            g.b, g.loc,
            arith::AddIOp::create(
                g.b, g.loc, arith::MulIOp::create(g.b, g.loc, g.index('g'), ratio), g.index('r')),
            at.head);
        Value count = arith::ConstantIndexOp::create(g.b, g.loc, op.getDecay()->size());
        Value wrapped = arith::RemSIOp::create(
            g.b, g.loc,
            arith::AddIOp::create(g.b, g.loc, arith::RemSIOp::create(g.b, g.loc, head, count),
                                  count),
            count);
        Value log2l = tensor::ExtractOp::create(g.b, g.loc, logDecay, wrapped);
        // Only visible pairs (t >= 0) keep their weight; clamp t so hidden ones stay finite.
        Value t = arith::MaximumFOp::create(g.b, g.loc, distance,
                                            floatConstant(g.b, g.loc, elt, 0.0));
        weight = arith::MulFOp::create(
            g.b, g.loc, weight,
            math::Exp2Op::create(g.b, g.loc, arith::MulFOp::create(g.b, g.loc, t, log2l)));
      }
      return weight;
    });
  }

  /// o_i = sum_j w_ij v_j, divided by sum_j w_ij when `normalize` (0 where it is 0).
  static Value weightedValues(OpBuilder &b, Location loc, Indexed weights, Indexed v,
                              bool normalize) {
    Type elt = cast<ShapedType>(v.value.getType()).getElementType();
    Value zero = buildInit(b, loc, elt, "bgrme", {weights, v}, 0.0);
    Value out = buildGeneric(b, loc, {weights, v}, {zero, "bgrme"}, multiplyAccumulate);
    if (!normalize)
      return out;
    Indexed sum{buildReduction(b, loc, weights, "bgrm", /*isMax=*/false), "bgrm"};
    return buildElementwise(b, loc, {{out, "bgrme"}, sum}, "bgrme", divideOrZero);
  }
};

/// One block of keys of attn.online_attention (convert-attn-to-linalg tiles the keys
/// first), on the split-head layout.
struct LowerMerge : OpRewritePattern<MergeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MergeOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildMerge(rewriter, op.getLoc(), op));
    return success();
  }
};

struct LowerOnlineAttention : OpRewritePattern<OnlineAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnlineAttentionOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SplitHeads split(rewriter, loc, op.getQuery(), op.getKey(), op.getValue());
    OnlineState state{split.expand(rewriter, loc, op.getMax()),
                      split.expand(rewriter, loc, op.getSum()),
                      split.expand(rewriter, loc, op.getAcc())};
    OnlineState next = buildOnlineUpdate(rewriter, loc, op, placementOf(rewriter, loc, op),
                                         split.q, split.k, split.v, state);
    rewriter.replaceOp(op, {SplitHeads::collapse(rewriter, loc, next.acc, op.getAcc().getType()),
                            SplitHeads::collapse(rewriter, loc, next.max, op.getMax().getType()),
                            SplitHeads::collapse(rewriter, loc, next.sum, op.getSum().getType())});
    return success();
  }
};

/// linalg.softmax (from other front ends, when it is not part of a raised attention)
/// into the generics that convert-linalg-to-loops understands.
struct DecomposeSoftmax : OpRewritePattern<linalg::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::SoftmaxOp op, PatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Value>> parts = op.decomposeOperation(rewriter);
    if (failed(parts))
      return failure();
    rewriter.replaceOp(op, *parts);
    return success();
  }
};

struct ConvertAttnToLinalgPass
    : attn::impl::ConvertAttnToLinalgBase<ConvertAttnToLinalgPass> {
  using ConvertAttnToLinalgBase::ConvertAttnToLinalgBase;
  void runOnOperation() override {
    if (queryTile < 1 || keyTile < 1 || queryTile >= kMaxPosition ||
        keyTile >= kMaxPosition) {
      // (Options are printed as int64_t: an Option<int64_t> would print as a char.)
      getOperation()->emitError()
          << "convert-attn-to-linalg: tile sizes must be between 1 and 2^30 - 1, got q-tile="
          << int64_t(queryTile) << " kv-tile=" << int64_t(keyTile);
      return signalPassFailure();
    }
    // top-k block indices become layouts once per op, before tiling copies the op.
    {
      RewritePatternSet materialize(&getContext());
      populateMaterializeBlockIndicesPatterns(materialize);
      if (failed(applyPatternsGreedily(getOperation(), std::move(materialize))))
        return signalPassFailure();
    }
    // Packed sequences and paged attention: one contiguous attention per sequence,
    // lowered like the rest.
    if (failed(expandVarlenAttention(getOperation())) ||
        failed(expandPagedAttention(getOperation())))
      return signalPassFailure();
    // bf16 / f16 attention computes on widened f32 copies: f32 accumulation, one
    // rounding of the result.
    if (failed(widenHalfAttention(getOperation())))
      return signalPassFailure();
    if (onlineSoftmax && failed(tileSoftmaxAttention()))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateAttnToLinalgPatterns(patterns, onlineSoftmax, queryTile, keyTile);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult leftover = getOperation()->walk([](Operation *op) {
      if (isa_and_nonnull<AttnDialect>(op->getDialect()) && !isa<YieldOp>(op)) {
        op->emitError("could not lower this attn op to linalg");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (leftover.wasInterrupted())
      signalPassFailure();
  }

  /// Score-based attention through upstream tiling: query-row tiles of attn.attention in
  /// an scf.forall (threads in the CPU pipeline); softmax tiles are decomposed into
  /// attn.online_attention and the division, whose keys are tiled in an scf.for that
  /// carries the (max, sum, acc) state.
  LogicalResult tileSoftmaxAttention() {
    IRRewriter rewriter(&getContext());
    SmallVector<AttentionOp> softmax, rowTiled;
    getOperation()->walk([&](AttentionOp op) {
      if (op.getNormalizer() == Normalizer::Softmax && !op.hasScoreMod())
        softmax.push_back(op);
      else if (!op.isLinear())
        rowTiled.push_back(op);
    });
    // Score_mod regions and pointwise normalisers: query-row tiles only, each lowered
    // unfused (scores of q-tile x Nk, never N x N).
    for (AttentionOp op : rowTiled)
      if (failed(tile(rewriter, op, {0, 0, queryTile}, scf::SCFTilingOptions::LoopType::ForallOp)))
        return failure();
    for (AttentionOp op : softmax) {
      FailureOr<SmallVector<Operation *>> tiles =
          tile(rewriter, op, {0, 0, queryTile}, scf::SCFTilingOptions::LoopType::ForallOp);
      if (failed(tiles))
        return failure();
      for (Operation *tile : *tiles) {
        rewriter.setInsertionPoint(tile);
        FailureOr<SmallVector<Value>> parts = cast<AttentionOp>(tile).decomposeOperation(rewriter);
        if (failed(parts))
          return tile->emitError("could not decompose this attention tile");
        rewriter.replaceOp(tile, *parts);
      }
    }
    SmallVector<OnlineAttentionOp> online;
    getOperation()->walk([&](OnlineAttentionOp op) { online.push_back(op); });
    for (OnlineAttentionOp op : online)
      if (failed(tile(rewriter, op, {0, 0, 0, keyTile}, scf::SCFTilingOptions::LoopType::ForOp)))
        return failure();
    return success();
  }

  /// `op` tiled by `sizes` (0: whole) with scf::tileUsingSCF; the tiled ops.
  static FailureOr<SmallVector<Operation *>> tile(RewriterBase &rewriter, Operation *op,
                                                  ArrayRef<int64_t> sizes,
                                                  scf::SCFTilingOptions::LoopType loop) {
    rewriter.setInsertionPoint(op);
    scf::SCFTilingOptions options;
    SmallVector<OpFoldResult> tileSizes;
    for (int64_t size : sizes)
      tileSizes.push_back(rewriter.getIndexAttr(size));
    options.setTileSizes(tileSizes);
    options.setLoopType(loop);
    FailureOr<scf::SCFTilingResult> tiled =
        scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
    if (failed(tiled))
      return op->emitError("could not tile this op");
    rewriter.replaceOp(op, tiled->replacements);
    return tiled->tiledOps;
  }
};
} // namespace

void mlir::attn::populateAttnToLinalgPatterns(RewritePatternSet &patterns, bool onlineSoftmax,
                                              int64_t queryTile, int64_t keyTile) {
  patterns.add<LowerEinsum, LowerMap, LowerModify, LowerReduce, LowerMask, LowerFeature,
               LowerOnlineAttention, LowerMerge, DecomposeSoftmax>(patterns.getContext());
  patterns.add<LowerAttention>(patterns.getContext(), onlineSoftmax);
  populateMaterializeBlockIndicesPatterns(patterns);
}
