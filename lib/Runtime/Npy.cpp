#include "attn/Runtime/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::attn;
using llvm::StringRef;

const char *mlir::attn::npyDescr(NpyDType type) {
  switch (type) {
  case NpyDType::F32:
    return "<f4";
  case NpyDType::F64:
    return "<f8";
  case NpyDType::I32:
    return "<i4";
  case NpyDType::F16:
    return "<f2";
  case NpyDType::BF16:
    return "<V2";
  case NpyDType::I1:
    return "|b1";
  }
  return "?";
}

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t s : shape)
    n *= s;
  return n;
}

std::optional<uint64_t> mlir::attn::checkedByteSize(llvm::ArrayRef<int64_t> shape,
                                                    size_t elementSize) {
  uint64_t bytes = elementSize;
  for (int64_t s : shape)
    if (s < 0 || __builtin_mul_overflow(bytes, uint64_t(s), &bytes))
      return std::nullopt;
  // Byte offsets are int64 in the memref descriptors the kernels receive.
  if (bytes > uint64_t(INT64_MAX))
    return std::nullopt;
  return bytes;
}

double mlir::attn::elementAt(const NpyArray &a, int64_t i) {
  if (a.dtype == NpyDType::F32)
    return reinterpret_cast<const float *>(a.bytes.data())[i];
  if (a.dtype == NpyDType::I32)
    return reinterpret_cast<const int32_t *>(a.bytes.data())[i];
  if (a.dtype == NpyDType::F16)
    return (double)reinterpret_cast<const _Float16 *>(a.bytes.data())[i];
  if (a.dtype == NpyDType::BF16)
    return fromBF16Bits(reinterpret_cast<const uint16_t *>(a.bytes.data())[i]);
  if (a.dtype == NpyDType::I1)
    return a.bytes[i] != 0;
  return reinterpret_cast<const double *>(a.bytes.data())[i];
}

void mlir::attn::setElement(NpyArray &a, int64_t i, double x) {
  char *data = a.bytes.data();
  switch (a.dtype) {
  case NpyDType::F32:
    reinterpret_cast<float *>(data)[i] = (float)x;
    break;
  case NpyDType::F64:
    reinterpret_cast<double *>(data)[i] = x;
    break;
  case NpyDType::I32:
    reinterpret_cast<int32_t *>(data)[i] = (int32_t)x;
    break;
  case NpyDType::F16:
    reinterpret_cast<_Float16 *>(data)[i] = (_Float16)x;
    break;
  case NpyDType::BF16:
    // Through f32: double -> f32 -> bf16 can round twice, but the values the runtime
    // stores come from f32 draws or f32 files.
    reinterpret_cast<uint16_t *>(data)[i] = toBF16Bits((float)x);
    break;
  case NpyDType::I1:
    data[i] = x != 0;
    break;
  }
}

NpyArray mlir::attn::convertArray(const NpyArray &a, NpyDType type) {
  NpyArray out;
  out.dtype = type;
  out.shape = a.shape;
  out.bytes.resize(a.numElements() * out.elementSize());
  for (int64_t i = 0, n = a.numElements(); i < n; ++i)
    setElement(out, i, elementAt(a, i));
  return out;
}

std::string mlir::attn::shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s.empty() ? "scalar" : s;
}

const char *mlir::attn::dtypeName(NpyDType type) {
  switch (type) {
  case NpyDType::F32:
    return "f32";
  case NpyDType::F64:
    return "f64";
  case NpyDType::I32:
    return "i32";
  case NpyDType::F16:
    return "f16";
  case NpyDType::BF16:
    return "bf16";
  case NpyDType::I1:
    return "i1";
  }
  return "?";
}

static llvm::Error npyError(StringRef path, const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (path + ": not a usable .npy file: " + what).str());
}

/// The value of `'key': value` in the header dict, up to the next top-level comma.
static std::optional<StringRef> dictValue(StringRef dict, StringRef key) {
  for (StringRef quote : {"'", "\""}) {
    std::string needle = (quote + key + quote).str();
    size_t pos = dict.find(needle);
    if (pos == StringRef::npos)
      continue;
    StringRef rest = dict.drop_front(pos + needle.size()).ltrim();
    if (!rest.consume_front(":"))
      return std::nullopt;
    rest = rest.ltrim();
    size_t end = rest.starts_with("(") ? rest.find(')') : rest.find_first_of(",}");
    if (end != StringRef::npos && rest.starts_with("("))
      ++end;
    return rest.take_front(end).trim();
  }
  return std::nullopt;
}

