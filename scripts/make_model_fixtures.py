#!/usr/bin/env python3
"""Reference numbers for the risk models (lambdas/engine/models/), written independently with numpy/scipy only.

    /usr/bin/python3 scripts/make_model_fixtures.py [/work/shared/data/prices.csv]

Writes test/fixtures/models/<case>.json (and <case>.csv for a case built from prices.csv). For every day of the
out-of-sample window it forecasts the day from the rows before it, per model, with the conventions of README "Models":
- OLS of the fit window gives beta, alpha, s2 = SSR/(n-k-1); residual e_t = r_t - alpha - beta'F_t over all rows;
  the model portfolio return x_t = beta'F_t + e_t.
- EWMA (zero mean): the seed for row 20 is the mean of F_s F_s' over rows 0..19 (same for e_s^2), then
  S_t = lam S_{t-1} + (1-lam) F_{t-1}F_{t-1}'. VaR = -sigma z_q, ES = sigma phi(z_q)/q.
- empirical VaR = -numpy.percentile(linear) at q = 1 - c, ES = -mean of the ceil(L q) smallest.
- ML fits (ewma-t nu, GARCH-t) use rows [0, cut), cut = fitEnd + 20 floor((n - fitEnd)/20); t ECME uses the fit window.
ML fits here are separate implementations (scipy.optimize minimize_scalar / SLSQP, scipy.integrate.quad), so agreement
with the TypeScript (Brent, Nelder-Mead, trapezoid in log W) checks the maximum and the integral, not shared code.
"""
import csv
import json
import math
import os
import sys

import numpy as np
from scipy import integrate, optimize, signal, special, stats

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
OUT = os.path.join(ROOT, "test", "fixtures", "models")
LEVELS = [0.99, 0.975, 0.95]
SEED_DAYS = 20
REFIT_DAYS = 20
MAX_DF = 500.0


def q_of(c):
    return float("%.12g" % (1 - c))


def read_returns(path, portfolio, factors):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: r["date"])
    dates = [r["date"] for r in rows]
    y = np.array([float(r[portfolio]) for r in rows])
    X = np.array([[float(r[c]) for c in factors] for r in rows])
    return dates, y, X


def ols(y, X):
    A = np.column_stack([np.ones(len(y)), X])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    s2 = resid @ resid / (len(y) - X.shape[1] - 1)
    return coef[1:], coef[0], s2


def empirical(x, levels):
    xs = np.sort(x)
    out_v, out_e = {}, {}
    for c in levels:
        q = q_of(c)
        out_v[str(c)] = -float(np.percentile(xs, 100 * q, method="linear")) if False else -float(np.quantile(xs, q, method="linear"))
        m = max(1, math.ceil(len(xs) * q - 1e-9))
        out_e[str(c)] = -float(xs[:m].mean())
    return out_v, out_e


def normal_risk(mean, sd, levels):
    v, e = {}, {}
    for c in levels:
        q = q_of(c)
        z = stats.norm.ppf(q)
        v[str(c)] = -mean - sd * z
        e[str(c)] = -mean + sd * stats.norm.pdf(z) / q
    return v, e


def student_risk(mean, sd, nu, levels):
    v, e = {}, {}
    sc = sd * math.sqrt((nu - 2) / nu)
    for c in levels:
        q = q_of(c)
        tq = stats.t.ppf(q, nu)
        v[str(c)] = -mean - sc * tq
        e[str(c)] = -mean + sc * (nu + tq * tq) / (nu - 1) * stats.t.pdf(tq, nu) / q
    return v, e


def ewma_path(F, e, lam):
    """Variance forecasts for rows SEED_DAYS..n (index s = forecast for row s)."""
    n, k = F.shape
    S = F[:SEED_DAYS].T @ F[:SEED_DAYS] / SEED_DAYS
    v = float(e[:SEED_DAYS] @ e[:SEED_DAYS] / SEED_DAYS)
    covs = {SEED_DAYS: S.copy()}
    vs = {SEED_DAYS: v}
    for s in range(SEED_DAYS + 1, n + 1):
        f = F[s - 1]
        S = lam * S + (1 - lam) * np.outer(f, f)
        v = lam * v + (1 - lam) * e[s - 1] ** 2
        covs[s] = S.copy()
        vs[s] = v
    return covs, vs


