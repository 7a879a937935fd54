//===- Inputs.h - the arguments of an entry function, made or read ---------===//
//
// attn-run's inputs: each argument's shape resolved from its type, the named
// dimensions (`attn.dims` on arguments, `attn.defaults` on the function, --dims) and
// .npy files; its data seeded random numbers or the file's. Every size is checked
// against what the kernels represent (positions below 2^30) and what this machine can
// hold before anything is allocated.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_INPUTS_H
#define ATTN_RUNTIME_INPUTS_H

#include "attn/Runtime/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::attn {

struct InputSpec {
  /// `name=size` pairs, comma-separated (the --dims option).
  std::string dims;
  /// Directory of argN.npy files; empty: random inputs.
  std::string directory;
  unsigned seed = 0;
  /// Standard deviation of the random normal inputs (finite, >= 0).
  double scale = 1.0;
};

struct Input {
  NpyArray array;
  std::string typeName;    // f32, f64, i32, f16, bf16
  std::string description; // where the data came from
};

/// The arguments of `func` per `spec`; any inconsistency or limit is an error that
/// names the argument, the dimension and the limit.
llvm::Expected<std::vector<Input>> prepareInputs(func::FuncOp func, const InputSpec &spec);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_INPUTS_H
