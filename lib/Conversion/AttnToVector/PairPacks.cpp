//===- PairPacks.cpp - K and V packed as bf16 pairs ------------------------===//
//
// The bf16 products (AVX512-BF16's vdpbf16ps and AMX's tdpbf16ps) multiply pairs of
// bf16 along the contraction and add both products into one f32 lane. Their right-hand
// operand holds, per output column, the pair of consecutive contraction elements:
//   S = Q K^T contracts head dims: K^T rows of dim pairs, [tiles, D/2, 2 Bc], where
//     row p holds (K[j, 2p], K[j, 2p + 1]) for each key j of the tile: K's rows read
//     as 32-bit pairs and transposed (16 x 16 at a time, in shuffles);
//   O = P V contracts keys: V rows of key pairs, [tiles, Bc/2, 2 E], where row p
//     interleaves the rows of keys 2p and 2p + 1 of the tile.
// Both are packed once per (batch, kv head), zero past the last key.
//
//===----------------------------------------------------------------------===//
#include "FlashKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

using namespace mlir;
using namespace mlir::attn;

static constexpr int64_t kPairsPerVector = 32; // bf16 per 512-bit vector / tile row

std::string mlir::attn::explainUnsupportedPairPacks(AttentionOp op, const KernelTiles &tiles,
                                                    int64_t maxKeyDim, int64_t maxValueDim) {
  for (Value t : {op.getQuery(), op.getKey(), op.getValue()})
    if (!cast<ShapedType>(t.getType()).getElementType().isBF16())
      return "q, k and v are not all bf16";
  if (op.isPaged())
    return "paged KV cache (bf16 pools widen to f32)";
  if (isDecodeShape(op, tiles))
    return "decode shape (the decode kernel reads K and V as they are)";
  auto fits = [](int64_t dim, int64_t most) {
    return !ShapedType::isDynamic(dim) && dim % kPairsPerVector == 0 && (!most || dim <= most);
  };
  if (!fits(op.getQuery().getType().getDimSize(3), maxKeyDim))
    return "the query head dim is not a static multiple of 32" +
           (maxKeyDim ? " up to " + std::to_string(maxKeyDim) : std::string());
  if (!fits(op.getValue().getType().getDimSize(3), maxValueDim))
    return "the value head dim is not a static multiple of 32" +
           (maxValueDim ? " up to " + std::to_string(maxValueDim) : std::string());
  return "";
}

VectorType FlashKernel::bf16Vector(int64_t n) { return VectorType::get({n}, b.getBF16Type()); }

Value FlashKernel::broadcastPair(Value m, ValueRange at) {
  // Two bf16 read as one 32-bit word and broadcast: vpbroadcastd from memory.
  Value pair = vector::LoadOp::create(b, loc, bf16Vector(2), m, at);
  Value word = vector::BitCastOp::create(b, loc, VectorType::get({1}, b.getI32Type()), pair);
  Value words = vector::BroadcastOp::create(
      b, loc, VectorType::get({lanes}, b.getI32Type()),
      vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0}));
  return vector::BitCastOp::create(b, loc, bf16Vector(2 * lanes), words);
}

Value FlashKernel::dotPairs(Value acc, Value x, Value y) {
  return x86vector::DotBF16Op::create(b, loc, acc, x, y);
}

SmallVector<Value> FlashKernel::transpose16(SmallVector<Value> m) {
  // For each bit d of the 16 positions, swap the entries whose row and lane differ in
  // bit d: after the four steps entry (i, l) sits at (l, i). Each step is a two-source
  // shuffle per pair of rows.
  for (int64_t d = 8; d >= 1; d /= 2) {
    SmallVector<Value> next(m);
    for (int64_t i = 0; i < 16; ++i) {
      if (i & d)
        continue;
      SmallVector<int64_t> low, high;
      for (int64_t l = 0; l < 16; ++l) {
        low.push_back((l & d) == 0 ? l : 16 + l - d);
        high.push_back((l & d) == 0 ? l + d : 16 + l);
      }
      next[i] = vector::ShuffleOp::create(b, loc, m[i], m[i + d], low);
      next[i + d] = vector::ShuffleOp::create(b, loc, m[i], m[i + d], high);
    }
    m = next;
  }
  return m;
}

