//===- LinearHybrid.cpp - BASED's sliding-window branch in the linear kernel ===//
//
// A sliding-window softmax branch summed with a causal linear one runs in the linear
// kernel's pass: per chunk, the chunk's rows against the keys of their window
// ([p - W, p], at most W + C keys) with an exact softmax, added to the linear rows.
//
//===----------------------------------------------------------------------===//
#include "LinearKernel.h"
#include "VectorMath.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::linear;

/// W when keys [p - W, p] are exactly the visible ones: window(W, 0), alone or and'ed
/// with causal.
std::optional<int64_t> mlir::attn::linear::causalBand(MaskAttr mask) {
  if (!mask)
    return std::nullopt;
  auto band = [](MaskAttr m) -> std::optional<int64_t> {
    if (m.getKind() == MaskKind::Window)
      return m.getArgs()[0];
    return std::nullopt;
  };
  if (mask.getKind() == MaskKind::Window)
    return mask.getArgs()[1] == 0 ? band(mask) : std::nullopt;
  if (mask.getKind() != MaskKind::And || mask.getOperands().size() != 2)
    return std::nullopt;
  for (unsigned i = 0; i < 2; ++i)
    if (mask.getOperand(i).getKind() == MaskKind::Causal)
      return band(mask.getOperand(1 - i));
  return std::nullopt;
}

std::string mlir::attn::explainUnsupportedHybrid(AttentionOp linear, AttentionOp window,
                                                 const KernelTiles &tiles) {
  std::string reason = explainUnsupportedLinear(linear, tiles);
  if (!reason.empty())
    return "linear branch: " + reason;
  if (!(linear.getMaskAttr() && linear.getMaskAttr().getKind() == MaskKind::Causal))
    return "the linear branch is not causal";
  if (window.getNormalizer() != Normalizer::Softmax || window.getSoftcap() ||
      window.hasScoreMod() ||
      !window.getMaskOperands().empty())
    return "the window branch is not plain softmax attention";
  if (!causalBand(window.getMaskAttr()))
    return "the window branch's mask is not a causal band (window(W, 0) [and causal])";
  for (Value t : {window.getQuery(), window.getKey(), window.getValue()})
    if (!cast<ShapedType>(t.getType()).getElementType().isF32())
      return "the window branch is not f32";
  if (window.getType() != linear.getType())
    return "the branches' result types differ";
  auto heads = [](AttentionOp op) {
    return std::make_pair(op.getQuery().getType().getDimSize(1),
                          op.getKey().getType().getDimSize(1));
  };
  if (heads(window) != heads(linear))
    return "the branches' head counts differ";
  return "";
}

