"""math.fsum (Shewchuk's exact, correctly rounded sum) on sequences built to cancel, span magnitudes and hit
round-half-even ties, for exact-sum.ts's equality check. Writes test/fixtures/numpy/fsum.json (no numpy needed)."""
import json
import math
import random
import struct

rng = random.Random(20240430)


def bits(x):
    return struct.unpack("<q", struct.pack("<d", x))[0]


cases = [
    [1e100, 1.0, -1e100],
    [0.1] * 10,
    [1.0, 2.0**-53, 2.0**-106],  # a half-way case that naive summation rounds the wrong way
    [1.0, 2.0**-53, -(2.0**-106)],
    [2.0**53, 1.0, 1.0],
    [-0.0, 0.0],
]
for _ in range(40):
    n = rng.randint(1, 120)
    kind = rng.randrange(3)
    if kind == 0:  # simulated-return-like values
        xs = [rng.gauss(0.0005, 0.02) for _ in range(n)]
    elif kind == 1:  # wide magnitudes with cancellation
        xs = [rng.choice([-1, 1]) * rng.random() * 10.0 ** rng.randint(-30, 30) for _ in range(n)]
        xs += [-x for x in xs[: n // 2]]
        rng.shuffle(xs)
    else:  # ties: multiples of 2^-60 around 1
        xs = [rng.randint(-(2**20), 2**20) * 2.0**-60 + rng.choice([1.0, -1.0, 0.0]) for _ in range(n)]
    cases.append(xs)
out = [{"values": [repr(x) for x in xs], "fsum": repr(math.fsum(xs))} for xs in cases]
with open("test/fixtures/numpy/fsum.json", "w") as f:
    json.dump({"python": "math.fsum", "cases": out}, f)
