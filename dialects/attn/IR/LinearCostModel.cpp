//===- LinearCostModel.cpp - quadratic or re-associated linear attention --===//
//
// Costs per head in FLOP-equivalents, with M queries, N keys, F features, E value
// dims and C keys per chunk:
//   quadratic          2 M N (F + E) (halved under a causal mask)
//                      + kBytesCost * 4 M N   (the M x N weights are written and read)
//   re-associated      2 N F E + 2 M F E      (phi(K)^T V, then phi(Q) S)
//                      + 2 (M + N) F          (sum phi(K) and the denominators)
//   ... causal chunks  + M C (F + E)          (the masked C x C form inside a chunk)
//                      + (N / C) kChunkCost F E  (the F x E state stored, reloaded and
//                                              decayed once per chunk)
// kChunkCost was fitted to the CPU kernel: causal elu + 1, D = E = 64, N = 16384 took
// 5.8 / 6.1 / 6.8 / 8.7 / 13.0 ms at C = 16 / 32 / 64 / 128 / 256, i.e. t = a + bC + c/C
// with c/b = 372 = kChunkCost F E / (F + E) (bench/linear_attention.py --chunks).
// kBytesCost charges the N x N traffic of the quadratic order.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/LinearCostModel.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

static constexpr double kBytesCost = 1.0;
static constexpr double kChunkCost = 12.0;
// Lengths assumed for a dynamic size when comparing chunk sizes.
static constexpr int64_t kAssumedLength = 4096;

double mlir::attn::estimateLinearCost(const LinearProblem &p, LinearSchedule schedule) {
  double m = p.numQueries.value_or(kAssumedLength), n = p.numKeys.value_or(kAssumedLength);
  double f = p.featureDim, e = p.valueDim;
  if (schedule.order == LinearOrder::Quadratic)
    return 2 * m * n * (f + e) * (p.causal ? 0.5 : 1.0) + kBytesCost * 4 * m * n;
  double cost = 2 * n * f * e + 2 * m * f * e + 2 * (m + n) * f;
  if (schedule.chunk > 0) {
    double c = schedule.chunk;
    cost += m * c * (f + e) + (n + c - 1) / c * kChunkCost * f * e;
  }
  return cost;
}

LinearSchedule mlir::attn::chooseLinearSchedule(const LinearProblem &p) {
  if (!p.reassociable)
    return {LinearOrder::Quadratic, 0};
  LinearSchedule best{LinearOrder::Reassociated, 0};
  if (p.causal) {
    double bestCost = std::numeric_limits<double>::infinity();
    for (int64_t chunk = 16; chunk <= 256; chunk *= 2) {
      double cost = estimateLinearCost(p, {LinearOrder::Reassociated, chunk});
      if (cost < bestCost) {
        bestCost = cost;
        best.chunk = chunk;
      }
      // No chunk longer than the (known) sequence needs considering.
      if (p.numKeys && chunk >= *p.numKeys)
        break;
    }
  }
  if (!p.numQueries || !p.numKeys)
    return best;
  LinearSchedule quadratic{LinearOrder::Quadratic, 0};
  return estimateLinearCost(p, quadratic) <= estimateLinearCost(p, best) ? quadratic : best;
}