/// K [B, G, N, D] -> [B, G, tiles, D/2, 2 Bc]: row p of tile t holds (K[j, 2p],
/// K[j, 2p + 1]) for its keys j; zero past the last key.
void FlashKernel::packKeyPairs(int64_t keyTile) {
  int64_t headDimStatic = op.getQuery().getType().getDimSize(3);
  int64_t pairRows = headDimStatic / 2;
  auto type = MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic,
                               pairRows, 2 * keyTile},
                              bf16);
  Value batches = dim(q, 0);
  kt = memref::AllocOp::create(b, loc, type, ValueRange{batches, kvHeads, numKvTiles},
                                       b.getI64IntegerAttr(64));
  auto words = VectorType::get({16}, b.getI32Type());
  parallel({batches, kvHeads, numKvTiles}, [&](ValueRange ids) {
    Value j0 = mul(ids[2], idx(keyTile));
    Value zeros = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(bf16Vector(kPairsPerVector), b.getZeroAttr(bf16)));
    Value lastKey = arith::SubIOp::create(b, loc, numKeys, idx(1));
    // 16 keys x 32 dims at a time: 16 rows of 16 pairs, transposed.
    forLoop(idx(0), idx(keyTile / 16), 1, [&](Value group) {
      Value first = add(j0, mul(group, idx(16)));
      forLoop(idx(0), idx(headDimStatic / kPairsPerVector), 1, [&](Value dimBlock) {
        Value d0 = mul(dimBlock, idx(kPairsPerVector));
        SmallVector<Value> rowsOfPairs;
        for (int64_t i = 0; i < 16; ++i) {
          Value key = add(first, idx(i));
          Value valid = cmp(arith::CmpIPredicate::slt, key, numKeys);
          Value row = vector::LoadOp::create(
              b, loc, bf16Vector(kPairsPerVector), k,
              ValueRange{ids[0], ids[1], minIndex(key, maxIndex(lastKey, idx(0))), d0});
          row = select(valid, row, zeros);
          rowsOfPairs.push_back(vector::BitCastOp::create(b, loc, words, row));
        }
        SmallVector<Value> columns = transpose16(rowsOfPairs);
        Value pairRow0 = mul(dimBlock, idx(16));
        Value column = mul(group, idx(2 * 16));
        for (int64_t p = 0; p < 16; ++p)
          vector::StoreOp::create(
              b, loc, vector::BitCastOp::create(b, loc, bf16Vector(kPairsPerVector), columns[p]),
              kt, ValueRange{ids[0], ids[1], ids[2], add(pairRow0, idx(p)), column});
      });
    });
  });
}

/// V [B, G, N, E] -> [B, G, tiles, Bc/2, 2 E]: row p of tile t interleaves the rows of
/// keys 2p and 2p + 1 of the tile; zero past the last key.
void FlashKernel::packValuePairs(int64_t keyTile) {
  auto type = MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic,
                               keyTile / 2, 2 * valueDim},
                              bf16);
  Value batches = dim(q, 0);
  vPacked = memref::AllocOp::create(b, loc, type, ValueRange{batches, kvHeads, numKvTiles},
                                         b.getI64IntegerAttr(64));
  parallel({batches, kvHeads, numKvTiles}, [&](ValueRange ids) {
    Value j0 = mul(ids[2], idx(keyTile));
    Value zeros = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(bf16Vector(kPairsPerVector), b.getZeroAttr(bf16)));
    Value lastKey = maxIndex(arith::SubIOp::create(b, loc, numKeys, idx(1)), idx(0));
    forLoop(idx(0), idx(keyTile / 2), 1, [&](Value pair) {
      SmallVector<Value> keys, valid;
      for (int64_t i = 0; i < 2; ++i) {
        keys.push_back(add(j0, add(mul(pair, idx(2)), idx(i))));
        valid.push_back(cmp(arith::CmpIPredicate::slt, keys.back(), numKeys));
      }
      for (int64_t e = 0; e < valueDim; e += kPairsPerVector) {
        SmallVector<Value> halves;
        for (int64_t i = 0; i < 2; ++i) {
          Value row = vector::LoadOp::create(
              b, loc, bf16Vector(kPairsPerVector), v,
              ValueRange{ids[0], ids[1], minIndex(keys[i], lastKey), idx(e)});
          halves.push_back(select(valid[i], row, zeros));
        }
        Value interleaved = vector::InterleaveOp::create(b, loc, halves[0], halves[1]);
        vector::StoreOp::create(b, loc, interleaved, vPacked,
                                ValueRange{ids[0], ids[1], ids[2], pair, idx(2 * e)});
      }
    });
  });
}

