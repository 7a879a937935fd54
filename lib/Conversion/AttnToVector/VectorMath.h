//===- VectorMath.h - exp2 and tanh on f32 vectors for the CPU kernels ----===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOVECTOR_VECTORMATH_H
#define ATTN_LIB_CONVERSION_ATTNTOVECTOR_VECTORMATH_H

#include "mlir/IR/Builders.h"

namespace mlir::attn {

/// 2^x for f32 scalars or vectors, x <= 127: a degree-6 polynomial on the fraction
/// scaled by the integer part through the exponent; 0 for -inf and (roughly) below
/// 2^-125. `avx512` selects vrndscaleps / vscalefps for 16-lane vectors.
Value buildExp2(OpBuilder &b, Location loc, Value x, bool avx512 = false);

/// tanh(x) for f32 scalars or vectors, from buildExp2 (|error| ~ 1e-7).
Value buildTanh(OpBuilder &b, Location loc, Value x, bool avx512 = false);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOVECTOR_VECTORMATH_H
