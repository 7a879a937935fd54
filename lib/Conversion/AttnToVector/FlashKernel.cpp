//===- FlashKernel.cpp - softmax attention as a register-blocked vector kernel -===//
//
// FlashAttention-2's loop order on a CPU: a task owns `queryBlock` query rows of one
// (batch, head) and walks the kv tiles; per tile and block of `rows` query rows it
//   1. computes the rows x Bc scores in registers: for d, broadcast Q[i, d] times the
//      K^T row d (K is packed once per head into D x Bc tiles);
//   2. scales (softmax scale and log2 e folded into one multiply; soft-cap between),
//      and masks per element only when the tile classification says "partial";
//   3. updates the running max m, takes p = 2^(s - m) and the rescale
//      alpha = 2^(m_old - m), adds p into a running sum kept as one vector per row,
//      and parks p in a rows x Bc buffer;
//   4. rescales the rows x E accumulator by alpha while reloading it, and adds p V
//      with the same broadcast-FMA register block (V rows are contiguous as given).
// The output is acc / sum, or 0 for rows that saw no key. Only O(queryBlock x E)
// scratch per task and O(N x D) for packed K: never an N x N buffer.
//
//===----------------------------------------------------------------------===//
#include "FlashKernel.h"
#include "VectorMath.h"

#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;

std::string mlir::attn::explainUnsupported(AttentionOp op, const KernelTiles &tiles,
                                           bool allowHalf) {
  if (op.isLinear())
    return "not score-based attention";
  if (op.isVarlen())
    return "packed sequences (expanded into one attention per sequence first)";
  if (op.hasScoreMod())
    if (std::string reason = ScoreModEmitter::explainUnsupported(op); !reason.empty())
      return reason;
  for (Value t : {op.getQuery(), op.getKey(), op.getValue(), op.getResult()}) {
    Type elt = cast<ShapedType>(t.getType()).getElementType();
    if (!elt.isF32() && !(allowHalf && (elt.isBF16() || elt.isF16())))
      return allowHalf ? "element type is not f32, bf16 or f16" : "element type is not f32";
  }
  int64_t valueDim = op.getValue().getType().getDimSize(3);
  if (ShapedType::isDynamic(valueDim))
    return "the value head dim is dynamic";
  if (valueDim % tiles.lanes != 0)
    return "the value head dim is not a multiple of the vector width";
  return "";
}

FlashKernel::FlashKernel(OpBuilder &b, Location loc, AttentionOp op, const KernelTiles &tiles)
    : KernelBuilder(b, loc, tiles.lanes), op(op), tiles(tiles), mask(op.getMaskAttr()),
      valueDim(op.getValue().getType().getDimSize(3)), rows(tiles.rows), bf16(b.getBF16Type()),
      pointwise(op.isPointwise()), naturalUnits(op.hasScoreMod() || op.isPointwise()) {
  if (op.hasScoreMod()) {
    scoreMod.emplace(op, tiles.lanes);
    scoreMod->setPrefetchDistance(tiles.keyTile());
  }
}

double FlashKernel::scoreScale() {
  double scale = op.getEffectiveScale();
  if (std::optional<double> cap = op.getSoftcapValue())
    return scale / *cap;
  return naturalUnits ? scale : scale / std::log(2.0);
}

void FlashKernel::setUp() {
  q = toBuffer(op.getQuery());
  k = toBuffer(op.getKey());
  v = toBuffer(op.getValue());
  for (Value t : op.getMaskOperands())
    segments.push_back(toBuffer(t));
  for (Value t : op.getCaptures())
    captures.push_back(toBuffer(t));
  maskOperands.emplace(b, loc, segments);
  numQueries = dim(q, 2);
  headDim = dim(q, 3);
  kvHeads = dim(k, op.getKvHeadDim());
  if (op.isPaged()) {
    pageTable = toBuffer(op.getPageTable());
    lengths = toBuffer(op.getLengths());
    // Tasks and parts are planned for the longest sequence the table can hold; each
    // sequence's own length bounds its tiles (beginSequence).
    numKeys = mul(dim(pageTable, 1), dim(k, 1));
  } else {
    numKeys = dim(k, 2);
  }
  ratio = arith::DivUIOp::create(b, loc, dim(q, 1), kvHeads);
  numKvTiles = ceilDiv(numKeys, tiles.keyTile());
  if (op.isTile()) {
    rowBase = op.getOffsets()[0];
    rowToPosition = arith::SubIOp::create(b, loc, op.getOffsets()[1], rowBase);
    headBase = op.getOffsets()[2];
  } else {
    rowBase = headBase = idx(0);
    rowToPosition = arith::SubIOp::create(b, loc, numKeys, numQueries);
  }
}

