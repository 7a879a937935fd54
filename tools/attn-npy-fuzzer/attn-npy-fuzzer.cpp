//===- attn-npy-fuzzer.cpp - libFuzzer over the .npy reader ----------------===//
//
// Each input is the bytes of a .npy file. parseNpy must either return an array whose
// bytes match its shape and dtype or an error; it never reads past the input or
// allocates by an unchecked header number.
//
//   scripts/fuzz.sh npy 600
//
//===----------------------------------------------------------------------===//
#include "attn/Runtime/Npy.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto array = mlir::attn::parseNpy(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.npy");
  if (!array) {
    llvm::consumeError(array.takeError());
    return 0;
  }
  std::optional<uint64_t> bytes =
      mlir::attn::checkedByteSize(array->shape, array->elementSize());
  if (!bytes || *bytes != array->bytes.size())
    abort(); // an accepted array must hold exactly its shape's bytes
  return 0;
}
