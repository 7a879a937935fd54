"""compare_npy.py A.npy B.npy [TOL]: prints "same: max_rel_err=<x> PASS|FAIL"."""
import sys

import numpy as np

a, b = np.load(sys.argv[1]).astype(np.float64), np.load(sys.argv[2]).astype(np.float64)
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
err = np.abs(a - b).max() / max(np.abs(b).max(), 1e-30) if a.shape == b.shape else np.inf
ok = a.shape == b.shape and np.isfinite(a).all() and err <= tol
print(f"same: max_rel_err={err:.3e} {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
