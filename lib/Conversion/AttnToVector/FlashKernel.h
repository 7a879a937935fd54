//===- FlashKernel.h - the vector flash-attention kernel for CPUs ---------===//
//
// Private to convert-attn-to-vector: the target model that sizes the register
// blocks, the vector math the kernel needs, and the kernel builder itself.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOVECTOR_FLASHKERNEL_H
#define ATTN_LIB_CONVERSION_ATTNTOVECTOR_FLASHKERNEL_H

#include "attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::attn {

/// What the tile model needs to know about a CPU's vector unit.
struct VectorTarget {
  int64_t lanes;     // fp32 lanes per vector register
  int64_t registers; // architectural vector registers
  bool avx512;       // AVX-512F instructions (x86vector.avx512.*) may be used
};

/// "avx512", "avx2" or "host" (this CPU's features); nullopt for other names.
std::optional<VectorTarget> lookupVectorTarget(StringRef name);

/// Register block and task sizes of the kernel.
struct KernelTiles {
  int64_t lanes;         // vector width (fp32 lanes)
  int64_t rows;          // query rows per micro-kernel
  int64_t columnVectors; // vectors of keys per kv tile
  int64_t queryBlock;    // query rows per task
  bool avx512;           // AVX-512 exp2 (vrndscaleps / vscalefps)
  int64_t linearParts = 0; // linear kernel: parts per sequence (0: from the threads)
  int64_t keyTile() const { return lanes * columnVectors; }
};

/// The target model (documented in docs/conventions.md).
KernelTiles chooseKernelTiles(VectorTarget target);

/// Empty when the kernel handles `op` with `tiles`, else why not.
std::string explainUnsupported(AttentionOp op, const KernelTiles &tiles);

/// The fused kernel for `op`, built at `op`; returns the result tensor.
Value buildFlashKernel(OpBuilder &b, Location loc, AttentionOp op, const KernelTiles &tiles);

/// Empty when the linear-attention kernel handles `op` (f32, re-associated order,
/// every map but softmax_features), else why not.
std::string explainUnsupportedLinear(AttentionOp op, const KernelTiles &tiles);

/// Empty when `linear + window` (a causal linear branch plus a sliding-window softmax
/// branch, BASED) can run as one linear kernel, else why not.
std::string explainUnsupportedHybrid(AttentionOp linear, AttentionOp window,
                                     const KernelTiles &tiles);

/// Linear attention in the re-associated order (chunked under a causal mask), built at
/// `op`, plus the softmax attention `window` when given (a hybrid); returns the result.
Value buildLinearKernel(OpBuilder &b, Location loc, AttentionOp op, const KernelTiles &tiles,
                        AttentionOp window = {});

/// 2^x for f32 scalars or vectors, x <= 127: a degree-6 polynomial on the fraction
/// scaled by the integer part through the exponent; 0 for -inf and (roughly) below
/// 2^-125. `avx512` selects vrndscaleps / vscalefps for 16-lane vectors.
Value buildExp2(OpBuilder &b, Location loc, Value x, bool avx512 = false);

/// tanh(x) for f32 scalars or vectors, from buildExp2 (|error| ~ 1e-7).
Value buildTanh(OpBuilder &b, Location loc, Value x, bool avx512 = false);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOVECTOR_FLASHKERNEL_H
