#include "Semantics.h"

#include "attn/IR/MaskTerm.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::attn;

using namespace mlir::attn::reference;

namespace {
/// The mask operands (reference tensors of integers held as doubles) as the mask
/// terms' reference face reads them.
struct OperandValues final : MaskOperandValues {
  const MaskOperands &operands;
  explicit OperandValues(const MaskOperands &operands) : operands(operands) {}
  ArrayRef<int64_t> shape(unsigned i) const override { return operands.tensors[i]->shape; }
  int64_t at(unsigned i, ArrayRef<int64_t> index) const override {
    const Tensor &t = *operands.tensors[i];
    int64_t flat = 0;
    for (auto [dim, x] : llvm::enumerate(index))
      flat = flat * t.shape[dim] + x;
    return (int64_t)t.data[flat];
  }
};
} // namespace

bool reference::isVisible(MaskAttr mask, const QueryAt &query, int64_t j,
                          const MaskOperands *operands) {
  std::optional<OperandValues> values;
  if (operands)
    values.emplace(*operands);
  MaskPoint at{query.row, query.position, query.head, query.operandHead,
               operands ? operands->batch : 0, j};
  return isMaskVisible(mask, at, values ? &*values : nullptr);
}

std::vector<double> reference::featureVector(FeatureKind kind, const std::vector<double> &x) {
  std::vector<double> phi;
  switch (kind) {
  case FeatureKind::Identity:
    return x;
  case FeatureKind::EluPlusOne:
    for (double v : x)
      phi.push_back(v > 0 ? v + 1 : std::exp(v));
    return phi;
  case FeatureKind::Relu:
  case FeatureKind::Cosformer: // its position weight is applied per pair (evalAttention)
    for (double v : x)
      phi.push_back(std::max(v, 0.0));
    return phi;
  case FeatureKind::Taylor2:
    // exp(q.k) ~ 1 + q.k + (q.k)^2 / 2 = phi(q).phi(k).
    phi.push_back(1.0);
    phi.insert(phi.end(), x.begin(), x.end());
    for (double a : x)
      for (double b : x)
        phi.push_back(a * b / std::sqrt(2.0));
    return phi;
  case FeatureKind::Favor: // needs the projection: evalAttention computes it
    return phi;
  case FeatureKind::SoftmaxFeatures: {
    double mx = -INFINITY, sum = 0;
    for (double v : x)
      mx = std::max(mx, v);
    for (double v : x)
      sum += std::exp(v - mx);
    for (double v : x)
      phi.push_back(std::exp(v - mx) / sum);
    return phi;
  }
  }
  return phi;
}

double reference::mapScalar(MapFn fn, double x, double y, std::optional<double> c) {
  switch (fn) {
  case MapFn::Exp:
    return std::exp(x);
  case MapFn::Log:
    return std::log(x);
  case MapFn::Neg:
    return -x;
  case MapFn::Tanh:
    return std::tanh(x);
  case MapFn::Sigmoid:
    return 1.0 / (1.0 + std::exp(-x));
  case MapFn::Relu:
    return x > 0 ? x : 0.0;
  case MapFn::Softplus:
    return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0);
  case MapFn::Elu:
    return x > 0 ? x : c.value_or(1.0) * std::expm1(x);
  case MapFn::Scale:
    return x * *c;
  case MapFn::Shift:
    return x + *c;
  case MapFn::Softcap:
    return *c * std::tanh(x / *c);
  case MapFn::Add:
    return x + y;
  case MapFn::Sub:
    return x - y;
  case MapFn::Mul:
    return x * y;
  case MapFn::Div:
    return x / y;
  case MapFn::Max:
    return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y);
  case MapFn::Min:
    return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y);
  }
  return NAN;
}
