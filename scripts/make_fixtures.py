#!/usr/bin/env python3
"""Reference fixtures for the fit engine: statsmodels 0.13 OLS/diagnostics and sklearn 1.2 lasso_path/LassoCV.

Run with the Debian python that has the scientific stack:
    /usr/bin/python3 scripts/make_fixtures.py [/work/shared/data/prices.csv]

For each case it writes test/fixtures/reference/<case>.csv (the file a user would give to `varstream`) and
<case>.json (settings, the exact arrays y/X/dates the engine must see after reading the CSV, and the expected
numbers). Floats are written with repr() so every value round-trips exactly through the CSV and the JSON.

Conventions the TypeScript engine shares (see lambdas/engine/fit.ts):
- simple return r_t = P_t / P_{t-1} - 1; log return r_t = ln(P_t / P_{t-1}); VIX's "return" is the relative change
  of its level, computed the same way as a price.
- returns are computed on the full series, then cut to the window [start, end] by RETURN date (inclusive). For a
  --prices CSV the first level row has no return; a level row before `start` supplies the first return in the window.
- screening: VIF loop (largest VIF among non-retained factors > vifThreshold is dropped, then VIF is recomputed),
  then backward elimination on p-values (retain exempt), then a final refit. Screening never drops the last
  remaining factor: a model without factors is no model, so the last one is kept with a warning.
- LASSO over all candidates: factors centered and divided by their population std (ddof 0), portfolio centered;
  LassoCV(cv=KFold(5) contiguous) on the standardized factors with fit_intercept=True; 1-SE rule on mse_path_.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV, lasso_path
from sklearn.model_selection import KFold
from statsmodels.graphics.gofplots import ProbPlot
from statsmodels.stats.diagnostic import het_breuschpagan
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.stats.stattools import durbin_watson, jarque_bera

warnings.simplefilter("error", ConvergenceWarning)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "reference")
FACTORS7 = ["SPY", "TLT", "XLK", "MTUM", "VIX", "VLUE", "IWF"]
TECH11 = ["AAPL", "MSFT", "NVDA", "GOOGL", "META", "AMZN", "AVGO", "ORCL", "CRM", "ADBE", "AMD"]
LASSO_TOL = 1e-14  # far below the engine's own stopping rule, so these are the exact LASSO solutions
LASSO_MAX_ITER = 10**7
SELECT_EPS = 1e-12

DEFAULTS = dict(vifThreshold=10.0, pValueThreshold=0.05, r2Threshold=0.8, retain=[], lassoAlphas=100,
                lassoEps=1e-3, lassoFolds=5)


def regression(y, X, names):
    """One OLS fit with every diagnostic of the Regression type (types.ts), all from statsmodels."""
    exog = sm.add_constant(X, has_constant="add")
    res = sm.OLS(y, exog).fit()
    resid = res.resid
    coefficients = {}
    for i, name in enumerate(["const"] + names):
        coefficients[name] = dict(estimate=res.params[i], stdError=res.bse[i], tStat=res.tvalues[i],
                                  pValue=res.pvalues[i])
    vif = {name: variance_inflation_factor(exog, j + 1) for j, name in enumerate(names)}
    jb, jbp, skew, kurt = jarque_bera(resid)
    bp = het_breuschpagan(resid, exog, robust=True)
    pp = ProbPlot(resid, fit=True)
    # ProbPlot(fit=True) standardizes by norm.fit (mean, ddof-0 std) only when loc != 0 and scale != 1: with an
    # intercept the residual mean can be exactly 0.0 and it would silently skip it, so standardize always.
    qq = [[a, b] for a, b in zip(pp.theoretical_quantiles, (pp.sorted_data - pp.loc) / pp.scale)]
    return dict(
        factors=list(names), observations=int(res.nobs), r2=res.rsquared, adjR2=res.rsquared_adj,
        fStat=res.fvalue, fPValue=res.f_pvalue, residualStdError=math.sqrt(res.scale),
        durbinWatson=durbin_watson(resid), coefficients=coefficients, vif=vif,
        jarqueBera=dict(stat=jb, pValue=jbp, skew=skew, kurtosis=kurt),
        breuschPagan=dict(stat=bp[0], pValue=bp[1]), qq=qq, residuals=list(resid),
    )


def vifs(X, names):
    exog = sm.add_constant(X, has_constant="add")
    return {name: variance_inflation_factor(exog, j + 1) for j, name in enumerate(names)}


def screen(y, Xall, candidates, s):
    """The engine's screening algorithm, step for step."""
    col = {n: Xall[:, i] for i, n in enumerate(candidates)}
    remaining = list(candidates)
    retain = set(s["retain"])
    steps, vif_drops, p_drops, warns = [], [], [], []
    while len(remaining) > 1:
        v = vifs(np.column_stack([col[n] for n in remaining]), remaining)
        # ties go to the earlier candidate (max keeps the first)
        worst = max((n for n in remaining if n not in retain), key=lambda n: v[n], default=None)
        if worst is None or not v[worst] > s["vifThreshold"]:
            break
        remaining.remove(worst)
        vif_drops.append(dict(factor=worst, vif=v[worst]))
        steps.append(dict(factor=worst, reason="vif", value=v[worst]))
    while True:
        res = sm.OLS(y, sm.add_constant(np.column_stack([col[n] for n in remaining]), has_constant="add")).fit()
        p = {n: res.pvalues[i + 1] for i, n in enumerate(remaining)}
        worst = max((n for n in remaining if n not in retain), key=lambda n: p[n], default=None)
        if worst is None or not p[worst] > s["pValueThreshold"]:
            break
        if len(remaining) == 1:
            warns.append(worst)
            break
        remaining.remove(worst)
        p_drops.append(dict(factor=worst, pValue=p[worst]))
        steps.append(dict(factor=worst, reason="pValue", value=p[worst]))
    return dict(vif=vif_drops, pValue=p_drops, steps=steps), remaining, warns


