"""numpy.percentile (default 'linear') on data both numpy and JS build bit-identically (integers / 1e4), for the
tail tests' exact-equality check. Run with /usr/bin/python3 (numpy 1.24); writes test/fixtures/numpy/percentile.json."""
import json

import numpy as np

cases = []
for n in (2, 7, 333, 1237, 9999, 10000, 100003, 1000003):
    x = np.array([((i * 7919) % 10007 - 5003) / 1e4 for i in range(n)])
    cases.append({"n": n, "percentile": {str(p): float(np.percentile(x, p)) for p in (1, 2.5, 5)}})
with open("test/fixtures/numpy/percentile.json", "w") as f:
    json.dump({"numpy": np.__version__, "data": "x_i = ((i*7919) % 10007 - 5003) / 1e4", "cases": cases}, f, indent=1)
