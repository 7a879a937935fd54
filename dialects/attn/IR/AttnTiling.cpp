//===- AttnTiling.cpp - TilingInterface and shape reification of attention ===//
//
// attn.attention tiles over (batch, query heads, query rows), all parallel: every
// output row depends on its query row and on all keys of its kv head. A tile is again
// an attn.attention, on slices of q, of the kv heads its query heads read and of the
// mask operands, with `offsets` recording where it sits (row, position, head), so that
// masks, decays and per-head terms see the whole problem's coordinates. The key axis
// is the softmax reduction and is not tiled here.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

/// Nk - Nq: the position of row 0 when rows are end-aligned (no offsets).
static OpFoldResult endAlignedPosition(OpBuilder &b, Location loc, Value query, Value key) {
  AffineExpr nk, nq;
  bindSymbols(b.getContext(), nk, nq);
  return affine::makeComposedFoldedAffineApply(
      b, loc, nk - nq, {tensor::getMixedSize(b, loc, key, 2), tensor::getMixedSize(b, loc, query, 2)});
}

AttentionOp::Placement AttentionOp::getPlacement(OpBuilder &b) {
  if (isTile())
    return {getOffsets()[0], getOffsets()[1], getOffsets()[2]};
  return {b.getIndexAttr(0), endAlignedPosition(b, getLoc(), getQuery(), getKey()),
          b.getIndexAttr(0)};
}

LogicalResult
AttentionOp::reifyResultShapes(OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, getQuery());
  shape[3] = tensor::getMixedSize(b, loc, getValue(), 3);
  reifiedReturnShapes.push_back(shape);
  if (getLse())
    reifiedReturnShapes.push_back(SmallVector<OpFoldResult>(ArrayRef(shape).take_front(3)));
  return success();
}

SmallVector<utils::IteratorType> AttentionOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel);
}

SmallVector<Range> AttentionOp::getIterationDomain(OpBuilder &b) {
  Location loc = getLoc();
  SmallVector<Range> domain;
  for (int64_t dim = 0; dim < 3; ++dim)
    domain.push_back(Range{b.getIndexAttr(0), tensor::getMixedSize(b, loc, getQuery(), dim),
                           b.getIndexAttr(1)});
  return domain;
}

/// Whether `size` is the whole extent of dimension `dim` of `tensor` (a constant equal
/// to its static size, or a tensor.dim of it).
static bool isWholeDim(OpFoldResult size, Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return !type.isDynamicDim(dim) && *c == type.getDimSize(dim);
  auto dimOp = dyn_cast_or_null<tensor::DimOp>(cast<Value>(size).getDefiningOp());
  return dimOp && dimOp.getSource() == tensor &&
         getConstantIntValue(dimOp.getIndex()) == std::optional<int64_t>(dim);
}

/// The kv heads read by query heads [offset, offset + size): their (offset, size), or
/// failure when the tile would split a group of query heads unevenly.
static FailureOr<std::pair<OpFoldResult, OpFoldResult>>
kvHeadsOfTile(OpBuilder &b, Location loc, Value query, Value key, OpFoldResult offset,
              OpFoldResult size) {
  OpFoldResult numKv = tensor::getMixedSize(b, loc, key, 1);
  if (isWholeDim(size, query, 1))
    return std::make_pair(OpFoldResult(b.getIndexAttr(0)), numKv);
  int64_t hq = cast<RankedTensorType>(query.getType()).getDimSize(1),
          hkv = cast<RankedTensorType>(key.getType()).getDimSize(1);
  std::optional<int64_t> tile = getConstantIntValue(size);
  AffineExpr h, g;
  bindSymbols(b.getContext(), h, g);
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv)) {
    int64_t ratio = hq / hkv;
    auto first = affine::makeComposedFoldedAffineApply(b, loc, h.floorDiv(ratio), {offset});
    if (ratio == 1)
      return std::make_pair(first, size);
    if (tile && ratio % *tile == 0)
      return std::make_pair(first, OpFoldResult(b.getIndexAttr(1)));
    if (tile && *tile % ratio == 0)
      return std::make_pair(first, OpFoldResult(b.getIndexAttr(*tile / ratio)));
    return failure();
  }
  // A ratio known at run time: single query heads only.
  if (tile != 1)
    return failure();
  OpFoldResult ratio = affine::makeComposedFoldedAffineApply(
      b, loc, h.floorDiv(g), {tensor::getMixedSize(b, loc, query, 1), numKv});
  auto first = affine::makeComposedFoldedAffineApply(b, loc, h.floorDiv(g), {offset, ratio});
  return std::make_pair(first, OpFoldResult(b.getIndexAttr(1)));
}

