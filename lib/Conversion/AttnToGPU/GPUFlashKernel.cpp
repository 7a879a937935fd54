//===- GPUFlashKernel.cpp - softmax attention on tensor cores (sm_80+) ----===//
//
// FlashAttention-2 on the GPU, built from gpu / nvgpu / vector ops:
//  * one thread block per (query tile of 16 x warps rows, head, batch); each warp owns
//    16 query rows, kept as m16n8k16 A fragments (nvgpu.ldmatrix from shared memory);
//  * per kv tile of Bc keys, the block stages K and V in shared memory in f16 (f16
//    inputs double-buffered with cp.async, the next tile in flight; bf16 and f32
//    converted while staged synchronously), then each warp
//    computes S = Q K^T (nvgpu.mma.sync, f32 accumulators), scales (and soft-caps) it,
//    masks partial tiles per element, updates the online softmax in registers (row max
//    and sums reduced across the four lanes that share a row with gpu.shuffle xor),
//    and accumulates O += P V with P reused from the S accumulators as A fragments
//    (the accumulator layout of two n8 blocks is the A layout of one k16 step);
//  * (query tile, kv tile) pairs are classified with the CPU kernels' classifyTile:
//    empty tiles are skipped, full tiles run without element checks (run-time mask
//    operands: GPUMaskOperands.cpp).
// O / l is written with the result's element type; rows without a visible key get 0.
//
//===----------------------------------------------------------------------===//
#include "GPUKernelBuilder.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpukernel;

