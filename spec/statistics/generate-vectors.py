#!/usr/bin/env python3
"""Reference vectors for Onramp's experiment statistics (spec/statistics/vectors.json).

Every expected value is computed here independently of the TypeScript code: with SciPy's
tests where SciPy has one, with mpmath (arbitrary precision, numerical integration) from
the paper's definition for the always-valid p-value and confidence sequence, and with
SciPy's numerical integration for the Bayesian quantities. Each vector names its source.

Run: python3 spec/statistics/generate-vectors.py > spec/statistics/vectors.json
Needs: numpy, scipy (1.17), mpmath. statsmodels is not used (not installed here).
"""
import json
import math
import sys

import mpmath
import numpy as np
import scipy
from scipy import integrate, stats
from scipy.stats.contingency import relative_risk

SCIPY = f"scipy {scipy.__version__}"
mpmath.mp.dps = 40


def proportion_vectors():
    cases = [
        ("typical lift", (10000, 1200), (10050, 1320), 0.05),
        ("small samples", (40, 7), (38, 15), 0.05),
        ("negative lift", (5000, 500), (5100, 430), 0.05),
        ("no difference", (2000, 300), (2000, 300), 0.05),
        ("alpha 0.01", (800, 96), (820, 131), 0.01),
        ("rare event", (100000, 120), (100000, 171), 0.05),
        ("alpha/2 interval (Bonferroni with 2 treatments)", (3000, 600), (3000, 660), 0.025),
    ]
    out = []
    for name, (nc, xc), (nt, xt), alpha in cases:
        table = np.array([[xc, nc - xc], [xt, nt - xt]])
        chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
        pc, pt = xc / nc, xt / nt
        z = math.copysign(math.sqrt(chi2), pt - pc) if chi2 > 0 else 0.0
        q = stats.norm.ppf(1 - alpha / 2)
        se = math.sqrt(pc * (1 - pc) / nc + pt * (1 - pt) / nt)
        rr = relative_risk(xt, nt, xc, nc)
        ci = rr.confidence_interval(confidence_level=1 - alpha)
        out.append({
            "name": name,
            "source": {
                "statistic, pValue": f"scipy.stats.chi2_contingency(correction=False) ({SCIPY}); z = sign(pT − pC)·√χ²",
                "absoluteLift": f"Wald interval pT − pC ± z·√(pC(1−pC)/nC + pT(1−pT)/nT), z = scipy.stats.norm.ppf ({SCIPY})",
                "relativeLift": f"scipy.stats.contingency.relative_risk(...).confidence_interval() (Katz log method) − 1 ({SCIPY})",
            },
            "input": {"control": {"n": nc, "x": xc}, "treatment": {"n": nt, "x": xt}, "alpha": alpha},
            "expected": {
                "statistic": z,
                "pValue": p,
                "absoluteLift": {"estimate": pt - pc, "lower": pt - pc - q * se, "upper": pt - pc + q * se},
                "relativeLift": {"estimate": rr.relative_risk - 1, "lower": ci.low - 1, "upper": ci.high - 1},
            },
        })
    return out


def chi_squared_vectors():
    cases = [
        ("three variants", [(10000, 1200), (10050, 1320), (10000, 1190)]),
        ("four variants, small", [(50, 5), (52, 9), (49, 14), (51, 4)]),
        ("two variants equals the z-test squared", [(40, 7), (38, 15)]),
    ]
    out = []
    for name, rows in cases:
        table = np.array([[x, n - x] for n, x in rows])
        chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
        out.append({
            "name": name,
            "source": f"scipy.stats.chi2_contingency(correction=False) ({SCIPY})",
            "input": [{"n": n, "x": x} for n, x in rows],
            "expected": {"statistic": chi2, "df": int(dof), "pValue": p},
        })
    return out


