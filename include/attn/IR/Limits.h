//===- Limits.h - what the lowerings can represent ---------------------------===//
//
// Every size a user gives (attribute parameters, shapes, pass and tool options) is
// checked against these where it enters, with the limit named in the diagnostic, so
// that no lowering wraps, unrolls or allocates by an unchecked user number.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_IR_LIMITS_H
#define ATTN_IR_LIMITS_H

#include <cstdint>

namespace mlir::attn {

/// Sequence positions, mask parameters and tile sizes stay below 2^30: the kernels
/// hold positions in 32-bit lanes and add a parameter to a position, and the sum of
/// two values below 2^30 fits.
constexpr int64_t kMaxPosition = int64_t(1) << 30;

/// Mask terms nest at most this deep: the parser, the verifier and the lowerings
/// recurse over the term tree.
constexpr int kMaxMaskDepth = 64;

/// The largest linear-attention `chunk`: the kernel's scratch holds chunk x chunk
/// scores and its loops over a chunk are unrolled per vector.
constexpr int64_t kMaxLinearChunk = 1024;

/// Register-blocked vector kernel: at most this many query rows per micro-kernel and
/// keys per kv tile (both are unrolled into straight-line code).
constexpr int64_t kMaxKernelRows = 32;
constexpr int64_t kMaxKernelKeyTile = 1024;

/// Parts a linear-attention sequence may be split into across tasks.
constexpr int64_t kMaxLinearParts = 4096;

} // namespace mlir::attn

#endif // ATTN_IR_LIMITS_H