/// The window branch for the chunk's rows (positions j0 + r): scores against keys
/// [j0 - span + C, j0 + C) masked to [p - W, p], an exact softmax per row, P V added
/// to the linear rows already in `out`.
void LinearKernel::windowChunk(Value batch, Value head, Value kvHead, Value firstRow,
                               Value j0) {
  Type i32 = b.getI32Type();
  auto lanesType = VectorType::get({lanes}, i32);
  Value first = sub(j0, idx(windowSpan - chunk)); // key of column 0 (may be negative)
  double scoreScale = window.getEffectiveScale() / std::log(2.0);
  // Rows of q, scaled so that scores come out in log2 units; zero outside [0, Nq).
  forLoop(idx(0), idx(chunk), 1, [&](Value r) {
    Value i = add(firstRow, r);
    Value inside = arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, i, idx(0)),
                                         cmp(arith::CmpIPredicate::slt, i, numQueries));
    Value row = maxIndex(idx(0), minIndex(i, sub(numQueries, idx(1))));
    forLoop(idx(0), idx(windowDim), 1, [&](Value d) {
      Value x = fmul(loadScalar(wq, {batch, head, row, d}), scalar(scoreScale));
      storeScalar(select(inside, x, scalar(0.0)), windowRows, {r, d});
    });
  });
  // K^T and V of the span; keys outside [0, Nk) read as zero.
  Value dimI32 = arith::IndexCastOp::create(b, loc, i32, idx(windowDim));
  Value firstI32 = arith::IndexCastOp::create(b, loc, i32, first);
  Value keysI32 = arith::IndexCastOp::create(b, loc, i32, numKeys);
  SmallVector<Value> offsets, valid;
  for (int64_t c = 0; c < windowSpan; c += lanes) {
    SmallVector<APInt> cols;
    for (int64_t l = 0; l < lanes; ++l)
      cols.push_back(APInt(32, c + l));
    Value key = arith::AddIOp::create(
        b, loc, arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, cols)),
        vector::BroadcastOp::create(b, loc, lanesType, firstI32));
    Value zeroI32 = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, APInt(32, 0)));
    valid.push_back(arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, key, zeroI32),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, key,
                              vector::BroadcastOp::create(b, loc, lanesType, keysI32))));
    offsets.push_back(arith::MulIOp::create(
        b, loc, key, vector::BroadcastOp::create(b, loc, lanesType, dimI32)));
  }
  Value zeros = splat(0.0);
  forLoop(idx(0), idx(windowDim), 1, [&](Value d) {
    for (int64_t c = 0; c < windowSpan / lanes; ++c) {
      Value x = vector::GatherOp::create(b, loc, vec, wk, ValueRange{batch, kvHead, idx(0), d},
                                         offsets[c], valid[c], zeros);
      store(x, windowKeys, {d, idx(c * lanes)});
    }
  });
  forLoop(idx(0), idx(windowSpan), 1, [&](Value c) {
    Value j = add(first, c);
    Value inside = arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, j, idx(0)),
                                         cmp(arith::CmpIPredicate::slt, j, numKeys));
    Value at = maxIndex(idx(0), minIndex(j, sub(numKeys, idx(1))));
    for (int64_t e = 0; e < valueDim; e += lanes)
      store(select(inside, load(wv, {batch, kvHead, at, idx(e)}), zeros), windowValues,
            {c, idx(e)});
  });
  // Scores, masked to the band: column c is key first + c, row r is position j0 + r.
  Value negInf = splat(-std::numeric_limits<double>::infinity());
  blockMatmul(
      chunk, windowSpan, {Term{windowRows, windowKeys, windowDim, Value()}},
      [&](Value, int64_t) { return splat(0.0); },
      [&](Value r, int64_t col, Value acc) {
        SmallVector<APInt> cols;
        for (int64_t l = 0; l < lanes; ++l)
          cols.push_back(APInt(32, col + l));
        Value c = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, cols));
        // key - position = c - (span - C) - r must lie in [-W, 0].
        Value rI32 = arith::IndexCastOp::create(b, loc, i32, add(r, idx(windowSpan - chunk)));
        Value delta = arith::SubIOp::create(b, loc, c, vector::BroadcastOp::create(b, loc, lanesType, rI32));
        Value lo = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, APInt(32, -band, true)));
        Value hi = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, APInt(32, 0)));
        Value inBand = arith::AndIOp::create(
            b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, delta, lo),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, delta, hi));
        Value visible = arith::AndIOp::create(b, loc, inBand, valid[col / lanes]);
        store(select(visible, acc, negInf), windowScores, {r, idx(col)});
      });
  // Exact softmax per row (every key of the row is in the span): p = 2^(s - max).
  forLoop(idx(0), idx(chunk), 1, [&](Value r) {
    Value mx = negInf;
    for (int64_t c = 0; c < windowSpan; c += lanes)
      mx = arith::MaximumFOp::create(b, loc, mx, load(windowScores, {r, idx(c)}));
    Value m = vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXIMUMF, mx);
    // A row that sees nothing (past the keys) has max -inf: subtract 0 instead.
    Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m,
                                        scalar(-std::numeric_limits<double>::infinity()));
    Value shift = splat(select(empty, scalar(0.0), m));
    Value sum = splat(0.0);
    for (int64_t c = 0; c < windowSpan; c += lanes) {
      Value x = arith::SubFOp::create(b, loc, load(windowScores, {r, idx(c)}), shift);
      Value p = buildExp2(b, loc, x, tiles.avx512);
      store(p, windowScores, {r, idx(c)});
      sum = fadd(sum, p);
    }
    storeScalar(reduceAdd(sum), windowSums, r);
  });
  blockMatmul(
      chunk, valueDim, {Term{windowScores, windowValues, windowSpan, Value()}},
      [&](Value, int64_t) { return splat(0.0); },
      [&](Value r, int64_t col, Value acc) {
        Value i = add(firstRow, r);
        Value inside = arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, i, idx(0)),
                                             cmp(arith::CmpIPredicate::slt, i, numQueries));
        ifThen(inside, [&] {
          Value l = loadScalar(windowSums, r);
          Value isZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, l, scalar(0.0));
          Value inverse = select(isZero, scalar(0.0), arith::DivFOp::create(b, loc, scalar(1.0), l));
          Value at[] = {batch, head, i, idx(col)};
          store(fadd(load(out, at), fmul(acc, splat(inverse))), out, at);
        });
      });
}