SmallVector<Value> FlashKernel::build() {
  setUp();
  if (bf16Dot) {
    packKeyPairs(tiles.keyTile());
    packValuePairs(tiles.keyTile());
  } else {
    packKeys();
  }
  out = allocResult(op.getResult(), q, v);
  allocLse();
  Value numBlocks = ceilDiv(numQueries, tiles.queryBlock);
  parallel({dim(q, 0), dim(q, 1), numBlocks}, [&](ValueRange ids) {
    // Later query blocks see more keys under causal masks: hand them out first.
    Value block = arith::SubIOp::create(
        b, loc, arith::SubIOp::create(b, loc, numBlocks, idx(1)), ids[2]);
    task(ids[0], ids[1], block);
  });
  return results();
}

void FlashKernel::allocLse() {
  if (!op.getLse())
    return;
  MemRefType type = memrefOf(op.getLse());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < 3; ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(dim(q, d));
  lseOut = memref::AllocOp::create(b, loc, type, sizes, b.getI64IntegerAttr(64));
}

SmallVector<Value> FlashKernel::results() {
  SmallVector<Value> values{bufferization::ToTensorOp::create(
      b, loc, cast<RankedTensorType>(op.getType()), out, /*restrict=*/true, /*writable=*/true)};
  if (lseOut)
    values.push_back(bufferization::ToTensorOp::create(
        b, loc, cast<RankedTensorType>(op.getLse().getType()), lseOut, /*restrict=*/true,
        /*writable=*/true));
  return values;
}

Value FlashKernel::logSumExp(Value maxBase2, Value sum) {
  // log sum_j e^(s_j) = m ln 2 + log sum_j 2^(s_j / ln 2 - m); -inf without a key.
  Value isZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, sum, scalar(0.0));
  Value value = arith::AddFOp::create(b, loc, fmul(maxBase2, scalar(std::log(2.0))),
                                      math::LogOp::create(b, loc, sum));
  return select(isZero, scalar(-std::numeric_limits<double>::infinity()), value);
}

void FlashKernel::beginSequence(Value batch) {
  if (!op.isPaged())
    return;
  Value capacity = mul(dim(pageTable, 1), dim(k, 1));
  Value length = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                            loadScalar(lengths, {batch}));
  numKeys = minIndex(maxIndex(length, idx(0)), capacity);
  numKvTiles = ceilDiv(numKeys, tiles.keyTile());
  rowToPosition = arith::SubIOp::create(b, loc, numKeys, numQueries);
}

SmallVector<Value> FlashKernel::rowIndices(Value batch, Value kvHead, Value key, Value column) {
  if (!op.isPaged())
    return {batch, kvHead, key, column};
  // Page ids outside the pool are the caller's error: clamped, never read outside.
  Value pageSize = dim(k, 1);
  Value entry = loadScalar(pageTable, {batch, arith::DivUIOp::create(b, loc, key, pageSize)});
  Value page = arith::IndexCastOp::create(b, loc, b.getIndexType(), entry);
  page = minIndex(maxIndex(page, idx(0)), arith::SubIOp::create(b, loc, dim(k, 0), idx(1)));
  return {page, arith::RemUIOp::create(b, loc, key, pageSize), kvHead, column};
}

/// K [B, G, N, D] -> K^T tiles [B, G, N / Bc, D, Bc], zero past the last key, scaled
/// so that q.k comes out in the units the softmax wants (free here, once per key).
/// Paged: the tiles of each sequence's logical keys, gathered through its page table.
void FlashKernel::packKeys() {
  int64_t bc = tiles.keyTile();
  Value keyScale = scalar(scoreScale());
  auto type = MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic,
                               ShapedType::kDynamic, bc},
                              f32);
  Value batches = dim(q, 0);
  kt = memref::AllocOp::create(b, loc, type, ValueRange{batches, kvHeads, numKvTiles, headDim},
                               b.getI64IntegerAttr(64));
  if (op.isPaged())
    return packPagedKeys();
  parallel({batches, kvHeads, numKvTiles}, [&](ValueRange ids) {
    // K^T row d of the tile gathers K[j0 + c, d] for the tile's keys c, a vector of
    // lanes at a time (vgatherdps); keys past the sequence read as 0.
    Type i32 = b.getI32Type();
    auto lanesType = VectorType::get({tiles.lanes}, i32);
    Value j0 = mul(ids[2], idx(bc));
    Value rowStride = arith::IndexCastOp::create(b, loc, i32, headDim);
    Value keysLeft = arith::IndexCastOp::create(
        b, loc, i32, arith::SubIOp::create(b, loc, numKeys, j0));
    SmallVector<Value> offsets, valid;
    for (int64_t c = 0; c < bc; c += tiles.lanes) {
      SmallVector<APInt> keys;
      for (int64_t l = 0; l < tiles.lanes; ++l)
        keys.push_back(APInt(32, c + l));
      Value key = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, keys));
      offsets.push_back(arith::MulIOp::create(
          b, loc, key, vector::BroadcastOp::create(b, loc, lanesType, rowStride)));
      valid.push_back(arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::slt, key,
          vector::BroadcastOp::create(b, loc, lanesType, keysLeft)));
    }
    Value zeros = splat(0.0), scale = splat(keyScale);
    forLoop(idx(0), headDim, 1, [&](Value d) {
      for (int64_t c = 0; c < bc / tiles.lanes; ++c) {
        Value x = vector::GatherOp::create(b, loc, vec, k, ValueRange{ids[0], ids[1], j0, d},
                                           offsets[c], valid[c], zeros);
        store(fmul(x, scale), kt, {ids[0], ids[1], ids[2], d, idx(c * tiles.lanes)});
      }
    });
  });
}

