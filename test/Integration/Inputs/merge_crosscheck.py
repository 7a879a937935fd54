"""NumPy (float64) check of shared-prefix attention through attn.merge.

usage: merge_crosscheck.py DIR
Reads DIR/arg0..4.npy (q, prefix k and v, suffix k and v) and result0/1.npy (the
merged output and log-sum-exp written by attn-run --save-io), computes softmax
attention of q over the concatenated keys under an end-aligned causal mask and its
log-sum-exp, prints "numpy: max_rel_err=<x> PASS|FAIL", exits non-zero on FAIL.
"""
import sys

import numpy as np

d = sys.argv[1]
q, kp, vp, ks, vs, out, lse = (np.load(f"{d}/{n}.npy").astype(np.float64) for n in
                               ("arg0", "arg1", "arg2", "arg3", "arg4", "result0", "result1"))
k = np.concatenate([kp, ks], axis=2)
v = np.concatenate([vp, vs], axis=2)
ratio = q.shape[1] // k.shape[1]
k, v = np.repeat(k, ratio, axis=1), np.repeat(v, ratio, axis=1)
nq, nk = q.shape[2], k.shape[2]
s = np.einsum("bhid,bhjd->bhij", q, k) / np.sqrt(q.shape[3])
visible = np.arange(nk)[None, :] <= np.arange(nq)[:, None] + (nk - nq)
s = np.where(visible, s, -np.inf)
m = s.max(axis=-1, keepdims=True)
w = np.exp(s - m)
expected = np.einsum("bhij,bhje->bhie", w / w.sum(-1, keepdims=True), v)
expected_lse = (m[..., 0] + np.log(w.sum(-1)))
err = max(np.max(np.abs(out - expected)) / max(np.max(np.abs(expected)), 1e-30),
          np.max(np.abs(lse - expected_lse)) / max(np.max(np.abs(expected_lse)), 1e-30))
ok = err <= 1e-5
print(f"numpy: max_rel_err={err:.3e} {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
