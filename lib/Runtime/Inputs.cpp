//===- Inputs.cpp - the arguments of an entry function, made or read -------===//
#include "attn/Runtime/Inputs.h"
#include "attn/IR/Limits.h"
#include "attn/Runtime/CudaRunner.h"
#include "attn/IR/AttnOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <unistd.h>

using namespace mlir;
using namespace mlir::attn;

static llvm::Error inputError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message.str());
}

namespace {
/// Named dimension sizes, from --dims, files and attn.defaults, with where each came
/// from (for the message when two disagree).
struct ShapeResolver {
  func::FuncOp func;
  std::map<std::string, int64_t> sizes;
  std::map<std::string, std::string> origin;

  llvm::Error bind(const std::string &name, int64_t size, const std::string &from) {
    if (size < 0 || size >= kMaxPosition)
      return inputError("dimension '" + name + "' = " + llvm::Twine(size) + " from " + from +
                        " is out of range: sizes are 0 to 2^30 - 1 (positions are 32-bit "
                        "lanes in the kernels)");
    auto [it, inserted] = sizes.emplace(name, size);
    if (!inserted && it->second != size)
      return inputError("dimension '" + name + "' is " + llvm::Twine(it->second) + " from " +
                        origin[name] + " but " + llvm::Twine(size) + " from " + from);
    origin.emplace(name, from);
    return llvm::Error::success();
  }

  /// Per-dimension names of argument `i` ("" where unnamed).
  std::vector<std::string> namesOf(unsigned i, int64_t rank) {
    std::vector<std::string> names(rank);
    if (auto attr = func.getArgAttrOfType<StringAttr>(i, "attn.dims"))
      for (int64_t d = 0; d < rank && d < (int64_t)attr.getValue().size(); ++d)
        names[d] = std::string(1, attr.getValue()[d]);
    return names;
  }

