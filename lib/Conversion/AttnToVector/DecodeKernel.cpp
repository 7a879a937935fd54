//===- DecodeKernel.cpp - few query rows: split-KV decoding at memory speed -===//
//
// Decoding (one query row per head, up to a few for speculative decoding and chunked
// prefill tails) is bound by reading K and V. The decode form of the softmax kernel:
//   - a task owns every query row of every query head of one (batch, kv head): the
//     R = (Hq / Hkv) x Nq rows that read the same K and V, which are read once;
//   - q.k comes from K's rows as given (no K^T pack, which would be a second pass over
//     K): per key, the D-long products of `rows` query rows on vectors, reduced;
//   - the keys are split into parts across tasks when (batch, kv head) units are fewer
//     than threads (Flash-Decoding); each part keeps its partial state (max, sum,
//     accumulator) and a second loop merges the parts in order: deterministic for a
//     given part count (which follows the thread count, or the kv-parts option).
// Masks are classified per row and kv tile; tiles no row sees are skipped, unread.
//
//===----------------------------------------------------------------------===//
#include "FlashKernel.h"
#include "VectorMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

/// A part holds at least this many kv tiles: splitting finer costs more in merging
/// and in per-task overhead than it gains in parallelism.
static constexpr int64_t kMinTilesPerPart = 16;

/// Kv tiles whose scores are computed before their softmax and P V: K and V are then
/// read in runs of 4 x 32 KiB instead of alternating every 32 KiB.
static constexpr int64_t kSuperTile = 4;

bool mlir::attn::isDecodeShape(AttentionOp op, const KernelTiles &tiles) {
  int64_t queries = op.getQuery().getType().getDimSize(2);
  int64_t headDim = op.getQuery().getType().getDimSize(3);
  return tiles.decodeRows > 0 && !ShapedType::isDynamic(queries) &&
         queries <= tiles.decodeRows && !ShapedType::isDynamic(headDim) &&
         headDim % tiles.lanes == 0;
}

SmallVector<Value> FlashKernel::buildDecode() {
  decode = true;
  setUp();
  // Rows per kv head; a micro-tile takes at most the target model's rows.
  int64_t heads = op.getQuery().getType().getDimSize(1);
  int64_t groups = cast<RankedTensorType>(op.getKey().getType()).getDimSize(op.getKvHeadDim());
  if (!ShapedType::isDynamic(heads) && !ShapedType::isDynamic(groups) && groups > 0) {
    int64_t perKvHead = heads / groups * op.getQuery().getType().getDimSize(2);
    rows = std::max<int64_t>(1, std::min(tiles.rows, perKvHead));
    // Page pools interleave the kv heads of a key (vLLM's [P, S, G, D]): one task per
    // sequence reads every head's rows of a page while the page is in cache, instead
    // of a 1 / G slice of it per task. Its row blocks must not straddle kv heads.
    if (op.isPaged()) {
      int64_t divisor = rows;
      while (perKvHead % divisor)
        --divisor;
      rows = divisor;
      headsInTask = true;
    }
  }
  taskGroups = headsInTask ? idx(1) : kvHeads;
  Value paddedRows = paddedRowCount();

  // Parts per (batch, kv head): enough for the threads when units are fewer.
  Value units = mul(dim(q, 0), taskGroups);
  Value parts, tilesPerPart;
  std::tie(parts, tilesPerPart) =
      planParts(units, numKvTiles, plannedThreads(), kMinTilesPerPart, tiles.kvParts);

  // The parts' states, one slot of paddedRows rows per (batch, kv head, part):
  // accumulators, maxima, sums (a vector per row, as in the prefill kernel).
  int64_t dyn = ShapedType::kDynamic;
  IntegerAttr align = b.getI64IntegerAttr(64);
  Value stateRows = mul(mul(units, parts), paddedRows);
  Value acc = memref::AllocOp::create(b, loc, MemRefType::get({dyn, valueDim}, f32),
                                      ValueRange{stateRows}, align);
  Value maxes = memref::AllocOp::create(b, loc, MemRefType::get({dyn}, f32),
                                        ValueRange{stateRows}, align);
  Value sums = memref::AllocOp::create(b, loc, MemRefType::get({dyn, tiles.lanes}, f32),
                                       ValueRange{stateRows}, align);
  parallel({dim(q, 0), taskGroups, parts}, [&](ValueRange ids) {
    decodeTask(ids[0], ids[1], ids[2], tilesPerPart, parts, acc, maxes, sums);
  });

  out = allocResult(op.getResult(), q, v);
  allocLse();
  parallel({dim(q, 0), taskGroups},
           [&](ValueRange ids) { mergeParts(ids[0], ids[1], parts, acc, maxes, sums); });
  return results();
}

