//===- TileClassification.cpp - is a (query, key) tile empty, full, partial -===//
//
// For a tile of query positions p in [pLo, pHi] and keys j in [jLo, jHi] (absolute,
// end-aligned), builds two i1 values per mask term: `all` (every pair is visible) and
// `any` (some pair may be visible). `all` may err towards false and `any` towards true
// (the tile is then treated as partial and checked per element), never the other way:
// skipping a tile or dropping its element checks is always exact.
//
//===----------------------------------------------------------------------===//
#include "attn/Conversion/MaskLowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct Classifier {
  OpBuilder &b;
  Location loc;
  Value pLo, pHi, jLo, jHi;
  Value head;
  const MaskOperandAccess *operands;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value boolean(bool v) { return arith::ConstantIntOp::create(b, loc, v, 1); }
  Value le(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, x, y);
  }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y);
  }
  Value eq(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
  }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value either(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value negate(Value x) { return arith::XOrIOp::create(b, loc, x, boolean(true)); }

  /// Visibility of `lo <= j - p <= hi` over the tile: j - p spans [jLo - pHi, jHi - pLo].
  TileVisibility band(std::optional<int64_t> lo, std::optional<int64_t> hi) {
    Value minDiff = sub(jLo, pHi), maxDiff = sub(jHi, pLo);
    Value all = boolean(true), any = boolean(true);
    if (lo) {
      all = both(all, le(idx(*lo), minDiff));
      any = both(any, le(idx(*lo), maxDiff));
    }
    if (hi) {
      all = both(all, le(maxDiff, idx(*hi)));
      any = both(any, le(minDiff, idx(*hi)));
    }
    return {all, any};
  }

  Value div(Value x, int64_t y) { return arith::DivSIOp::create(b, loc, x, idx(y)); }
  Value rem(Value x, int64_t y) { return arith::RemSIOp::create(b, loc, x, idx(y)); }
  Value add(Value x, int64_t y) { return arith::AddIOp::create(b, loc, x, idx(y)); }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }

  /// The coordinates of tokens [lo, hi] (clamped to the grid) on the axis of length
  /// `length` whose coordinate advances every `stride` tokens: exact when the range
  /// neither covers nor wraps around the axis, else the whole axis.
  std::pair<Value, Value> coordinateRange(Value lo, Value hi, int64_t stride, int64_t length,
                                          int64_t tokens) {
    Value first = div(arith::MaxSIOp::create(b, loc, lo, idx(0)), stride);
    Value last = div(arith::MinSIOp::create(b, loc, hi, idx(tokens - 1)), stride);
    Value cFirst = rem(first, length), cLast = rem(last, length);
    Value whole = either(le(idx(length - 1), sub(last, first)), lt(cLast, cFirst));
    return {select(whole, idx(0), cFirst), select(whole, idx(length - 1), cLast)};
  }

  /// Any visible pair: on every axis the keys' coordinates must meet the band the
  /// queries' windows cover: exactly [start(first query), end(last query)] without
  /// dilation; with it, (k - 1 + s - 1) dilated steps either side (before only, when
  /// causal), which NATTEN's windows never exceed, even shifted at the borders.
  Value neighborhoodAny(const MaskAttr::Neighborhood &n) {
    int64_t tokens = 1;
    for (int64_t g : n.grid)
      tokens *= g;
    Value any = both(both(lt(pLo, idx(tokens)), le(idx(0), pHi)), lt(jLo, idx(tokens)));
    int64_t stride = 1;
    for (int64_t a = n.grid.size() - 1; a >= 0; --a) {
      auto [qFirst, qLast] = coordinateRange(pLo, pHi, stride, n.grid[a], tokens);
      auto [kFirst, kLast] = coordinateRange(jLo, jHi, stride, n.grid[a], tokens);
      Value bandFirst, bandLast;
      if (n.dilation[a] == 1) {
        // Window starts and ends grow with the query coordinate: the windows of
        // [qFirst, qLast] span exactly [start(qFirst), end(qLast)].
        int64_t k = n.kernel[a], s = n.stride[a], length = n.grid[a];
        auto leader = [&](Value x, int64_t offset) {
          Value groupStart = s > 1 ? arith::MulIOp::create(b, loc, div(x, s), idx(s)).getResult() : x;
          return arith::MinSIOp::create(b, loc, add(groupStart, s > 1 ? offset : 0),
                                        idx(length - 1))
              .getResult();
        };
        if (n.causal[a]) {
          bandFirst = add(leader(qFirst, s - 1), -(k - 1));
          bandLast = qLast;
        } else {
          auto start = [&](Value x) {
            Value centred = add(leader(x, s / 2), -(k / 2));
            return arith::MaxSIOp::create(
                       b, loc, idx(0), arith::MinSIOp::create(b, loc, centred, idx(length - k)))
                .getResult();
          };
          bandFirst = start(qFirst);
          bandLast = add(start(qLast), k - 1);
        }
      } else {
        // A window lies within (kernel - 1) dilated steps of its leader, which is at
        // most stride - 1 steps from the query (ahead of it only when not causal).
        int64_t reach = (n.kernel[a] - 1) * n.dilation[a];
        int64_t leaderReach = (n.stride[a] - 1) * n.dilation[a];
        bandFirst = add(qFirst, -reach - (n.causal[a] ? 0 : leaderReach));
        bandLast = n.causal[a] ? qLast : add(qLast, reach + leaderReach);
      }
      any = both(any, both(le(bandFirst, kLast), le(kFirst, bandLast)));
      stride *= n.grid[a];
    }
    return any;
  }

  TileVisibility classify(MaskAttr mask) {
    ArrayRef<int64_t> a = mask.getArgs();
    switch (mask.getKind()) {
    case MaskKind::Full:
      return {boolean(true), boolean(true)};
    case MaskKind::Causal:
      return band(std::nullopt, 0);
    case MaskKind::Window:
      return band(-a[0], a[1]);
    case MaskKind::Sink:
      return {lt(jHi, idx(a[0])), lt(jLo, idx(a[0]))};
    case MaskKind::Chunk: {
      Value s = idx(a[0]);
      int64_t shift = a.size() > 1 ? a[1] : 0;
      auto chunk = [&](Value x) {
        return arith::FloorDivSIOp::create(b, loc, add(x, shift), s).getResult();
      };
      Value pFirst = chunk(pLo), pLast = chunk(pHi), jFirst = chunk(jLo), jLast = chunk(jHi);
      Value all = both(both(eq(pFirst, pLast), eq(jFirst, jLast)), eq(pFirst, jFirst));
      Value any = both(le(jFirst, pLast), le(pFirst, jLast));
      return {all, any};
    }
    case MaskKind::Power2:
      // Inside the causal band, never claimed full (distances are sparse).
      return {boolean(false), band(std::nullopt, 0).any};
    case MaskKind::Dilated: {
      // 0 <= p - j < window * rate on a stride: never claimed full.
      TileVisibility inBand = band(-(a[0] * a[1] - 1), 0);
      return {boolean(false), inBand.any};
    }
    case MaskKind::Prefix: {
      TileVisibility sink = classify(MaskAttr::getLeaf(b.getContext(), MaskKind::Sink, a));
      TileVisibility causal = band(std::nullopt, 0);
      return {either(sink.all, causal.all), either(sink.any, causal.any)};
    }
    case MaskKind::And:
    case MaskKind::Or: {
      bool isAnd = mask.getKind() == MaskKind::And;
      TileVisibility acc = classify(mask.getOperand(0));
      for (unsigned i = 1, e = mask.getOperands().size(); i < e; ++i) {
        TileVisibility next = classify(mask.getOperand(i));
        acc = isAnd ? TileVisibility{both(acc.all, next.all), both(acc.any, next.any)}
                    : TileVisibility{either(acc.all, next.all), either(acc.any, next.any)};
      }
      return acc;
    }
    case MaskKind::Not: {
      TileVisibility inner = classify(mask.getOperand(0));
      return {negate(inner.any), negate(inner.all)};
    }
    case MaskKind::Neighborhood:
      return {boolean(false), neighborhoodAny(mask.getNeighborhood())};
    case MaskKind::Document: {
      if (!operands || !operands->segmentRange)
        return {boolean(false), boolean(true)};
      auto [qMin, qMax] = operands->segmentRange(a[0], /*query=*/true);
      auto [kMin, kMax] = operands->segmentRange(a[0], /*query=*/false);
      Value any = both(le(qMin, kMax), le(kMin, qMax));
      // One document on both sides, and no query before the keys.
      Value all = both(both(eq(qMin, qMax), eq(kMin, kMax)), eq(qMin, kMin));
      return {both(all, le(idx(0), pLo)), any};
    }
    case MaskKind::TopkBlocks: // run-time data the classification does not read: partial
      return {boolean(false), boolean(true)};
    case MaskKind::Blocks: {
      if (!operands || !operands->blockTile)
        return {boolean(false), boolean(true)};
      auto [all, any] = operands->blockTile(a[0], a[1], a[2]);
      return {all, any};
    }
    case MaskKind::Heads: {
      if (head)
        return {selectByHead(b, loc, mask, head, [&](MaskAttr m) { return classify(m).all; }),
                selectByHead(b, loc, mask, head, [&](MaskAttr m) { return classify(m).any; })};
      // A tile shared by all heads: full only if full for every head's mask, empty
      // only if empty for all.
      TileVisibility acc{boolean(true), boolean(false)};
      for (Attribute m : mask.getOperands()) {
        TileVisibility next = classify(cast<MaskAttr>(m));
        acc = {both(acc.all, next.all), either(acc.any, next.any)};
      }
      return acc;
    }
    }
    llvm_unreachable("unknown mask kind");
  }
};
} // namespace

TileVisibility mlir::attn::classifyTile(OpBuilder &b, Location loc, MaskAttr mask, Value pLo,
                                        Value pHi, Value jLo, Value jHi, Value head,
                                        const MaskOperandAccess *operands) {
  return Classifier{b, loc, pLo, pHi, jLo, jHi, head, operands}.classify(mask);
}