  /// Every name the arguments give their dimensions.
  std::set<std::string> allNames() {
    std::set<std::string> all;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (auto type = dyn_cast<RankedTensorType>(func.getArgumentTypes()[i]))
        for (const std::string &n : namesOf(i, type.getRank()))
          if (!n.empty())
            all.insert(n);
    return all;
  }
};

/// Fills `array` with seeded random data for an argument of element type `elt`.
void fillRandom(NpyArray &array, Type elt, unsigned argument, const InputSpec &spec) {
  std::mt19937_64 gen(spec.seed * 1000003ull + argument);
  int64_t n = array.numElements();
  if (array.dtype == NpyDType::I1) {
    // i1 arguments are boolean masks (true: the pair takes part): ~70% true, and the
    // first element of each row true so that no row is empty.
    int64_t row = array.shape.empty() ? 1 : std::max<int64_t>(array.shape.back(), 1);
    std::bernoulli_distribution keep(0.7);
    for (int64_t e = 0; e < n; ++e)
      array.bytes[e] = e % row == 0 || keep(gen);
    return;
  }
  if (array.dtype == NpyDType::I32) {
    // i32 arguments are segment (document) ids: along the last dimension, documents
    // of random lengths (1 to ~2/5 of the row) numbered 0, 1, 2, ... (sequence packing).
    int64_t row = array.shape.empty() ? 1 : array.shape.back();
    auto *ids = reinterpret_cast<int32_t *>(array.bytes.data());
    std::uniform_int_distribution<int64_t> length(1, std::max<int64_t>(1, 2 * row / 5));
    for (int64_t start = 0; start < n; start += std::max<int64_t>(row, 1)) {
      int32_t doc = 0;
      for (int64_t e = 0, left = length(gen); e < row && start + e < n; ++e, --left) {
        if (left == 0) {
          ++doc;
          left = length(gen);
        }
        ids[start + e] = doc;
      }
    }
    return;
  }
  std::normal_distribution<double> normal(0.0, spec.scale);
  for (int64_t e = 0; e < n; ++e) {
    double x = normal(gen);
    // Drawn in f32 for every type below f64, then rounded: the reference then sees
    // exactly what the kernel sees.
    setElement(array, e, array.dtype == NpyDType::F64 ? x : (double)(float)x);
  }
}
/// The argument number of `value` when it is an argument of `func`'s entry block.
std::optional<unsigned> argumentNumber(func::FuncOp func, Value value) {
  auto arg = dyn_cast_or_null<BlockArgument>(value);
  if (!arg || arg.getOwner() != &func.getBody().front())
    return std::nullopt;
  return arg.getArgNumber();
}

/// Random page tables and lengths for paged attention whose table, lengths and pools
/// are arguments: each sequence's pages are drawn from a random permutation of the
/// pool's pages (out of order; shared when the tables need more pages than the pool
/// has); sequence 0 fills its table, sequence 1 is empty when there are at least three,
/// the others have random lengths up to what their table holds.
void fillPageTables(func::FuncOp func, std::vector<Input> &inputs, const InputSpec &spec) {
  func.walk([&](AttentionOp op) {
    if (!op.isPaged())
      return;
    std::optional<unsigned> table = argumentNumber(func, op.getPageTable()),
                            lengths = argumentNumber(func, op.getLengths()),
                            pool = argumentNumber(func, op.getKey());
    if (!table || !lengths || !pool)
      return;
    NpyArray &t = inputs[*table].array, &l = inputs[*lengths].array;
    const NpyArray &k = inputs[*pool].array;
    int64_t batches = t.shape[0], perSequence = t.shape[1], pages = k.shape[0],
            pageSize = k.shape[1];
    std::mt19937_64 gen(spec.seed * 1000003ull + *table);
    std::vector<int32_t> order(std::max<int64_t>(pages, 1));
    for (int64_t p = 0; p < pages; ++p)
      order[p] = int32_t(p);
    std::shuffle(order.begin(), order.end(), gen);
    auto *ids = reinterpret_cast<int32_t *>(t.bytes.data());
    for (int64_t e = 0; e < batches * perSequence; ++e)
      ids[e] = pages ? order[e % pages] : 0;
    auto *n = reinterpret_cast<int32_t *>(l.bytes.data());
    int64_t capacity = std::min<int64_t>(perSequence * pageSize, kMaxPosition - 1);
    std::uniform_int_distribution<int64_t> length(std::min<int64_t>(1, capacity), capacity);
    for (int64_t b = 0; b < batches; ++b)
      n[b] = int32_t(b == 0 ? capacity : (b == 1 && batches >= 3) ? 0 : length(gen));
    inputs[*table].description = "random page table (a shuffled pool), seed " +
                                 std::to_string(spec.seed);
    inputs[*lengths].description = "sequence lengths (the first full, the second empty "
                                   "from 3 sequences on, the rest random)";
  });
}
/// Random sequence offsets (cu_seqlens) for packed attention whose offsets and q / k are
/// arguments: S sequences cut at random points of the packed rows (sorted; the second
/// sequence empty from 3 on), the last ending at the packed length.
void fillSequenceOffsets(func::FuncOp func, std::vector<Input> &inputs, const InputSpec &spec) {
  func.walk([&](AttentionOp op) {
    if (!op.isVarlen())
      return;
    for (auto [offsets, tensor] : {std::pair<Value, Value>{op.getCuSeqlensQ(), op.getQuery()},
                                   {op.getCuSeqlensK(), op.getKey()}}) {
      std::optional<unsigned> o = argumentNumber(func, offsets), t = argumentNumber(func, tensor);
      if (!o || !t)
        continue;
      NpyArray &cu = inputs[*o].array;
      int64_t entries = cu.shape[0], rows = inputs[*t].array.shape[2];
      std::mt19937_64 gen(spec.seed * 1000003ull + *o);
      std::uniform_int_distribution<int64_t> cut(0, rows);
      std::vector<int64_t> points;
      for (int64_t s = 1; s + 1 < entries; ++s)
        points.push_back(cut(gen));
      std::sort(points.begin(), points.end());
      auto *x = reinterpret_cast<int32_t *>(cu.bytes.data());
      for (int64_t s = 0; s < entries; ++s)
        x[s] = int32_t(s == 0 ? 0 : s == entries - 1 ? rows : points[s - 1]);
      if (entries >= 4)
        x[2] = x[1]; // an empty second sequence
      inputs[*o].description = "random sequence offsets (cu_seqlens), seed " +
                               std::to_string(spec.seed);
    }
  });
}
} // namespace