void FlashKernel::decodeTask(Value batch, Value kvHead, Value part, Value tilesPerPart,
                             Value numParts, Value acc, Value maxes, Value sums) {
  int64_t bc = tiles.keyTile(), lanes = tiles.lanes;
  int64_t keyDim = op.getQuery().getType().getDimSize(3);
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&scope.getBodyRegion().emplaceBlock());
  Value groupRows = groupRowCount();
  Value paddedRows = paddedRowCount();
  Value lastRow = arith::SubIOp::create(b, loc, groupRows, idx(1));

  // This part's slot of the states.
  beginSequence(batch);
  Value base = stateRow(batch, kvHead, part, numParts, idx(0));
  Value o = acc, m = maxes, l = sums;
  Value zeros = splat(0.0);
  forLoop(base, add(base, paddedRows), 1, [&](Value i) {
    memref::StoreOp::create(b, loc, scalar(-std::numeric_limits<double>::infinity()), m, i);
    store(zeros, l, {i, idx(0)});
    for (int64_t e = 0; e < valueDim; e += lanes)
      store(zeros, o, {i, idx(e)});
  });

  auto rowHead = [&](Value rho) { return headOfRow(kvHead, rho); };
  auto rowQuery = [&](Value rho) { return arith::RemUIOp::create(b, loc, rho, numQueries); };

  // The group's q rows, scaled into the units the softmax wants (rows past the group
  // repeat its last).
  IntegerAttr align = b.getI64IntegerAttr(64);
  // bf16 pair products: the q rows as they are (bf16), the scale after the products.
  packedQueries = memref::AllocaOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic, keyDim}, bf16Dot ? bf16 : f32),
      ValueRange{paddedRows}, align);
  Value scale = splat(scoreScale());
  forLoop(idx(0), paddedRows, 1, [&](Value rho) {
    Value row = minIndex(rho, lastRow);
    Value head = rowHead(row), query = rowQuery(row);
    for (int64_t d = 0; bf16Dot && d < keyDim; d += 2 * lanes)
      vector::StoreOp::create(b, loc,
                              vector::LoadOp::create(b, loc, bf16Vector(2 * lanes), q,
                                                     ValueRange{batch, head, query, idx(d)}),
                              packedQueries, ValueRange{rho, idx(d)});
    for (int64_t d = 0; !bf16Dot && d < keyDim; d += lanes)
      store(fmul(loadWide(q, {batch, head, query, idx(d)}), scale), packedQueries, {rho, idx(d)});
  });
  Value p = memref::AllocaOp::create(b, loc, MemRefType::get({rows, bc}, bf16Dot ? bf16 : f32),
                                     align);
  scoreBuffer =
      memref::AllocaOp::create(b, loc, MemRefType::get({rows, kSuperTile * bc}, f32), align);

  Value firstTile = mul(part, tilesPerPart);
  Value endTile = minIndex(add(firstTile, tilesPerPart), numKvTiles);
  Value yes = arith::ConstantIntOp::create(b, loc, 1, 1);
  Value lastTile = arith::SubIOp::create(b, loc, endTile, idx(1));
  // kSuperTile kv tiles at a time: the scores of all of them (K read as one longer
  // stream), then the softmax and P V of each (V likewise).
  forLoop(firstTile, endTile, kSuperTile, [&](Value t0) {
    forLoop(idx(0), groupRows, rows, [&](Value r0) {
      RowBlock block{add(base, r0), r0, {}, {}};
      for (int64_t r = 0; r < rows; ++r) {
        Value rho = minIndex(add(r0, idx(r)), lastRow);
        block.heads.push_back(rowHead(rho));
        block.queries.push_back(rowQuery(rho));
      }
      // With every head in the task, the block's kv head is its rows'.
      Value blockKvHead =
          headsInTask ? arith::DivUIOp::create(b, loc, block.heads[0], ratio) : kvHead;
      struct Tile {
        Value t, j0, tk, any, partial;
      };
      SmallVector<Tile> group;
      for (int64_t u = 0; u < kSuperTile; ++u) {
        // Tiles past the part compute on its last tile and are not used.
        Value exists = cmp(arith::CmpIPredicate::slt, add(t0, idx(u)), endTile);
        Value t = minIndex(add(t0, idx(u)), lastTile);
        Value j0 = mul(t, idx(bc));
        Value tk = minIndex(idx(bc), arith::SubIOp::create(b, loc, numKeys, j0));
        Value ragged = cmp(arith::CmpIPredicate::slt, tk, idx(bc));
        Tile tile{t, j0, tk, exists, ragged};
        if (mask) {
          // The block's rows may belong to several heads: classified row by row.
          setKeyRanges(batch, j0, tk);
          Value all = yes, any = arith::ConstantIntOp::create(b, loc, 0, 1);
          for (int64_t r = 0; r < rows; ++r) {
            TileVisibility visible =
                classify(batch, block.heads[r], block.queries[r], block.queries[r], j0, tk);
            all = arith::AndIOp::create(b, loc, all, visible.all);
            any = arith::OrIOp::create(b, loc, any, visible.any);
          }
          tile.any = arith::AndIOp::create(b, loc, exists, any);
          tile.partial =
              arith::OrIOp::create(b, loc, ragged, arith::XOrIOp::create(b, loc, all, yes));
        }
        group.push_back(tile);
      }
      for (int64_t u = 0; u < (int64_t)group.size(); ++u) {
        const auto &tile = group[u];
        ifThen(tile.any, [&] {
          decodeScores(batch, blockKvHead, block, tile.j0, tile.tk, idx(u * bc));
        });
      }
      for (int64_t u = 0; u < (int64_t)group.size(); ++u) {
        const auto &tile = group[u];
        ifThen(tile.any, [&] {
          scoreColumn = idx(u * bc);
          microTile(batch, blockKvHead, block, tile.t, tile.j0, tile.tk, tile.partial, o, m, l,
                    p);
        });
      }
    });
  });
  memref::AllocaScopeReturnOp::create(b, loc);
}

