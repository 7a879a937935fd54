//===- Neighborhood.cpp - mask term `neighborhood(G, K[, D[, C[, S]]])` ----===//
//
// NATTEN's (generalized) neighborhood attention over tokens laid out row-major on a
// 1-D, 2-D or 3-D grid: per axis a kernel size, dilation, causal flag and stride (the
// rule is in AttnAttrs.td). Arguments: rank, then grid, kernel, dilation, causal,
// stride (rank each); written as dimension lists, `neighborhood(128x128, 7x7)`.
//
//===----------------------------------------------------------------------===//
#include "Terms.h"

#include "attn/IR/Limits.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
int64_t numTokens(const MaskAttr::Neighborhood &n) {
  int64_t tokens = 1;
  for (int64_t g : n.grid)
    tokens *= g;
  return tokens;
}

/// The reference rule on one axis: key coordinate y in the window of query coordinate
/// x (the window of x's stride-group leader).
bool inWindow(int64_t x, int64_t y, int64_t length, int64_t kernel, int64_t dilation,
              bool causal, int64_t stride) {
  if (x % dilation != y % dilation)
    return false;
  int64_t group = x % dilation;
  int64_t xs = x / dilation, ys = y / dilation;
  int64_t groupLength = (length - group + dilation - 1) / dilation;
  int64_t groupStart = xs / stride * stride;
  if (causal) {
    int64_t leader = std::min(groupStart + stride - 1, groupLength - 1);
    return std::max<int64_t>(leader - kernel + 1, 0) <= ys && ys <= xs;
  }
  int64_t leader = std::min(groupStart + stride / 2, groupLength - 1);
  int64_t start = std::max<int64_t>(0, std::min(leader - kernel / 2, groupLength - kernel));
  return start <= ys && ys < start + kernel;
}

struct NeighborhoodTerm final : MaskTerm {
  MaskTermShape shape() const override { return {1, 16, 0}; }
  bool checksArguments() const override { return false; } // verify() says more

  LogicalResult verify(function_ref<InFlightDiagnostic()> emitError, ArrayRef<int64_t> args,
                       ArrayRef<Attribute>) const override {
    if (args.empty() || args[0] < 1 || args[0] > 3 || (int64_t)args.size() != 1 + 5 * args[0])
      return emitError() << "mask term 'neighborhood' takes a grid of 1 to 3 axes and, per "
                            "axis, a kernel size (optionally a dilation, a causal flag and a "
                            "stride)";
    int64_t rank = args[0];
    int64_t tokens = 1;
    for (int64_t a = 0; a < rank; ++a) {
      int64_t grid = args[1 + a], kernel = args[1 + rank + a], dilation = args[1 + 2 * rank + a],
              causal = args[1 + 3 * rank + a], stride = args[1 + 4 * rank + a];
      if (grid < 1 || kernel < 1 || dilation < 1)
        return emitError() << "mask term 'neighborhood' needs positive grid, kernel and "
                              "dilation sizes (axis " << a << ")";
      // Divisions keep the checks themselves from overflowing.
      if (grid >= kMaxPosition || tokens > (kMaxPosition - 1) / grid)
        return emitError() << "mask term 'neighborhood': the grid has more than 2^30 - 1 "
                              "tokens (positions are 32-bit lanes in the kernels)";
      tokens *= grid;
      if (kernel > grid / dilation)
        return emitError() << "mask term 'neighborhood': kernel " << kernel << " x dilation "
                           << dilation << " does not fit axis " << a << " of length " << grid;
      if (causal != 0 && causal != 1)
        return emitError() << "mask term 'neighborhood': causal flags are 0 or 1, got "
                           << causal;
      if (stride < 1 || stride > kernel)
        return emitError() << "mask term 'neighborhood': stride " << stride
                           << " must be between 1 and the kernel size " << kernel << " (axis "
                           << a << ")";
    }
    return success();
  }

  // neighborhood '(' grid ',' kernel (',' dilation (',' causal (',' stride)?)?)? ')',
  // each a dimension list such as 128x128.
  std::optional<FailureOr<SmallVector<int64_t>>> parseArgs(AsmParser &parser) const override {
    SMLoc loc = parser.getCurrentLocation();
    SmallVector<SmallVector<int64_t>> lists;
    auto parseList = [&]() -> ParseResult {
      lists.emplace_back();
      return parser.parseDimensionList(lists.back(), /*allowDynamic=*/false,
                                       /*withTrailingX=*/false);
    };
    if (parser.parseLParen() || parser.parseCommaSeparatedList(parseList) ||
        parser.parseRParen())
      return FailureOr<SmallVector<int64_t>>(failure());
    size_t rank = lists.front().size();
    if (lists.size() < 2 || lists.size() > 5 ||
        llvm::any_of(lists, [&](auto &l) { return l.size() != rank; })) {
      parser.emitError(loc) << "mask term 'neighborhood' takes (grid, kernel[, dilation[, "
                               "causal[, stride]]]) with one size per grid axis, e.g. "
                               "neighborhood(128x128, 7x7)";
      return FailureOr<SmallVector<int64_t>>(failure());
    }
    lists.resize(5);
    if (lists[2].empty())
      lists[2].assign(rank, 1);
    if (lists[3].empty())
      lists[3].assign(rank, 0);
    if (lists[4].empty())
      lists[4].assign(rank, 1);
    SmallVector<int64_t> args = {(int64_t)rank};
    for (auto &l : lists)
      llvm::append_range(args, l);
    return FailureOr<SmallVector<int64_t>>(args);
  }