def srm_vectors():
    cases = [
        ("balanced, fine", [10000, 10050], [50, 50]),
        ("balanced, mismatch", [10000, 10500], [50, 50]),
        ("uneven allocation 90/10, fine", [9030, 970], [90, 10]),
        ("three variants, mismatch", [3300, 3350, 3050], [1, 1, 1]),
        ("weights 1:2:1", [2510, 4980, 2460], [25, 50, 25]),
    ]
    out = []
    for name, users, weights in cases:
        total = sum(users)
        expected = [total * w / sum(weights) for w in weights]
        res = stats.chisquare(users, expected)
        out.append({
            "name": name,
            "source": f"scipy.stats.chisquare(f_obs, f_exp) ({SCIPY})",
            "input": {"users": users, "weights": weights, "threshold": 0.001},
            "expected": {"statistic": res.statistic, "df": len(users) - 1, "pValue": res.pvalue,
                         "mismatch": bool(res.pvalue < 0.001)},
        })
    return out


def aggregate(sample):
    return {"n": len(sample), "sum": math.fsum(sample), "sumSq": math.fsum(v * v for v in sample)}


def welch_vectors():
    rng = np.random.default_rng(20260501)
    cases = [
        ("revenue-like, unequal variances", rng.gamma(2.0, 5.0, 400), rng.gamma(2.0, 5.6, 350), 0.05),
        ("small samples", rng.normal(10, 2, 8), rng.normal(12, 5, 11), 0.05),
        ("no effect, large", rng.normal(3, 1, 5000), rng.normal(3, 1, 5200), 0.05),
        ("negative effect, alpha 0.1", rng.exponential(4.0, 120), rng.exponential(3.0, 130), 0.1),
        ("integer counts (sessions)", rng.poisson(3.0, 900).astype(float), rng.poisson(3.3, 880).astype(float), 0.05),
    ]
    out = []
    for name, control, treatment, alpha in cases:
        control = [float(v) for v in control]
        treatment = [float(v) for v in treatment]
        res = stats.ttest_ind(treatment, control, equal_var=False)
        ci = res.confidence_interval(confidence_level=1 - alpha)
        mc, mt = np.mean(control), np.mean(treatment)
        vc, vt = np.var(control, ddof=1), np.var(treatment, ddof=1)
        q = stats.t.ppf(1 - alpha / 2, res.df)
        se = math.sqrt(vt / (len(treatment) * mt**2) + vc / (len(control) * mc**2))
        out.append({
            "name": name,
            "source": {
                "statistic, df, pValue, absoluteLift": f"scipy.stats.ttest_ind(treatment, control, equal_var=False) and .confidence_interval() on the raw samples ({SCIPY})",
                "relativeLift": f"delta method on the log ratio, exp(ln(mT/mC) ± t·se) − 1, numpy sample moments and scipy.stats.t.ppf ({SCIPY})",
            },
            "input": {"control": aggregate(control), "treatment": aggregate(treatment), "alpha": alpha},
            "expected": {
                "statistic": res.statistic,
                "df": res.df,
                "pValue": res.pvalue,
                "absoluteLift": {"estimate": mt - mc, "lower": ci.low, "upper": ci.high},
                "relativeLift": {"estimate": mt / mc - 1,
                                 "lower": math.exp(math.log(mt / mc) - q * se) - 1,
                                 "upper": math.exp(math.log(mt / mc) + q * se) - 1},
            },
        })
    return out