/// packKeys through page tables: lane c of a tile reads the pool row of key j0 + c
/// (64-bit element offsets from the pool's start: pools may exceed 2^31 elements).
void FlashKernel::packPagedKeys() {
  int64_t bc = tiles.keyTile(), lanes = tiles.lanes;
  Value scale = splat(scoreScale());
  parallel({dim(q, 0), kvHeads, numKvTiles}, [&](ValueRange ids) {
    Value batch = ids[0], kvHead = ids[1];
    beginSequence(batch);
    Value j0 = mul(ids[2], idx(bc));
    Type i64 = b.getI64Type();
    auto offsetType = VectorType::get({lanes}, i64);
    auto maskType = VectorType::get({lanes}, b.getI1Type());
    SmallVector<Value> offsets, valid;
    Value rowStride = mul(kvHeads, headDim);
    for (int64_t c = 0; c < bc; c += lanes) {
      Value offset = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(offsetType, APInt(64, 0)));
      Value mask = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(maskType, false));
      for (int64_t l = 0; l < lanes; ++l) {
        Value key = add(j0, idx(c + l));
        Value inRange = cmp(arith::CmpIPredicate::slt, key, numKeys);
        // Keys past the sequence read row 0 of the pool (masked off below).
        Value safeKey = select(inRange, key, idx(0));
        SmallVector<Value> at = rowIndices(batch, kvHead, safeKey, idx(0));
        Value row = add(mul(at[0], dim(k, 1)), at[1]);
        Value elements = mul(row, rowStride);
        offset = vector::InsertOp::create(b, loc, arith::IndexCastOp::create(b, loc, i64, elements),
                                          offset, l);
        mask = vector::InsertOp::create(b, loc, inRange, mask, l);
      }
      offsets.push_back(offset);
      valid.push_back(mask);
    }
    Value zeros = splat(0.0);
    forLoop(idx(0), headDim, 1, [&](Value d) {
      for (int64_t c = 0; c < bc / lanes; ++c) {
        Value x = vector::GatherOp::create(b, loc, vec, k, ValueRange{idx(0), idx(0), kvHead, d},
                                           offsets[c], valid[c], zeros);
        store(fmul(x, scale), kt, {batch, kvHead, ids[2], d, idx(c * lanes)});
      }
    });
  });
}

void FlashKernel::setKeyRanges(Value batch, Value j0, Value tk) {
  keyRanges.clear();
  if (!mask || !readsMaskOperands(mask))
    return;
  Value jHi = arith::SubIOp::create(b, loc, add(j0, tk), idx(1));
  for (unsigned i = 0; i < segments.size(); ++i)
    keyRanges.push_back(maskOperands->isSegmentIds(i)
                            ? maskOperands->segmentRange(i, batch, j0, jHi)
                            : std::pair<Value, Value>());
}

TileVisibility FlashKernel::classify(Value batch, Value head, Value first, Value last, Value j0,
                                     Value tk) {
  Value jHi = arith::SubIOp::create(b, loc, add(j0, tk), idx(1));
  Value rowLo = add(rowBase, first), rowHi = add(rowBase, last);
  Value pLo = add(rowLo, rowToPosition), pHi = add(rowHi, rowToPosition);
  SmallVector<std::pair<Value, Value>> queryRanges;
  if (readsMaskOperands(mask))
    for (unsigned i = 0; i < segments.size(); ++i)
      queryRanges.push_back(maskOperands->isSegmentIds(i)
                                ? maskOperands->segmentRange(i, batch, pLo, pHi)
                                : std::pair<Value, Value>());
  auto range = [&](unsigned i, bool query) { return query ? queryRanges[i] : keyRanges[i]; };
  auto blockTile = [&](unsigned i, int64_t bq, int64_t bk) {
    return maskOperands->layoutTile(i, batch, head, rowLo, rowHi, j0, jHi, bq, bk);
  };
  MaskOperandAccess access{nullptr, range, nullptr, blockTile};
  return classifyTile(b, loc, mask, pLo, pHi, j0, jHi, add(headBase, head), &access);
}

