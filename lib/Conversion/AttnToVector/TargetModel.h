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
  bool amx = false;  // AMX tile products (amx-tile, amx-bf16) may be used
  bool avx512bf16 = false; // AVX512-BF16 pair products (vdpbf16ps) may be used
};

/// "amx" (AVX-512, AVX512-BF16 and AMX; asks the OS for this process's tile state),
/// "avx512bf16", "avx512", "avx2" or "host" (this CPU's features, AMX excepted: the AMX
/// kernel is taken only when asked for); nullopt otherwise.
std::optional<VectorTarget> lookupVectorTarget(StringRef name);

/// Whether this CPU has AMX-BF16 and the OS grants this process the AMX tile state.
/// Linux hands it out per process (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA));
/// the first call asks, once, and a refusal is reported on stderr (target "amx" then
/// falls back to the AVX512-BF16 pair products). Code compiled for target "amx" ahead of time needs the same request in
/// the process that runs it.
bool hostAmxUsable();

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
  // bf16 kernel on AMX (AmxKernel.cpp): tile products of 16 rows x 32 bf16.
  bool amx = false;
  bool avx512bf16 = false; // bf16 pair products in the prefill kernel
  int64_t amxQueryBlock = 128; // query rows per task (a multiple of 32)
  int64_t amxKeyTile = 128;    // keys per kv tile (a multiple of 32)
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
