"""NumPy arrays and torch CPU tensors as the compiled kernels see them: an element
type, a shape and the address of row-major data. Nothing here copies an array that
is already C-contiguous; the kernels read and write the callers' memory."""

import sys

import numpy as np

# NumPy dtype -> MLIR element type. bf16 is ml_dtypes.bfloat16 (recognised by name,
# so ml_dtypes is needed only by callers who use it).
_NUMPY_TYPES = {
    np.dtype(np.float32): "f32",
    np.dtype(np.float64): "f64",
    np.dtype(np.float16): "f16",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.bool_): "i1",
}
_MLIR_TO_NUMPY = {v: k for k, v in _NUMPY_TYPES.items()}


def _torch():
    """torch if the caller has imported it (attn_mlir never imports it first)."""
    return sys.modules.get("torch")


def _torch_types(torch):
    return {
        torch.float32: "f32",
        torch.float64: "f64",
        torch.float16: "f16",
        torch.bfloat16: "bf16",
        torch.int32: "i32",
        torch.int64: "i64",
        torch.bool: "i1",
    }


_torch_type_cache = None


def is_tensor(x):
    torch = _torch()
    return torch is not None and isinstance(x, torch.Tensor)


def element_type(x):
    """The MLIR element type of an array or tensor; TypeError for anything else."""
    global _torch_type_cache
    if isinstance(x, np.ndarray):
        t = _NUMPY_TYPES.get(x.dtype)
        if t is None:
            if x.dtype.name == "bfloat16":
                return "bf16"
            raise TypeError(f"unsupported NumPy dtype {x.dtype} (f32, f64, f16, "
                            "ml_dtypes.bfloat16, i32, i64)")
        return t
    if is_tensor(x):
        if _torch_type_cache is None:
            _torch_type_cache = _torch_types(_torch())
        t = _torch_type_cache.get(x.dtype)
        if t is None:
            raise TypeError(f"unsupported torch dtype {x.dtype}")
        return t
    raise TypeError(f"expected a numpy.ndarray or a torch.Tensor, got {type(x).__name__}")


def as_contiguous(x, name):
    """`x` itself if row-major and on the CPU, else a row-major copy (inputs only)."""
    if isinstance(x, np.ndarray):
        return x if x.flags.c_contiguous else np.ascontiguousarray(x)
    if is_tensor(x):
        if x.device.type != "cpu":
            raise ValueError(f"{name}: attn_mlir runs on the CPU, got a tensor on {x.device}")
        if x.requires_grad:
            x = x.detach()
        return x if x.is_contiguous() else x.contiguous()
    return as_contiguous(np.asarray(x), name)


def check_output(x, name, dtype, shape):
    """An `out=` buffer must be exactly what the kernel writes: no copy is made."""
    if element_type(x) != dtype or tuple(x.shape) != tuple(shape):
        raise ValueError(f"{name}: expected {dtype}{list(shape)}, got "
                         f"{element_type(x)}{list(x.shape)}")
    if isinstance(x, np.ndarray):
        if not x.flags.c_contiguous or not x.flags.writeable:
            raise ValueError(f"{name}: must be a writeable C-contiguous array")
    else:
        if x.device.type != "cpu" or not x.is_contiguous():
            raise ValueError(f"{name}: must be a contiguous CPU tensor")
        if x.requires_grad:
            raise ValueError(f"{name}: a tensor that requires grad cannot be written in place")


def empty_like_kind(like, dtype, shape):
    """A new array for a result, of the same kind (NumPy / torch) as `like`."""
    if is_tensor(like):
        torch = _torch()
        tt = {v: k for k, v in _torch_types(torch).items()}[dtype]
        return torch.empty(shape, dtype=tt)
    if dtype == "bf16":
        import ml_dtypes
        return np.empty(shape, dtype=ml_dtypes.bfloat16)
    return np.empty(shape, dtype=_MLIR_TO_NUMPY[dtype])
