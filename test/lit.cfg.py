# -*- Python -*-
import os
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "ATTN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attn_obj_root, "test")
config.excludes = ["Inputs", "downstream", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", ".venv"]

llvm_config.with_system_environment(["HOME", "TMP", "TEMP", "ASAN_OPTIONS", "UBSAN_OPTIONS"])
llvm_config.use_default_substitutions()  # FileCheck, not, count, ...
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["attn-opt", "attn-run", "attn-compile", "attn-capi-test", "mlir-opt",
                                    "mlir-translate", "llc"],
                                   [config.attn_tools_dir, config.llvm_tools_dir])

config.substitutions.append(("%attn_obj", config.attn_obj_root))
config.substitutions.append(("%attn_src", config.attn_src_root))
config.substitutions.append(("%examples", os.path.join(config.attn_src_root, "examples")))

# The sanitizer build (ATTN_SANITIZE=ON): programs that are not instrumented but load
# instrumented code (Debian's mlir-opt with the plugin) get the ASan runtime preloaded;
# downstream projects linking the instrumented libraries link the runtime too.
if getattr(config, "attn_sanitize", False):
    config.available_features.add("sanitize")
    runtime = subprocess.check_output(
        ["clang++-22", "-print-file-name=libclang_rt.asan-x86_64.so"], text=True).strip()
    config.substitutions.append(("%preload_sanitizer", "env LD_PRELOAD=" + runtime))
    config.substitutions.append(("%sanitizer_link_flags", "-fsanitize=address,undefined"))
else:
    config.substitutions.append(("%preload_sanitizer", ""))
    config.substitutions.append(("%sanitizer_link_flags", ""))

# CPU features the low-precision kernels' tests need (the JIT runs on this CPU).
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = set(next((l for l in cpuinfo if l.startswith("flags")), "").split())
except OSError:
    flags = set()
if "avx512_bf16" in flags:
    config.available_features.add("avx512bf16")
if "amx_bf16" in flags and "amx_tile" in flags:
    config.available_features.add("amx")

# The Python that runs the independent NumPy checks: ATTN_TEST_PYTHON, else the test
# virtual environment that scripts/test.sh creates, else python3.
python = os.environ.get("ATTN_TEST_PYTHON")
if not python:
    venv = os.path.join(config.attn_src_root, "test", ".venv", "bin", "python3")
    python = venv if os.path.exists(venv) else "python3"
config.substitutions.append(("%attn_python", python))
try:
    subprocess.check_call([python, "-c", "import numpy"], stderr=subprocess.DEVNULL)
    config.available_features.add("numpy")
except (OSError, subprocess.CalledProcessError):
    lit_config.note("numpy not found for %s: NumPy cross-checks are unsupported" % python)

# ptxas (CUDA) validates the generated PTX where it is installed.
ptxas = None
for root in [os.environ.get("CUDA_HOME"), "/usr/local/cuda"]:
    if root and os.access(os.path.join(root, "bin", "ptxas"), os.X_OK):
        ptxas = os.path.join(root, "bin", "ptxas")
        break
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
else:
    lit_config.note("ptxas not found: PTX validation tests are unsupported")