Value FlashKernel::groupRowCount() {
  return mul(headsInTask ? dim(q, 1) : ratio, numQueries);
}

Value FlashKernel::stateRow(Value batch, Value group, Value part, Value numParts, Value rho) {
  Value slot = add(mul(add(mul(batch, taskGroups), group), numParts), part);
  return add(mul(slot, paddedRowCount()), rho);
}

Value FlashKernel::paddedRowCount() {
  return mul(ceilDiv(groupRowCount(), rows), idx(rows));
}

Value FlashKernel::headOfRow(Value kvHead, Value rho) {
  // Row rho of a task is query row rho % Nq of query head rho / Nq of its group (the
  // kv head's query heads, or all of them).
  Value inGroup = arith::DivUIOp::create(b, loc, rho, numQueries);
  return headsInTask ? inGroup : add(mul(kvHead, ratio), inGroup);
}

/// Page pools put a key's kv heads side by side, so consecutive keys of one head are
/// G * D apart: every key starts a new 4 KiB page of memory, which the hardware
/// prefetchers do not cross. The K and V rows kPagedPrefetchKeys keys ahead are
/// requested into L2 (prefetcht1) while this key computes: 1.9x -> 1.3x the contiguous
/// cache's time (GQA 32/8, N = 32768, pages of 16; 16 and 64 keys ahead within 4%).
static constexpr int64_t kPagedPrefetchKeys = 32;

void FlashKernel::prefetchPagedRows(Value batch, Value kvHead, Value key, int64_t width) {
  Value last = arith::SubIOp::create(b, loc, numKeys, idx(1));
  SmallVector<Value> ahead =
      rowIndices(batch, kvHead, minIndex(add(key, idx(kPagedPrefetchKeys)), last), idx(0));
  // One prefetch per cache line of the row.
  int64_t perLine =
      512 / cast<MemRefType>(k.getType()).getElementType().getIntOrFloatBitWidth();
  for (auto [pool, rowWidth] : {std::pair<Value, int64_t>{k, width}, {v, valueDim}})
    for (int64_t d = 0; d < rowWidth; d += perLine) {
      ahead.back() = idx(d);
      memref::PrefetchOp::create(b, loc, pool, ahead, /*isWrite=*/false, /*localityHint=*/2,
                                 /*isDataCache=*/true);
    }
}

