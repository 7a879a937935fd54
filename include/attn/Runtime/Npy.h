//===- Npy.h - NumPy .npy files (format versions 1-3, little-endian) -------===//
#ifndef ATTN_RUNTIME_NPY_H
#define ATTN_RUNTIME_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mlir::attn {

/// Element types the runtime exchanges with NumPy. bf16 has no NumPy type: files
/// carry ml_dtypes' descriptor '<V2' (what np.save writes for ml_dtypes.bfloat16;
/// np.load(...).view(ml_dtypes.bfloat16) reads it back) or '<u2' (the raw bits).
/// I1 is NumPy's bool ('|b1'): one byte per element, what an i1 memref holds (the
/// masks other compilers' attention ops take).
enum class NpyDType { F32, F64, I32, F16, BF16, I1 };

const char *npyDescr(NpyDType type); // "<f4", "<f8", "<i4", "<f2", "<V2", "|b1"

/// bf16 bits of `x`, rounded to nearest even (NaN stays NaN).
inline uint16_t toBF16Bits(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((bits >> 16) | 0x40);
  return uint16_t((bits + 0x7fffu + ((bits >> 16) & 1)) >> 16);
}
inline float fromBF16Bits(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float x;
  std::memcpy(&x, &bits, 4);
  return x;
}

/// Allocates on 64-byte boundaries, as ML frameworks do for tensors: vector kernels
/// then load whole cache lines (malloc's 16-byte alignment would split every zmm load).
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U> &) {}
  T *allocate(size_t n) {
    size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    return static_cast<T *>(std::aligned_alloc(64, bytes ? bytes : 64));
  }
  void deallocate(T *p, size_t) { std::free(p); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U> &) const { return true; }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U> &) const { return false; }
};

struct NpyArray {
  NpyDType dtype = NpyDType::F32;
  std::vector<int64_t> shape;
  std::vector<char, CacheLineAllocator<char>> bytes; // row-major (C order)

  int64_t numElements() const;
  size_t elementSize() const {
    return dtype == NpyDType::F64                                  ? 8
           : dtype == NpyDType::F16 || dtype == NpyDType::BF16 ? 2
           : dtype == NpyDType::I1                               ? 1
                                                                 : 4;
  }
};

/// Element `i` of `a` as a double.
double elementAt(const NpyArray &a, int64_t i);
/// Stores `x` as element `i` of a floating-point `a`, rounded to its type (nearest even).
void setElement(NpyArray &a, int64_t i, double x);
/// `a` with its elements in `type` (floating-point types; values rounded).
NpyArray convertArray(const NpyArray &a, NpyDType type);

/// "1x8x128x64" ("scalar" for rank 0) and "f32" / "f64" / "i32" / "f16" / "bf16" / "i1".
std::string shapeString(llvm::ArrayRef<int64_t> shape);
const char *dtypeName(NpyDType type);

/// Bytes of a row-major array of `shape`, or nullopt if a size is negative or the
/// product does not fit in int64 (what a memref descriptor can address).
std::optional<uint64_t> checkedByteSize(llvm::ArrayRef<int64_t> shape, size_t elementSize);

/// Parses the contents of a .npy file (`path` names it in errors).
llvm::Expected<NpyArray> parseNpy(llvm::StringRef data, llvm::StringRef path);

/// Reads `path`; every malformation (bad magic, unsupported dtype, Fortran order,
/// header syntax, truncated data) is an error that names the file and the problem.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Writes `array` as a version 1.0 .npy file.
llvm::Error writeNpy(llvm::StringRef path, const NpyArray &array);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_NPY_H
