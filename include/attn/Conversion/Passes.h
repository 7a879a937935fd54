#ifndef ATTN_CONVERSION_PASSES_H
#define ATTN_CONVERSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace attn {

#define GEN_PASS_DECL
#include "attn/Conversion/Passes.h.inc"

/// Patterns lowering every attn op to linalg on tensors (used by the pass). Softmax
/// attention uses the online-softmax tile loops when `onlineSoftmax` is set.
void populateAttnToLinalgPatterns(RewritePatternSet &patterns, bool onlineSoftmax = true,
                                  int64_t queryTile = 64, int64_t keyTile = 64);

/// The vector flash kernel for softmax attn.attention with the given register block
/// (`lanes` f32 lanes, `rows` query rows x `keyTile` keys) and `queryBlock` query rows
/// per task; unsupported ops are left alone. `avx512` lets the kernel use AVX-512
/// instructions (x86vector) for its exponentials.
void populateAttnToVectorPatterns(RewritePatternSet &patterns, int64_t lanes, int64_t rows,
                                  int64_t keyTile, int64_t queryBlock, bool avx512 = false,
                                  int64_t linearParts = 0);

#define GEN_PASS_REGISTRATION
#include "attn/Conversion/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_PASSES_H
