"""numpy baselines for `npm run bench`: the same model's Monte Carlo the straightforward vectorised way.

usage: bench_numpy.py [--once] N SEED C W1 [W2 ...]   (w = L^T beta, c = beta^T mu: one day is r = c + z @ w)
--once: the baseline once, for timing the whole process from outside (prints {"quantile"})
prints one JSON line {"n", "seconds" (best of 3), "cpu" (best of 3, process CPU seconds), "quantile", "runs",
"projected": {"seconds", "cpu", "quantile", "runs"}}:
- the issue's baseline: standard_normal((N, k)) @ w + c, then partition for the 1% quantile
- "projected": the same one-normal-per-sample reduction varstream uses (r = c + ||w|| z_R, exact in distribution),
  standard_normal(N) * ||w|| + c, then partition: numpy given the same idea, for an honest comparison.
"""
import json
import sys
import time

import numpy as np


def best_of_3(n: int, seed: int, j: int, draw) -> dict:
    runs = []
    cpu = []
    quantile = None
    for _ in range(3):
        t = time.perf_counter()
        c = time.process_time()
        rng = np.random.default_rng(seed)
        r = draw(rng)
        quantile = float(np.partition(r, j)[j])
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        del r
    return {"seconds": min(runs), "cpu": min(cpu), "quantile": quantile, "runs": runs}


def main() -> None:
    once = sys.argv[1] == "--once"
    args = sys.argv[2:] if once else sys.argv[1:]
    n = int(float(args[0]))
    seed = int(args[1])
    c = float(args[2])
    w = np.array([float(x) for x in args[3:]], dtype=np.float64)
    if once:
        r = np.random.default_rng(seed).standard_normal((n, w.size)) @ w + c
        j = int(0.01 * n)
        print(json.dumps({"quantile": float(np.partition(r, j)[j])}))
        return
    norm = float(np.linalg.norm(w))
    j = int(0.01 * n)
    full = best_of_3(n, seed, j, lambda rng: rng.standard_normal((n, w.size)) @ w + c)
    projected = best_of_3(n, seed, j, lambda rng: rng.standard_normal(n) * norm + c)
    print(json.dumps({"n": n, **full, "projected": projected}))


if __name__ == "__main__":
    main()