void FlashKernel::task(Value batch, Value head, Value block) {
  int64_t qb = tiles.queryBlock, bc = tiles.keyTile(), lanes = tiles.lanes;
  // The last block of rows may run past the task's rows: scratch for whole blocks.
  int64_t scratchRows = (qb + rows - 1) / rows * rows;
  // Scratch lives on the stack of the task (bounded by queryBlock x E), released at
  // the end of every task by the scope.
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&scope.getBodyRegion().emplaceBlock());
  Value i0 = mul(block, idx(qb));
  Value tq = minIndex(idx(qb), arith::SubIOp::create(b, loc, numQueries, i0));
  Value kvHead = arith::DivUIOp::create(b, loc, head, ratio);
  beginSequence(batch);
  IntegerAttr align = b.getI64IntegerAttr(64);
  Value o =
      memref::AllocaOp::create(b, loc, MemRefType::get({scratchRows, valueDim}, f32), align);
  Value m = memref::AllocaOp::create(b, loc, MemRefType::get({scratchRows}, f32), align);
  Value l = memref::AllocaOp::create(b, loc, MemRefType::get({scratchRows, lanes}, f32), align);
  Value p = memref::AllocaOp::create(b, loc, MemRefType::get({rows, bc}, bf16Dot ? bf16 : f32),
                                     align);
  Value zeros = splat(0.0);
  forLoop(idx(0), idx(scratchRows), 1, [&](Value i) {
    memref::StoreOp::create(b, loc, scalar(-std::numeric_limits<double>::infinity()), m, i);
    store(zeros, l, {i, idx(0)});
    for (int64_t e = 0; e < valueDim; e += lanes)
      store(zeros, o, {i, idx(e)});
  });

  if (scoreMod)
    taskScoreModValues = scoreMod->taskValues(b, loc, captures, batch, add(headBase, head));
  Value lastQuery = arith::SubIOp::create(b, loc, numQueries, idx(1));
  Value lastTaskRow = add(i0, arith::SubIOp::create(b, loc, tq, idx(1)));
  forLoop(idx(0), numKvTiles, 1, [&](Value t) {
    Value j0 = mul(t, idx(bc));
    Value tk = minIndex(idx(bc), arith::SubIOp::create(b, loc, numKeys, j0));
    Value ragged = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, tk, idx(bc));
    setKeyRanges(batch, j0, tk);
    auto rowBlocks = [&] {
      forLoop(idx(0), tq, rows, [&](Value r0) {
        RowBlock block{r0, Value(), {}, {}};
        for (int64_t r = 0; r < rows; ++r) {
          block.heads.push_back(head);
          block.queries.push_back(minIndex(add(add(i0, r0), idx(r)), lastQuery));
        }
        if (!mask)
          return microTile(batch, kvHead, block, t, j0, tk, ragged, o, m, l, p);
        Value lastRow = minIndex(add(add(i0, r0), idx(rows - 1)), lastTaskRow);
        TileVisibility visible = classify(batch, head, add(i0, r0), lastRow, j0, tk);
        Value partial = arith::OrIOp::create(
            b, loc, ragged,
            arith::XOrIOp::create(b, loc, visible.all,
                                  arith::ConstantIntOp::create(b, loc, 1, 1)));
        ifThen(visible.any,
               [&] { microTile(batch, kvHead, block, t, j0, tk, partial, o, m, l, p); });
      });
    };
    if (!mask)
      return rowBlocks();
    // Whole task-sized tiles the mask hides cost one test.
    ifThen(classify(batch, head, i0, lastTaskRow, j0, tk).any, rowBlocks);
  });

  storeTaskRows(batch, head, i0, tq, o, m, l);
  memref::AllocaScopeReturnOp::create(b, loc);
}

void FlashKernel::storeTaskRows(Value batch, Value head, Value i0, Value tq, Value o, Value m,
                                Value l) {
  // o / sum (softmax, divide sum), o / Nk (divide length) or o; 0 for rows whose
  // divisor is 0; rounded to the result's type.
  forLoop(idx(0), tq, 1, [&](Value i) {
    Value sum = rowSum(load(l, {i, idx(0)}));
    Value inverse = inverseDivisor(sum);
    Value row = add(i0, i);
    if (lseOut)
      storeScalar(logSumExp(loadScalar(m, {i}), sum), lseOut, {batch, head, row});
    for (int64_t e = 0; e < valueDim; e += lanes)
      storeNarrow(fmul(load(o, {i, idx(e)}), splat(inverse)), out, {batch, head, row, idx(e)});
  });
}

