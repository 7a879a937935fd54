//===- Kernels.h - the CPU kernels' entry points ---------------------------===//
//
// Private to convert-attn-to-vector: which attn.attention ops the vector kernels take
// and the builders that replace them (softmax: FlashKernel.cpp; linear and the BASED
// hybrid: LinearKernel.cpp, LinearHybrid.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOVECTOR_KERNELS_H
#define ATTN_LIB_CONVERSION_ATTNTOVECTOR_KERNELS_H

#include "TargetModel.h"

#include "attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace mlir::attn {

/// Empty when the softmax kernel handles `op` with `tiles`, else why not. With
/// `allowHalf`, bf16 / f16 tensors are taken too (the AMX kernel, or widened to f32).
std::string explainUnsupported(AttentionOp op, const KernelTiles &tiles,
                               bool allowHalf = false);

/// Empty when `op`'s tensors suit the bf16 pair packs (PairPacks.cpp): bf16 q/k/v,
/// not paged, not a decode shape, static head dims that are multiples of 32 (at most
/// the given ones, where positive).
std::string explainUnsupportedPairPacks(AttentionOp op, const KernelTiles &tiles,
                                        int64_t maxKeyDim, int64_t maxValueDim);

/// Empty when the bf16 AMX kernel (AmxKernel.cpp) handles `op`, which the softmax
/// kernel supports (explainUnsupported with allowHalf), else why not.
std::string explainUnsupportedAmx(AttentionOp op, const KernelTiles &tiles);

/// The bf16 softmax kernel on AMX tile products, built at `op`; returns the result
/// (and the log-sum-exp when the op has one).
SmallVector<Value> buildAmxKernel(OpBuilder &b, Location loc, AttentionOp op,
                                  const KernelTiles &tiles);

/// Whether the softmax kernel takes its decode form for `op` (few query rows: all
/// query heads of a kv head per task, split keys; DecodeKernel.cpp).
bool isDecodeShape(AttentionOp op, const KernelTiles &tiles);

/// The fused softmax kernel for `op`, built at `op`; returns the result tensor (and the
/// log-sum-exp when the op has one).
/// With `pairProducts`, bf16 q/k/v take AVX512-BF16 pair products (vdpbf16ps) for
/// both contractions (explainUnsupportedPairProducts says when they may).
SmallVector<Value> buildFlashKernel(OpBuilder &b, Location loc, AttentionOp op,
                                    const KernelTiles &tiles, bool pairProducts = false);

/// Empty when the prefill kernel can run `op` (which it supports) on AVX512-BF16 pair
/// products, else why not.
std::string explainUnsupportedPairProducts(AttentionOp op, const KernelTiles &tiles);

/// Empty when the linear-attention kernel handles `op` (f32, re-associated order,
/// every map but softmax_features), else why not.
/// With `allowHalf`, bf16 / f16 tensors too (run on widened copies).
std::string explainUnsupportedLinear(AttentionOp op, const KernelTiles &tiles,
                                     bool allowHalf = false);

/// Empty when `linear + window` (a causal linear branch plus a sliding-window softmax
/// branch, BASED) can run as one linear kernel, else why not.
std::string explainUnsupportedHybrid(AttentionOp linear, AttentionOp window,
                                     const KernelTiles &tiles);

/// Linear attention in the re-associated order (chunked under a causal mask), built at
/// `op`, plus the softmax attention `window` when given (a hybrid); returns the result.
Value buildLinearKernel(OpBuilder &b, Location loc, AttentionOp op, const KernelTiles &tiles,
                        AttentionOp window = {});

/// The kernels' patterns with every tile size and part count given.
void populateAttnToVectorPatterns(RewritePatternSet &patterns, const KernelTiles &tiles);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOVECTOR_KERNELS_H