  bool printArgs(AsmPrinter &printer, MaskAttr term) const override {
    MaskAttr::Neighborhood n = term.getNeighborhood();
    auto list = [&](ArrayRef<int64_t> l) { llvm::interleave(l, printer, "x"); };
    printer << '(';
    list(n.grid);
    printer << ", ";
    list(n.kernel);
    bool strided = llvm::any_of(n.stride, [](int64_t s) { return s != 1; });
    bool causal = strided || llvm::is_contained(n.causal, 1);
    if (causal || llvm::any_of(n.dilation, [](int64_t d) { return d != 1; })) {
      printer << ", ";
      list(n.dilation);
    }
    if (causal) {
      printer << ", ";
      list(n.causal);
    }
    if (strided) {
      printer << ", ";
      list(n.stride);
    }
    printer << ')';
    return true;
  }

  bool isVisible(MaskAttr term, const MaskPoint &at, const MaskOperandValues *) const override {
    MaskAttr::Neighborhood n = term.getNeighborhood();
    int64_t tokens = numTokens(n), p = at.position, j = at.key;
    if (p < 0 || j < 0 || p >= tokens || j >= tokens)
      return false;
    // Row-major coordinates, last axis fastest.
    for (int64_t a = n.grid.size() - 1; a >= 0; --a) {
      int64_t x = p % n.grid[a], y = j % n.grid[a];
      if (!inWindow(x, y, n.grid[a], n.kernel[a], n.dilation[a], n.causal[a] != 0, n.stride[a]))
        return false;
      p /= n.grid[a];
      j /= n.grid[a];
    }
    return true;
  }

