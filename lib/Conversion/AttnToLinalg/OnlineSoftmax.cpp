//===- OnlineSoftmax.cpp - softmax attention without an N x N buffer ------===//
//
// FlashAttention's one-pass form (Milakov & Gimelshein's online softmax; FuseMax's
// 1-pass cascade): query tiles in an outer loop, key/value tiles in an inner loop
// carrying per row the running max m, the running sum l and the accumulator acc:
//   m' = max(m, rowmax(s)),  p = exp(s - m'),  alpha = exp(m - m'),
//   l' = alpha l + rowsum(p),  acc' = alpha acc + p v,    o = acc / l.
// Only [.., Tq, Tk] score tiles exist, so memory is O(N) in the sequence length.
// Rows that see no key keep m = -inf: every exponent is taken against 0 instead, so
// p = 0, l = 0 and the output row is 0 (never NaN).
//
//===----------------------------------------------------------------------===//
#include "LinalgBuilders.h"

#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

/// x, or 0 when x is -inf (the max of a row that has seen no key yet).
static Value finiteOrZero(OpBuilder &b, Location loc, Value x) {
  Value isInf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x,
                                      negInfinity(b, loc, x.getType()));
  return arith::SelectOp::create(b, loc, isInf, floatConstant(b, loc, x.getType(), 0.0), x);
}

/// `t` sliced along dimension `dim` to [offset, offset + size).
static Value sliceAlong(OpBuilder &b, Location loc, Value t, int64_t dim, OpFoldResult offset,
                        OpFoldResult size) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, t);
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  offsets[dim] = offset;
  sizes[dim] = size;
  return tensor::ExtractSliceOp::create(b, loc, t, offsets, sizes, strides);
}

/// min(tile, total - start) as an index value.
static Value tileSize(OpBuilder &b, Location loc, int64_t tile, Value total, Value start) {
  Value rest = arith::SubIOp::create(b, loc, total, start);
  return arith::MinSIOp::create(b, loc, arith::ConstantIndexOp::create(b, loc, tile), rest);
}