static LogicalResult emitHeadTileError(Operation *op, OpFoldResult size) {
  std::optional<int64_t> tile = getConstantIntValue(size);
  return op->emitOpError() << "cannot tile the query heads by "
                           << (tile ? std::to_string(*tile)
                                    : std::string("sizes that differ between tiles (the "
                                                  "heads are not a multiple of the tile)"))
                           << ": a head tile must divide the GQA ratio or be a multiple of it "
                              "(and be 1 when the ratio is only known at run time)";
}

/// `source` sliced to `offsets`/`sizes` on its leading dimensions, whole on the rest.
static Value sliceLeading(OpBuilder &b, Location loc, Value source,
                          ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> allOffsets(offsets), allSizes(sizes);
  int64_t rank = cast<RankedTensorType>(source.getType()).getRank();
  for (int64_t dim = offsets.size(); dim < rank; ++dim) {
    allOffsets.push_back(b.getIndexAttr(0));
    allSizes.push_back(tensor::getMixedSize(b, loc, source, dim));
  }
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, source, allOffsets, allSizes, strides);
}

namespace {
/// What the tilings of attn.attention and attn.online_attention share: slices that the
/// tiling result reports (so that producers can fuse into them), the kv heads and mask
/// operands of a tile, and offsets shifted into the whole problem.
struct TileSlicer {
  OpBuilder &b;
  Location loc;
  SmallVector<Operation *> slices;

  Value slice(Value source, ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes) {
    Value sliced = sliceLeading(b, loc, source, offsets, sizes);
    slices.push_back(sliced.getDefiningOp());
    return sliced;
  }

  /// The kv heads (offset, size) that query heads [offsets[1], + sizes[1]) read; failure
  /// (after a located error) when the tile splits a GQA group unevenly.
  FailureOr<std::pair<OpFoldResult, OpFoldResult>> kvHeads(Operation *op, Value query, Value key,
                                                            ArrayRef<OpFoldResult> offsets,
                                                            ArrayRef<OpFoldResult> sizes) {
    FailureOr<std::pair<OpFoldResult, OpFoldResult>> kv =
        kvHeadsOfTile(b, loc, query, key, offsets[1], sizes[1]);
    if (failed(kv))
      return emitHeadTileError(op, sizes[1]);
    return kv;
  }

  /// Keys and values of batches [offsets[0], + sizes[0]) and kv heads `kv`, on key rows
  /// `keyOffset` / `keySize` (whole when null).
  std::pair<Value, Value> keysAndValues(Value key, Value value,
                                        std::pair<OpFoldResult, OpFoldResult> kv,
                                        ArrayRef<OpFoldResult> offsets,
                                        ArrayRef<OpFoldResult> sizes,
                                        OpFoldResult keyOffset = {}, OpFoldResult keySize = {}) {
    SmallVector<OpFoldResult> o = {offsets[0], kv.first}, s = {sizes[0], kv.second};
    if (keyOffset) {
      o.push_back(keyOffset);
      s.push_back(keySize);
    }
    Value keys = slice(key, o, s);
    return {keys, slice(value, o, s)};
  }

  /// Segment ids by batch (they span the whole problem's keys), block layouts by batch
  /// and head (their query-block axis follows the whole problem's rows).
  SmallVector<Value> maskOperands(ValueRange operands, ArrayRef<OpFoldResult> offsets,
                                  ArrayRef<OpFoldResult> sizes) {
    SmallVector<Value> sliced;
    for (Value operand : operands) {
      size_t lead = cast<RankedTensorType>(operand.getType()).getRank() == 4 ? 2 : 1;
      sliced.push_back(slice(operand, offsets.take_front(lead), sizes.take_front(lead)));
    }
    return sliced;
  }

  /// `start` + `by` as an index value (folded where constant).
  Value shifted(OpFoldResult start, OpFoldResult by) {
    AffineExpr base, offset;
    bindSymbols(b.getContext(), base, offset);
    return getValueOrCreateConstantIndexOp(
        b, loc, affine::makeComposedFoldedAffineApply(b, loc, base + offset, {start, by}));
  }
};
} // namespace