Value FlashKernel::rowSum(Value sums) {
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, sums, Value(),
                                     arith::FastMathFlags::reassoc);
}

Value FlashKernel::inverseDivisor(Value sum) {
  RowDivisor divisor = pointwise ? op.getRowDivisor() : RowDivisor::Sum;
  Value d;
  if (divisor == RowDivisor::Sum)
    d = sum;
  else if (divisor == RowDivisor::Length)
    d = arith::SIToFPOp::create(b, loc, f32,
                                arith::IndexCastOp::create(b, loc, b.getI64Type(), numKeys));
  else
    d = scalar(1.0);
  Value isZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, d, scalar(0.0));
  return arith::SelectOp::create(b, loc, isZero, scalar(0.0),
                                 arith::DivFOp::create(b, loc, scalar(1.0), d));
}

/// The rows x Bc score block (raw q.k, scaled) of `rows` against kv tile t.
SmallVector<Value> FlashKernel::scores(Value batch, Value kvHead, const RowBlock &block,
                                       Value t) {
  int64_t cols = tiles.columnVectors, lanes = tiles.lanes;
  SmallVector<Value> init(rows * cols, splat(0.0));
  if (bf16Dot) {
    // Per pair of head dims: the K^T pair row times each row's (q[2p], q[2p + 1]); K^T
    // is unscaled (bf16), so the scale follows the products.
    SmallVector<Value> acc = forLoop(
        idx(0), arith::DivUIOp::create(b, loc, headDim, idx(2)), init,
        [&](Value pair, ValueRange acc) {
          SmallVector<Value> keyRow;
          for (int64_t c = 0; c < cols; ++c)
            keyRow.push_back(vector::LoadOp::create(b, loc, bf16Vector(2 * lanes), kt,
                                                    ValueRange{batch, kvHead, t, pair,
                                                               idx(c * 2 * lanes)}));
          SmallVector<Value> next;
          Value d = mul(pair, idx(2));
          for (int64_t r = 0; r < rows; ++r) {
            Value x = broadcastPair(q, {batch, block.heads[r], block.queries[r], d});
            for (int64_t c = 0; c < cols; ++c)
              next.push_back(dotPairs(acc[r * cols + c], x, keyRow[c]));
          }
          return next;
        });
    Value scale = splat(scoreScale());
    for (Value &x : acc)
      x = fmul(x, scale);
    return acc;
  }
  return forLoop(idx(0), headDim, init, [&](Value d, ValueRange acc) {
    SmallVector<Value> keyRow;
    for (int64_t c = 0; c < cols; ++c)
      keyRow.push_back(load(kt, {batch, kvHead, t, d, idx(c * lanes)}));
    SmallVector<Value> next;
    for (int64_t r = 0; r < rows; ++r) {
      Value x = splat(
          memref::LoadOp::create(b, loc, q, ValueRange{batch, block.heads[r], block.queries[r], d})
              .getResult());
      for (int64_t c = 0; c < cols; ++c)
        next.push_back(fma(x, keyRow[c], acc[r * cols + c]));
    }
    return next;
  });
}

