//===- AmxKernel.cpp - bf16 softmax attention on AMX tile products ---------===//
//
// The prefill kernel's task structure (a task owns `amxQueryBlock` query rows of one
// (batch, head) and walks the kv tiles) with both products on AMX:
//   S = Q K^T: A tiles are 16 query rows x 32 dims of Q (copied per task into a
//     scratch block, so ragged row blocks never read past the input), B tiles 32 dims x
//     16 keys of K^T in AMX's pair-interleaved layout: row p of a tile holds, per key,
//     dims 2p and 2p+1, i.e. K's rows read as 32-bit pairs and transposed. K is packed
//     once per (batch, kv head) into [tiles, D/2, 2 Bc] (a 16 x 16 transpose of pairs
//     per 16 keys x 32 dims, in shuffles).
//   The C tiles (16 x 16 f32) go to a 32 x Bc f32 score block; the online softmax runs
//     on it in f32 on AVX-512 exactly as in the f32 kernel (FlashKernel::weigh: scale,
//     soft-cap, score_mod, the mask on partial tiles, base-2 exponentials), and writes
//     P rounded to bf16.
//   O += P V: A tiles are 16 rows x 32 keys of P, B tiles 32 keys x 16 columns of V
//     pair-interleaved by keys (V packed once per kv head into [tiles, Bc/2, 2 E]: row p
//     interleaves keys 2p and 2p + 1), C tiles the task's f32 accumulator, rescaled by
//     the softmax's alpha in memory before the products add into it.
// Each product uses a 2 x 2 block of C tiles, two A and two B tiles: the 8 tile
// registers. Tile values never cross a loop iteration (LLVM configures the tiles once
// per function). Tiles the mask hides are skipped per 32-row block as in f32.
//
//===----------------------------------------------------------------------===//
#include "FlashKernel.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {
constexpr int64_t kTileRows = 16;  // rows of every AMX tile
constexpr int64_t kTilePairs = 32; // bf16 per tile row (64 bytes)

struct AmxKernel : FlashKernel {
  AmxKernel(OpBuilder &b, Location loc, AttentionOp op, const KernelTiles &given)
      : FlashKernel(b, loc, op, given),
        headDimStatic(op.getQuery().getType().getDimSize(3)), keyTile(given.amxKeyTile),
        queryBlock(given.amxQueryBlock) {
    // The softmax runs on rows of the whole kv tile, two rows at a time (2 x Bc/16
    // vectors live).
    tiles.columnVectors = keyTile / tiles.lanes;
    rows = 2;
    if (scoreMod)
      scoreMod->setPrefetchDistance(keyTile);
  }

  int64_t headDimStatic, keyTile, queryBlock;

  SmallVector<Value> build();
  void task(Value batch, Value head, Value block);
  void scoreBlock(Value batch, Value kvHead, Value t, Value queries, Value r0, Value scores);
  void valueBlock(Value batch, Value kvHead, Value t, Value weights, Value o, Value r0);

  amx::TileType inputTile() { return amx::TileType::get({kTileRows, kTilePairs}, bf16); }
  amx::TileType accTile() { return amx::TileType::get({kTileRows, kTileRows}, f32); }
  Value tileLoad(amx::TileType type, Value m, ValueRange at) {
    return amx::TileLoadOp::create(b, loc, type, m, at);
  }
  /// The 2 x 2 block of accumulators (row tile, column tile) += A tiles x B tiles.
  void productBlock(SmallVector<Value> &acc, Value a0, Value a1, Value b0, Value b1) {
    auto product = [&](Value a, Value bTile, Value c) {
      return amx::TileMulFOp::create(b, loc, accTile(), a, bTile, c).getResult();
    };
    acc[0] = product(a0, b0, acc[0]);
    acc[1] = product(a0, b1, acc[1]);
    acc[2] = product(a1, b0, acc[2]);
    acc[3] = product(a1, b1, acc[3]);
  }
};
} // namespace

std::string mlir::attn::explainUnsupportedAmx(AttentionOp op, const KernelTiles &tiles) {
  if (!tiles.amx)
    return "the target has no AMX";
  if (tiles.amxKeyTile % kTilePairs != 0 || tiles.amxKeyTile > 512 ||
      tiles.amxQueryBlock % kTilePairs != 0 || tiles.amxQueryBlock <= 0)
    return "AMX tile sizes are not multiples of 32 (kv tile at most 512)";
  // The score block and the task's query copy unroll over the head dims.
  return explainUnsupportedPairPacks(op, tiles, /*maxKeyDim=*/256, /*maxValueDim=*/512);
}