def msprt_lambda(estimate, theta0, v, tau2):
    """Λ(θ₀) = ∫ N(θ̂; θ, V)/N(θ̂; θ₀, V) · N(θ; θ₀, τ²) dθ (Johari et al. 2017, eq. for the mSPRT)."""
    est, t0, v, tau2 = (mpmath.mpf(a) for a in (estimate, theta0, v, tau2))

    def integrand(theta):
        ratio = mpmath.exp(-((est - theta) ** 2 - (est - t0) ** 2) / (2 * v))
        prior = mpmath.exp(-((theta - t0) ** 2) / (2 * tau2)) / mpmath.sqrt(2 * mpmath.pi * tau2)
        return ratio * prior

    # The integrand is a Gaussian bump: centre and width of θ's posterior under the mixture.
    scale = mpmath.sqrt(v * tau2 / (v + tau2))
    peak = (est * tau2 + t0 * v) / (tau2 + v)
    knots = [peak + k * scale for k in (-12, -4, 0, 4, 12)]
    return mpmath.quad(integrand, [-mpmath.inf, *knots, mpmath.inf])


def sequential_vectors():
    cases = [
        ("proportions, early look", {"kind": "proportion", "control": {"n": 2000, "x": 240}, "treatment": {"n": 2010, "x": 290}}, 20000, 0.05),
        ("proportions, at the planned size", {"kind": "proportion", "control": {"n": 10000, "x": 1200}, "treatment": {"n": 10050, "x": 1320}}, 20000, 0.05),
        ("proportions, past the planned size, strong effect", {"kind": "proportion", "control": {"n": 50000, "x": 5000}, "treatment": {"n": 50000, "x": 5600}}, 20000, 0.05),
        ("moments, alpha 0.1", {"kind": "moments", "control": {"n": 400, "mean": 10.0, "variance": 49.0}, "treatment": {"n": 380, "mean": 11.2, "variance": 60.0}}, 1000, 0.1),
        ("moments, negative effect", {"kind": "moments", "control": {"n": 3000, "mean": 5.0, "variance": 4.0}, "treatment": {"n": 3100, "mean": 4.85, "variance": 4.2}}, 10000, 0.05),
    ]
    out = []
    for name, data, planned, alpha in cases:
        if data["kind"] == "proportion":
            c, t = data["control"], data["treatment"]
            moments = [{"n": d["n"], "mean": d["x"] / d["n"], "variance": (d["x"] / d["n"]) * (1 - d["x"] / d["n"])} for d in (c, t)]
        else:
            moments = [data["control"], data["treatment"]]
        mc, mt = moments
        v = mc["variance"] / mc["n"] + mt["variance"] / mt["n"]
        users = mc["n"] + mt["n"]
        # Waudby-Smith et al. (2023) tuning: ρ² = (−2 ln α + ln(1 − 2 ln α))/N*, τ² = ρ²·(V·N).
        la = -2 * mpmath.log(alpha)
        rho2 = (la + mpmath.log(1 + la)) / planned
        tau2 = rho2 * v * users
        est = mt["mean"] - mc["mean"]
        lam0 = msprt_lambda(est, 0, v, tau2)
        p = min(mpmath.mpf(1), 1 / lam0)
        target = 1 / mpmath.mpf(alpha)
        # Λ(θ̂) < 1 < 1/α and Λ grows without bound away from θ̂: bracket each end and solve
        # ln Λ(θ₀) = ln(1/α) with the Illinois (regula falsi) method.
        f = lambda th: mpmath.log(msprt_lambda(est, th, v, tau2)) - mpmath.log(target)
        far = 60 * mpmath.sqrt(v)
        lower = mpmath.findroot(f, (est - far, est), solver="illinois", tol=1e-30)
        upper = mpmath.findroot(f, (est, est + far), solver="illinois", tol=1e-30)
        out.append({
            "name": name,
            "source": f"mixture likelihood ratio of Johari, Pekelis & Walsh (2017) integrated numerically with mpmath.quad ({mpmath.__version__}, 40 digits); p = min(1, 1/Λ(0)); interval ends solve Λ(θ₀) = 1/α with mpmath.findroot; τ² from Waudby-Smith et al. (2023)",
            "input": {**data, "alpha": alpha, "plannedUsers": planned},
            "expected": {"pValue": float(p), "absoluteLift": {"estimate": est, "lower": float(lower), "upper": float(upper)}},
        })
    return out