/// -inf where the mask hides the pair or the key is past the sequence. Positions are
/// i32 lanes (sequences below 2^31): twice the lanes per register of index vectors.
SmallVector<Value> FlashKernel::maskScores(ArrayRef<Value> s, Value batch,
                                           const RowBlock &block, Value j0) {
  int64_t cols = tiles.columnVectors, lanes = tiles.lanes;
  Type i32 = b.getI32Type();
  auto positions = VectorType::get({lanes}, i32);
  auto lanePositions = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(positions, llvm::to_vector(llvm::map_range(
                                                   llvm::seq<int32_t>(0, lanes),
                                                   [](int32_t x) { return llvm::APInt(32, x); }))));
  auto asPositions = [&](Value index) {
    return vector::BroadcastOp::create(b, loc, positions,
                                       arith::IndexCastOp::create(b, loc, i32, index));
  };
  Value limit = asPositions(numKeys);
  Value hidden = splat(-std::numeric_limits<double>::infinity());
  // Document masks: the segment ids of the block's keys (masked loads past the last
  // key) and, per row, of its query position.
  bool documents = mask && readsMaskOperands(mask);
  SmallVector<SmallVector<Value>> keySegments(segments.size());
  if (documents)
    for (unsigned i = 0; i < segments.size(); ++i)
      for (int64_t c = 0; c < cols && maskOperands->isSegmentIds(i); ++c)
        keySegments[i].push_back(
            maskOperands->segmentIds(i, batch, add(j0, idx(c * lanes)), lanes));
  int64_t col = 0;
  SmallVector<Value> rowSegments(segments.size());
  auto segmentIds = [&](unsigned i, bool query) {
    return query ? rowSegments[i] : keySegments[i][col];
  };
  Value rowIndex, head;
  Value keyPositions;
  // blocks(i, bq, bk): the row's layout entries at the keys' blocks.
  auto blockVisible = [&](unsigned i, int64_t bq, int64_t bk) -> Value {
    return maskOperands->layoutEntries(i, batch, head, rowIndex, keyPositions, numKeys, bq, bk);
  };
  MaskOperandAccess access{segmentIds, nullptr, blockVisible, nullptr};
  SmallVector<Value> masked;
  for (int64_t r = 0; r < rows; ++r) {
    // The row of the whole problem (what layouts index; its position is
    // rowIndex + rowToPosition).
    rowIndex = add(rowBase, block.queries[r]);
    head = block.heads[r];
    Value globalHead = add(headBase, head);
    Value rowPositions = asPositions(rowIndex);
    if (documents) {
      // Queries before the keys read any id (the predicate hides them); past the last
      // key, the last key's.
      Value p = add(rowIndex, rowToPosition);
      for (unsigned i = 0; i < segments.size(); ++i)
        if (maskOperands->isSegmentIds(i))
          rowSegments[i] =
              vector::BroadcastOp::create(b, loc, positions, maskOperands->segmentId(i, batch, p));
    }
    for (int64_t c = 0; c < cols; ++c) {
      col = c;
      Value key = arith::AddIOp::create(b, loc, asPositions(add(j0, idx(c * lanes))),
                                        lanePositions);
      keyPositions = key;
      Value visible = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, key, limit);
      if (mask)
        visible = arith::AndIOp::create(
            b, loc, visible,
            buildMaskPredicate(b, loc, mask, rowPositions, key, rowToPosition, globalHead,
                               &access));
      masked.push_back(arith::SelectOp::create(b, loc, visible, s[r * cols + c], hidden));
    }
  }
  return masked;
}

void FlashKernel::microTile(Value batch, Value kvHead, const RowBlock &block, Value t, Value j0,
                            Value tk, Value partial, Value o, Value m, Value l, Value p) {
  int64_t cols = tiles.columnVectors, lanes = tiles.lanes;
  Value r0 = block.first;
  SmallVector<Value> s;
  if (decode) {
    // The decode task computed them (decodeScores) at scoreColumn.
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        s.push_back(load(scoreBuffer, {idx(r), add(scoreColumn, idx(c * lanes))}));
  } else {
    s = scores(batch, kvHead, block, t);
  }

  SmallVector<Value> alphas =
      weigh(s, batch, block, j0, partial, m, l, [&](int64_t r, int64_t c, Value w) {
        if (bf16Dot) // the pair products take bf16 weights
          w = arith::TruncFOp::create(b, loc, bf16Vector(lanes), w);
        vector::StoreOp::create(b, loc, w, p, ValueRange{idx(r), idx(c * lanes)});
      });

  // acc = alpha acc + p V, in column chunks of the register block's width.
  for (int64_t e0 = 0; e0 < valueDim; e0 += cols * lanes) {
    int64_t chunk = std::min(cols, (valueDim - e0) / lanes);
    SmallVector<Value> init;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < chunk; ++c) {
        Value acc = load(o, {add(r0, idx(r)), idx(e0 + c * lanes)});
        init.push_back(pointwise ? acc : fmul(acc, splat(alphas[r])));
      }
    if (bf16Dot) {
      // Per pair of keys: a row of V's key pairs times each row's (p[2j], p[2j + 1]).
      // Prefill reads it from the packed V; decode interleaves the two V rows in
      // registers, a key past the sequence reading the last key's row. Weights past the
      // tile's keys are 0 (masked), so those rows count for nothing.
      Value lastKey = decode ? arith::SubIOp::create(b, loc, numKeys, idx(1)) : Value();
      auto pairRow = [&](Value j, int64_t c) -> Value {
        if (!decode)
          return vector::LoadOp::create(b, loc, bf16Vector(2 * lanes), vPacked,
                                        ValueRange{batch, kvHead, t, j,
                                                   idx(2 * (e0 + c * lanes))});
        Value key = add(j0, mul(j, idx(2)));
        SmallVector<Value> halves;
        for (int64_t i = 0; i < 2; ++i)
          halves.push_back(vector::LoadOp::create(
              b, loc, bf16Vector(lanes), v,
              rowIndices(batch, kvHead, minIndex(add(key, idx(i)), lastKey),
                         idx(e0 + c * lanes))));
        return vector::InterleaveOp::create(b, loc, halves[0], halves[1]);
      };
      SmallVector<Value> acc =
          forLoop(idx(0), ceilDiv(tk, 2), init, [&](Value j, ValueRange acc) {
            SmallVector<Value> valueRow;
            for (int64_t c = 0; c < chunk; ++c)
              valueRow.push_back(pairRow(j, c));
            SmallVector<Value> next;
            for (int64_t r = 0; r < rows; ++r) {
              Value x = broadcastPair(p, {idx(r), mul(j, idx(2))});
              for (int64_t c = 0; c < chunk; ++c)
                next.push_back(dotPairs(acc[r * chunk + c], x, valueRow[c]));
            }
            return next;
          });
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < chunk; ++c)
          store(acc[r * chunk + c], o, {add(r0, idx(r)), idx(e0 + c * lanes)});
      continue;
    }
    SmallVector<Value> acc = forLoop(idx(0), tk, init, [&](Value j, ValueRange acc) {
      SmallVector<Value> valueRow;
      Value key = add(j0, j);
      for (int64_t c = 0; c < chunk; ++c)
        valueRow.push_back(loadWide(v, rowIndices(batch, kvHead, key, idx(e0 + c * lanes))));
      SmallVector<Value> next;
      for (int64_t r = 0; r < rows; ++r) {
        Value x = splat(memref::LoadOp::create(b, loc, p, ValueRange{idx(r), j}).getResult());
        for (int64_t c = 0; c < chunk; ++c)
          next.push_back(fma(x, valueRow[c], acc[r * chunk + c]));
      }
      return next;
    });
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < chunk; ++c)
        store(acc[r * chunk + c], o, {add(r0, idx(r)), idx(e0 + c * lanes)});
  }
}