std::string mlir::attn::explainUnsupportedOnGPU(AttentionOp op, const GPUKernelTiles &tiles) {
  if (op.isTile())
    return "a tile of attn.attention (offsets): the GPU kernel does not read offsets yet";
  if (op.isLinear())
    return "linear attention is not lowered to the GPU yet";
  if (op.isPaged())
    return "the GPU kernel does not read paged KV caches yet (the CPU kernels do)";
  if (op.isVarlen())
    return "the GPU kernel does not take packed sequences (varlen) yet (the CPU kernels do)";
  if (op.hasScoreMod()) {
    if (std::string reason = ScoreModEmitter::explainUnsupported(op); !reason.empty())
      return reason;
    // Other transcendental ops of a region would need libdevice on the GPU; exp, exp2
    // and tanh are the kernel's own (ex2.approx).
    WalkResult math = op.getScoreMod().walk([](Operation *inner) {
      return isa_and_nonnull<math::MathDialect>(inner->getDialect()) &&
                     !isa<math::AbsFOp, math::FloorOp, math::CeilOp, math::SqrtOp, math::FmaOp,
                          math::ExpOp, math::Exp2Op, math::TanhOp>(inner)
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (math.wasInterrupted())
      return "the score_mod region uses transcendental math ops other than exp, exp2 and "
             "tanh (libdevice is not linked)";
  }
  Type elt = op.getType().getElementType();
  if (!elt.isF16() && !elt.isBF16() && !elt.isF32())
    return "the element type is not f16, bf16 or f32";
  for (Value t : {op.getQuery(), op.getKey(), op.getValue()})
    if (cast<ShapedType>(t.getType()).getElementType() != elt)
      return "q, k, v and the result have different element types (mixed precision is "
             "CPU-only so far)";
  int64_t d = op.getQuery().getType().getDimSize(3);
  int64_t e = op.getValue().getType().getDimSize(3);
  if (ShapedType::isDynamic(e) || d != e)
    return "the value head dim differs from the query's";
  if (d % 16 != 0 || d > 128)
    return "the head dim must be a multiple of 16 and at most 128";
  for (Value operand : op.getMaskOperands())
    if (cast<RankedTensorType>(operand.getType()).getRank() == 4 && op.getMaskAttr() &&
        containsMaskKind(op.getMaskAttr(), MaskKind::TopkBlocks))
      return "top-k block indices are not supported on the GPU path yet (give the layout "
             "with blocks(...))";
  if (tiles.keyTile % 16 != 0 || tiles.keyTile > 128 || tiles.warps < 1 || tiles.warps > 8)
    return "the kv tile must be a multiple of 16 up to 128, and warps 1 to 8";
  return "";
}

StagingPlan mlir::attn::planStaging(AttentionOp op, const GPUKernelTiles &tiles) {
  constexpr int64_t kSharedBytes = 48 * 1024; // static shared memory per block
  int64_t d = op.getQuery().getType().getDimSize(3);
  int64_t queryBytes = 16 * tiles.warps * d * 2, threads = 32 * tiles.warps;
  if (tiles.asyncCopy && op.getQuery().getType().getElementType().isF16() &&
      op.getKey().getType().getElementType().isF16())
    // Two K and two V buffers; every thread issues the same number of 16-byte copies.
    for (int64_t bc = tiles.keyTile; bc >= 16; bc -= 16)
      if (queryBytes + 4 * bc * d * 2 <= kSharedBytes && (bc * d / 8) % threads == 0)
        return {true, bc};
  return {false, tiles.keyTile};
}


/// Copies rows [first, first + rows) x D of src[at..., row, :] into dst (shared memory,
/// mmaType) eight elements per thread and step; rows past `count` are zero.
void GPUKernel::stageRows(Value src, ValueRange at, Value first, Value count, Value dst,
                          int64_t rows) {
  Type srcElt = cast<MemRefType>(src.getType()).getElementType();
  auto srcVec = VectorType::get({8}, srcElt), dstVec = VectorType::get({8}, mmaType);
  int64_t perRow = headDim / 8, total = rows * perRow, threads = 32 * tiles.warps;
  scf::ForOp::create(
      b, loc, tid, idx(total), idx(threads), ValueRange{},
      [&](OpBuilder &, Location, Value chunk, ValueRange) {
        Value row = div(chunk, perRow), col = mul(rem(chunk, perRow), idx(8));
        Value r = add(first, row);
        auto read = scf::IfOp::create(
            b, loc, lt(r, count),
            [&](OpBuilder &, Location) {
              SmallVector<Value> indices(at.begin(), at.end());
              indices.append({r, col});
              Value x = vector::LoadOp::create(b, loc, srcVec, src, indices);
              if (srcElt.isBF16())
                x = arith::ExtFOp::create(b, loc, VectorType::get({8}, f32), x);
              if (srcElt != mmaType)
                x = arith::TruncFOp::create(b, loc, dstVec, x);
              scf::YieldOp::create(b, loc, x);
            },
            [&](OpBuilder &, Location) {
              Value zero = arith::ConstantOp::create(
                  b, loc, DenseElementsAttr::get(dstVec, b.getFloatAttr(mmaType, 0.0)));
              scf::YieldOp::create(b, loc, zero);
            });
        vector::StoreOp::create(b, loc, read.getResult(0), dst, ValueRange{row, col});
        scf::YieldOp::create(b, loc);
      });
}

/// S = Q K^T for the staged K tile: keyTile / 8 accumulators of vector<2x2xf32>
/// (rows lane/4 and lane/4 + 8, keys (lane % 4) * 2 + {0, 1} of each n8 block).
SmallVector<Value> GPUKernel::scores(ArrayRef<Value> qFrags, Value slot) {
  auto bType = VectorType::get({2, 2}, mmaType);
  auto accType = VectorType::get({2, 2}, f32);
  Value zero = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(accType, b.getF32FloatAttr(0)));
  Value bRow = rem(lane, 8), bCol = mul(rem(div(lane, 8), 2), idx(8));
  SmallVector<Value> s;
  for (int64_t nb = 0; nb < keyTile / 8; ++nb) {
    Value acc = zero;
    for (int64_t kk = 0; kk < headDim / 16; ++kk) {
      Value frag = nvgpu::LdMatrixOp::create(b, loc, bType, ks,
                                             at(slot, add(bRow, idx(nb * 8)), add(bCol, idx(kk * 16))),
                                             /*transpose=*/false, /*numTiles=*/2);
      acc = nvgpu::MmaSyncOp::create(b, loc, qFrags[kk], frag, acc, ArrayRef<int64_t>{16, 8, 16});
    }
    s.push_back(acc);
  }
  return s;
}

/// Hidden (query, key) pairs of a partial tile become -inf.
SmallVector<Value> GPUKernel::maskScores(ArrayRef<Value> s, Value j0) {
  Value negInf = f(-std::numeric_limits<double>::infinity());
  Value row0 = add(add(q0, mul(warp, idx(16))), div(lane, 4));
  Value col0 = add(j0, mul(rem(lane, 4), idx(2)));
  SmallVector<Value> masked;
  for (auto [nb, frag] : llvm::enumerate(s)) {
    Value out = frag;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value i = add(row0, idx(8 * r)), j = add(col0, idx(nb * 8 + c));
        Value visible = lt(j, numKeys);
        if (mask) {
          auto segments = [&](unsigned operand, bool query) {
            Value position = j;
            if (query) // end-aligned; queries before the keys read id 0 (the mask hides them)
              position = arith::MaxSIOp::create(
                  b, loc, add(i, arith::SubIOp::create(b, loc, numKeys, numQueries)), idx(0));
            return segmentId(operand, position);
          };
          auto blockVisible = [&](unsigned operand, int64_t bq, int64_t bk) {
            return layoutEntry(operand, i, j, bq, bk);
          };
          MaskOperandAccess access{segments, nullptr, blockVisible, nullptr};
          visible = arith::AndIOp::create(
              b, loc, visible,
              buildMaskPredicate(b, loc, mask, i, j,
                                 arith::SubIOp::create(b, loc, numKeys, numQueries), head,
                                 maskOperands.empty() ? nullptr : &access));
        }
        out = withElement(out, select(visible, element(frag, r, c), negInf), r, c);
      }
    masked.push_back(out);
  }
  return masked;
}