SmallVector<Value> mlir::attn::buildAmxKernel(OpBuilder &b, Location loc, AttentionOp op,
                                             const KernelTiles &tiles) {
  AmxKernel kernel(b, loc, op, tiles);
  return kernel.build();
}

SmallVector<Value> AmxKernel::build() {
  setUp();
  packKeyPairs(keyTile);
  packValuePairs(keyTile);
  out = allocResult(op.getResult(), q, v);
  allocLse();
  Value numBlocks = ceilDiv(numQueries, queryBlock);
  parallel({dim(q, 0), dim(q, 1), numBlocks}, [&](ValueRange ids) {
    // Later query blocks see more keys under causal masks: hand them out first.
    Value block = arith::SubIOp::create(
        b, loc, arith::SubIOp::create(b, loc, numBlocks, idx(1)), ids[2]);
    task(ids[0], ids[1], block);
  });
  return results();
}

void AmxKernel::task(Value batch, Value head, Value block) {
  int64_t lanes = tiles.lanes, bc = keyTile, qb = queryBlock;
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&scope.getBodyRegion().emplaceBlock());
  Value i0 = mul(block, idx(qb));
  Value tq = minIndex(idx(qb), arith::SubIOp::create(b, loc, numQueries, i0));
  Value kvHead = arith::DivUIOp::create(b, loc, head, ratio);
  IntegerAttr align = b.getI64IntegerAttr(64);
  auto scratch = [&](ArrayRef<int64_t> shape, Type elt) {
    return memref::AllocaOp::create(b, loc, MemRefType::get(shape, elt), align).getResult();
  };
  Value queries = scratch({qb, headDimStatic}, bf16);
  Value o = scratch({qb, valueDim}, f32);
  Value m = scratch({qb}, f32);
  Value l = scratch({qb, lanes}, f32);
  Value scores = scratch({2 * kTileRows, bc}, f32);
  Value weights = scratch({2 * kTileRows, bc}, bf16);
  Value zeros = splat(0.0);
  Value lastQuery = arith::SubIOp::create(b, loc, numQueries, idx(1));
  forLoop(idx(0), idx(qb), 1, [&](Value i) {
    memref::StoreOp::create(b, loc, scalar(-std::numeric_limits<double>::infinity()), m, i);
    store(zeros, l, {i, idx(0)});
    for (int64_t e = 0; e < valueDim; e += lanes)
      store(zeros, o, {i, idx(e)});
    // Rows past the task's repeat its last query: computed, never stored.
    Value row = minIndex(add(i0, i), lastQuery);
    for (int64_t d = 0; d < headDimStatic; d += kTilePairs)
      vector::StoreOp::create(
          b, loc,
          vector::LoadOp::create(b, loc, bf16Vector(kTilePairs), q,
                                 ValueRange{batch, head, row, idx(d)}),
          queries, ValueRange{i, idx(d)});
  });

  if (scoreMod)
    taskScoreModValues = scoreMod->taskValues(b, loc, captures, batch, add(headBase, head));
  Value lastTaskRow = add(i0, arith::SubIOp::create(b, loc, tq, idx(1)));
  Value scale = splat(scoreScale());
  forLoop(idx(0), numKvTiles, 1, [&](Value t) {
    Value j0 = mul(t, idx(bc));
    Value tk = minIndex(idx(bc), arith::SubIOp::create(b, loc, numKeys, j0));
    Value ragged = cmp(arith::CmpIPredicate::slt, tk, idx(bc));
    setKeyRanges(batch, j0, tk);
    auto rowBlock = [&](Value r0, Value partial) {
      scoreBlock(batch, kvHead, t, queries, r0, scores);
      // The softmax, two rows at a time, from the f32 scores to bf16 weights.
      forLoop(idx(0), idx(2 * kTileRows), rows, [&](Value g) {
        RowBlock group{add(r0, g), Value(), {}, {}};
        SmallVector<Value> s;
        for (int64_t r = 0; r < rows; ++r) {
          group.heads.push_back(head);
          group.queries.push_back(minIndex(add(add(i0, group.first), idx(r)), lastQuery));
          for (int64_t c = 0; c < tiles.columnVectors; ++c)
            s.push_back(fmul(load(scores, {add(g, idx(r)), idx(c * lanes)}), scale));
        }
        SmallVector<Value> alphas =
            weigh(s, batch, group, j0, partial, m, l, [&](int64_t r, int64_t c, Value w) {
              Value rounded = arith::TruncFOp::create(b, loc, bf16Vector(lanes), w);
              vector::StoreOp::create(b, loc, rounded, weights,
                                      ValueRange{add(g, idx(r)), idx(c * lanes)});
            });
        // The accumulator rows take alpha before P V adds into them.
        for (int64_t r = 0; r < (int64_t)alphas.size(); ++r) {
          Value row = add(group.first, idx(r));
          for (int64_t e = 0; e < valueDim; e += lanes)
            store(fmul(load(o, {row, idx(e)}), splat(alphas[r])), o, {row, idx(e)});
        }
      });
      valueBlock(batch, kvHead, t, weights, o, r0);
    };
    auto rowBlocks = [&] {
      forLoop(idx(0), tq, 2 * kTileRows, [&](Value r0) {
        if (!mask)
          return rowBlock(r0, ragged);
        Value lastRow = minIndex(add(add(i0, r0), idx(2 * kTileRows - 1)), lastTaskRow);
        TileVisibility visible = classify(batch, head, add(i0, r0), lastRow, j0, tk);
        Value partial = arith::OrIOp::create(
            b, loc, ragged,
            arith::XOrIOp::create(b, loc, visible.all,
                                  arith::ConstantIntOp::create(b, loc, 1, 1)));
        ifThen(visible.any, [&] { rowBlock(r0, partial); });
      });
    };
    if (!mask)
      return rowBlocks();
    ifThen(classify(batch, head, i0, lastTaskRow, j0, tk).any, rowBlocks);
  });

  storeTaskRows(batch, head, i0, tq, o, m, l);
  memref::AllocaScopeReturnOp::create(b, loc);
}

