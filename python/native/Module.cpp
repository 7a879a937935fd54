//===- Module.cpp - attn_mlir._native: the Python extension ---------------===//
//
// A thin layer over CompiledKernel.h: compile MLIR text into a kernel, ask it for its
// result shapes, run it on raw host pointers. Everything Python-specific (dtypes,
// NumPy / torch tensors, caches, building attn.attention text) lives in the attn_mlir
// package; this file only moves plain values across, and releases the GIL while the
// compiler or a kernel runs.
//
//===----------------------------------------------------------------------===//
#include "attn/Runtime/CompiledKernel.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>

namespace py = pybind11;
using mlir::attn::CompiledKernel;
using mlir::attn::HostBuffer;
using mlir::attn::TensorSpec;

namespace {
/// Compiler diagnostics; surfaces in Python as attn_mlir.CompileError.
struct CompileFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

py::list specList(const std::vector<TensorSpec> &specs) {
  py::list list;
  for (const TensorSpec &s : specs)
    list.append(py::make_tuple(s.dtype, py::tuple(py::cast(s.shape))));
  return list;
}

std::shared_ptr<CompiledKernel> compile(const std::string &text, const std::string &source,
                                        const std::string &entry, const std::string &options,
                                        const std::string &cacheDir) {
  std::string error;
  std::unique_ptr<CompiledKernel> kernel;
  {
    py::gil_scoped_release release;
    kernel = mlir::attn::compileKernel(text, source, entry, options, error, cacheDir);
  }
  if (!kernel)
    throw CompileFailure(error);
  return std::shared_ptr<CompiledKernel>(std::move(kernel));
}

std::vector<std::vector<int64_t>> resultShapes(CompiledKernel &kernel,
                                               const std::vector<std::vector<int64_t>> &shapes) {
  std::vector<std::vector<int64_t>> out;
  std::string error;
  if (!kernel.resultShapes(shapes, out, error))
    throw py::value_error(error);
  return out;
}

/// `pointers` and `shapes`: the arguments, then the results.
void run(CompiledKernel &kernel, const std::vector<uintptr_t> &pointers,
         const std::vector<std::vector<int64_t>> &shapes, int threads) {
  if (pointers.size() != shapes.size())
    throw py::value_error("run: as many pointers as shapes");
  std::vector<HostBuffer> buffers(pointers.size());
  for (size_t i = 0; i < pointers.size(); ++i)
    buffers[i] = HostBuffer{reinterpret_cast<void *>(pointers[i]), shapes[i].data(),
                            static_cast<int64_t>(shapes[i].size())};
  std::string error;
  bool ok;
  {
    py::gil_scoped_release release;
    ok = kernel.run(buffers.data(), buffers.size(), threads, error);
  }
  if (!ok)
    throw std::runtime_error(error);
}
/// The data address of a NumPy array (buffer protocol, no format asked: ml_dtypes'
/// bfloat16 has no PEP 3118 code) or of a torch tensor (data_ptr()); the caller has
/// checked that each is C-contiguous and on the CPU. Views are kept until the call ends.
struct Addresses {
  std::vector<Py_buffer> views;
  std::vector<uintptr_t> pointers;

  explicit Addresses(const py::list &objects) {
    views.reserve(objects.size());
    for (py::handle o : objects) {
      Py_buffer view;
      if (PyObject_GetBuffer(o.ptr(), &view, PyBUF_SIMPLE) == 0) {
        views.push_back(view);
        pointers.push_back(reinterpret_cast<uintptr_t>(view.buf));
        continue;
      }
      PyErr_Clear();
      pointers.push_back(o.attr("data_ptr")().cast<uintptr_t>());
    }
  }
  ~Addresses() {
    for (Py_buffer &view : views)
      PyBuffer_Release(&view);
  }
};

/// `run` on the arrays themselves: the arguments, then the results.
void runObjects(CompiledKernel &kernel, const py::list &objects,
                const std::vector<std::vector<int64_t>> &shapes, int threads) {
  if (objects.size() != shapes.size())
    throw py::value_error("run: as many arrays as shapes");
  Addresses addresses(objects);
  run(kernel, addresses.pointers, shapes, threads);
}
} // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "attn-mlir's compiler and JIT runtime (use the attn_mlir package)";
  py::register_exception<CompileFailure>(m, "CompileError");

  py::class_<CompiledKernel, std::shared_ptr<CompiledKernel>>(m, "Kernel")
      .def_property_readonly("arguments",
                             [](const CompiledKernel &k) { return specList(k.arguments()); })
      .def_property_readonly("results",
                             [](const CompiledKernel &k) { return specList(k.results()); })
      .def_property_readonly("compile_seconds", &CompiledKernel::compileSeconds)
      .def_property_readonly("last_run_seconds", &CompiledKernel::lastRunSeconds)
      .def_property_readonly("from_cache", &CompiledKernel::fromCache)
      .def_property_readonly("compile_phases", &CompiledKernel::compilePhases,
                             "seconds: MLIR pipeline, LLVM IR + -O3, machine code")
      .def("result_shapes", &resultShapes, py::arg("shapes"))
      .def("run", &run, py::arg("pointers"), py::arg("shapes"), py::arg("threads") = 0)
      .def("run_arrays", &runObjects, py::arg("arrays"), py::arg("shapes"),
           py::arg("threads") = 0);

  m.def("compile", &compile, py::arg("text"), py::arg("source"), py::arg("entry") = "",
        py::arg("options") = "", py::arg("cache_dir") = "",
        "Parses MLIR text and JIT-compiles one function through attn-to-cpu, its results "
        "as caller buffers; raises CompileError with the diagnostics");
  m.def(
      "check_options",
      [](const std::string &options) {
        std::string error;
        if (!mlir::attn::checkPipelineOptions(options, error))
          throw py::value_error(error);
      },
      py::arg("options"));
}