/// Soft-cap, score_mod, mask (partial tiles) and the online softmax (or pointwise
/// normaliser) of a micro-tile's scores `s` (rows x cols vectors, in the units
/// scoreScale() says); updates the rows' running max `m` and sums `l`, hands each
/// weight vector to `storeWeight(row, column vector, w)` and returns the rows'
/// rescale factors alpha (none for pointwise normalisers).
SmallVector<Value> FlashKernel::weigh(SmallVector<Value> s, Value batch, const RowBlock &block,
                                      Value j0, Value partial, Value m, Value l,
                                      function_ref<void(int64_t, int64_t, Value)> storeWeight) {
  int64_t cols = tiles.columnVectors;
  Value r0 = block.first;
  // Scores in base-2 units (K^T carries scale * log2 e) or natural ones (scale); a
  // soft-cap c * tanh(x / c) is taken in natural units (K^T carries scale / c).
  if (std::optional<double> cap = op.getSoftcapValue())
    for (Value &x : s)
      x = fmul(buildTanh(b, loc, x, tiles.avx512),
               splat(naturalUnits ? *cap : *cap / std::log(2.0)));
  if (scoreMod) {
    modifyScores(s, batch, block, j0);
    // Softmax continues in base 2.
    if (!pointwise)
      for (Value &x : s)
        x = fmul(x, splat(1.0 / std::log(2.0)));
  }
  auto masked = scf::IfOp::create(
      b, loc, partial,
      [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, maskScores(s, batch, block, j0)); },
      [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, s); });
  s = SmallVector<Value>(masked.getResults());

  // Online softmax per row; p = 2^(s - m) goes to the p buffer for the PV block.
  // Pointwise normalisers: p = f(s + shift), no max and no rescale.
  auto noNaN = flags(arith::FastMathFlags::nnan | arith::FastMathFlags::nsz);
  Value negInf = scalar(-std::numeric_limits<double>::infinity());
  SmallVector<Value> alphas;
  bool sums = !pointwise || op.getRowDivisor() == RowDivisor::Sum;
  for (int64_t r = 0; r < rows && pointwise; ++r) {
    Value row = add(r0, idx(r));
    Value sum = splat(0.0);
    for (int64_t c = 0; c < cols; ++c) {
      Value w = pointwiseWeight(s[r * cols + c]);
      storeWeight(r, c, w);
      if (sums)
        sum = arith::AddFOp::create(b, loc, sum, w);
    }
    if (sums)
      store(arith::AddFOp::create(b, loc, load(l, {row, idx(0)}), sum), l, {row, idx(0)});
  }
  for (int64_t r = 0; r < rows && !pointwise; ++r) {
    Value row = add(r0, idx(r));
    Value rowMax = s[r * cols];
    for (int64_t c = 1; c < cols; ++c)
      rowMax = arith::MaxNumFOp::create(b, loc, rowMax, s[r * cols + c], noNaN);
    Value tileMax = vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXNUMF, rowMax,
                                                Value(), noNaN.getValue());
    Value mOld = memref::LoadOp::create(b, loc, m, row);
    Value mNew = arith::MaxNumFOp::create(b, loc, mOld, tileMax, noNaN);
    memref::StoreOp::create(b, loc, mNew, m, row);
    // A row without a visible key so far keeps m = -inf: exponents against 0 then.
    auto isNegInf = [&](Value x) {
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x, negInf);
    };
    Value mRef = arith::SelectOp::create(b, loc, isNegInf(mNew), scalar(0.0), mNew);
    Value alpha = arith::SelectOp::create(
        b, loc, isNegInf(mOld), scalar(0.0),
        buildExp2(b, loc, arith::SubFOp::create(b, loc, mOld, mRef)));
    alphas.push_back(alpha);
    Value shift = splat(mRef);
    Value sum = splat(0.0);
    for (int64_t c = 0; c < cols; ++c) {
      Value e = buildExp2(b, loc, arith::SubFOp::create(b, loc, s[r * cols + c], shift),
                          tiles.avx512);
      storeWeight(r, c, e);
      sum = arith::AddFOp::create(b, loc, sum, e);
    }
    store(fma(splat(alpha), load(l, {row, idx(0)}), sum), l, {row, idx(0)});
  }

  return alphas;
}