/// One kv tile: (stage K/V when synchronous), scores, mask, online softmax, O += P V.
/// `state` is (m0, m1, l0, l1, O fragments...); returns the new state. `slot` is the
/// buffer holding the tile when double-buffered.
SmallVector<Value> GPUKernel::tile(Value t, ArrayRef<Value> qFrags, ValueRange state,
                                   Value slot) {
  Value j0 = mul(t, idx(keyTile));
  if (!async) {
    gpu::BarrierOp::create(b, loc); // every warp is done with the previous tile
    stageRows(k, ValueRange{batch, kvHead}, j0, numKeys, ks, keyTile);
    stageRows(v, ValueRange{batch, kvHead}, j0, numKeys, vs, keyTile);
    gpu::BarrierOp::create(b, loc);
  }

  SmallVector<Value> s = scores(qFrags, slot);
  // Scale into log2 units (soft-cap c * tanh(x / c) in between); a score_mod region
  // sees natural units at the thread's rows i and keys j.
  double scale = op.getEffectiveScale();
  std::optional<double> cap = op.getSoftcapValue();
  bool pointwise = op.isPointwise();
  double units = scoreMod || pointwise ? 1.0 : 1.0 / std::log(2.0);
  Value row0 = add(add(q0, mul(warp, idx(16))), div(lane, 4));
  Value col0 = add(j0, mul(rem(lane, 4), idx(2)));
  SmallVector<IRMapping> rowValues;
  for (int64_t r = 0; scoreMod && r < 2; ++r) {
    Value i = add(row0, idx(8 * r));
    rowValues.push_back(scoreMod->rowValues(
        b, loc, blockScoreModValues, i, add(i, arith::SubIOp::create(b, loc, numKeys, numQueries))));
  }
  for (auto [nb, frag] : llvm::enumerate(s))
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value x = element(frag, r, c);
        x = cap ? fmul(tanh(fmul(x, f(scale / *cap))), f(*cap * units))
                : fmul(x, f(scale * units));
        if (scoreMod) {
          x = scoreMod->applyScalar(b, loc, rowValues[r], x, add(col0, idx(nb * 8 + c)));
          if (!pointwise)
            x = fmul(x, f(1.0 / std::log(2.0)));
        }
        frag = withElement(frag, x, r, c);
      }
  // Per-element masking only where the tile classification says partial.
  Value pLo = add(q0, arith::SubIOp::create(b, loc, numKeys, numQueries));
  Value rowsHere = arith::MinSIOp::create(b, loc, idx(queryTile),
                                          arith::SubIOp::create(b, loc, numQueries, q0));
  Value pHi = arith::SubIOp::create(b, loc, add(pLo, rowsHere), idx(1));
  Value keysHere = arith::MinSIOp::create(b, loc, idx(keyTile),
                                          arith::SubIOp::create(b, loc, numKeys, j0));
  Value jHi = arith::SubIOp::create(b, loc, add(j0, keysHere), idx(1));
  Value full = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, keysHere, idx(keyTile));
  if (mask)
    full = arith::AndIOp::create(b, loc, full, classify(pLo, pHi, j0, jHi).all);
  SmallVector<Type> fragTypes(s.size(), s.front().getType());
  auto masked = scf::IfOp::create(
      b, loc, full,
      [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, s); },
      [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, maskScores(s, j0)); });
  s.assign(masked.getResults().begin(), masked.getResults().end());

  // Online softmax for the thread's two rows; pointwise weights need no max or rescale.
  Value negInf = f(-std::numeric_limits<double>::infinity());
  SmallVector<Value> m(state.begin(), state.begin() + 2), l(state.begin() + 2, state.begin() + 4);
  SmallVector<Value> o(state.begin() + 4, state.end());
  if (pointwise) {
    for (Value &frag : s)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t c = 0; c < 2; ++c) {
          Value w = pointwiseWeight(element(frag, r, c));
          l[r] = fadd(l[r], w);
          frag = withElement(frag, w, r, c);
        }
    accumulate(s, o, slot);
    SmallVector<Value> next = {m[0], m[1], l[0], l[1]};
    next.append(o.begin(), o.end());
    return next;
  }
  SmallVector<Value> alpha(2), shift(2);
  for (int64_t r = 0; r < 2; ++r) {
    Value mx = negInf;
    for (Value frag : s)
      for (int64_t c = 0; c < 2; ++c)
        mx = fmax(mx, element(frag, r, c));
    Value mNew = fmax(m[r], quadReduce(mx, /*isMax=*/true));
    // A row with nothing visible yet keeps max -inf: subtract 0 so exp2 gives 0, not NaN.
    Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, mNew, negInf);
    shift[r] = select(empty, f(0.0), mNew);
    alpha[r] = exp2(fsub(m[r], shift[r]));
    m[r] = mNew;
  }
  SmallVector<Value> rowSum = {f(0.0), f(0.0)};
  for (Value &frag : s)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value p = exp2(fsub(element(frag, r, c), shift[r]));
        rowSum[r] = fadd(rowSum[r], p);
        frag = withElement(frag, p, r, c);
      }
  for (int64_t r = 0; r < 2; ++r)
    l[r] = fadd(fmul(alpha[r], l[r]), rowSum[r]);
  for (Value &acc : o)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c)
        acc = withElement(acc, fmul(element(acc, r, c), alpha[r]), r, c);
  accumulate(s, o, slot);
  SmallVector<Value> next = {m[0], m[1], l[0], l[1]};
  next.append(o.begin(), o.end());
  return next;
}

