"""A stand-in for CuPy with no GPU behind it, for gpu-bundle.test: device arrays are
NumPy arrays with an address, kernels record their launches (grid, block, the packed
arguments) in FAKE_CUPY_LOG and leave the results at zero, events report 1 ms. It lets
run_bundle.py's whole path (loading, conversion, allocation, packing, launching, timing,
writing) run where no GPU is; what it cannot check is the driver itself."""
import json
import os

import numpy as np

_LOG = os.environ.get("FAKE_CUPY_LOG")


class _Data:
    def __init__(self, array):
        self.ptr = array.__array_interface__["data"][0]


class ndarray(np.ndarray):
    @property
    def data(self):
        return _Data(self)


def asarray(a):
    return np.ascontiguousarray(a).view(ndarray)


def zeros(shape, dtype):
    return np.zeros(shape, dtype=dtype).view(ndarray)


def asnumpy(a):
    return np.asarray(a).copy()


class _Function:
    def __init__(self, path, name):
        self.path, self.name = path, name

    def __call__(self, grid, block, args):
        if _LOG:
            with open(_LOG, "a") as f:
                f.write(json.dumps({"cubin": os.path.basename(self.path), "kernel": self.name,
                                    "grid": list(grid), "block": list(block),
                                    "args": [int(a) for a in args],
                                    "types": sorted({type(a).__name__ for a in args})}) + "\n")


class RawModule:
    def __init__(self, path):
        if not os.path.exists(path):
            raise FileNotFoundError(path)
        self.path = path

    def get_function(self, name):
        return _Function(self.path, name)


class _Runtime:
    @staticmethod
    def getDeviceCount():
        return 1

    @staticmethod
    def getDeviceProperties(i):
        return {"name": b"fake device"}

    @staticmethod
    def deviceSynchronize():
        pass


class _Event:
    def record(self):
        pass

    def synchronize(self):
        pass


class _Cuda:
    runtime = _Runtime()
    Event = _Event

    @staticmethod
    def get_elapsed_time(start, stop):
        return 1.0


cuda = _Cuda()
