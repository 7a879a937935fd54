//===- CompiledKernel.h - compile attn text and call it on caller buffers --===//
//
// The embedding interface (the Python extension is its first user): parse a module
// from text, JIT-compile one function through attn-to-cpu with its results turned
// into caller-allocated buffers (`results-to-out-params`), and call it on raw host
// pointers: no copy in, no copy out. Only standard C++ types cross this header, so a
// client built with RTTI and exceptions (pybind11) links against the LLVM-style
// libraries without sharing their ABI details.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_COMPILEDKERNEL_H
#define ATTN_RUNTIME_COMPILEDKERNEL_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlir::attn {

/// An argument or result of the compiled function: element type ("f32", "f64", "f16",
/// "bf16", "i32", "i64") and shape, -1 for a dynamic size.
struct TensorSpec {
  std::string dtype;
  std::vector<int64_t> shape;
};

/// A caller-owned, row-major (C-contiguous) host array.
struct HostBuffer {
  void *data = nullptr;
  const int64_t *shape = nullptr;
  int64_t rank = 0;
};

class CompiledKernel {
public:
  virtual ~CompiledKernel();

  const std::vector<TensorSpec> &arguments() const { return args; }
  const std::vector<TensorSpec> &results() const { return outs; }
  /// Seconds the parse + pipeline + LLVM JIT took (or the parse + load of a cached
  /// object file).
  double compileSeconds() const { return seconds; }
  /// Whether the machine code came from the on-disk cache.
  bool fromCache() const { return cached; }
  /// Seconds of the compile's phases: MLIR pipeline, LLVM IR + -O3, machine code.
  virtual std::vector<double> compilePhases() const = 0;
  /// Seconds the compiled code itself took in the latest `run` (on any thread): what
  /// a call costs beyond it is the caller's overhead.
  virtual double lastRunSeconds() const = 0;

  /// The results' shapes for arguments of `shapes` (sizes of dynamic results come
  /// from the reference evaluator's shape pass, which also rejects inputs that do not
  /// fit the program); false with the diagnostics in `error`.
  virtual bool resultShapes(const std::vector<std::vector<int64_t>> &shapes,
                            std::vector<std::vector<int64_t>> &out, std::string &error) = 0;

  /// Runs on `buffers`: the arguments, then one buffer per result, all of the shapes
  /// the caller checked (`resultShapes`). `threads` > 0 sets the OpenMP team size of
  /// this call's parallel loops (this thread's setting; 0 leaves it). Safe to call from
  /// several threads at once.
  virtual bool run(const HostBuffer *buffers, size_t count, int threads,
                   std::string &error) = 0;

protected:
  std::vector<TensorSpec> args, outs;
  double seconds = 0;
  bool cached = false;
};

/// Parses `text` (named `sourceName` in locations), picks `entry` (empty: the only
/// public function) and compiles it with attn-to-cpu `pipelineOptions` (its option
/// syntax, e.g. "target=host threads=true"; results-to-out-params is always on).
/// Returns null with every diagnostic (file:line:col, the source line and a caret) in
/// `error`. Thread-safe: compilations share one MLIR context under a lock.
///
/// With `cacheDir`, machine code is kept there across processes: one object file per
/// (text, entry, options, host CPU and its features, LLVM version, the compiler
/// binary's size and time), loaded instead of compiled when present.
std::unique_ptr<CompiledKernel> compileKernel(const std::string &text,
                                              const std::string &sourceName,
                                              const std::string &entry,
                                              const std::string &pipelineOptions,
                                              std::string &error,
                                              const std::string &cacheDir = "");

/// The attn-to-cpu options of `compileKernel` as text: false with the message if
/// `options` does not parse.
bool checkPipelineOptions(const std::string &options, std::string &error);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_COMPILEDKERNEL_H