Value mlir::attn::buildOnlineSoftmaxAttention(OpBuilder &b, Location loc, AttentionOp op,
                                              Value rowBase, Value rowToPosition,
                                              Value headBase, Indexed q, Indexed k, Indexed v,
                                              int64_t kvTile) {
  Type elt = op.getType().getElementType();
  double scale = op.getEffectiveScale();
  std::optional<double> softcap = op.getSoftcapValue();
  MaskAttr mask = op.getMaskAttr();
  // q "bgrmd", k "bgnd", v "bgne"; the result "bgrme". The rows are one tile (the
  // pass tiles attn.attention over its query rows with scf::tileUsingSCF first).
  Value numQueries = getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, 'm', {q}));
  Value numKeys = getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, 'n', {k}));
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  // Query heads are g * R + r (per-head masks select by it, plus the tile's first head).
  Value ratio = getValueOrCreateConstantIndexOp(b, loc, getLetterSize(b, loc, 'r', {q}));
  Indexed qt = q;
  Value tq = numQueries;
        Value m0 = buildInit(b, loc, elt, "bgrm", {qt}, -std::numeric_limits<double>::infinity());
        Value l0 = buildInit(b, loc, elt, "bgrm", {qt}, 0.0);
        Value acc0 = buildInit(b, loc, elt, "bgrme", {qt, v}, 0.0);

        auto keyLoop = scf::ForOp::create(
            b, loc, zeroIdx, numKeys, arith::ConstantIndexOp::create(b, loc, kvTile),
            ValueRange{m0, l0, acc0},
            [&](OpBuilder &b, Location loc, Value j0, ValueRange state) {
              Value tk = tileSize(b, loc, kvTile, numKeys, j0);
              // Tiles the mask hides entirely are skipped (FlexAttention's block mask,
              // decided here per tile from the mask algebra).
              std::optional<TileVisibility> visibility;
              if (mask) {
                Value one = arith::ConstantIndexOp::create(b, loc, 1);
                Value pLo = arith::AddIOp::create(b, loc, rowBase, rowToPosition);
                Value pHi = arith::SubIOp::create(
                    b, loc, arith::AddIOp::create(b, loc, pLo, tq), one);
                Value jHi = arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, j0, tk),
                                                  one);
                visibility = classifyTile(b, loc, mask, pLo, pHi, j0, jHi);
              }
              auto update = [&](OpBuilder &b, Location loc) -> SmallVector<Value> {
              Indexed m{state[0], "bgrm"}, l{state[1], "bgrm"}, acc{state[2], "bgrme"};
              Indexed kt{sliceAlong(b, loc, k.value, 2, j0, tk), "bgnd"};
              Indexed vt{sliceAlong(b, loc, v.value, 2, j0, tk), "bgne"};

              // Scores of the tile, scaled, soft-capped and (on partial tiles) masked at
              // absolute positions.
              Value zero = buildInit(b, loc, elt, "bgrmn", {qt, kt}, 0.0);
              Indexed raw{buildGeneric(b, loc, {qt, kt}, {zero, "bgrmn"}, multiplyAccumulate),
                          "bgrmn"};
              auto scoresOf = [&](OpBuilder &b, Location loc, bool masked) {
                return buildElementwise(b, loc, {raw}, raw.letters, [&](const GenericBody &g) {
                  Value x = scaleAndSoftcap(g.b, g.loc, g.args[0], scale, softcap);
                  if (!masked)
                    return x;
                  Value row = arith::AddIOp::create(g.b, g.loc, g.index('m'), rowBase);
                  Value col = arith::AddIOp::create(g.b, g.loc, g.index('n'), j0);
                  Value localHead = arith::AddIOp::create(
                      g.b, g.loc, arith::MulIOp::create(g.b, g.loc, g.index('g'), ratio),
                      g.index('r'));
                  Value head = arith::AddIOp::create(g.b, g.loc, localHead, headBase);
                  // Segment ids at the query's position clamped into [0, Nk) (the
                  // predicate hides queries before the keys) and at the key.
                  auto segmentIds = [&](unsigned i, bool isQuery) -> Value {
                    Value at = col;
                    if (isQuery) {
                      Value p = arith::AddIOp::create(g.b, g.loc, row, rowToPosition);
                      Value last = arith::SubIOp::create(
                          g.b, g.loc, numKeys, arith::ConstantIndexOp::create(g.b, g.loc, 1));
                      at = arith::MaxSIOp::create(g.b, g.loc,
                                                  arith::MinSIOp::create(g.b, g.loc, p, last),
                                                  arith::ConstantIndexOp::create(g.b, g.loc, 0));
                    }
                    return tensor::ExtractOp::create(g.b, g.loc, op.getMaskOperands()[i],
                                                     ValueRange{g.index('b'), at});
                  };
                  auto blockVisible = [&](unsigned i, int64_t bq, int64_t bk) {
                    return layoutEntrySet(g.b, g.loc, op.getMaskOperands()[i], g.index('b'),
                                          localHead, row, col, bq, bk);
                  };
                  MaskOperandAccess access{segmentIds, nullptr, blockVisible, nullptr};
                  Value visible = buildMaskPredicate(g.b, g.loc, mask, row, col, rowToPosition,
                                                     head, &access);
                  return arith::SelectOp::create(g.b, g.loc, visible, x,
                                                 negInfinity(g.b, g.loc, elt))
                      .getResult();
                });
              };
              Indexed s{Value(), "bgrmn"};
              if (!mask) {
                s.value = scoresOf(b, loc, false);
              } else {
                // Full tiles skip the per-element mask.
                s.value = scf::IfOp::create(
                              b, loc, visibility->all,
                              [&](OpBuilder &b, Location loc) {
                                scf::YieldOp::create(b, loc, scoresOf(b, loc, false));
                              },
                              [&](OpBuilder &b, Location loc) {
                                scf::YieldOp::create(b, loc, scoresOf(b, loc, true));
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
                                               g.b, g.loc, g.args[0],
                                               finiteOrZero(g.b, g.loc, g.args[1]));
                                           return math::ExpOp::create(g.b, g.loc, d).getResult();
                                         }),
                        s.letters};
              Indexed alpha{buildElementwise(b, loc, {m, mNew}, m.letters,
                                             [](const GenericBody &g) {
                                               Value d = arith::SubFOp::create(
                                                   g.b, g.loc, finiteOrZero(g.b, g.loc, g.args[0]),
                                                   finiteOrZero(g.b, g.loc, g.args[1]));
                                               return math::ExpOp::create(g.b, g.loc, d)
                                                   .getResult();
                                             }),
                            m.letters};
              Indexed rowSum{buildReduction(b, loc, p, "bgrm", /*isMax=*/false), "bgrm"};
              Value lNew = buildElementwise(b, loc, {l, alpha, rowSum}, l.letters,
                                            [](const GenericBody &g) {
                                              Value a = arith::MulFOp::create(g.b, g.loc,
                                                                              g.args[1], g.args[0]);
                                              return arith::AddFOp::create(g.b, g.loc, a, g.args[2])
                                                  .getResult();
                                            });
              Value pvZero = buildInit(b, loc, elt, "bgrme", {p, vt}, 0.0);
              Indexed pv{buildGeneric(b, loc, {p, vt}, {pvZero, "bgrme"},
                                      multiplyAccumulate),
                         "bgrme"};
              Value accNew = buildElementwise(b, loc, {acc, alpha, pv}, acc.letters,
                                              [](const GenericBody &g) {
                                                Value a = arith::MulFOp::create(
                                                    g.b, g.loc, g.args[1], g.args[0]);
                                                return arith::AddFOp::create(g.b, g.loc, a,
                                                                             g.args[2])
                                                    .getResult();
                                              });
              return {mNew.value, lNew, accNew};
              };
              if (!mask) {
                scf::YieldOp::create(b, loc, update(b, loc));
                return;
              }
              auto skip = scf::IfOp::create(
                  b, loc, visibility->any,
                  [&](OpBuilder &b, Location loc) { scf::YieldOp::create(b, loc, update(b, loc)); },
                  [&](OpBuilder &b, Location loc) { scf::YieldOp::create(b, loc, state); });
              scf::YieldOp::create(b, loc, skip.getResults());
            });

  // o = acc / l, 0 for rows without a visible key.
  Indexed acc{keyLoop.getResult(2), "bgrme"}, l{keyLoop.getResult(1), "bgrm"};
  return buildElementwise(b, loc, {acc, l}, "bgrme", divideOrZero);
}