def refit_point(n, fit_end):
    return n if n <= fit_end else fit_end + REFIT_DAYS * ((n - fit_end) // REFIT_DAYS)


def unit_t_nll(z, nu):
    c = special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2) - 0.5 * math.log(math.pi * (nu - 2))
    return -(len(z) * c - (nu + 1) / 2 * np.log1p(z * z / (nu - 2)).sum())


def fit_unit_t(z):
    r = optimize.minimize_scalar(lambda u: unit_t_nll(z, 2 + math.exp(u)), bounds=(math.log(0.01), math.log(MAX_DF - 2)),
                                 method="bounded", options={"xatol": 1e-12, "maxiter": 2000})
    return 2 + math.exp(r.x)


# ---- GARCH(1,1)-t, zero mean; sigma2_0 = mean(x^2) of the fitted rows (backcast) ----
def garch_var(x, omega, alpha, beta, s0):
    """sigma2_0 = s0, sigma2_t = omega + alpha x_{t-1}^2 + beta sigma2_{t-1} for t = 1..len(x), as a linear filter."""
    u = np.concatenate([[s0], omega + alpha * np.asarray(x) ** 2])
    # y_t = u_t + beta y_{t-1}, with y_0 = s0
    return signal.lfilter([1.0], [1.0, -beta], u)


def garch_nll(params, x, s0):
    omega, alpha, beta, nu = params
    s2 = garch_var(x, omega, alpha, beta, s0)[: len(x)]
    if np.any(s2 <= 0):
        return 1e300
    c = special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2) - 0.5 * math.log(math.pi * (nu - 2))
    return -(len(x) * c - 0.5 * np.log(s2).sum() - (nu + 1) / 2 * np.log1p(x * x / ((nu - 2) * s2)).sum())


def fit_garch(x):
    # in percent: the same likelihood up to a constant, better scaled for SLSQP; omega scales by 1e-4 back
    xp = x * 100.0
    s0 = float(np.mean(xp * xp))
    best = None
    for a0, b0, n0 in [(0.05, 0.9, 8.0), (0.1, 0.8, 5.0), (0.02, 0.95, 15.0)]:
        p0 = [s0 * (1 - a0 - b0), a0, b0, n0]
        r = optimize.minimize(garch_nll, p0, args=(xp, s0), method="SLSQP",
                              bounds=[(1e-10, None), (0.0, 1.0), (0.0, 1.0), (2.0001, MAX_DF)],
                              constraints=[{"type": "ineq", "fun": lambda p: 1 - 1e-8 - p[1] - p[2]}],
                              options={"ftol": 1e-15, "maxiter": 2000})
        r2 = optimize.minimize(garch_nll, r.x, args=(xp, s0), method="Nelder-Mead",
                               options={"xatol": 1e-12, "fatol": 1e-13, "maxiter": 8000, "maxfev": 8000})
        cand = r2 if r2.fun < r.fun and r2.x[1] + r2.x[2] < 1 and min(r2.x[:3]) >= 0 and r2.x[3] > 2 else r
        if best is None or cand.fun < best.fun:
            best = cand
    omega, alpha, beta, nu = best.x
    return dict(omega=float(omega) / 1e4, alpha=float(alpha), beta=float(beta), df=float(nu), backcast=s0 / 1e4,
                nll=float(best.fun))


