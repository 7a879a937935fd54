//===- OnlineSoftmax.cpp - attn.online_attention as linalg on tensors -----===//
//
// FlashAttention's one-pass form (Milakov & Gimelshein's online softmax; FuseMax's
// 1-pass cascade) for one block of keys: per query row the running max m, the running
// sum l and the accumulator acc are updated by the block's scores s:
//   m' = max(m, rowmax(s)),  p = exp(s - m'),  alpha = exp(m - m') (0 at a row's first key),
//   l' = alpha l + rowsum(p),  acc' = alpha acc + p v.
// convert-attn-to-linalg reaches this through upstream tiling: attn.attention tiled
// over query rows (scf.forall), decomposed into attn.online_attention and the final
// division, the online op tiled over keys (scf.for carrying the state). So only
// [.., Tq, Tk] score tiles exist. A row that has seen no key keeps m = -inf: its
// exponents are taken against 0, so p = 0, l = 0 and the output row is 0, never NaN.
//
//===----------------------------------------------------------------------===//
#include "LinalgBuilders.h"

#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::attn;

/// x, or 0 when x is -inf (the max of a row that has seen no key yet).
static Value finiteOrZero(OpBuilder &b, Location loc, Value x) {
  Value isInf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x,
                                      negInfinity(b, loc, x.getType()));
  return arith::SelectOp::create(b, loc, isInf, floatConstant(b, loc, x.getType(), 0.0), x);
}

/// The scores of the block, scaled, soft-capped and, when `masked`, set to -inf where
/// the mask hides the pair (at the whole problem's coordinates).
static Value blockScores(OpBuilder &b, Location loc, OnlineAttentionOp op,
                         const PlacementValues &at, Indexed raw, bool masked) {
  double scale = op.getEffectiveScale();
  std::optional<double> softcap = op.getSoftcapValue();
  MaskAttr mask = op.getMaskAttr();
  Type elt = cast<ShapedType>(raw.value.getType()).getElementType();
  Value ratio = getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, 'r', {raw}));
  return buildElementwise(b, loc, {raw}, raw.letters, [&](const GenericBody &g) {
    Value x = scaleAndSoftcap(g.b, g.loc, g.args[0], scale, softcap);
    if (!masked)
      return x;
    Value row = arith::AddIOp::create(g.b, g.loc, g.index('m'), at.row);
    Value col = arith::AddIOp::create(g.b, g.loc, g.index('n'), at.key);
    Value localHead = arith::AddIOp::create(
        g.b, g.loc, arith::MulIOp::create(g.b, g.loc, g.index('g'), ratio), g.index('r'));
    Value head = arith::AddIOp::create(g.b, g.loc, localHead, at.head);
    Value visible = buildTensorMaskPredicate(g.b, g.loc, mask, op.getMaskOperands(),
                                             g.index('b'), localHead, head, row, col,
                                             at.rowToPosition);
    return arith::SelectOp::create(g.b, g.loc, visible, x, negInfinity(g.b, g.loc, elt))
        .getResult();
  });
}

