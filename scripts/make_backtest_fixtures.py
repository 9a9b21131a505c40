"""Reference numbers for the backtest statistics beyond Kupiec/Christoffersen: the Engle–Manganelli dynamic quantile
test, the Christoffersen–Pelletier Weibull duration test and the Acerbi–Szekely Z2 ES test. Written independently of
the TypeScript: DQ from numpy's least squares (cross-checked by statsmodels OLS when X has full rank), the duration
likelihood from scipy.stats.weibull_min's logpdf/logsf with the shape found by scipy's brentq (cross-checked by a
bounded scalar maximisation), Z2 from its definition. Inputs are seeded so the file is reproducible.

Run with the Debian python that has the scientific stack:
    /usr/bin/python3 scripts/make_backtest_fixtures.py
writes test/fixtures/backtest/statistics.json."""
import json
import os

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import optimize, stats

OUT = "test/fixtures/backtest/statistics.json"
DQ_LAGS = 4
# the Weibull shape is searched in [0.001, 10], as rugarch's VaRDurTest does
B_LO, B_HI = 1e-3, 10.0


def dq_test(returns, var, level):
    theta = 1 - level
    hits = (returns < -var).astype(float) - theta
    y = hits[DQ_LAGS:]
    cols = [np.ones(len(y))] + [hits[DQ_LAGS - k:-k] for k in range(1, DQ_LAGS + 1)] + [var[DQ_LAGS:]]
    X = np.column_stack(cols)
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    fitted = X @ beta
    rank = int(np.linalg.matrix_rank(X))
    dq = float(fitted @ fitted / (theta * (1 - theta)))
    if rank == X.shape[1]:
        ols = sm.OLS(y, X).fit()
        check = float(ols.params @ X.T @ X @ ols.params / (theta * (1 - theta)))
        assert abs(check - dq) <= 1e-10 * max(1, dq), (check, dq)
    return {"dq": dq, "df": rank, "pValue": float(stats.chi2.sf(dq, rank)), "observations": len(y)}


def durations(hits):
    """Christoffersen–Pelletier: D_1 counts the days up to the first hit and is censored unless day 1 is a hit; the
    last counts the days after the last hit and is censored unless the last day is a hit."""
    t = np.flatnonzero(hits) + 1  # 1-based days of the hits
    T = len(hits)
    d = list(np.diff(t).astype(float))
    c = [0] * len(d)
    if not hits[0]:
        d.insert(0, float(t[0]))
        c.insert(0, 1)
    if not hits[-1]:
        d.append(float(T - t[-1]))
        c.append(1)
    return np.array(d), np.array(c)


def weibull_loglik(b, d, c):
    n_u = int((c == 0).sum())
    a_b = n_u / np.sum(d ** b)  # a^b at the profile maximum for this shape
    scale = a_b ** (-1 / b)
    return float(np.sum(np.where(c == 1, stats.weibull_min.logsf(d, b, scale=scale), stats.weibull_min.logpdf(d, b, scale=scale))))


def duration_test(returns, var):
    hits = returns < -var
    n = int(hits.sum())
    if n < 2:
        return None
    d, c = durations(hits)
    n_u = int((c == 0).sum())
    u = c == 0

    def score(b):
        w = d ** b
        return n_u / b + np.log(d[u]).sum() - n_u * np.sum(w * np.log(d)) / np.sum(w)

    if score(B_HI) > 0:
        b = B_HI
    elif score(B_LO) < 0:
        b = B_LO
    else:
        b = optimize.brentq(score, B_LO, B_HI, xtol=1e-15, rtol=1e-15, maxiter=500)
    best = optimize.minimize_scalar(lambda s: -weibull_loglik(s, d, c), bounds=(B_LO, B_HI), method="bounded", options={"xatol": 1e-10})
    assert weibull_loglik(b, d, c) >= -best.fun - 1e-9, (b, best.x)
    lr = max(0.0, 2 * (weibull_loglik(b, d, c) - weibull_loglik(1.0, d, c)))
    return {
        "lr": lr,
        "pValue": float(stats.chi2.sf(lr, 1)),
        "shape": float(b),
        "durations": len(d),
        "censored": int(c.sum()),
        "logLikelihood": weibull_loglik(b, d, c),
    }


def z2(returns, var, es, level):
    alpha = 1 - level
    hit = returns < -var
    return float(np.sum(returns * hit / es) / (len(returns) * alpha) + 1)


def main():
    rng = np.random.default_rng(20240501)
    cases = []
    T = 352
    # a GARCH-like volatility path so that hits cluster in some cases and not in others
    vol = 0.01 * np.exp(np.cumsum(rng.normal(0, 0.08, T)) * 0.5)
    for name, kind in [("dynamic", "dynamic"), ("static", "static"), ("understated", "under"), ("quiet", "quiet"), ("clustered", "cluster")]:
        r = stats.t.rvs(4, size=T, random_state=rng) * vol / np.sqrt(2)
        if kind == "dynamic":
            sd = vol
        elif kind == "static":
            sd = np.full(T, float(np.std(r, ddof=1)))
        elif kind == "under":
            sd = 0.75 * vol
        elif kind == "quiet":
            sd = 3 * vol
        else:
            sd = vol.copy()
            r[100:108] = -5 * vol[100:108]
            r[300:303] = -5 * vol[300:303]
        levels = {}
        for level in (0.99, 0.975, 0.95):
            z = stats.norm.ppf(level)
            var = z * sd
            es = stats.norm.pdf(z) / (1 - level) * sd
            levels[str(level)] = {
                "var": var.tolist(),
                "es": es.tolist(),
                "exceptions": int((r < -var).sum()),
                "dq": dq_test(r, var, level),
                "duration": duration_test(r, var),
                "z2": z2(r, var, es, level),
            }
        cases.append({"name": name, "returns": r.tolist(), "levels": levels})

    # hand-made hit sequences for the censoring rules: first/last day a hit or not, exactly two hits
    edge = []
    for name, hit_days, n in [
        ("starts-and-ends-with-hit", [0, 9, 13, 40, 59], 60),
        ("both-censored", [5, 9, 30, 33, 34], 60),
        ("two-hits", [10, 25], 50),
        ("evenly-spaced", [9, 19, 29, 39], 50),
        ("one-hit", [7], 50),
    ]:
        r = np.full(n, 0.01)
        r[hit_days] = -1.0
        var = np.full(n, 0.5)
        edge.append({"name": name, "returns": r.tolist(), "var": var.tolist(), "duration": duration_test(r, var)})

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(
            {
                "generator": "scripts/make_backtest_fixtures.py",
                "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
                "dqLags": DQ_LAGS,
                "shapeBounds": [B_LO, B_HI],
                "cases": cases,
                "durationEdges": edge,
            },
            f,
        )


if __name__ == "__main__":
    main()