# ---- multivariate t by ECME (Liu & Rubin 1995) ----
def fit_mvt(X, nu_fixed=None):
    n, p = X.shape
    mu = X.mean(0)
    S = (X - mu).T @ (X - mu) / n
    nu = 10.0 if nu_fixed is None else nu_fixed
    ll = -np.inf
    for it in range(5000):
        d = X - mu
        delta = np.einsum("ij,jk,ik->i", d, np.linalg.inv(S), d)
        w = (nu + p) / (nu + delta)
        mu_new = (w[:, None] * X).sum(0) / w.sum()
        d = X - mu_new
        S_new = (w[:, None] * d).T @ d / n
        nu_new = nu
        if nu_fixed is None:
            delta = np.einsum("ij,jk,ik->i", d, np.linalg.inv(S_new), d)

            def nll(u):
                v = 2 + math.exp(u)
                return -(n * (special.gammaln((v + p) / 2) - special.gammaln(v / 2) - p / 2 * math.log(v))
                         - (v + p) / 2 * np.log1p(delta / v).sum())

            nu_new = 2 + math.exp(optimize.minimize_scalar(nll, bounds=(math.log(0.01), math.log(MAX_DF - 2)), method="bounded",
                                                           options={"xatol": 1e-13, "maxiter": 2000}).x)
        change = max(np.max(np.abs(mu_new - mu)) / np.sqrt(np.max(np.diag(S))), np.max(np.abs(S_new - S)) / np.max(np.abs(S)))
        mu, S, nu = mu_new, S_new, nu_new
        # ln L is flat in nu near the optimum (nu wanders at 1e-6 while ln L is constant to rounding): stop when ln L
        # stops rising and mu, S have settled
        ll_new = float(stats.multivariate_t.logpdf(X, loc=mu, shape=S, df=nu).sum())
        gain = ll_new - ll
        ll = ll_new
        if gain <= 1e-13 * abs(ll) and change < 1e-9:
            break
    return mu, S, nu, ll, it + 1


def t_mixture_risk(m, a, s, nu, levels):
    """X = m + a sqrt(nu/W) Z + s Z', W ~ chi2_nu: CDF and tail expectation by scipy.integrate.quad over W."""
    chi = stats.chi2(nu)

    def cdf(x):
        f = lambda w: stats.norm.cdf((x - m) / math.sqrt(a * a * nu / w + s * s)) * chi.pdf(w)
        return integrate.quad(f, 0, np.inf, epsabs=1e-15, epsrel=1e-13, limit=500)[0]

    def tail(x):
        def f(w):
            sd = math.sqrt(a * a * nu / w + s * s)
            z = (x - m) / sd
            return (m * stats.norm.cdf(z) - sd * stats.norm.pdf(z)) * chi.pdf(w)
        return integrate.quad(f, 0, np.inf, epsabs=1e-16, epsrel=1e-13, limit=500)[0]

    v, e = {}, {}
    sd0 = math.sqrt(a * a * nu / (nu - 2) + s * s)
    for c in levels:
        q = q_of(c)
        x = optimize.brentq(lambda x: cdf(x) - q, m - 30 * sd0, m, xtol=1e-16, rtol=1e-14, maxiter=500)
        v[str(c)] = -x
        e[str(c)] = -tail(x) / q
    return v, e