OnlineState mlir::attn::buildOnlineUpdate(OpBuilder &b, Location loc, OnlineAttentionOp op,
                                          const PlacementValues &at, Indexed q, Indexed k,
                                          Indexed v, OnlineState state) {
  Type elt = op.getQuery().getType().getElementType();
  MaskAttr mask = op.getMaskAttr();

  // Blocks the mask hides entirely are skipped (FlexAttention's block mask, decided
  // here per block from the mask algebra); full blocks skip the element checks.
  std::optional<TileVisibility> visibility;
  if (mask) {
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto last = [&](Value first, char letter, Indexed of) {
      Value size = getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, letter, {of}));
      return arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, first, size), one);
    };
    Value pLo = arith::AddIOp::create(b, loc, at.row, at.rowToPosition);
    visibility = classifyTile(b, loc, mask, pLo, last(pLo, 'm', q), at.key, last(at.key, 'n', k));
  }

  auto update = [&](OpBuilder &b, Location loc) -> SmallVector<Value> {
    Indexed m{state.max, "bgrm"}, l{state.sum, "bgrm"}, acc{state.acc, "bgrme"};
    Value zero = buildInit(b, loc, elt, "bgrmn", {q, k}, 0.0);
    Indexed raw{buildGeneric(b, loc, {q, k}, {zero, "bgrmn"}, multiplyAccumulate), "bgrmn"};
    Indexed s{Value(), "bgrmn"};
    if (!mask) {
      s.value = blockScores(b, loc, op, at, raw, false);
    } else {
      s.value = scf::IfOp::create(
                    b, loc, visibility->all,
                    [&](OpBuilder &b, Location loc) {
                      scf::YieldOp::create(b, loc, blockScores(b, loc, op, at, raw, false));
                    },
                    [&](OpBuilder &b, Location loc) {
                      scf::YieldOp::create(b, loc, blockScores(b, loc, op, at, raw, true));
                    })
                    .getResult(0);
    }

    // m' = max(m, rowmax(s)): the running max is the reduction's initial value.
    Value mCopy = buildElementwise(b, loc, {m}, m.letters,
                                   [](const GenericBody &g) { return g.args[0]; });
    Indexed mNew{buildGeneric(b, loc, {s}, {mCopy, "bgrm"},
                              [](const GenericBody &g) {
                                return arith::MaximumFOp::create(g.b, g.loc, g.args[1],
                                                                 g.args[0])
                                    .getResult();
                              }),
                 "bgrm"};
    Indexed p{buildElementwise(b, loc, {s, mNew}, s.letters,
                               [](const GenericBody &g) {
                                 Value d = arith::SubFOp::create(
                                     g.b, g.loc, g.args[0], finiteOrZero(g.b, g.loc, g.args[1]));
                                 return math::ExpOp::create(g.b, g.loc, d).getResult();
                               }),
              s.letters};
    // alpha = exp(m - m'); 0 when this block shows the row its first key (m = -inf,
    // m' finite): never exp(0 - m') of a very negative m', which would overflow to
    // inf x 0. A row that still sees no key keeps its state (alpha = exp(0) = 1).
    Indexed alpha{buildElementwise(b, loc, {m, mNew}, m.letters,
                                   [](const GenericBody &g) {
                                     Type t = g.args[0].getType();
                                     Value fresh = arith::AndIOp::create(
                                         g.b, g.loc,
                                         arith::CmpFOp::create(g.b, g.loc,
                                                               arith::CmpFPredicate::OEQ,
                                                               g.args[0], negInfinity(g.b, g.loc, t)),
                                         arith::CmpFOp::create(g.b, g.loc,
                                                               arith::CmpFPredicate::ONE,
                                                               g.args[1], negInfinity(g.b, g.loc, t)));
                                     Value d = arith::SubFOp::create(
                                         g.b, g.loc, finiteOrZero(g.b, g.loc, g.args[0]),
                                         finiteOrZero(g.b, g.loc, g.args[1]));
                                     Value e = math::ExpOp::create(g.b, g.loc, d);
                                     return arith::SelectOp::create(
                                                g.b, g.loc, fresh,
                                                floatConstant(g.b, g.loc, e.getType(), 0.0), e)
                                         .getResult();
                                   }),
                  m.letters};
    Indexed rowSum{buildReduction(b, loc, p, "bgrm", /*isMax=*/false), "bgrm"};
    // x' = alpha x + the block's part, for the sum and the accumulator.
    auto rescaled = [](const GenericBody &g) {
      Value a = arith::MulFOp::create(g.b, g.loc, g.args[1], g.args[0]);
      return arith::AddFOp::create(g.b, g.loc, a, g.args[2]).getResult();
    };
    Value lNew = buildElementwise(b, loc, {l, alpha, rowSum}, l.letters, rescaled);
    Value pvZero = buildInit(b, loc, elt, "bgrme", {p, v}, 0.0);
    Indexed pv{buildGeneric(b, loc, {p, v}, {pvZero, "bgrme"}, multiplyAccumulate), "bgrme"};
    Value accNew = buildElementwise(b, loc, {acc, alpha, pv}, acc.letters, rescaled);
    return {mNew.value, lNew, accNew};
  };
  if (!mask) {
    SmallVector<Value> next = update(b, loc);
    return {next[0], next[1], next[2]};
  }
  auto skip = scf::IfOp::create(
      b, loc, visibility->any,
      [&](OpBuilder &b, Location loc) { scf::YieldOp::create(b, loc, update(b, loc)); },
      [&](OpBuilder &b, Location loc) {
        scf::YieldOp::create(b, loc, ValueRange{state.max, state.sum, state.acc});
      });
  return {skip.getResult(0), skip.getResult(1), skip.getResult(2)};
}