/// w = f(s + shift) of a pointwise normaliser on one natural-units score; 0 at -inf.
Value GPUKernel::pointwiseWeight(Value s) {
  double shiftValue = op.getShiftValue();
  Value x = shiftValue != 0.0 ? fadd(s, f(shiftValue)) : s;
  Value zero = f(0.0);
  Value w;
  switch (op.getNormalizer()) {
  case Normalizer::Sigmoid: {
    // 1 / (1 + 2^(-x log2 e)); ex2.approx gives +inf far left, so the weight is 0 there.
    Value e = exp2(fmul(x, f(-1.0 / std::log(2.0))));
    w = arith::DivFOp::create(b, loc, f(1.0), fadd(f(1.0), e));
    break;
  }
  case Normalizer::Relu:
    w = fmax(x, zero);
    break;
  case Normalizer::ReluSquared: {
    Value r = fmax(x, zero);
    w = fmul(r, r);
    break;
  }
  case Normalizer::Softplus: {
    // max(x, 0) + ln(1 + 2^(-|x| log2 e)), the log through lg2.approx (no libdevice).
    Value e = exp2(fmul(fmax(x, arith::NegFOp::create(b, loc, x)), f(-1.0 / std::log(2.0))));
    w = fadd(fmax(x, zero), fmul(log2(fadd(f(1.0), e)), f(std::log(2.0))));
    break;
  }
  default:
    w = x;
  }
  Value hidden = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, s, f(-std::numeric_limits<double>::infinity()));
  return select(hidden, zero, w);
}

