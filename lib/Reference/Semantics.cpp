#include "Semantics.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::attn;

static int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// NATTEN's rule on one axis: key coordinate y in the window of query coordinate x
/// (the window of x's stride-group leader).
static bool inWindow(int64_t x, int64_t y, int64_t length, int64_t kernel, int64_t dilation,
                     bool causal, int64_t stride) {
  if (x % dilation != y % dilation)
    return false;
  int64_t group = x % dilation;
  int64_t xs = x / dilation, ys = y / dilation;
  int64_t groupLength = (length - group + dilation - 1) / dilation;
  int64_t groupStart = xs / stride * stride;
  if (causal) {
    int64_t leader = std::min(groupStart + stride - 1, groupLength - 1);
    return std::max<int64_t>(leader - kernel + 1, 0) <= ys && ys <= xs;
  }
  int64_t leader = std::min(groupStart + stride / 2, groupLength - 1);
  int64_t start = std::max<int64_t>(0, std::min(leader - kernel / 2, groupLength - kernel));
  return start <= ys && ys < start + kernel;
}

static bool neighborhoodVisible(const MaskAttr::Neighborhood &n, int64_t p, int64_t j) {
  int64_t tokens = 1;
  for (int64_t g : n.grid)
    tokens *= g;
  if (p < 0 || j < 0 || p >= tokens || j >= tokens)
    return false;
  // Row-major coordinates, last axis fastest.
  for (int64_t a = n.grid.size() - 1; a >= 0; --a) {
    int64_t x = p % n.grid[a], y = j % n.grid[a];
    if (!inWindow(x, y, n.grid[a], n.kernel[a], n.dilation[a], n.causal[a] != 0, n.stride[a]))
      return false;
    p /= n.grid[a];
    j /= n.grid[a];
  }
  return true;
}

bool reference::isVisible(MaskAttr mask, const QueryAt &query, int64_t j,
                          const MaskOperands *operands) {
  const int64_t p = query.position, i = query.row, head = query.head;
  ArrayRef<int64_t> a = mask.getArgs();
  switch (mask.getKind()) {
  case MaskKind::Full:
    return true;
  case MaskKind::Causal:
    return j <= p;
  case MaskKind::Window:
    return p - a[0] <= j && j <= p + a[1];
  case MaskKind::Sink:
    return j < a[0];
  case MaskKind::Chunk: {
    int64_t shift = a.size() > 1 ? a[1] : 0;
    return floorDiv(p + shift, a[0]) == floorDiv(j + shift, a[0]);
  }
  case MaskKind::Dilated: {
    int64_t dist = p - j;
    if (dist < 0 || dist >= a[0] * a[1])
      return false;
    if (a.size() > 2) // an absolute phase: keys j = offset (mod rate)
      return j % a[1] == a[2] % a[1];
    return dist % a[1] == 0;
  }
  case MaskKind::Power2: {
    int64_t dist = p - j;
    return dist >= 0 && (dist & (dist - 1)) == 0;
  }
  case MaskKind::Prefix:
    return j < a[0] || j <= p;
  case MaskKind::And:
    for (Attribute m : mask.getOperands())
      if (!isVisible(cast<MaskAttr>(m), query, j, operands))
        return false;
    return true;
  case MaskKind::Or:
    for (Attribute m : mask.getOperands())
      if (isVisible(cast<MaskAttr>(m), query, j, operands))
        return true;
    return false;
  case MaskKind::Not:
    return !isVisible(mask.getOperand(0), query, j, operands);
  case MaskKind::Neighborhood:
    return neighborhoodVisible(mask.getNeighborhood(), p, j);
  case MaskKind::Heads:
    return isVisible(mask.getOperand(head % mask.getOperands().size()), query, j, operands);
  case MaskKind::Document: {
    // Queries before the keys (nq > nk) belong to no document; a tile's queries placed
    // past the last key belong to the last key's.
    if (!operands || p < 0)
      return false;
    const Tensor &seg = *operands->tensors[a[0]];
    int64_t nk = seg.shape[1];
    const double *row = seg.data.data() + operands->batch * nk;
    return row[std::min(p, nk - 1)] == row[j];
  }
  case MaskKind::Blocks:
  case MaskKind::TopkBlocks: {
    if (!operands)
      return false;
    // Row (batch, head, query block) of a [B, Hq, QB, KB] layout or [B, Hq, QB, K] indices.
    const Tensor &t = *operands->tensors[a[0]];
    const std::vector<int64_t> &s = t.shape;
    if (i < 0)
      return false; // a tile's rows before the problem's first see nothing
    int64_t qb = i / a[1], kb = j / a[2];
    if (qb >= s[2])
      return false; // query blocks the tensor does not cover see nothing
    const double *row =
        &t.data[((operands->batch * s[1] + query.operandHead) * s[2] + qb) * s[3]];
    if (mask.getKind() == MaskKind::Blocks)
      return kb < s[3] && row[kb] != 0; // blocks past the layout are hidden
    return std::find(row, row + s[3], double(kb)) != row + s[3];
  }
  }
  return false;
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