FailureOr<TilingResult> AttentionOp::getTiledImplementation(OpBuilder &b,
                                                           ArrayRef<OpFoldResult> offsets,
                                                           ArrayRef<OpFoldResult> sizes) {
  if (isVarlen())
    return emitOpError() << "cannot tile packed sequences (varlen) directly: the CPU "
                            "lowerings expand them into one attention per sequence first";
  if (isPaged())
    return emitOpError() << "cannot tile paged attention yet (its tiles would need each "
                            "sequence's own positions): convert-attn-to-linalg expands it per "
                            "sequence first";
  // Offsets place rows and heads, not batches: a region that reads its batch index
  // would see the tile's batch instead of the problem's.
  if (hasScoreMod() && !getScoreMod().front().getArgument(1).use_empty() &&
      (!isConstantIntValue(offsets[0], 0) || !isWholeDim(sizes[0], getQuery(), 0)))
    return emitOpError() << "cannot tile the batch of an attention whose score_mod reads "
                            "the batch index (offsets place rows and heads only)";
  TileSlicer tile{b, getLoc(), {}};
  auto kv = tile.kvHeads(*this, getQuery(), getKey(), offsets, sizes);
  if (failed(kv))
    return failure();
  Value query = tile.slice(getQuery(), offsets, sizes);
  auto [key, value] = tile.keysAndValues(getKey(), getValue(), *kv, offsets, sizes);
  SmallVector<Value> maskOperands = tile.maskOperands(getMaskOperands(), offsets, sizes);
  Placement whole = getPlacement(b);
  SmallVector<Value> tileOffsets = {tile.shifted(whole.row, offsets[2]),
                                    tile.shifted(whole.position, offsets[2]),
                                    tile.shifted(whole.head, offsets[1])};

  SmallVector<OpFoldResult> resultOffsets, resultSizes;
  if (failed(getResultTilePosition(b, 0, offsets, sizes, resultOffsets, resultSizes)))
    return failure();
  SmallVector<int64_t> staticSizes;
  SmallVector<Value> dynamicSizes;
  dispatchIndexOpFoldResults(resultSizes, dynamicSizes, staticSizes);
  auto resultType = RankedTensorType::get(staticSizes, getType().getElementType());

  Operation *tiled = b.clone(*getOperation());
  auto tiledOp = cast<AttentionOp>(tiled);
  tiledOp.getQueryMutable().assign(query);
  tiledOp.getKeyMutable().assign(key);
  tiledOp.getValueMutable().assign(value);
  tiledOp.getMaskOperandsMutable().assign(maskOperands);
  tiledOp.getOffsetsMutable().assign(tileOffsets);
  tiled->getResult(0).setType(resultType);
  SmallVector<Value> results{tiled->getResult(0)};
  if (getLse()) {
    // The log-sum-exp tile: the iteration tile itself ([B, Hq, Nq] rows).
    SmallVector<int64_t> lseSizes(staticSizes.begin(), staticSizes.begin() + 3);
    tiled->getResult(1).setType(RankedTensorType::get(lseSizes, b.getF32Type()));
    results.push_back(tiled->getResult(1));
  }
  return TilingResult{{tiled}, results, tile.slices};
}

LogicalResult AttentionOp::getResultTilePosition(OpBuilder &b, unsigned resultNumber,
                                                 ArrayRef<OpFoldResult> offsets,
                                                 ArrayRef<OpFoldResult> sizes,
                                                 SmallVector<OpFoldResult> &resultOffsets,
                                                 SmallVector<OpFoldResult> &resultSizes) {
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  if (resultNumber == 1) // the log-sum-exp: [B, Hq, Nq]
    return success();
  resultOffsets.push_back(b.getIndexAttr(0));
  resultSizes.push_back(tensor::getMixedSize(b, getLoc(), getValue(), 3));
  return success();
}

FailureOr<TilingResult> AttentionOp::generateResultTileValue(OpBuilder &b,
                                                             unsigned resultNumber,
                                                             ArrayRef<OpFoldResult> offsets,
                                                             ArrayRef<OpFoldResult> sizes) {
  if (resultNumber == 1)
    return getTiledImplementation(b, offsets, sizes);
  // A result tile is an iteration tile when it spans the value dimension.
  if (!isConstantIntValue(offsets[3], 0) || !isWholeDim(sizes[3], getValue(), 3))
    return failure();
  return getTiledImplementation(b, offsets.take_front(3), sizes.take_front(3));
}