/// O += P V for the tile's weights `s` (the score accumulators, overwritten by P).
void GPUKernel::accumulate(ArrayRef<Value> s, SmallVector<Value> &o, Value slot) {
  // P as A fragments: k16 step kk takes the accumulators of n8 blocks 2kk and 2kk + 1.
  auto aType = VectorType::get({4, 2}, mmaType);
  auto pairType = VectorType::get({2}, mmaType);
  SmallVector<Value> pFrags;
  for (int64_t kk = 0; kk < keyTile / 16; ++kk) {
    Value a = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(aType, b.getFloatAttr(mmaType, 0.0)));
    for (int64_t part = 0; part < 4; ++part) {
      Value src = vector::ExtractOp::create(b, loc, s[2 * kk + part / 2], ArrayRef<int64_t>{part % 2});
      a = vector::InsertOp::create(b, loc, arith::TruncFOp::create(b, loc, pairType, src), a,
                                   ArrayRef<int64_t>{part});
    }
    pFrags.push_back(a);
  }
  // O += P V: V is [keys][D] row-major in shared memory, read transposed by ldmatrix.
  auto bType = VectorType::get({2, 2}, mmaType);
  Value vRow = rem(lane, 16);
  for (auto [nb, acc] : llvm::enumerate(o))
    for (int64_t kk = 0; kk < keyTile / 16; ++kk) {
      Value frag = nvgpu::LdMatrixOp::create(b, loc, bType, vs,
                                             at(slot, add(vRow, idx(kk * 16)), idx(nb * 8)),
                                             /*transpose=*/true, /*numTiles=*/2);
      acc = nvgpu::MmaSyncOp::create(b, loc, pFrags[kk], frag, acc, ArrayRef<int64_t>{16, 8, 16});
    }
}

/// Issues the 16-byte cp.async copies of K and V rows [tBc, tBc + Bc) into buffer
/// `slot` (rows past Nk zero-filled) and commits them as one group; returns its token.
Value GPUKernel::stageAsync(Value t, Value slot) {
  Value j0 = mul(t, idx(keyTile));
  int64_t perRow = headDim / 8, threads = 32 * tiles.warps;
  SmallVector<Value> tokens;
  Value last = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, numKeys, idx(1)), idx(0));
  for (int64_t step = 0; step < keyTile * perRow / threads; ++step) {
    Value chunk = add(tid, idx(step * threads));
    Value row = div(chunk, perRow), col = mul(rem(chunk, perRow), idx(8));
    Value r = add(j0, row);
    Value inside = lt(r, numKeys);
    Value src = arith::MinSIOp::create(b, loc, r, last); // a valid address, read or not
    Value count = select(inside, idx(8), idx(0));
    auto token = nvgpu::DeviceAsyncTokenType::get(b.getContext());
    for (auto [global, shared] : {std::pair<Value, Value>{k, ks}, {v, vs}})
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
          b, loc, token, shared, ValueRange{slot, row, col}, global,
          ValueRange{batch, kvHead, src, col}, b.getIndexAttr(8), count,
          /*bypassL1=*/UnitAttr()));
  }
  auto token = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  return nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, token, tokens);
}

