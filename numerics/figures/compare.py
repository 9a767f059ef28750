"""Theory against simulation: the means over instances of the simulated local entropy
(:func:`aggregate_bp`, :func:`aggregate_enum`) and their agreement with a theory curve
(:func:`compare`) or with the band between two curves (:func:`compare_between`)."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["aggregate_bp", "aggregate_enum", "compare", "compare_between"]


def aggregate_bp(units):
    """Mean ± standard error over instances of (d, F) at each γ (solved instances, converged BP only).
    Returns (rows, number of unsolved instances, number of excluded (instance, γ) BP runs)."""
    good = [u for u in units if u["solved"] and u["gamma"]]
    rows = []
    if not good:
        return rows, len(units) - len(good), 0
    excluded = 0
    for j, g in enumerate(good[0]["gamma"]):
        ds = np.array([u["d"][j] for u in good if u["converged"][j]])
        Fs = np.array([u["F"][j] for u in good if u["converged"][j]])
        excluded += len(good) - len(ds)
        if len(ds) < 2:
            continue
        rows.append({"gamma": g, "d": ds.mean(), "d_err": ds.std(ddof=1) / math.sqrt(len(ds)), "S": Fs.mean(),
                     "S_err": Fs.std(ddof=1) / math.sqrt(len(Fs)), "n": len(ds)})
    rows = [r for r in rows if r["d"] > 1e-3]  # γ so large that the reference is pinned: d = 0, F = 0
    return rows, len(units) - len(good), excluded


def aggregate_enum(units, which):
    """Counts over instances at each distance present (count > 0) in every instance: rows (d, counts)
    and the number of instances with a ``which`` histogram (``typical`` or ``densest``)."""
    hs = [u[which] for u in units if which in u]
    if len(hs) < 2:
        return [], len(hs)
    table = {}
    for h in hs:
        for d, c in zip(h["d"], h["counts"]):
            table.setdefault(round(float(d), 9), []).append(c)
    rows = []
    for d in sorted(table):
        cs = np.array(table[d], float)
        if d <= 0 or len(cs) < len(hs) or (cs <= 0).any():
            continue
        rows.append({"d": d, "counts": cs})
    return rows, len(hs)


def _interpolant(theory: dict | None):
    """(d, S) of a theory curve's converged points sorted by d, or None with fewer than two."""
    if theory is None:
        return None
    d = np.asarray(theory["d"], float)
    S = np.asarray(theory["S_I"], float)
    ok = np.asarray(theory["converged"], bool) & np.isfinite(S)
    if ok.sum() < 2:
        return None
    o = np.argsort(d[ok])
    return d[ok][o], S[ok][o]


def compare(theory: dict | None, sim_rows: list) -> dict:
    """Agreement of simulation points (d, S ± S_err) with a theory curve interpolated at d (converged,
    in range only): mean |ΔS|, max |ΔS|, signed mean ΔS (ΔS = simulation − theory), number within
    2 standard errors."""
    out = {"n_points": 0, "mean_abs_dS": math.nan, "max_abs_dS": math.nan, "mean_dS": math.nan, "within_2se": 0}
    curve = _interpolant(theory)
    if curve is None or not sim_rows:
        return out
    d, S = curve
    diffs, within = [], 0
    for r in sim_rows:
        if not (d[0] <= r["d"] <= d[-1]):
            continue
        dS = r["S"] - float(np.interp(r["d"], d, S))
        diffs.append(dS)
        within += int(abs(dS) <= 2 * r["S_err"])
    if diffs:
        a = np.abs(diffs)
        out.update(n_points=len(diffs), mean_abs_dS=float(np.mean(a)), max_abs_dS=float(np.max(a)),
                   mean_dS=float(np.mean(diffs)), within_2se=within)
    return out


def compare_between(lower: dict | None, upper: dict | None, sim_rows: list) -> dict:
    """Simulation points against the band between two theory curves, e.g. the Franz–Parisi curve
    (typical references) and the y → ∞ curve (the densest references): a solution found by an
    algorithm is a reference of neither kind, and its local entropy should lie between them.

    Over the points inside both curves' d ranges: ΔS = the distance of S from the band [lower,
    upper] (0 inside; mean and max of |ΔS|), the signed mean of S − upper, and the number of points
    inside the band widened by 2 standard errors."""
    out = {"n_points": 0, "mean_abs_dS": math.nan, "max_abs_dS": math.nan, "mean_dS": math.nan, "within_2se": 0}
    lo, hi = _interpolant(lower), _interpolant(upper)
    if lo is None or hi is None or not sim_rows:
        return out
    dist, below_top, within = [], [], 0
    for r in sim_rows:
        x = r["d"]
        if not (max(lo[0][0], hi[0][0]) <= x <= min(lo[0][-1], hi[0][-1])):
            continue
        a, b = float(np.interp(x, *lo)), float(np.interp(x, *hi))
        dist.append(max(a - r["S"], r["S"] - b, 0.0))
        below_top.append(r["S"] - b)
        within += int(a - 2 * r["S_err"] <= r["S"] <= b + 2 * r["S_err"])
    if dist:
        out.update(n_points=len(dist), mean_abs_dS=float(np.mean(dist)), max_abs_dS=float(np.max(dist)),
                   mean_dS=float(np.mean(below_top)), within_2se=within)
    return out