def case(name, dates, y, X, factors, fit_start, fit_end_date, oos_start, oos_end, lam=0.94):
    fs = dates.index(fit_start)
    fe = max(i for i, d in enumerate(dates) if d <= fit_end_date) + 1
    beta, alpha, s2 = ols(y[fs:fe], X[fs:fe])
    e = y - alpha - X @ beta
    x = X @ beta + e
    covs, vs = ewma_path(X, e, lam)
    days = [i for i, d in enumerate(dates) if oos_start <= d <= oos_end]
    mu_w = X[fs:fe].mean(0)
    cov_w = np.cov(X[fs:fe].T, ddof=1)
    nv, ne = normal_risk(float(beta @ mu_w), math.sqrt(float(beta @ cov_w @ beta)), LEVELS)
    models = {m: {"var": {str(c): [] for c in LEVELS}, "es": {str(c): [] for c in LEVELS}} for m in ["ewma", "fhs", "hs", "ewma-t", "garch-t"]}
    ewmat_df, garch_fits = {}, {}
    for n in days:
        put = lambda m, ve: [models[m]["var"][k].append(ve[0][k]) or models[m]["es"][k].append(ve[1][k]) for k in ve[0]]
        pv = float(beta @ covs[n] @ beta + vs[n])
        put("ewma", normal_risk(0.0, math.sqrt(pv), LEVELS))
        L = 500
        sc = np.array([sum(beta[j] * math.sqrt(covs[n][j, j] / covs[s][j, j]) * X[s, j] for j in range(len(beta)))
                       + math.sqrt(vs[n] / vs[s]) * e[s] for s in range(n - L, n)])
        put("fhs", empirical(sc, LEVELS))
        put("hs", empirical(x[n - 250:n], LEVELS))
        cut = refit_point(n, fe)
        if cut not in ewmat_df:
            z = np.array([x[s] / math.sqrt(float(beta @ covs[s] @ beta + vs[s])) for s in range(SEED_DAYS, cut)])
            ewmat_df[cut] = fit_unit_t(z)
            garch_fits[cut] = fit_garch(x[:cut])
        put("ewma-t", student_risk(0.0, math.sqrt(pv), ewmat_df[cut], LEVELS))
        g = garch_fits[cut]
        s2n = garch_var(x[:n], g["omega"], g["alpha"], g["beta"], g["backcast"])[n]
        put("garch-t", student_risk(0.0, math.sqrt(s2n), g["df"], LEVELS))
    mu_t, S_t, nu_t, ll_t, iters = fit_mvt(X[fs:fe])
    a = math.sqrt(float(beta @ S_t @ beta))
    tv, te = t_mixture_risk(float(beta @ mu_t), a, math.sqrt(s2), nu_t, LEVELS)
    # the pure-t special case (no residual) has a closed form: a check of the quadrature itself
    pv_, pe_ = t_mixture_risk(float(beta @ mu_t), a, 0.0, nu_t, LEVELS)
    cv_, ce_ = student_risk(float(beta @ mu_t), a * math.sqrt(nu_t / (nu_t - 2)), nu_t, LEVELS)
    assert all(abs(pv_[k] - cv_[k]) < 1e-11 and abs(pe_[k] - ce_[k]) < 1e-11 for k in pv_), (pv_, cv_, pe_, ce_)
    out = {
        "case": name, "factors": factors, "levels": LEVELS, "lambda": lam,
        "fitStart": fs, "fitEnd": fe, "beta": beta.tolist(), "alpha": float(alpha), "residualVariance": float(s2),
        "days": [dates[n] for n in days], "rows": days,
        "normal": {"var": nv, "es": ne},
        "models": models,
        "ewmaT": {"df": {str(k): v for k, v in ewmat_df.items()}},
        "garchT": {str(k): v for k, v in garch_fits.items()},
        "t": {"mu": mu_t.tolist(), "dispersion": S_t.tolist(), "df": nu_t, "logLik": ll_t, "iterations": iters,
              "var": tv, "es": te},
        "versions": {"numpy": np.__version__, "scipy": __import__("scipy").__version__},
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(out, f, indent=1)
    print(name, "fit rows", fs, fe, "nu_t", nu_t, "ewma-t nu", list(ewmat_df.values())[:2], "garch", list(garch_fits.values())[0])


def main():
    factors = ["XLK", "MTUM", "VLUE"]
    dates, y, X = read_returns(os.path.join(ROOT, "data", "tech11.csv"), "portfolio", factors)
    case("tech11", dates, y, X, factors, "2023-01-03", "2024-04-30", "2024-05-01", "2025-09-25")
    prices = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "prices.csv")
    if not os.path.exists(prices):
        prices = "/work/shared/data/prices.csv"
    with open(prices, newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["date"])
    cols = ["NVDA", "QQQ", "SPY", "TLT"]
    lv = np.array([[float(r[c]) for c in cols] for r in rows])
    ret = lv[1:] / lv[:-1] - 1
    rdates = [r["date"] for r in rows[1:]]
    path = os.path.join(OUT, "nvda.csv")
    os.makedirs(OUT, exist_ok=True)
    with open(path, "w") as f:
        f.write("date,NVDA,QQQ,SPY,TLT\n")
        for d, r in zip(rdates, ret):
            f.write(d + "," + ",".join(repr(float(v)) for v in r) + "\n")
    dates2, y2, X2 = read_returns(path, "NVDA", ["QQQ", "SPY", "TLT"])
    case("nvda", dates2, y2, X2, ["QQQ", "SPY", "TLT"], "2023-01-03", "2024-04-30", "2024-05-01", "2025-09-25")


if __name__ == "__main__":
    main()
