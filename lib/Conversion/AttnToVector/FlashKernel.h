//===- FlashKernel.h - the softmax kernel's state, shared by its two forms -===//
//
// Private to convert-attn-to-vector. The softmax (and pointwise-normaliser) kernel has
// two task structures over one micro-tile:
//   prefill (FlashKernel.cpp): a task owns a block of query rows of one (batch, head)
//     and reads K^T packed once per kv head;
//   decode (DecodeKernel.cpp): a task owns every query row of every query head of one
//     (batch, kv head) and a part of its keys, reads K and V once, unpacked, and the
//     parts' partial states are merged at the end (split-KV, Flash-Decoding).
// A micro-tile is `rows` rows x one kv tile; each of its rows says which query head
// and query row of the op it is (RowBlock), so one micro-tile serves both.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOVECTOR_FLASHKERNEL_H
#define ATTN_LIB_CONVERSION_ATTNTOVECTOR_FLASHKERNEL_H

#include "KernelBuilder.h"
#include "Kernels.h"

#include "attn/Conversion/MemRefMaskOperands.h"
#include "attn/Conversion/ScoreModEmitter.h"
#include "attn/IR/MaskTerm.h"

namespace mlir::attn {

/// The rows of one micro-tile.
struct RowBlock {
  Value first;                 // its first row in the task's scratch state (o, m, l)
  Value packed;                // decode: its first row of the packed queries
  SmallVector<Value> heads;    // per row: the op's query head
  SmallVector<Value> queries;  // per row: the op's query row (rows past the task's
                               // repeat its last one: computed, never stored)
};

struct FlashKernel : KernelBuilder {
  FlashKernel(OpBuilder &b, Location loc, AttentionOp op, const KernelTiles &tiles);

  AttentionOp op;
  KernelTiles tiles;
  MaskAttr mask;
  int64_t valueDim;
  // Rows per micro-tile (the target model's, fewer for decoding short row groups).
  int64_t rows;
  // Decode form: K^T is not packed, q rows are (scaled) in the task's scratch.
  bool decode = false;
  // Decode of page pools: a task holds every query head of its sequence (rows of all
  // kv heads), not one kv head's.
  bool headsInTask = false;
  Value taskGroups; // kv heads per task's second index: kvHeads, or 1
  // bf16 through AVX512-BF16 pair products (vdpbf16ps). Prefill: K^T and V packed as
  // bf16 pairs (PairPacks.cpp), the weights P rounded to bf16. Decode: q.k on K's rows
  // as they are, P V on pairs of V rows interleaved in registers, P rounded to bf16.
  // f32 accumulation either way.
  bool bf16Dot = false;
  Type bf16;
  // Pointwise normalisers (sigmoid, relu, ...): weights without a running max.
  bool pointwise;
  // Scores leave the dot products in natural units (score_mod regions and pointwise
  // normalisers see them so), else pre-multiplied by log2 e for the base-2 softmax.
  bool naturalUnits;
  std::optional<ScoreModEmitter> scoreMod;
  SmallVector<Value> captures;  // captured tensors, as buffers
  IRMapping taskScoreModValues; // prefill: the region's per-task values
  // Buffers and sizes.
  Value q, k, v, kt, out;
  Value vPacked;                                  // bf16: V as key pairs
  Value lseOut;                                   // the log-sum-exp result, when asked
  Value packedQueries;                            // decode: scaled q rows of the task
  Value scoreBuffer;                              // decode: a super-tile's scores
  Value scoreColumn;                              // decode: the micro-tile's in it
  SmallVector<Value> segments;                    // run-time mask operands, as buffers
  std::optional<MemRefMaskOperands> maskOperands; // their reader
  Value numQueries, numKeys, headDim, ratio, numKvTiles, kvHeads;
  Value pageTable, lengths; // paged KV cache: [B, T] page ids, [B] lengths
  // Where the op sits in the whole problem (a tile of attn.attention says so with
  // offsets): local row i is row rowBase + i, at position that row + rowToPosition;
  // local head h is head headBase + h (for heads(...) terms; layouts are the tile's).
  Value rowBase, rowToPosition, headBase;
  // Segment-id ranges of the current kv tile, per mask operand (document masks).
  SmallVector<std::pair<Value, Value>> keyRanges;

  /// What q.k is multiplied by: the softmax scale, and log2 e (base-2 exponentials,
  /// unless the scores stay in natural units) or 1 / c (soft-cap).
  double scoreScale();