def beta_vectors():
    cases = [
        ("uniform priors only", (0, 0), (0, 0)),
        ("small", (100, 10), (100, 20)),
        ("typical", (1000, 100), (1000, 120)),
        ("treatment worse", (5000, 600), (5000, 560)),
        ("all converted vs none", (10, 10), (10, 0)),
        ("large", (20000, 2400), (20000, 2500)),
    ]
    out = []
    for name, (nc, xc), (nt, xt) in cases:
        ac, bc, at, bt = 1 + xc, 1 + nc - xc, 1 + xt, 1 + nt - xt
        C, T = stats.beta(ac, bc), stats.beta(at, bt)
        lo = max(0.0, min(C.ppf(1e-12), T.ppf(1e-12)))
        hi = min(1.0, max(C.isf(1e-12), T.isf(1e-12)))
        pts = sorted({C.mean(), T.mean()})
        prob = integrate.quad(lambda u: T.pdf(u) * C.cdf(u), lo, hi, points=pts, epsabs=1e-14, epsrel=1e-12, limit=500)[0]
        # E[max(C − T, 0)] = ∫∫_{c > t} (c − t) f_C(c) f_T(t) dc dt, by nested quadrature.
        def loss(X, Y):
            inner = lambda y: integrate.quad(lambda x: (x - y) * X.pdf(x), y, hi, epsabs=1e-15, limit=200)[0] if y < hi else 0.0
            return integrate.quad(lambda y: Y.pdf(y) * inner(y), lo, hi, points=pts, epsabs=1e-14, limit=500)[0]
        out.append({
            "name": name,
            "source": f"Beta(1 + x, 1 + n − x) posteriors; P(T > C) = ∫ f_T F_C by scipy.integrate.quad; losses by nested scipy.integrate.quad ({SCIPY})",
            "input": {"control": {"n": nc, "x": xc}, "treatment": {"n": nt, "x": xt}},
            "expected": {
                "probabilityTreatmentHigher": prob,
                "expectedLossTreatment": loss(C, T),
                "expectedLossControl": loss(T, C),
            },
        })
    return out


def normal_bayes_vectors():
    cases = [("positive", 0.8, 0.25), ("negative", -0.3, 0.04), ("zero", 0.0, 1.0), ("far", 5.0, 0.5)]
    out = []
    for name, d, var in cases:
        D = stats.norm(d, math.sqrt(var))
        s = math.sqrt(var)
        out.append({
            "name": name,
            "source": f"D ~ N(d, s²): P(D > 0) = scipy.stats.norm.sf(0); losses E[max(∓D, 0)] by scipy.integrate.quad ({SCIPY})",
            "input": {"difference": d, "variance": var},
            "expected": {
                "probabilityTreatmentHigher": D.sf(0),
                "expectedLossTreatment": integrate.quad(lambda u: -u * D.pdf(u), d - 40 * s, 0)[0] if d - 40 * s < 0 else 0.0,
                "expectedLossControl": integrate.quad(lambda u: u * D.pdf(u), 0, d + 40 * s)[0] if d + 40 * s > 0 else 0.0,
            },
        })
    return out


def sample_size_vectors():
    cases = [
        ("conversion 10 %, +5 % relative", 0.1 * 0.05, 0.1 * 0.9, 0.105 * 0.895, 1, 1, 0.05, 0.8),
        ("conversion 30 %, +10 %, 80/20 split", 0.03, 0.3 * 0.7, 0.33 * 0.67, 80, 20, 0.05, 0.9),
        ("continuous, σ = 20, δ = 1", 1.0, 400.0, 400.0, 1, 1, 0.01, 0.8),
    ]
    out = []
    for name, effect, vc, vt, wc, wt, alpha, power in cases:
        z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
        pc, pt = wc / (wc + wt), wt / (wc + wt)
        total = z * z * (vc / pc + vt / pt) / effect**2
        out.append({
            "name": name,
            "source": f"N = (z_(1−α/2) + z_power)²·(vC/πC + vT/πT)/δ² with scipy.stats.norm.ppf ({SCIPY}); per variant ⌈N·π⌉",
            "input": {"effect": effect, "controlVariance": vc, "treatmentVariance": vt,
                      "controlWeight": wc, "treatmentWeight": wt, "alpha": alpha, "power": power},
            "expected": {"control": math.ceil(total * pc), "treatment": math.ceil(total * pt)},
        })
    return out


