//===- TargetModel.h - register blocks and task sizes of the CPU kernels --===//
//
// Private to convert-attn-to-vector: what the kernels need to know about a CPU's
// vector unit and the tile sizes chosen from it (docs/conventions.md).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOVECTOR_TARGETMODEL_H
#define ATTN_LIB_CONVERSION_ATTNTOVECTOR_TARGETMODEL_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mlir::attn {

/// What the tile model needs to know about a CPU's vector unit.
struct VectorTarget {
  int64_t lanes;     // fp32 lanes per vector register
  int64_t registers; // architectural vector registers
  bool avx512;       // AVX-512F instructions (x86vector.avx512.*) may be used
};

/// "avx512", "avx2" or "host" (this CPU's features); nullopt for other names.
std::optional<VectorTarget> lookupVectorTarget(StringRef name);

/// Register block and task sizes of the kernels.
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

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOVECTOR_TARGETMODEL_H