  SmallVector<Value> build();
  void setUp();
  void allocLse();
  /// The op's results from the out (and lse) buffers.
  SmallVector<Value> results();
  /// The natural log-sum-exp of a row from its running max (base-2 units) and sum.
  Value logSumExp(Value maxBase2, Value sum);
  /// Paged: the sequence `batch`'s own keys (numKeys, numKvTiles) and positions
  /// (rowToPosition), in the current task; a no-op otherwise.
  void beginSequence(Value batch);
  /// Indices of row `key` of K or V (same layout) at `column`: [batch, kv head, key,
  /// col], or for page pools [page of the key, slot in it, kv head, col].
  SmallVector<Value> rowIndices(Value batch, Value kvHead, Value key, Value column);
  // bf16 pair packs for vdpbf16ps / AMX (PairPacks.cpp), kv tiles of keyTile keys.
  void packKeyPairs(int64_t keyTile);
  void packValuePairs(int64_t keyTile);
  /// 16 vectors of 16 x i32 (rows) transposed into 16 vectors (columns).
  SmallVector<Value> transpose16(SmallVector<Value> rows);
  VectorType bf16Vector(int64_t n);
  /// The bf16 pair at m[at], at+1 broadcast to every 32-bit lane of a vector of bf16.
  Value broadcastPair(Value m, ValueRange at);
  /// acc + the pairwise products of x and y (vdpbf16ps).
  Value dotPairs(Value acc, Value x, Value y);
  // Prefill.
  void packKeys();
  void packPagedKeys();
  void task(Value batch, Value head, Value block);
  /// A prefill task's rows [i0, i0 + tq) out of its scratch (o, m, l): the division, the
  /// log-sum-exp, the result's element type.
  void storeTaskRows(Value batch, Value head, Value i0, Value tq, Value o, Value m, Value l);
  // Decode (DecodeKernel.cpp).
  SmallVector<Value> buildDecode();
  void decodeTask(Value batch, Value kvHead, Value part, Value tilesPerPart, Value numParts,
                  Value acc, Value maxes, Value sums);
  void mergeParts(Value batch, Value kvHead, Value numParts, Value acc, Value maxes,
                  Value sums);
  /// Decode of page pools: K and V rows some keys ahead into L2 (DecodeKernel.cpp).
  void prefetchPagedRows(Value batch, Value kvHead, Value key, int64_t width);
  /// Decode: the rows of a task (its query heads' rows) and the query head of row rho.
  Value groupRowCount();
  Value paddedRowCount(); // rounded up to whole micro-tiles
  /// Decode: row rho of the state slot of (batch, group, part) in the parts' buffers
  /// ([units x parts] slots of the group's rows, padded to whole micro-tiles).
  Value stateRow(Value batch, Value group, Value part, Value numParts, Value rho);
  Value headOfRow(Value kvHead, Value rho);
  void decodeScores(Value batch, Value kvHead, const RowBlock &rows, Value j0, Value tk,
                    Value column);

  /// Segment-id ranges of the keys [j0, j0 + tk) into keyRanges (document masks).
  void setKeyRanges(Value batch, Value j0, Value tk);
  /// The mask's classification of the op's query rows [first, last] of local query
  /// head `head` against the keys [j0, j0 + tk).
  TileVisibility classify(Value batch, Value head, Value first, Value last, Value j0, Value tk);
  void microTile(Value batch, Value kvHead, const RowBlock &rows, Value t, Value j0, Value tk,
                 Value partial, Value o, Value m, Value l, Value p);
  SmallVector<Value> weigh(SmallVector<Value> s, Value batch, const RowBlock &rows, Value j0,
                           Value partial, Value m, Value l,
                           function_ref<void(int64_t, int64_t, Value)> storeWeight);
  SmallVector<Value> scores(Value batch, Value kvHead, const RowBlock &rows, Value t);
  SmallVector<Value> maskScores(ArrayRef<Value> s, Value batch, const RowBlock &rows, Value j0);
  void modifyScores(SmallVector<Value> &s, Value batch, const RowBlock &rows, Value j0);
  Value pointwiseWeight(Value s);
  /// A row's sum of weights from its vector of partial sums.
  Value rowSum(Value sums);
  /// 1 / the row's divisor (the weight sum `sum`, Nk or 1 per `divide`), 0 where it is 0.
  Value inverseDivisor(Value sum);
};

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOVECTOR_FLASHKERNEL_H
