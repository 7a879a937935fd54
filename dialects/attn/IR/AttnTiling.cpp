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
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::attn;

AttentionOp::Placement AttentionOp::getPlacement(OpBuilder &b) {
  if (isTile())
    return {getOffsets()[0], getOffsets()[1], getOffsets()[2]};
  Location loc = getLoc();
  AffineExpr nk, nq;
  bindSymbols(b.getContext(), nk, nq);
  OpFoldResult position = affine::makeComposedFoldedAffineApply(
      b, loc, nk - nq,
      {tensor::getMixedSize(b, loc, getKey(), 2), tensor::getMixedSize(b, loc, getQuery(), 2)});
  return {b.getIndexAttr(0), position, b.getIndexAttr(0)};
}

LogicalResult
AttentionOp::reifyResultShapes(OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  Location loc = getLoc();
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, getQuery());
  shape[3] = tensor::getMixedSize(b, loc, getValue(), 3);
  reifiedReturnShapes.push_back(shape);
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
kvHeadsOfTile(OpBuilder &b, AttentionOp op, OpFoldResult offset, OpFoldResult size) {
  Location loc = op.getLoc();
  OpFoldResult numKv = tensor::getMixedSize(b, loc, op.getKey(), 1);
  if (isWholeDim(size, op.getQuery(), 1))
    return std::make_pair(OpFoldResult(b.getIndexAttr(0)), numKv);
  int64_t hq = op.getQuery().getType().getDimSize(1), hkv = op.getKey().getType().getDimSize(1);
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
      b, loc, h.floorDiv(g), {tensor::getMixedSize(b, loc, op.getQuery(), 1), numKv});
  auto first = affine::makeComposedFoldedAffineApply(b, loc, h.floorDiv(g), {offset, ratio});
  return std::make_pair(first, OpFoldResult(b.getIndexAttr(1)));
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

FailureOr<TilingResult> AttentionOp::getTiledImplementation(OpBuilder &b,
                                                           ArrayRef<OpFoldResult> offsets,
                                                           ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  FailureOr<std::pair<OpFoldResult, OpFoldResult>> kv =
      kvHeadsOfTile(b, *this, offsets[1], sizes[1]);
  if (failed(kv))
    return emitOpError() << "cannot tile the query heads by "
                         << (getConstantIntValue(sizes[1])
                                 ? std::to_string(*getConstantIntValue(sizes[1]))
                                 : std::string("sizes that differ between tiles (the "
                                               "heads are not a multiple of the tile)"))
                         << ": a head tile must divide the GQA ratio or be a multiple of it "
                            "(and be 1 when the ratio is only known at run time)";
  SmallVector<Operation *> slices;
  auto slice = [&](Value source, ArrayRef<OpFoldResult> o, ArrayRef<OpFoldResult> s) {
    Value sliced = sliceLeading(b, loc, source, o, s);
    slices.push_back(sliced.getDefiningOp());
    return sliced;
  };
  Value query = slice(getQuery(), offsets, sizes);
  Value key = slice(getKey(), {offsets[0], kv->first}, {sizes[0], kv->second});
  Value value = slice(getValue(), {offsets[0], kv->first}, {sizes[0], kv->second});
  // Segment ids [B, Nk] by batch; block layouts [B, Hq, QB, *] by batch and head (their
  // query-block axis follows the whole problem's rows, through the row offset).
  SmallVector<Value> maskOperands;
  for (Value operand : getMaskOperands()) {
    bool perHead = cast<RankedTensorType>(operand.getType()).getRank() == 4;
    maskOperands.push_back(perHead ? slice(operand, offsets.take_front(2), sizes.take_front(2))
                                   : slice(operand, offsets.take_front(1), sizes.take_front(1)));
  }
  Placement whole = getPlacement(b);
  AffineExpr base, offset;
  bindSymbols(b.getContext(), base, offset);
  auto shifted = [&](OpFoldResult start, OpFoldResult by) {
    return getValueOrCreateConstantIndexOp(
        b, loc, affine::makeComposedFoldedAffineApply(b, loc, base + offset, {start, by}));
  };
  SmallVector<Value> tileOffsets = {shifted(whole.row, offsets[2]),
                                    shifted(whole.position, offsets[2]),
                                    shifted(whole.head, offsets[1])};

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
  return TilingResult{{tiled}, {tiled->getResult(0)}, slices};
}

LogicalResult AttentionOp::getResultTilePosition(OpBuilder &b, unsigned resultNumber,
                                                 ArrayRef<OpFoldResult> offsets,
                                                 ArrayRef<OpFoldResult> sizes,
                                                 SmallVector<OpFoldResult> &resultOffsets,
                                                 SmallVector<OpFoldResult> &resultSizes) {
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  resultOffsets.push_back(b.getIndexAttr(0));
  resultSizes.push_back(tensor::getMixedSize(b, getLoc(), getValue(), 3));
  return success();
}

FailureOr<TilingResult> AttentionOp::generateResultTileValue(OpBuilder &b,
                                                             unsigned resultNumber,
                                                             ArrayRef<OpFoldResult> offsets,
                                                             ArrayRef<OpFoldResult> sizes) {
  // A result tile is an iteration tile when it spans the value dimension.
  if (!isConstantIntValue(offsets[3], 0) || !isWholeDim(sizes[3], getValue(), 3))
    return failure();
  return getTiledImplementation(b, offsets.take_front(3), sizes.take_front(3));
}