def lasso(y, Xall, candidates, s):
    n = len(y)
    mean, sd = Xall.mean(axis=0), Xall.std(axis=0, ddof=0)
    Xs = (Xall - mean) / sd
    yc = y - y.mean()
    cv = LassoCV(n_alphas=s["lassoAlphas"], eps=s["lassoEps"], cv=KFold(s["lassoFolds"]), fit_intercept=True,
                 tol=LASSO_TOL, max_iter=LASSO_MAX_ITER).fit(Xs, y)
    alphas = cv.alphas_
    # the grid is sklearn's _alpha_grid: max|Xs^T yc|/n down to eps times that, log-spaced
    amax = np.abs((Xs - Xs.mean(axis=0)).T @ yc).max() / n
    grid = np.logspace(np.log10(amax * s["lassoEps"]), np.log10(amax), num=s["lassoAlphas"])[::-1]
    assert np.allclose(alphas, grid, rtol=1e-14, atol=0)
    _, coefs, _ = lasso_path(Xs, yc, alphas=alphas, tol=LASSO_TOL, max_iter=LASSO_MAX_ITER)
    mse = cv.mse_path_  # (alphas, folds)
    mean_mse = mse.mean(axis=1)
    se = mse.std(axis=1, ddof=1) / math.sqrt(s["lassoFolds"])
    best = int(np.argmin(mean_mse))
    assert alphas[best] == cv.alpha_
    limit = mean_mse[best] + se[best]
    i1se = min(i for i in range(len(alphas)) if mean_mse[i] <= limit)  # alphas descend: first = largest
    # "selected" ignores rounding residue: sklearn leaves ~1e-18 at alpha_max, where every coefficient is 0 by
    # definition. Same cutoff as the engine (lasso.ts SELECT_EPS): |w| > 1e-12 * std(y).
    cutoff = SELECT_EPS * yc.std(ddof=0)
    folds = [[int(te[0]), int(te[-1]) + 1] for _, te in KFold(s["lassoFolds"]).split(Xs)]
    return dict(
        alphas=list(alphas),
        coefficients={c: list(coefs[i]) for i, c in enumerate(candidates)},
        cvAlpha=cv.alpha_,
        cvSelected=[c for i, c in enumerate(candidates) if abs(cv.coef_[i]) > cutoff],
        alpha1se=alphas[i1se],
        selected1se=[c for i, c in enumerate(candidates) if abs(coefs[i, i1se]) > cutoff],
        cvMse=list(mean_mse),
        cvMseSe=list(se),
        # extra, for debugging the engine: fold test ranges and per-fold MSE
        testFolds=folds,
        mseByFold=[list(r) for r in mse],
        cvCoef=list(cv.coef_),
    )


def fit_case(y, Xall, candidates, s):
    full = regression(y, Xall, candidates)
    screening, selected, kept_last = screen(y, Xall, candidates, s)
    col = {n: Xall[:, i] for i, n in enumerate(candidates)}
    Xsel = np.column_stack([col[n] for n in selected])
    final = regression(y, Xsel, selected)
    model = dict(
        factors=selected,
        beta=[final["coefficients"][f]["estimate"] for f in selected],
        alpha=final["coefficients"]["const"]["estimate"],
        residualVariance=final["residualStdError"] ** 2,
        mu=list(Xsel.mean(axis=0)),
        cov=[list(r) for r in np.atleast_2d(np.cov(Xsel, rowvar=False, ddof=1))],
    )
    return dict(full=full, screening=screening, selected=selected, final=final,
                adequate=bool(final["r2"] >= s["r2Threshold"]), keptLast=kept_last,
                lasso=lasso(y, Xall, candidates, s), model=model)


def fmt(x):
    return repr(float(x))