/// i1: whether the block visits kv tile t (it exists and the mask shows some pair).
Value GPUKernel::visible(Value t) {
  Value numTiles = arith::CeilDivUIOp::create(b, loc, numKeys, idx(keyTile));
  Value exists = lt(t, numTiles);
  if (!mask)
    return exists;
  // The whole block's rows against the tile: uniform across the block, so the
  // barriers and copies that depend on it stay convergent.
  Value off = arith::SubIOp::create(b, loc, numKeys, numQueries);
  Value rowsHere = arith::MinSIOp::create(b, loc, idx(queryTile),
                                          arith::SubIOp::create(b, loc, numQueries, q0));
  Value pLo = add(q0, off);
  Value pHi = arith::SubIOp::create(b, loc, add(pLo, rowsHere), idx(1));
  Value j0 = mul(t, idx(keyTile));
  Value jHi = arith::SubIOp::create(
      b, loc,
      add(j0, arith::MinSIOp::create(b, loc, idx(keyTile), arith::SubIOp::create(b, loc, numKeys, j0))),
      idx(1));
  return arith::AndIOp::create(b, loc, exists, classify(pLo, pHi, j0, jHi).any);
}

void GPUKernel::build(gpu::GPUFuncOp func) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  q = func.getArgument(0);
  k = func.getArgument(1);
  v = func.getArgument(2);
  out = func.getArgument(3);
  unsigned numMaskOperands = op.getMaskOperands().size();
  for (unsigned i = 4; i < 4 + numMaskOperands; ++i)
    maskOperands.push_back(func.getArgument(i));
  unsigned end = func.getNumArguments() - (op.getLse() ? 1 : 0);
  for (unsigned i = 4 + numMaskOperands; i < end; ++i)
    captures.push_back(func.getArgument(i));
  if (op.getLse())
    lseOut = func.getArgument(end);
  qs = func.getWorkgroupAttributions()[0];
  ks = func.getWorkgroupAttributions()[1];
  vs = func.getWorkgroupAttributions()[2];
  tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  lane = rem(tid, 32);
  warp = div(tid, 32);
  batch = gpu::BlockIdOp::create(b, loc, gpu::Dimension::z);
  head = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
  q0 = mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::x), idx(queryTile));
  numQueries = memref::DimOp::create(b, loc, q, 2);
  numKeys = memref::DimOp::create(b, loc, k, 2);
  Value ratio = arith::DivUIOp::create(b, loc, memref::DimOp::create(b, loc, q, 1),
                                       memref::DimOp::create(b, loc, k, 1));
  kvHead = arith::DivUIOp::create(b, loc, head, ratio);
  if (scoreMod)
    blockScoreModValues = scoreMod->taskValues(b, loc, captures, batch, head);

  stageRows(q, ValueRange{batch, head}, q0, numQueries, qs, queryTile);
  gpu::BarrierOp::create(b, loc);
  auto aType = VectorType::get({4, 2}, mmaType);
  SmallVector<Value> qFrags;
  Value aRow = add(mul(warp, idx(16)), rem(lane, 16)), aCol = mul(div(lane, 16), idx(8));
  for (int64_t kk = 0; kk < headDim / 16; ++kk)
    qFrags.push_back(nvgpu::LdMatrixOp::create(b, loc, aType, qs,
                                               ValueRange{aRow, add(aCol, idx(kk * 16))},
                                               /*transpose=*/false, /*numTiles=*/4));

  auto accType = VectorType::get({2, 2}, f32);
  Value zeroAcc = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(accType, b.getF32FloatAttr(0)));
  Value negInf = f(-std::numeric_limits<double>::infinity());
  SmallVector<Value> init = {negInf, negInf, f(0.0), f(0.0)};
  init.append(headDim / 8, zeroAcc);
  Value numTiles = arith::CeilDivUIOp::create(b, loc, numKeys, idx(keyTile));
  auto tokenType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  if (async)
    // Prologue: the first tile's copies in flight before the loop.
    scf::IfOp::create(b, loc, visible(idx(0)), [&](OpBuilder &, Location) {
      stageAsync(idx(0), idx(0));
      scf::YieldOp::create(b, loc);
    });
  auto loop = scf::ForOp::create(
      b, loc, idx(0), numTiles, idx(1), init,
      [&](OpBuilder &, Location, Value t, ValueRange state) {
        Value slot = async ? rem(t, 2) : Value();
        if (async) {
          // Tile t + 1 into the other buffer (read by tile t - 1, fenced by the barrier
          // that ended it), then wait for tile t's group: at most the new one pending.
          Value next = add(t, idx(1));
          scf::IfOp::create(
              b, loc, visible(next),
              [&](OpBuilder &, Location) {
                Value group = stageAsync(next, rem(next, 2));
                nvgpu::DeviceAsyncWaitOp::create(b, loc, group, b.getI32IntegerAttr(1));
                scf::YieldOp::create(b, loc);
              },
              [&](OpBuilder &, Location) {
                Value group = nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, tokenType, ValueRange{});
                nvgpu::DeviceAsyncWaitOp::create(b, loc, group, b.getI32IntegerAttr(0));
                scf::YieldOp::create(b, loc);
              });
          gpu::BarrierOp::create(b, loc);
        }
        auto visited = scf::IfOp::create(
            b, loc, visible(t),
            [&](OpBuilder &, Location) {
              scf::YieldOp::create(b, loc, tile(t, qFrags, state, slot));
            },
            [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, state); });
        if (async)
          gpu::BarrierOp::create(b, loc); // every warp is done with buffer `slot`
        scf::YieldOp::create(b, loc, visited.getResults());
      });

  // O / l for the thread's rows (0 where nothing was visible), in the result's type.
  SmallVector<Value> state(loop.getResults());
  Type outElt = cast<MemRefType>(out.getType()).getElementType();
  auto outPair = VectorType::get({2}, outElt);
  Value row0 = add(add(q0, mul(warp, idx(16))), div(lane, 4));
  Value col0 = mul(rem(lane, 4), idx(2));
  RowDivisor divisor = op.isPointwise() ? op.getRowDivisor() : RowDivisor::Sum;
  for (int64_t r = 0; r < 2; ++r) {
    Value total = divisor == RowDivisor::Sum ? quadReduce(state[2 + r], /*isMax=*/false)
                  : divisor == RowDivisor::Length
                      ? arith::SIToFPOp::create(
                            b, loc, f32, arith::IndexCastOp::create(b, loc, b.getI64Type(), numKeys))
                            .getResult()
                      : f(1.0);
    Value zero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, total, f(0.0));
    Value inverse = select(zero, f(0.0), arith::DivFOp::create(b, loc, f(1.0), total));
    Value row = add(row0, idx(8 * r));
    if (lseOut) {
      // lse = m ln 2 + log(l) (m in base-2 units), -inf without a key; the quad's first
      // lane writes it.
      Value value = fmul(fadd(state[r], log2(total)), f(std::log(2.0)));
      value = select(zero, f(-std::numeric_limits<double>::infinity()), value);
      Value writer = arith::AndIOp::create(
          b, loc, lt(row, numQueries),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem(lane, 4), idx(0)));
      scf::IfOp::create(b, loc, writer, [&](OpBuilder &, Location) {
        memref::StoreOp::create(b, loc, value, lseOut, ValueRange{batch, head, row});
        scf::YieldOp::create(b, loc);
      });
    }
    scf::IfOp::create(b, loc, lt(row, numQueries), [&](OpBuilder &, Location) {
      for (int64_t nb = 0; nb < headDim / 8; ++nb) {
        Value pair = vector::ExtractOp::create(b, loc, state[4 + nb], ArrayRef<int64_t>{r});
        pair = arith::MulFOp::create(b, loc, pair,
                                     vector::BroadcastOp::create(b, loc, pair.getType(), inverse));
        if (outElt != f32)
          pair = arith::TruncFOp::create(b, loc, outPair, pair);
        vector::StoreOp::create(b, loc, pair, out,
                                ValueRange{batch, head, row, add(col0, idx(nb * 8))});
      }
      scf::YieldOp::create(b, loc);
    });
  }
  gpu::ReturnOp::create(b, loc);
}