//===----------------------------------------------------------------------===//
// Decomposition of softmax attention into its partial state and the division
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>> AttentionOp::decomposeOperation(OpBuilder &b) {
  if (getNormalizer() != Normalizer::Softmax)
    return failure(); // linear and pointwise attention have no online-softmax state
  if (hasScoreMod())
    return failure(); // attn.online_attention carries no score_mod region
  if (isPaged() || isVarlen())
    return failure(); // nor a page table or sequence offsets
  Type resultElement = getType().getElementType();
  for (Value t : {getQuery(), getKey(), getValue()})
    if (cast<ShapedType>(t.getType()).getElementType() != resultElement)
      return failure(); // nor mixed element types
  Location loc = getLoc();
  Type elt = getType().getElementType();
  SmallVector<OpFoldResult> accShape = tensor::getMixedSizes(b, loc, getQuery());
  accShape[3] = tensor::getMixedSize(b, loc, getValue(), 3);
  ArrayRef<OpFoldResult> rowShape = ArrayRef<OpFoldResult>(accShape).take_front(3);
  auto filled = [&](ArrayRef<OpFoldResult> shape, double value) {
    Value empty = tensor::EmptyOp::create(b, loc, shape, elt);
    Value init = arith::ConstantOp::create(b, loc, b.getFloatAttr(elt, value));
    return linalg::FillOp::create(b, loc, init, empty).getResult(0);
  };
  Value acc = filled(accShape, 0.0), sum = filled(rowShape, 0.0),
        max = filled(rowShape, -std::numeric_limits<double>::infinity());
  // A tile states its place; keys are all of the problem's.
  SmallVector<Value> offsets;
  if (isTile()) {
    offsets.assign(getOffsets().begin(), getOffsets().end());
    offsets.push_back(arith::ConstantIndexOp::create(b, loc, 0));
  }
  auto online = OnlineAttentionOp::create(
      b, loc, TypeRange{acc.getType(), max.getType(), sum.getType()}, getQuery(), getKey(),
      getValue(), getMaskOperands(), offsets, ValueRange{acc, max, sum}, getMaskAttr(),
      getScaleAttr(), getSoftcapAttr());

  // o = acc / sum; 0 for rows that saw no key (sum = 0).
  MLIRContext *ctx = b.getContext();
  AffineMap all = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap rows = AffineMap::get(4, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1),
                                         b.getAffineDimExpr(2)}, ctx);
  Value out = tensor::EmptyOp::create(b, loc, accShape, elt);
  auto divide = linalg::GenericOp::create(
      b, loc, out.getType(), ValueRange{online.getResult(0), online.getResult(2)}, out,
      ArrayRef<AffineMap>{all, rows, all}, SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(elt, 0.0));
        Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, args[1], zero);
        Value quotient = arith::DivFOp::create(b, loc, args[0], args[1]);
        linalg::YieldOp::create(b, loc,
                                ValueRange{arith::SelectOp::create(b, loc, empty, zero, quotient)});
      });
  Value result = divide.getResult(0);
  if (result.getType() != getType())
    result = tensor::CastOp::create(b, loc, getType(), result);
  if (!getLse())
    return SmallVector<Value>{result};

  // lse = max + log(sum) (natural units, as the state), -inf for rows without a key.
  Type f32 = b.getF32Type();
  Value lseInit = tensor::EmptyOp::create(b, loc, rowShape, f32);
  AffineMap rows3 = AffineMap::getMultiDimIdentityMap(3, ctx);
  auto lse = linalg::GenericOp::create(
      b, loc, lseInit.getType(), ValueRange{online.getResult(1), online.getResult(2)}, lseInit,
      ArrayRef<AffineMap>{rows3, rows3, rows3},
      SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value max = args[0], sum = args[1];
        if (elt != f32) {
          max = arith::ExtFOp::create(b, loc, f32, max);
          sum = arith::ExtFOp::create(b, loc, f32, sum);
        }
        Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
        Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, sum, zero);
        Value value = arith::AddFOp::create(b, loc, max, math::LogOp::create(b, loc, sum));
        Value negInf = arith::ConstantOp::create(
            b, loc, b.getF32FloatAttr(-std::numeric_limits<double>::infinity()));
        linalg::YieldOp::create(b, loc, ValueRange{arith::SelectOp::create(b, loc, empty, negInf, value)});
      });
  Value lseResult = lse.getResult(0);
  if (lseResult.getType() != getLse().getType())
    lseResult = tensor::CastOp::create(b, loc, getLse().getType(), lseResult);
  return SmallVector<Value>{result, lseResult};
}

