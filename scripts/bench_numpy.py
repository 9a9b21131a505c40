"""numpy baseline for `npm run bench`: the same model's Monte Carlo the straightforward vectorised way.

usage: bench_numpy.py N SEED C W1 [W2 ...]   (w = L^T beta, c = beta^T mu: one day is r = c + z @ w)
prints one JSON line {"n", "seconds" (best of 3), "quantile", "runs"}.
"""
import json
import sys
import time

import numpy as np


def main() -> None:
    n = int(float(sys.argv[1]))
    seed = int(sys.argv[2])
    c = float(sys.argv[3])
    w = np.array([float(x) for x in sys.argv[4:]], dtype=np.float64)
    j = int(0.01 * n)
    runs = []
    quantile = None
    for _ in range(3):
        t = time.perf_counter()
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, w.size))
        r = z @ w + c
        quantile = float(np.partition(r, j)[j])
        runs.append(time.perf_counter() - t)
        del z, r
    print(json.dumps({"n": n, "seconds": min(runs), "quantile": quantile, "runs": runs}))


if __name__ == "__main__":
    main()
