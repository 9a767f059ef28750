"""Part 4b of the main job: the local entropy around reinforced-BP solutions against the y → ∞ curve at
several N, extrapolated in 1/N → ``bp_finite_size.csv`` and a table in report.md.

Per series of ``cfg["bp_finite_size"]`` (a list: states, α, sizes ``Ns``, ``instances`` per size,
``d_range``) and per size N: instances ``SEED0 + i``, solved by reinforced BP on the relaxed form, the
relaxed-BP F(d) around each solution
(:func:`numerics.figures.units.bp_finite_size_unit`), the mean ± standard error over instances at each
coupling γ (:func:`numerics.figures.compare.aggregate_bp`).  The theory is the y → ∞ curve solved at
each mean d (no interpolation), and ΔF = F − S_I(d).  Per γ, ΔF(N) is fitted by ΔF = c + b/N (least
squares weighted by 1/SE², the standard error of c from the fit's covariance): c is the gap at N → ∞,
with its sign.  The y → ∞ curve is an upper bound for the local entropy around any reference, so c < 0
by more than its error means the solutions lie outside the densest regions; c within 2 SE of 0, inside
them up to finite-size corrections.  Only couplings whose mean d lies in ``d_range`` at every N enter.
"""
from __future__ import annotations

import math

import numpy as np

from .compare import aggregate_bp
from .job import Job
from .progress import step
from .units import bp_finite_size_unit, local_entropy_unit

__all__ = ["bp_finite_size_part", "fit_in_inverse_n"]


def fit_in_inverse_n(Ns, values, errors):
    """(c, SE of c, b) of the weighted least-squares line value = c + b / N (weights 1/error²); with two
    sizes the line through both, SE from the errors alone."""
    x = 1.0 / np.asarray(Ns, float)
    y = np.asarray(values, float)
    w = 1.0 / np.maximum(np.asarray(errors, float), 1e-12) ** 2
    X = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    c, b = cov @ (X.T @ (w * y))
    return float(c), float(math.sqrt(cov[0, 0])), float(b)


def _series(job: Job, fs: dict) -> dict:
    """{N: {γ: mean row}} over the solved instances of each size (progress bar; notes for the unsolved)."""
    s, a, n = fs["states"], fs["alpha"], fs["instances"]
    out = {}
    with job.bar(len(fs["Ns"]) * n, "BP finite size") as bar:
        for N in fs["Ns"]:
            units = []
            for i in range(n):
                units.append(bp_finite_size_unit(s, N, a, i, job.cache))
                step(bar, f"{s} relaxed BP N={N} #{i}")
            rows, unsolved, excl = aggregate_bp(units)
            if unsolved:
                job.notes.append(f"{s}: relaxed rBP failed to solve {unsolved} of {n} instances at N={N} (excluded)")
            if excl:
                job.notes.append(f"{s}: {excl} (instance, γ) relaxed-BP runs did not converge at N={N} (excluded)")
            out[N] = {r["gamma"]: r for r in rows}
    return out


def bp_finite_size_part(job: Job) -> list:
    """bp_finite_size.csv and the report's lines (returned), one table per series of
    ``cfg["bp_finite_size"]``; nothing when the mode has none."""
    all_series = job.cfg.get("bp_finite_size") or []
    if not all_series:
        return []
    rows, lines = [], ["## BP around found solutions against y → ∞, by size", "",
                       "The local entropy F(d) around solutions found by reinforced BP (solver and measurement "
                       "on the relaxed BP form), minus the y → ∞ curve at the same d, and its fit c + b/N "
                       "(`bp_finite_size.csv`; `numerics/figures/finite_size.py`). The y → ∞ curve bounds the "
                       "local entropy around any reference from above; c within 2 SE of 0 means the solutions "
                       "lie in the densest regions up to finite-size corrections; c below 0 by more, that the "
                       "solver's solutions are not among the densest.", ""]
    for fs in all_series:
        got = _one_series(job, fs)
        if got is None:
            return []
        rows += got[0]
        lines += got[1]
    job.csv("bp_finite_size.csv", rows,
            "relaxed BP local entropy around relaxed reinforced-BP solutions against y -> inf; dF = F - S_I(d), "
            "mean +- standard error over instances (seeds SEED0+i); N = inf: the fit dF = c + b/N weighted by "
            "1/SE^2, c +- its standard error")
    return lines


def _one_series(job: Job, fs: dict):
    """(CSV rows, report lines) of one series, or None when the y → ∞ equations are not in this build."""
    s, a, Ns = fs["states"], fs["alpha"], list(fs["Ns"])
    lo, hi = fs["d_range"]
    series = _series(job, fs)
    gammas = [g for g in sorted(set.intersection(*(set(r) for r in series.values())))
              if all(lo <= series[N][g]["d"] <= hi for N in Ns)]
    ds = sorted({series[N][g]["d"] for N in Ns for g in gammas})
    # the y → ∞ curve at exactly these d, a cached unit (a rerun reads the same numbers)
    curve = local_entropy_unit(s, a, math.inf, ds, job.cache) if ds else None
    if ds and curve is None:
        job.missing.append("BP finite-size part: the y -> inf equations (numerics.problems.local_entropy)")
        return None
    theory = {} if curve is None else {d: (S, ok) for d, S, ok in zip(ds, curve["S_I"], curve["converged"])}
    bad = [d for d, (_, ok) in theory.items() if not ok]
    if bad:
        job.failures.append(f"y → ∞ {s} α={a} at d = {', '.join(f'{d:.4g}' for d in bad)} (BP finite-size part)")
    rows, lines = [], [f"{s}, α = {a}, {fs['instances']} instances per size:", "",
                       "| γ | d (largest N) | " + " | ".join(f"ΔF, N = {N}" for N in Ns)
                       + " | ΔF, N → ∞ | within 2 SE of 0 |", "|---|---|" + "---|" * len(Ns) + "---|---|"]
    for g in gammas:
        dF = [series[N][g]["S"] - theory[series[N][g]["d"]][0] for N in Ns]
        err = [series[N][g]["S_err"] for N in Ns]
        for N, x, e in zip(Ns, dF, err):
            r = series[N][g]
            rows.append({"states": s, "alpha": a, "N": N, "n_instances": r["n"], "gamma": g, "d": r["d"],
                         "F": r["S"], "F_err": e, "S_I_theory": theory[r["d"]][0], "dF": x})
        c, c_err, _ = fit_in_inverse_n(Ns, dF, err)
        rows.append({"states": s, "alpha": a, "N": "inf", "n_instances": math.nan, "gamma": g,
                     "d": series[Ns[-1]][g]["d"], "F": math.nan, "F_err": c_err, "S_I_theory": math.nan, "dF": c})
        lines.append(f"| {g:g} | {series[Ns[-1]][g]['d']:.4f} | "
                     + " | ".join(f"{x:+.4f} ± {e:.4f}" for x, e in zip(dF, err))
                     + f" | {c:+.4f} ± {c_err:.4f} | {'yes' if abs(c) <= 2 * c_err else 'no'} |")
    if not gammas:
        lines.append("No coupling had its mean d in the range at every size.")
    return rows, lines + [""]