llvm::Expected<std::vector<Input>> mlir::attn::prepareInputs(func::FuncOp func,
                                                             const InputSpec &spec) {
  if (!std::isfinite(spec.scale) || spec.scale < 0)
    return inputError("--input-scale must be finite and non-negative, got " +
                      std::to_string(spec.scale));
  ShapeResolver resolver{func, {}, {}};
  if (!spec.dims.empty()) {
    std::set<std::string> known = resolver.allNames();
    llvm::SmallVector<llvm::StringRef> items;
    llvm::StringRef(spec.dims).split(items, ',', -1, false);
    for (llvm::StringRef item : items) {
      auto [name, value] = item.split('=');
      int64_t size;
      if (name.trim().empty() || value.trim().getAsInteger(10, size))
        return inputError("--dims expects name=size pairs, got '" + item + "'");
      std::string key = name.trim().str();
      if (!known.count(key))
        return inputError("--dims names '" + key + "', which no argument of @" +
                          func.getSymName() + " has (its named dimensions: " +
                          (known.empty() ? std::string("none")
                                         : llvm::join(known.begin(), known.end(), ", ")) +
                          ")");
      if (llvm::Error err = resolver.bind(key, size, "--dims"))
        return std::move(err);
    }
  }

  // Physical memory bounds what can be allocated at all; the kernels need more
  // (results, scratch), so this only rejects what can never run.
  uint64_t memory = uint64_t(sysconf(_SC_PHYS_PAGES)) * uint64_t(sysconf(_SC_PAGESIZE));
  uint64_t totalBytes = 0;
  std::vector<Input> inputs(func.getNumArguments());
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(func.getArgumentTypes()[i]);
    Type elt = type ? type.getElementType() : Type();
    bool half = elt && (elt.isF16() || elt.isBF16());
    if (!type || !(elt.isF32() || elt.isF64() || elt.isInteger(32) || elt.isInteger(1) ||
                   half))
      return inputError("argument #" + llvm::Twine(i) + " of @" + func.getSymName() +
                        " must be a ranked f32, f64, f16, bf16, i32 or i1 tensor");
    Input &input = inputs[i];
    NpyArray &array = input.array;
    array.dtype = elt.isF32()   ? NpyDType::F32
                  : elt.isF64() ? NpyDType::F64
                  : elt.isF16() ? NpyDType::F16
                  : elt.isBF16() ? NpyDType::BF16
                  : elt.isInteger(1) ? NpyDType::I1
                                 : NpyDType::I32;
    input.typeName = dtypeName(array.dtype);
    std::vector<std::string> names = resolver.namesOf(i, type.getRank());
    if (!spec.directory.empty()) {
      llvm::SmallString<256> path(spec.directory);
      llvm::sys::path::append(path, "arg" + std::to_string(i) + ".npy");
      auto file = readNpy(path);
      if (!file)
        return file.takeError();
      // f16 / bf16 arguments also read f32 / f64 files, rounded to their type.
      bool widerFloat = half && (file->dtype == NpyDType::F32 || file->dtype == NpyDType::F64);
      if (widerFloat)
        *file = convertArray(*file, array.dtype);
      if (file->dtype != array.dtype)
        return inputError(path + ": dtype " + npyDescr(file->dtype) + " but argument #" +
                          llvm::Twine(i) + " is " + dtypeName(array.dtype) + " (" +
                          npyDescr(array.dtype) + ")");
      if ((int64_t)file->shape.size() != type.getRank())
        return inputError(path + ": shape (" + shapeString(file->shape) + ") has rank " +
                          llvm::Twine(file->shape.size()) + " but argument #" +
                          llvm::Twine(i) + " has rank " + llvm::Twine(type.getRank()));
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d) && type.getDimSize(d) != file->shape[d])
          return inputError(path + ": shape (" + shapeString(file->shape) +
                            ") does not match argument #" + llvm::Twine(i) +
                            " of static size " + llvm::Twine(type.getDimSize(d)) +
                            " in dimension " + llvm::Twine(d));
        if (!names[d].empty())
          if (llvm::Error err = resolver.bind(names[d], file->shape[d], path.str().str()))
            return std::move(err);
      }
      array = std::move(*file);
      input.description = "from " + spec.directory;
      continue;
    }
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t size = type.getDimSize(d);
      const std::string &name = names[d];
      if (!name.empty() && resolver.sizes.count(name)) {
        if (!type.isDynamicDim(d) && resolver.sizes[name] != size)
          return inputError("dimension '" + name + "' is static " + llvm::Twine(size) +
                            " in argument #" + llvm::Twine(i) + " but " +
                            llvm::Twine(resolver.sizes[name]) + " from " +
                            resolver.origin[name]);
        size = resolver.sizes[name];
      } else if (type.isDynamicDim(d)) {
        auto defaults = func->getAttrOfType<DictionaryAttr>("attn.defaults");
        auto value = defaults && !name.empty() ? defaults.getAs<IntegerAttr>(name)
                                               : IntegerAttr();
        if (!value)
          return inputError("dimension " + llvm::Twine(d) + " of argument #" +
                            llvm::Twine(i) + " of @" + func.getSymName() +
                            " is dynamic: name it with {attn.dims = \"...\"} and give its "
                            "size with --dims or the function attribute attn.defaults");
        size = value.getValue().getSExtValue();
        if (llvm::Error err = resolver.bind(name, size, "attn.defaults"))
          return std::move(err);
      }
      array.shape.push_back(size);
    }
    std::optional<uint64_t> bytes = checkedByteSize(array.shape, array.elementSize());
    if (!bytes || __builtin_add_overflow(totalBytes, *bytes, &totalBytes) ||
        totalBytes > memory)
      return inputError("argument #" + llvm::Twine(i) + " of @" + func.getSymName() + " (" +
                        shapeString(array.shape) + ") does not fit: the arguments need " +
                        (bytes ? std::to_string(totalBytes) : std::string("over 2^63")) +
                        " bytes, this machine has " + llvm::Twine(memory) +
                        " bytes of memory");
    array.bytes.resize(*bytes);
    fillRandom(array, elt, i, spec);
    input.description = array.dtype == NpyDType::I32
                            ? "random documents (segment ids), seed " + std::to_string(spec.seed)
                        : array.dtype == NpyDType::I1
                            ? "random mask (70% true), seed " + std::to_string(spec.seed)
                            : "random normal, seed " + std::to_string(spec.seed);
  }
  if (spec.directory.empty()) {
    fillPageTables(func, inputs, spec);
    fillSequenceOffsets(func, inputs, spec);
  }
  return inputs;
}
