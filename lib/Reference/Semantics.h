//===- Semantics.h - the math of masks, feature maps and scalar functions ---===//
//
// Written from the definitions (AttnAttrs.td, reference/variants.md), in plain C++ on
// integers and doubles.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_REFERENCE_SEMANTICS_H
#define ATTN_LIB_REFERENCE_SEMANTICS_H

#include "attn/IR/AttnAttrs.h"

#include "attn/Reference/Evaluator.h"

#include <optional>
#include <vector>

namespace mlir::attn::reference {

/// What run-time mask terms read: the batch row and attn.attention's mask operands
/// ([B, Nk] segment ids).
struct MaskOperands {
  int64_t batch = 0;
  std::vector<const Tensor *> tensors;
};

/// Where a query row sits: its row of the whole problem (what block layouts index),
/// its absolute position (what positional terms compare), its query head (what
/// heads(...) selects by) and the head that indexes per-head mask operands (a tile of
/// attn.attention carries its slice of them).
struct QueryAt {
  int64_t row, position, head, operandHead;
};

/// visible(query, j): is key j visible from the query.
bool isVisible(MaskAttr mask, const QueryAt &query, int64_t j,
               const MaskOperands *operands = nullptr);

/// visible(i, j) for query row i of nq and key column j of nk (end-aligned), in query
/// head `head`.
inline bool isVisible(MaskAttr mask, int64_t i, int64_t j, int64_t nq, int64_t nk,
                      int64_t head = 0, const MaskOperands *operands = nullptr) {
  return isVisible(mask, QueryAt{i, i + (nk - nq), head, head}, j, operands);
}

/// phi(x) of one feature vector (not for softmax_features, which needs the whole axis).
std::vector<double> featureVector(FeatureKind kind, const std::vector<double> &x);

/// The scalar function of attn.map.
double mapScalar(MapFn fn, double x, double y, std::optional<double> constant);

} // namespace mlir::attn::reference

#endif // ATTN_LIB_REFERENCE_SEMANTICS_H