//===----------------------------------------------------------------------===//
// OnlineAttentionOp: (batch, heads, rows) parallel, keys a reduction
//===----------------------------------------------------------------------===//

OnlineAttentionOp::Placement OnlineAttentionOp::getPlacement(OpBuilder &b) {
  if (isTile())
    return {getOffsets()[0], getOffsets()[1], getOffsets()[2], getOffsets()[3]};
  return {b.getIndexAttr(0), endAlignedPosition(b, getLoc(), getQuery(), getKey()),
          b.getIndexAttr(0), b.getIndexAttr(0)};
}

LogicalResult OnlineAttentionOp::reifyResultShapes(OpBuilder &b,
                                                   ReifiedRankedShapedTypeDims &shapes) {
  for (Value init : getOutputs())
    shapes.push_back(tensor::getMixedSizes(b, getLoc(), init));
  return success();
}

SmallVector<utils::IteratorType> OnlineAttentionOp::getLoopIteratorTypes() {
  SmallVector<utils::IteratorType> types(3, utils::IteratorType::parallel);
  types.push_back(utils::IteratorType::reduction);
  return types;
}

SmallVector<Range> OnlineAttentionOp::getIterationDomain(OpBuilder &b) {
  Location loc = getLoc();
  SmallVector<Range> domain;
  for (int64_t dim = 0; dim < 3; ++dim)
    domain.push_back(Range{b.getIndexAttr(0), tensor::getMixedSize(b, loc, getQuery(), dim),
                           b.getIndexAttr(1)});
  domain.push_back(
      Range{b.getIndexAttr(0), tensor::getMixedSize(b, loc, getKey(), 2), b.getIndexAttr(1)});
  return domain;
}

LogicalResult OnlineAttentionOp::getResultTilePosition(OpBuilder &b, unsigned resultNumber,
                                                       ArrayRef<OpFoldResult> offsets,
                                                       ArrayRef<OpFoldResult> sizes,
                                                       SmallVector<OpFoldResult> &resultOffsets,
                                                       SmallVector<OpFoldResult> &resultSizes) {
  // The state of a tile of rows, whatever keys the tile covers.
  resultOffsets.assign(offsets.begin(), offsets.begin() + 3);
  resultSizes.assign(sizes.begin(), sizes.begin() + 3);
  if (resultNumber == 0) {
    resultOffsets.push_back(b.getIndexAttr(0));
    resultSizes.push_back(tensor::getMixedSize(b, getLoc(), getAcc(), 3));
  }
  return success();
}

FailureOr<TilingResult>
OnlineAttentionOp::getTiledImplementation(OpBuilder &b, ArrayRef<OpFoldResult> offsets,
                                          ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  TileSlicer tile{b, loc, {}};
  auto kv = tile.kvHeads(*this, getQuery(), getKey(), offsets, sizes);
  if (failed(kv))
    return failure();
  Value query = tile.slice(getQuery(), offsets.take_front(3), sizes.take_front(3));
  auto [key, value] =
      tile.keysAndValues(getKey(), getValue(), *kv, offsets, sizes, offsets[3], sizes[3]);
  SmallVector<Value> maskOperands = tile.maskOperands(getMaskOperands(), offsets, sizes);
  SmallVector<Value> outputs;
  SmallVector<Type> resultTypes;
  for (unsigned i = 0; i < 3; ++i) {
    SmallVector<OpFoldResult> o, s;
    if (failed(getResultTilePosition(b, i, offsets, sizes, o, s)))
      return failure();
    outputs.push_back(tile.slice(getOutputs()[i], o, s));
    resultTypes.push_back(outputs.back().getType());
  }
  Placement whole = getPlacement(b);
  SmallVector<Value> tileOffsets = {
      tile.shifted(whole.row, offsets[2]), tile.shifted(whole.position, offsets[2]),
      tile.shifted(whole.head, offsets[1]), tile.shifted(whole.key, offsets[3])};
  auto tiled = OnlineAttentionOp::create(b, loc, resultTypes, query, key, value, maskOperands,
                                         tileOffsets, outputs, getMaskAttr(), getScaleAttr(),
                                         getSoftcapAttr());
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), tile.slices};
}