SmallVector<Value> mlir::attn::buildGPUFlashKernel(OpBuilder &b, Location loc, AttentionOp op,
                                                   const GPUKernelTiles &tiles,
                                                   gpu::GPUModuleOp module, StringRef name) {
  auto memrefOf = [](Value t) {
    auto type = cast<RankedTensorType>(t.getType());
    return MemRefType::get(type.getShape(), type.getElementType());
  };
  // The kernel: q, k, v, out as memrefs of the op's shapes.
  SmallVector<Type> args = {memrefOf(op.getQuery()), memrefOf(op.getKey()),
                            memrefOf(op.getValue()), memrefOf(op.getResult())};
  for (Value operand : op.getMaskOperands())
    args.push_back(memrefOf(operand));
  for (Value capture : op.getCaptures())
    args.push_back(memrefOf(capture));
  if (op.getLse())
    args.push_back(memrefOf(op.getLse()));
  Type mmaType = b.getF16Type();
  auto shared = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  int64_t d = op.getQuery().getType().getDimSize(3);
  StagingPlan staging = planStaging(op, tiles);
  auto smem = [&](int64_t rows) { return MemRefType::get({rows, d}, mmaType, nullptr, shared); };
  auto kvSmem = [&]() {
    if (staging.asyncCopy)
      return MemRefType::get({2, staging.keyTile, d}, mmaType, nullptr, shared);
    return smem(staging.keyTile);
  };
  gpu::GPUFuncOp func;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(&module.getBodyRegion().front());
    func = gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(args, {}),
                                  TypeRange{smem(16 * tiles.warps), kvSmem(), kvSmem()});
    func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
    SymbolTable(module).insert(func);
    GPUKernel(b, loc, op, tiles).build(func);
  }

  // The launch: buffers of the tensors, the result in device memory.
  auto toBuffer = [&](Value t) {
    return bufferization::ToBufferOp::create(b, loc, memrefOf(t), t, /*readOnly=*/true);
  };
  Value q = toBuffer(op.getQuery()), k = toBuffer(op.getKey()), v = toBuffer(op.getValue());
  SmallVector<Value> dynamicSizes;
  MemRefType outType = memrefOf(op.getResult());
  for (int64_t i = 0; i < 4; ++i)
    if (outType.isDynamicDim(i))
      dynamicSizes.push_back(memref::DimOp::create(b, loc, i < 3 ? q : v, i));
  Value out = gpu::AllocOp::create(b, loc, outType, /*asyncToken=*/Type(), ValueRange{},
                                   dynamicSizes, ValueRange{})
                  .getMemref();
  auto c = [&](int64_t x) { return arith::ConstantIndexOp::create(b, loc, x).getResult(); };
  Value numQueries = memref::DimOp::create(b, loc, q, 2);
  Value tilesX = arith::CeilDivUIOp::create(b, loc, numQueries, c(16 * tiles.warps));
  gpu::KernelDim3 grid{tilesX, memref::DimOp::create(b, loc, q, 1),
                       memref::DimOp::create(b, loc, q, 0)};
  gpu::KernelDim3 block{c(32 * tiles.warps), c(1), c(1)};
  SmallVector<Value> operands = {q, k, v, out};
  for (Value operand : op.getMaskOperands())
    operands.push_back(toBuffer(operand));
  for (Value capture : op.getCaptures())
    operands.push_back(toBuffer(capture));
  Value lse;
  if (op.getLse()) {
    MemRefType lseType = memrefOf(op.getLse());
    SmallVector<Value> lseSizes;
    for (int64_t i = 0; i < 3; ++i)
      if (lseType.isDynamicDim(i))
        lseSizes.push_back(memref::DimOp::create(b, loc, q, i));
    lse = gpu::AllocOp::create(b, loc, lseType, /*asyncToken=*/Type(), ValueRange{}, lseSizes,
                               ValueRange{})
              .getMemref();
    operands.push_back(lse);
  }
  gpu::LaunchFuncOp::create(b, loc, func, grid, block, /*dynamicSharedMemorySize=*/Value(),
                            operands);
  SmallVector<Value> results{bufferization::ToTensorOp::create(
      b, loc, op.getType(), out, /*restrict=*/true, /*writable=*/true)};
  if (lse)
    results.push_back(bufferization::ToTensorOp::create(
        b, loc, cast<RankedTensorType>(op.getLse().getType()), lse, /*restrict=*/true,
        /*writable=*/true));
  return results;
}