llvm::Expected<NpyArray> mlir::attn::readNpy(StringRef path) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return llvm::createStringError(file.getError(), (path + ": cannot read: " +
                                                     file.getError().message()).str());
  return parseNpy((*file)->getBuffer(), path);
}

llvm::Expected<NpyArray> mlir::attn::parseNpy(StringRef data, StringRef path) {
  if (!data.starts_with("\x93NUMPY"))
    return npyError(path, "missing the \\x93NUMPY magic");
  if (data.size() < 10)
    return npyError(path, "truncated header");
  unsigned major = (unsigned char)data[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = (unsigned char)data[8] | ((unsigned char)data[9] << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12)
      return npyError(path, "truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | (unsigned char)data[8 + i];
    headerStart = 12;
  } else {
    return npyError(path, "unsupported format version " + llvm::Twine(major));
  }
  if (data.size() < headerStart + headerLen)
    return npyError(path, "truncated header");
  StringRef dict = data.substr(headerStart, headerLen).trim();

  NpyArray array;
  std::optional<StringRef> descr = dictValue(dict, "descr");
  if (!descr)
    return npyError(path, "header has no 'descr'");
  StringRef d = descr->trim("'\"");
  if (d == "<f4" || d == "=f4" || d == "f4")
    array.dtype = NpyDType::F32;
  else if (d == "<f8" || d == "=f8" || d == "f8")
    array.dtype = NpyDType::F64;
  else if (d == "<i4" || d == "=i4" || d == "i4")
    array.dtype = NpyDType::I32;
  else if (d == "<f2" || d == "=f2" || d == "f2")
    array.dtype = NpyDType::F16;
  else if (d == "<V2" || d == "|V2" || d == "V2" || d == "<u2" || d == "=u2" || d == "u2")
    array.dtype = NpyDType::BF16; // ml_dtypes.bfloat16 (saved as void) or raw bits
  else if (d == "|b1" || d == "b1" || d == "?")
    array.dtype = NpyDType::I1;
  else
    return npyError(path, "dtype '" + d + "' is not supported (use little-endian float32 "
                                          "'<f4', float64 '<f8', int32 '<i4', float16 "
                                          "'<f2', bfloat16 as ml_dtypes' '<V2' / bits "
                                          "'<u2', or bool '|b1')");
  std::optional<StringRef> order = dictValue(dict, "fortran_order");
  if (!order)
    return npyError(path, "header has no 'fortran_order'");
  if (*order != "False")
    return npyError(path, "Fortran-ordered arrays are not supported (save a C-contiguous "
                          "array)");
  std::optional<StringRef> shape = dictValue(dict, "shape");
  if (!shape || !shape->starts_with("(") || !shape->ends_with(")"))
    return npyError(path, "header has no valid 'shape'");
  llvm::SmallVector<StringRef> dims;
  shape->drop_front().drop_back().split(dims, ',', -1, /*KeepEmpty=*/false);
  for (StringRef dim : dims) {
    int64_t v;
    if (dim.trim().getAsInteger(10, v) || v < 0)
      return npyError(path, "bad dimension '" + dim.trim() + "' in shape " + *shape);
    array.shape.push_back(v);
  }
  std::optional<uint64_t> bytes = checkedByteSize(array.shape, array.elementSize());
  if (!bytes)
    return npyError(path, "shape " + *shape + " has more than 2^63 bytes");
  uint64_t expected = *bytes;
  size_t available = data.size() - headerStart - headerLen;
  if (available < expected)
    return npyError(path, "truncated data: shape " + *shape + " needs " +
                              llvm::Twine(expected) + " bytes, file has " +
                              llvm::Twine(available));
  if (available > expected)
    return npyError(path, "trailing bytes after the data (" + llvm::Twine(available) +
                              " bytes for shape " + *shape + ")");
  StringRef payload = data.substr(headerStart + headerLen);
  array.bytes.assign(payload.begin(), payload.end());
  return array;
}

llvm::Error mlir::attn::writeNpy(StringRef path, const NpyArray &array) {
  std::string shape = "(";
  for (int64_t s : array.shape)
    shape += std::to_string(s) + ", ";
  if (array.shape.size() > 1)
    shape.resize(shape.size() - 2);
  else if (array.shape.size() == 1)
    shape.resize(shape.size() - 1);
  shape += ")";
  std::string header = std::string("{'descr': '") + npyDescr(array.dtype) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that magic + length + header + '\n' is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(ec, (path + ": cannot write: " + ec.message()).str());
  os << "\x93NUMPY" << '\x01' << '\x00';
  os << (char)(header.size() & 0xff) << (char)(header.size() >> 8);
  os << header;
  os.write(array.bytes.data(), array.bytes.size());
  return llvm::Error::success();
}