def holm_vectors():
    # Wikipedia, "Holm–Bonferroni method", section Example: p = 0.01, 0.04, 0.03, 0.005 at
    # α = 0.05 rejects H1 and H4 only. Adjusted values from the definition (no SciPy function).
    return [{
        "name": "Wikipedia Holm–Bonferroni example",
        "source": "https://en.wikipedia.org/wiki/Holm%E2%80%93Bonferroni_method#Example (rejections); adjusted p-values by the definition max_{j≤i} min(1, (m−j+1)p_(j))",
        "input": {"pValues": [0.01, 0.04, 0.03, 0.005], "alpha": 0.05},
        "expected": {"holm": [0.03, 0.06, 0.06, 0.02], "bonferroni": [0.04, 0.16, 0.12, 0.02],
                     "holmRejects": [True, False, False, True]},
    }]


def distribution_vectors():
    rows = []
    for z in [-8.0, -3.0, -1.959963984540054, -0.5, 0.0, 1.2, 4.0]:
        rows.append({"function": "normalTwoSidedP", "args": [z], "expected": 2 * stats.norm.sf(abs(z)),
                     "source": f"2·scipy.stats.norm.sf(|z|) ({SCIPY})"})
    for t, df in [(2.1, 3.0), (-2.5, 5000.0), (0.7, 12.34), (-6.0, 40.0), (1.96, 1e7)]:
        rows.append({"function": "studentTTwoSidedP", "args": [t, df], "expected": 2 * stats.t.sf(abs(t), df),
                     "source": f"2·scipy.stats.t.sf(|t|, df) ({SCIPY})"})
    for p, df in [(0.975, 4.5), (0.995, 30.0), (0.9, 1000.0)]:
        rows.append({"function": "studentTQuantile", "args": [p, df], "expected": stats.t.ppf(p, df),
                     "source": f"scipy.stats.t.ppf ({SCIPY})"})
    for x, df in [(3.84, 1), (30.0, 1), (5.99, 2), (12.0, 3), (0.0, 4), (40.0, 10)]:
        rows.append({"function": "chiSquaredSurvival", "args": [x, df], "expected": stats.chi2.sf(x, df),
                     "source": f"scipy.stats.chi2.sf ({SCIPY})"})
    return rows


def main():
    doc = {
        "description": "Reference vectors for the experiment statistics (docs/experiments-statistics.md). Generated by spec/statistics/generate-vectors.py.",
        "generatedWith": {"python": sys.version.split()[0], "scipy": scipy.__version__, "numpy": np.__version__, "mpmath": mpmath.__version__},
        "tolerance": {
            "default": {"relative": 1e-6, "absolute": 1e-9},
            "note": "A value passes when |actual − expected| ≤ absolute + relative·|expected|. jStat's special functions agree with SciPy to about 1e-8 relative; 1e-6 leaves margin while catching any formula error.",
        },
        "distributions": distribution_vectors(),
        "twoProportion": proportion_vectors(),
        "chiSquared": chi_squared_vectors(),
        "sampleRatio": srm_vectors(),
        "welch": welch_vectors(),
        "sequential": sequential_vectors(),
        "betaBinomial": beta_vectors(),
        "normalBayesian": normal_bayes_vectors(),
        "fixedHorizonSampleSize": sample_size_vectors(),
        "multipleComparisons": holm_vectors(),
    }
    json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