  /// The window on one axis, as arith on coordinates.
  static Value windowPredicate(MaskPredicateBuilder &b, Value x, Value y, int64_t length,
                        int64_t kernel, int64_t dilation, bool causal, int64_t stride) {
    using P = arith::CmpIPredicate;
    Value visible = b.boolean(true);
    Value xs = x, ys = y, groupLength = b.index(length);
    if (dilation > 1) {
      Value group = b.rem(x, dilation);
      visible = b.cmp(P::eq, group, b.rem(y, dilation));
      xs = b.div(x, dilation);
      ys = b.div(y, dilation);
      groupLength = arith::DivSIOp::create(b.b, b.loc, b.sub(b.index(length + dilation - 1), group),
                                           b.index(dilation));
    }
    Value groupStart =
        stride > 1 ? arith::MulIOp::create(b.b, b.loc, b.div(xs, stride), b.index(stride)) : xs;
    Value lastInGroup = b.sub(groupLength, b.index(1));
    auto leaderAt = [&](int64_t offset) -> Value {
      if (stride == 1)
        return xs;
      return arith::MinSIOp::create(b.b, b.loc, b.add(groupStart, b.index(offset)), lastInGroup);
    };
    if (causal) {
      Value first = b.sub(leaderAt(stride - 1), b.index(kernel - 1));
      return b.both(visible, b.both(b.cmp(P::sle, first, ys), b.cmp(P::sle, ys, xs)));
    }
    Value centred = b.sub(leaderAt(stride / 2), b.index(kernel / 2));
    Value last = b.sub(groupLength, b.index(kernel));
    Value start = arith::MaxSIOp::create(b.b, b.loc, b.index(0),
                                         arith::MinSIOp::create(b.b, b.loc, centred, last));
    Value end = b.add(start, b.index(kernel));
    return b.both(visible, b.both(b.cmp(P::sle, start, ys), b.cmp(P::slt, ys, end)));
  }

  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    using P = arith::CmpIPredicate;
    MaskAttr::Neighborhood n = term.getNeighborhood();
    int64_t tokens = numTokens(n);
    // Tokens past the grid (and query positions before the keys) take no part.
    Value visible = b.both(b.both(b.cmp(P::sge, b.pos, b.index(0)),
                                  b.cmp(P::slt, b.pos, b.index(tokens))),
                           b.cmp(P::slt, b.key, b.index(tokens)));
    Value x = b.pos, y = b.key;
    for (int64_t a = n.grid.size() - 1; a >= 0; --a) {
      visible = b.both(visible, windowPredicate(b, b.rem(x, n.grid[a]), b.rem(y, n.grid[a]), n.grid[a],
                                         n.kernel[a], n.dilation[a], n.causal[a] != 0,
                                         n.stride[a]));
      if (a > 0) {
        x = b.div(x, n.grid[a]);
        y = b.div(y, n.grid[a]);
      }
    }
    return visible;
  }

  /// The coordinates of tokens [lo, hi] (clamped to the grid) on the axis of length
  /// `length` whose coordinate advances every `stride` tokens: exact when the range
  /// neither covers nor wraps around the axis, else the whole axis.
  static std::pair<Value, Value> coordinateRange(MaskTileClassifier &c, Value lo, Value hi,
                                                 int64_t stride, int64_t length,
                                                 int64_t tokens) {
    Value first = c.div(arith::MaxSIOp::create(c.b, c.loc, lo, c.idx(0)), stride);
    Value last = c.div(arith::MinSIOp::create(c.b, c.loc, hi, c.idx(tokens - 1)), stride);
    Value cFirst = c.rem(first, length), cLast = c.rem(last, length);
    Value whole = c.either(c.le(c.idx(length - 1), c.sub(last, first)), c.lt(cLast, cFirst));
    return {c.select(whole, c.idx(0), cFirst), c.select(whole, c.idx(length - 1), cLast)};
  }

  /// Never claimed full. Any visible pair: on every axis the keys' coordinates must
  /// meet the band the queries' windows cover: exactly [start(first query), end(last
  /// query)] without dilation; with it, (k - 1 + s - 1) dilated steps either side
  /// (before only, when causal), which NATTEN's windows never exceed, even shifted at
  /// the borders.
  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    MaskAttr::Neighborhood n = term.getNeighborhood();
    int64_t tokens = numTokens(n);
    Value any = c.both(c.both(c.lt(c.pLo, c.idx(tokens)), c.le(c.idx(0), c.pHi)),
                       c.lt(c.jLo, c.idx(tokens)));
    int64_t stride = 1;
    for (int64_t a = n.grid.size() - 1; a >= 0; --a) {
      auto [qFirst, qLast] = coordinateRange(c, c.pLo, c.pHi, stride, n.grid[a], tokens);
      auto [kFirst, kLast] = coordinateRange(c, c.jLo, c.jHi, stride, n.grid[a], tokens);
      Value bandFirst, bandLast;
      if (n.dilation[a] == 1) {
        // Window starts and ends grow with the query coordinate: the windows of
        // [qFirst, qLast] span exactly [start(qFirst), end(qLast)].
        int64_t k = n.kernel[a], s = n.stride[a], length = n.grid[a];
        auto leader = [&](Value x, int64_t offset) {
          Value groupStart =
              s > 1 ? arith::MulIOp::create(c.b, c.loc, c.div(x, s), c.idx(s)).getResult() : x;
          return arith::MinSIOp::create(c.b, c.loc, c.add(groupStart, s > 1 ? offset : 0),
                                        c.idx(length - 1))
              .getResult();
        };
        if (n.causal[a]) {
          bandFirst = c.add(leader(qFirst, s - 1), -(k - 1));
          bandLast = qLast;
        } else {
          auto start = [&](Value x) {
            Value centred = c.add(leader(x, s / 2), -(k / 2));
            return arith::MaxSIOp::create(
                       c.b, c.loc, c.idx(0),
                       arith::MinSIOp::create(c.b, c.loc, centred, c.idx(length - k)))
                .getResult();
          };
          bandFirst = start(qFirst);
          bandLast = c.add(start(qLast), k - 1);
        }
      } else {
        // A window lies within (kernel - 1) dilated steps of its leader, which is at
        // most stride - 1 steps from the query (ahead of it only when not causal).
        int64_t reach = (n.kernel[a] - 1) * n.dilation[a];
        int64_t leaderReach = (n.stride[a] - 1) * n.dilation[a];
        bandFirst = c.add(qFirst, -reach - (n.causal[a] ? 0 : leaderReach));
        bandLast = n.causal[a] ? qLast : c.add(qLast, reach + leaderReach);
      }
      any = c.both(any, c.both(c.le(bandFirst, kLast), c.le(kFirst, bandLast)));
      stride *= n.grid[a];
    }
    return {c.boolean(false), any};
  }
};
} // namespace

const MaskTerm &mask::neighborhoodTerm() {
  static const NeighborhoodTerm term;
  return term;
}
