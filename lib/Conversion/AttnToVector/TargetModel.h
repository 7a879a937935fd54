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
  int64_t kvParts = 0;     // decode kernel: parts of the keys (0: from the threads)
  int64_t decodeRows = 16; // query rows (per head) up to which the decode form is used
  int64_t keyTile() const { return lanes * columnVectors; }
};

/// The threads the kernels plan their parts for: OMP_NUM_THREADS where set (the
/// OpenMP runtime will use as many), else the hardware's. The JIT compiles and runs on
/// the same machine; ahead of time, pass the part counts explicitly.
int64_t plannedThreads();

/// The target model (documented in docs/conventions.md).
KernelTiles chooseKernelTiles(VectorTarget target);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOVECTOR_TARGETMODEL_H