def write_case(name, description, frame_csv, csv_float, returns, portfolio, candidates, settings, return_kind,
               notes):
    """frame_csv: what goes into the CSV (returns or levels); returns: DataFrame (index date) the engine sees."""
    os.makedirs(OUT, exist_ok=True)
    cols = ["date", portfolio] + candidates
    with open(os.path.join(OUT, name + ".csv"), "w") as f:
        f.write(",".join(cols) + "\n")
        for d, row in frame_csv.iterrows():
            f.write(",".join([d] + [csv_float(row[c]) for c in cols[1:]]) + "\n")
    s = dict(DEFAULTS)
    s.update({k: v for k, v in settings.items() if k in DEFAULTS})
    y = returns[portfolio].to_numpy(dtype=float)
    Xall = returns[candidates].to_numpy(dtype=float)
    expected = fit_case(y, Xall, candidates, s)
    doc = dict(
        case=name, description=description, notes=notes, source=name + ".csv", settings=settings,
        returnKind=return_kind, portfolio=portfolio, candidates=candidates,
        headerColumns={c: i + 1 for i, c in enumerate(cols)},
        dates=list(returns.index), y=list(y), X=[list(Xall[:, j]) for j in range(len(candidates))],
        expected=expected,
        versions=dict(numpy=np.__version__, scipy=scipy.__version__, statsmodels=statsmodels.__version__,
                      sklearn=sklearn.__version__),
    )
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
    e = expected
    print(f"{name}: n={len(y)} dropped vif={[d['factor'] for d in e['screening']['vif']]} "
          f"p={[d['factor'] for d in e['screening']['pValue']]} selected={e['selected']} "
          f"R2={e['final']['r2']:.4f} cv={e['lasso']['cvSelected']} 1se={e['lasso']['selected1se']}")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/prices.csv"
    prices = pd.read_csv(path, dtype={"date": str}, float_precision="round_trip").set_index("date").astype(float)
    assert list(prices.index) == sorted(prices.index)
    simple = prices / prices.shift(1) - 1  # full series, then cut
    log = np.log(prices / prices.shift(1))

    def window(frame, start, end):
        return frame.loc[(frame.index >= start) & (frame.index <= end)]

    # 1. the source paper's case
    r = simple.copy()
    r["portfolio"] = r[TECH11].mean(axis=1)
    w = window(r, "2023-01-03", "2024-04-30")
    assert len(w) == 333
    write_case("tech11", "equal-weighted, daily-rebalanced 11 tech stocks (mean of simple returns) on the seven "
               "factors; the source paper's in-sample window", w, fmt, w, "portfolio", FACTORS7,
               {"start": "2023-01-03", "end": "2024-04-30"}, "returns",
               "CSV holds simple returns of the window only; VIX = relative change of the level")

    # 2. log returns: portfolio = log return of QQQ, calendar 2022
    r = log.copy()
    w = window(r, "2022-01-04", "2022-12-31")  # 2022-01-03 is the first level: no return
    write_case("log_mega", "log returns of QQQ on log returns of the seven factors, calendar 2022", w, fmt, w,
               "QQQ", FACTORS7, {"start": "2022-01-04", "end": "2022-12-31"}, "returns",
               "CSV holds log returns ln(P_t/P_{t-1}) computed by numpy; the engine reads them as returns")

    # 3. --prices: levels of NVDA and six factors; the CSV starts a month before the window
    cols = ["NVDA", "SPY", "TLT", "XLK", "QQQ", "MTUM", "VLUE"]
    lv = prices.loc[(prices.index >= "2023-12-01"), cols]
    rv = lv / lv.shift(1) - 1
    rv = window(rv, "2024-01-02", "2025-09-25")
    raw = pd.read_csv(path, dtype=str).set_index("date")  # levels exactly as printed in the source
    lv_raw = raw.loc[lv.index, cols]
    write_case("prices_nvda", "--prices: NVDA price levels on six factor price levels; simple returns",
               lv_raw, lambda v: v, rv, "NVDA", cols[1:],
               {"prices": True, "start": "2024-01-02", "end": "2025-09-25"}, "simple",
               "CSV holds price LEVELS from 2023-12-01; returns P_t/P_{t-1}-1 are computed on every level row, "
               "then cut to return dates 2024-01-02..2025-09-25 (the 2024-01-02 return uses the 2023-12-29 level)")

    # 4a. retain: keep SPY whatever its VIF
    r = simple.copy()
    r["portfolio"] = r[TECH11].mean(axis=1)
    w = window(r, "2023-01-03", "2024-04-30")
    write_case("tech11_retain_spy", "tech11 with retain [SPY]: SPY is exempt from both screening steps", w, fmt, w,
               "portfolio", FACTORS7, {"start": "2023-01-03", "end": "2024-04-30", "retain": ["SPY"]}, "returns",
               "same data as tech11")

    # 4b. a poorly explained portfolio: ORCL alone, R^2 < 0.8 -> adequate false
    r = simple.copy()
    w = window(r, "2024-05-01", "2025-09-25")
    write_case("orcl_weak", "ORCL alone on the seven factors, out-of-sample window: R^2 below 0.8", w, fmt, w,
               "ORCL", FACTORS7, {"start": "2024-05-01", "end": "2025-09-25"}, "returns",
               "simple returns; adequate is false")


if __name__ == "__main__":
    main()