/// The score_mod region on the micro-tile's scores (natural units), at the whole
/// problem's rows and keys. Decode rows belong to several heads: the region's per-head
/// values are taken per row there.
void FlashKernel::modifyScores(SmallVector<Value> &s, Value batch, const RowBlock &block,
                               Value j0) {
  int64_t cols = tiles.columnVectors, lanes = tiles.lanes;
  for (int64_t r = 0; r < rows; ++r) {
    Value row = add(rowBase, block.queries[r]);
    IRMapping headValues;
    if (decode)
      headValues = scoreMod->taskValues(b, loc, captures, batch, add(headBase, block.heads[r]));
    IRMapping rowValues = scoreMod->rowValues(b, loc, decode ? headValues : taskScoreModValues,
                                              row, add(row, rowToPosition));
    for (int64_t c = 0; c < cols; ++c)
      s[r * cols + c] =
          scoreMod->apply(b, loc, rowValues, s[r * cols + c], add(j0, idx(c * lanes)));
  }
}

/// w = f(s + shift) for a pointwise normaliser; 0 where s = -inf (masked, or hidden by
/// the region), so that every normaliser treats -inf as a mask (a shift cannot undo
/// -inf: it is finite).
Value FlashKernel::pointwiseWeight(Value s) {
  Value x = op.getShiftValue() != 0.0 ? fadd(s, splat(op.getShiftValue())) : s;
  Value zero = splat(0.0);
  Value w;
  switch (op.getNormalizer()) {
  case Normalizer::Sigmoid: {
    // 1 / (1 + 2^(-x log2 e)), the exponent capped so the result stays normal.
    Value e = arith::MinimumFOp::create(b, loc, fmul(x, splat(-1.0 / std::log(2.0))),
                                        splat(126.0));
    w = arith::DivFOp::create(b, loc, splat(1.0),
                              fadd(splat(1.0), buildExp2(b, loc, e, tiles.avx512)));
    break;
  }
  case Normalizer::Relu:
    w = arith::MaximumFOp::create(b, loc, x, zero);
    break;
  case Normalizer::ReluSquared: {
    Value r = arith::MaximumFOp::create(b, loc, x, zero);
    w = fmul(r, r);
    break;
  }
  case Normalizer::Softplus: {
    // max(x, 0) + log1p(2^(-|x| log2 e)).
    Value negAbs = fmul(math::AbsFOp::create(b, loc, x), splat(-1.0 / std::log(2.0)));
    w = fadd(arith::MaximumFOp::create(b, loc, x, zero),
             math::Log1pOp::create(b, loc, buildExp2(b, loc, negAbs, tiles.avx512)));
    break;
  }
  default:
    w = x;
  }
  // relu, relu2 and softplus give exactly 0 at -inf; sigmoid (capped) and identity
  // need the select.
  if (op.getNormalizer() != Normalizer::Sigmoid && op.getNormalizer() != Normalizer::Identity)
    return w;
  Value hidden = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, s,
                                       splat(-std::numeric_limits<double>::infinity()));
  return select(hidden, zero, w);
}

std::string mlir::attn::explainUnsupportedPairProducts(AttentionOp op, const KernelTiles &tiles) {
  if (!tiles.avx512bf16)
    return "the target has no AVX512-BF16";
  if (tiles.keyTile() % 16 != 0)
    return "the kv tile is not a multiple of 16 keys";
  return explainUnsupportedPairPacks(op, tiles, /*maxKeyDim=*/0, /*maxValueDim=*/0);
}

SmallVector<Value> mlir::attn::buildFlashKernel(OpBuilder &b, Location loc, AttentionOp op,
                                               const KernelTiles &tiles, bool pairProducts) {
  FlashKernel kernel(b, loc, op, tiles);
  kernel.bf16Dot = pairProducts;
  return isDecodeShape(op, tiles) ? kernel.buildDecode() : kernel.build();
}