/// scores[0..32, 0..Bc) = Q rows [r0, r0 + 32) of the task times kv tile t's K^T.
void AmxKernel::scoreBlock(Value batch, Value kvHead, Value t, Value queries, Value r0,
                           Value scores) {
  forLoop(idx(0), idx(keyTile / kTilePairs), 1, [&](Value chunk) {
    Value column = mul(chunk, idx(2 * kTilePairs)); // 32 keys, as pairs
    SmallVector<Value> acc;
    for (int64_t i = 0; i < 4; ++i)
      acc.push_back(amx::TileZeroOp::create(b, loc, accTile()));
    for (int64_t d = 0; d < headDimStatic; d += kTilePairs) {
      Value a0 = tileLoad(inputTile(), queries, {r0, idx(d)});
      Value a1 = tileLoad(inputTile(), queries, {add(r0, idx(kTileRows)), idx(d)});
      Value pairRow = idx(d / 2);
      Value b0 = tileLoad(inputTile(), kt, {batch, kvHead, t, pairRow, column});
      Value b1 = tileLoad(inputTile(), kt,
                          {batch, kvHead, t, pairRow, add(column, idx(kTilePairs))});
      productBlock(acc, a0, a1, b0, b1);
    }
    Value key0 = mul(chunk, idx(kTilePairs));
    for (int64_t i = 0; i < 4; ++i)
      amx::TileStoreOp::create(b, loc, scores,
                               ValueRange{idx((i / 2) * kTileRows), add(key0, idx((i % 2) * 16))},
                               acc[i]);
  });
}

/// o[r0..r0 + 32, :] += weights (32 x Bc, bf16) times kv tile t's V.
void AmxKernel::valueBlock(Value batch, Value kvHead, Value t, Value weights, Value o,
                           Value r0) {
  forLoop(idx(0), idx(valueDim / kTilePairs), 1, [&](Value chunk) {
    Value e0 = mul(chunk, idx(kTilePairs));
    SmallVector<SmallVector<Value>> at;
    SmallVector<Value> acc;
    for (int64_t i = 0; i < 4; ++i) {
      at.push_back({add(r0, idx((i / 2) * kTileRows)), add(e0, idx((i % 2) * 16))});
      acc.push_back(tileLoad(accTile(), o, at.back()));
    }
    Value column = mul(chunk, idx(2 * kTilePairs)); // 32 value columns, as pairs
    for (int64_t j = 0; j < keyTile; j += kTilePairs) {
      Value a0 = tileLoad(inputTile(), weights, {idx(0), idx(j)});
      Value a1 = tileLoad(inputTile(), weights, {idx(kTileRows), idx(j)});
      Value pairRow = idx(j / 2);
      Value b0 = tileLoad(inputTile(), vPacked, {batch, kvHead, t, pairRow, column});
      Value b1 = tileLoad(inputTile(), vPacked,
                          {batch, kvHead, t, pairRow, add(column, idx(kTilePairs))});
      productBlock(acc, a0, a1, b0, b1);
    }
    for (int64_t i = 0; i < 4; ++i)
      amx::TileStoreOp::create(b, loc, o, at[i], acc[i]);
  });
}
