"""Writes arg0..arg3.npy for moba.mlir: q [1,4,M,32], k/v [1,2,N,32] random normal and
[1, 4, ceil(M / bq), K] i32 top-k key-block indices: K distinct random blocks per query
block (causal ones for --causal), the last slots -1 padding or past the last block.

    moba_inputs.py DIR M N BQ BK K [--causal]
"""
import os
import sys

import numpy as np

out, m, n, bq, bk, topk = sys.argv[1], *map(int, sys.argv[2:7])
causal = "--causal" in sys.argv
rng = np.random.default_rng(7)
os.makedirs(out, exist_ok=True)
np.save(os.path.join(out, "arg0.npy"), rng.standard_normal((1, 4, m, 32), dtype=np.float32))
np.save(os.path.join(out, "arg1.npy"), rng.standard_normal((1, 2, n, 32), dtype=np.float32))
np.save(os.path.join(out, "arg2.npy"), rng.standard_normal((1, 2, n, 32), dtype=np.float32))
qblocks, kblocks = -(-m // bq), -(-n // bk)
idx = np.full((1, 4, qblocks, topk), -1, dtype=np.int32)
for h in range(4):
    for qb in range(qblocks):
        # End-aligned position of the block's last row decides which blocks are causal.
        last = min((qb + 1) * bq, m) - 1 + n - m
        limit = max(1, min(kblocks, last // bk + 1)) if causal else kblocks
        chosen = rng.choice(limit, size=min(topk - 1, limit), replace=False)
        idx[0, h, qb, : len(chosen)] = chosen
        if (qb + h) % 3 == 0:
            idx[0, h, qb, -1] = kblocks + 5  # past the last block: selects nothing
np.save(os.path.join(out, "arg3.npy"), idx)