/// Scores of the block's rows against keys [j0, j0 + tk) from K's rows: per key, the
/// rows' products with the key on D / lanes vectors, each reduced to one score. Keys
/// past tk are left as they are: the ragged tile is masked. Into the scores buffer from
/// `column` on (a super-tile holds several kv tiles).
void FlashKernel::decodeScores(Value batch, Value kvHead, const RowBlock &block, Value j0,
                               Value tk, Value column) {
  int64_t lanes = tiles.lanes;
  int64_t keyDim = op.getQuery().getType().getDimSize(3);
  Value buffer = scoreBuffer;
  forLoop(idx(0), tk, 1, [&](Value j) {
    Value key = add(j0, j);
    SmallVector<Value> at = rowIndices(batch, kvHead, key, idx(0));
    if (op.isPaged())
      prefetchPagedRows(batch, kvHead, key, keyDim);
    SmallVector<Value> acc(rows, splat(0.0));
    // bf16: 32 dims per vdpbf16ps, K's row as it is.
    for (int64_t d = 0; bf16Dot && d < keyDim; d += 2 * lanes) {
      at.back() = idx(d);
      Value keyPart = vector::LoadOp::create(b, loc, bf16Vector(2 * lanes), k, at);
      for (int64_t r = 0; r < rows; ++r) {
        Value query = vector::LoadOp::create(b, loc, bf16Vector(2 * lanes), packedQueries,
                                             ValueRange{add(block.packed, idx(r)), idx(d)});
        acc[r] = dotPairs(acc[r], query, keyPart);
      }
    }
    for (int64_t d = 0; !bf16Dot && d < keyDim; d += lanes) {
      at.back() = idx(d);
      Value keyPart = loadWide(k, at);
      for (int64_t r = 0; r < rows; ++r)
        acc[r] = fma(load(packedQueries, {add(block.packed, idx(r)), idx(d)}), keyPart, acc[r]);
    }
    for (int64_t r = 0; r < rows; ++r) {
      Value score = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, acc[r],
                                                Value(), arith::FastMathFlags::reassoc);
      if (bf16Dot)
        score = fmul(score, scalar(scoreScale()));
      storeScalar(score, buffer, {idx(r), add(column, j)});
    }
  });
}

/// out = the parts' states merged in order: softmax weighs part s by 2^(m_s - M)
/// (M the largest max; 0 for parts that saw no key), pointwise normalisers add them.
void FlashKernel::mergeParts(Value batch, Value kvHead, Value numParts, Value acc,
                             Value maxes, Value sums) {
  int64_t lanes = tiles.lanes, chunks = valueDim / lanes;
  Value groupRows = groupRowCount();
  Value negInf = scalar(-std::numeric_limits<double>::infinity());
  beginSequence(batch);
  forLoop(idx(0), groupRows, 1, [&](Value rho) {
    Value head = headOfRow(kvHead, rho);
    Value query = arith::RemUIOp::create(b, loc, rho, numQueries);
    Value top = scalar(0.0);
    if (!pointwise)
      top = forLoop(idx(0), numParts, {negInf}, [&](Value s, ValueRange best) {
              Value x = loadScalar(maxes, {stateRow(batch, kvHead, s, numParts, rho)});
              return SmallVector<Value>{arith::MaximumFOp::create(b, loc, best[0], x)};
            })[0];
    // A row no part saw keeps M = -inf: every weight is 0 then.
    Value isNegInf =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, top, negInf);
    Value ref = select(isNegInf, scalar(0.0), top);
    SmallVector<Value> init(chunks + 1, splat(0.0));
    SmallVector<Value> total = forLoop(idx(0), numParts, init, [&](Value s, ValueRange sum) {
      Value w = scalar(1.0);
      if (!pointwise) {
        Value x = loadScalar(maxes, {stateRow(batch, kvHead, s, numParts, rho)});
        Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x, negInf);
        w = select(empty, scalar(0.0), buildExp2(b, loc, arith::SubFOp::create(b, loc, x, ref)));
      }
      Value weight = splat(w);
      SmallVector<Value> next;
      next.push_back(fma(weight, load(sums, {stateRow(batch, kvHead, s, numParts, rho), idx(0)}), sum[0]));
      for (int64_t c = 0; c < chunks; ++c)
        next.push_back(
            fma(weight, load(acc, {stateRow(batch, kvHead, s, numParts, rho), idx(c * lanes)}),
                sum[c + 1]));
      return next;
    });
    Value sum = rowSum(total[0]);
    Value inverse = splat(inverseDivisor(sum));
    if (lseOut)
      storeScalar(logSumExp(ref, sum), lseOut, {batch, head, query});
    for (int64_t c = 0; c < chunks; ++c)
      storeNarrow(fmul(total[c + 1], inverse), out, {batch, head, query, idx(c * lanes)});
  });
}
