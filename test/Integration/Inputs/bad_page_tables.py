"""Writes inputs for paged.mlir's @decode_gqa whose page table and lengths are out of
range (page 1000 and -5 in a pool of 64, lengths 999 and -3 for tables of 192 keys).

usage: bad_page_tables.py DIR
"""
import sys

import numpy as np

d = sys.argv[1]
r = np.random.default_rng(0)
np.save(f"{d}/arg0.npy", r.standard_normal((8, 8, 1, 64)).astype(np.float32))
np.save(f"{d}/arg1.npy", r.standard_normal((64, 16, 2, 64)).astype(np.float32))
np.save(f"{d}/arg2.npy", r.standard_normal((64, 16, 2, 64)).astype(np.float32))
table = r.integers(0, 64, (8, 12)).astype(np.int32)
table[3, 2], table[4, 0] = 1000, -5
np.save(f"{d}/arg3.npy", table)
np.save(f"{d}/arg4.npy", np.array([192, 5, 40, 100, 16, 999, 0, -3], np.int32))
