"""Repeat calls without the first call's work. The first call of an operand signature
(element types, shapes, which operands were given) is validated, compiled and its
result shapes inferred; it leaves a record, and later calls with arrays of the same
signature, of the same kind (all NumPy or all torch), C-contiguous (on the CPU, no
grad) only check that and run: the issue's target is 20 us per call, where PyTorch's
own SDPA call costs ~5 us."""

import sys

import numpy as np


def signature(tag, ops):
    """A hashable key of `ops` (AttributeError for things that are not arrays)."""
    key = [tag]
    for a in ops:
        key.append(a.dtype)
        key.append(a.shape)
    return tuple(key)


class Record:
    __slots__ = ("kernel", "torch", "shapes", "results")

    def __init__(self, kernel, torch, shapes, results):
        self.kernel, self.torch, self.shapes, self.results = kernel, torch, shapes, results


class FastCalls:
    def __init__(self):
        self.records = {}

    def remember(self, key, kernel, ops, results):
        if key is None or len(self.records) > 4096:
            return
        torch = sys.modules.get("torch")
        kinds = {type(a) for a in list(ops) + list(results)}
        if kinds == {np.ndarray}:
            is_torch = False
        elif torch is not None and kinds == {torch.Tensor}:
            is_torch = True
        else:
            return
        shapes = [tuple(a.shape) for a in ops] + [tuple(r.shape) for r in results]
        specs = [(r.dtype, tuple(r.shape)) for r in results]
        self.records[key] = Record(kernel, is_torch, shapes, specs)

    def call(self, key, ops, outs, threads):
        """The results, or None where the first call's path must run (and explain)."""
        record = self.records.get(key)
        if record is None:
            return None
        results = []
        if record.torch:
            torch = sys.modules["torch"]
            if torch.compiler.is_compiling():
                return None
            grad = torch.is_grad_enabled()
            for a in ops:
                if type(a) is not torch.Tensor or not a.is_cpu or not a.is_contiguous() or \
                        (grad and a.requires_grad):
                    return None
            for (dtype, shape), given in zip(record.results, outs):
                if given is None:
                    given = torch.empty(shape, dtype=dtype)
                elif type(given) is not torch.Tensor or given.dtype != dtype or \
                        given.shape != shape or not given.is_cpu or \
                        not given.is_contiguous() or given.requires_grad:
                    return None
                results.append(given)
        else:
            for a in ops:
                if type(a) is not np.ndarray or not a.flags.c_contiguous:
                    return None
            for (dtype, shape), given in zip(record.results, outs):
                if given is None:
                    given = np.empty(shape, dtype=dtype)
                elif type(given) is not np.ndarray or given.dtype != dtype or \
                        given.shape != shape or not given.flags.c_contiguous or \
                        not given.flags.writeable:
                    return None
                results.append(given)
        record.kernel.run_arrays(list(ops) + results, record.shapes, threads)
        return results
