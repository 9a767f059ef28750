"""Cold y → ∞ points: the exact α = 0 solution, and a path in d with a memo of converged points.

**α = 0** (physics.md §3.2).  Without patterns q̂1 = δ̂ = 0 and δq = ∞, and φ∞ is the single-site
problem of the best reference value s* (:func:`numerics.problems.alpha_zero.alpha0_curve`):

    S_I(d) = min_λ [ λ d + max_s log Σ_W π(W) e^{−λ D(W, s)} ],   D = (W − s)²/Δ² or 1[W ≠ s],

whose minimiser λ* is the conjugate of the distance: Ŝ = Â = Q̂ = 2λ*/Δ² (squared) or λ (Hamming), and
Q̃ = s*², Q = ⟨W²⟩, q1 = ⟨W⟩² in the single-site measure π(W) e^{−λ* D(W, s*)}.  The y → ∞ equations
cannot be solved there (the equation of δq holds ∂G_S/∂q̂1 ~ 1/√q̂1 → ∞), so :func:`alpha0_solution`
solves the dual instead; its residual is that of the equation it does solve, the distance
constraint d = ⟨D⟩ (zero at a kink of the dual, where two values s tie and the reference mixes them).

**α > 0, a cold call** (no start given).  At small d the unknowns run away (binary, α = 0.5: δq grows
like exp(0.05/d), 1e21 at d = 0.001) and no generic start converges there; at moderate d (the top of
the α_U window, d ≈ 0.06) a cold solve does.  A path in d
(:func:`numerics.solver.continuation.continue_in_d`) walks from a converged point to the requested d in
steps of log d, each a capped Newton solve from a secant predictor (for sets of more than two values:
the parabola or secant with the smallest residual, and a fresh Jacobian), the step halved on failure
and grown on success.  For those sets the top anchor comes first where the α = 0 bound puts it inside
the branch (:func:`numerics.problems.large_y._anchor_inside`).  Every converged point of a path goes into :data:`MEMO`, keyed by the problem
(states, prior, distance, κ, α, quadrature), so that a later call starts from its nearest converged
neighbour in log d (a curve, or repeated CLI points in one process, cost a few Newton steps each);
:mod:`numerics.problems.path_store` keeps them on disk for later processes.  A path that cannot go on
(past the end of a branch, into a gap) stops within its budget and reports the last d that converged.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Hashable

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from theory.states import StateSet

from .alpha_zero import alpha0_curve, distance_matrix

__all__ = ["Alpha0Solution", "alpha0_solution", "PathMemo", "MEMO"]


@dataclass
class Alpha0Solution:
    """The exact α = 0 point: ``S_I``, the conjugate ``lam`` (λ*), the best reference value ``s``,
    the order parameters and conjugates in the names of the y → ∞ equations, ``residual``
    (|d − ⟨D⟩|, or 0 at a kink of the dual where the constraint is met by a mixture) and a message."""

    d: float
    S_I: float
    lam: float
    s: float
    residual: float
    params: Dict[str, float]
    conjugates: Dict[str, float]
    message: str


def _single_site(states: StateSet, D: np.ndarray, lam: float):
    """Per reference value s: log Σ_W π e^{−λ D(W,s)}, ⟨D⟩, ⟨W⟩, ⟨W²⟩ (arrays over s)."""
    lw = states.log_prior[None, :] - lam * D
    logZ = np.logaddexp.reduce(lw, axis=1)
    p = np.exp(lw - logZ[:, None])
    w = states.array
    return logZ, (p * D).sum(1), p @ w, p @ w**2


def alpha0_solution(states: StateSet, d: float, distance: str = "squared") -> Alpha0Solution:
    """The y → ∞ point at α = 0 from the dual of the single-site problem (module docstring)."""
    D = distance_matrix(states, distance)

    def dual(lam):
        return lam * d + float(_single_site(states, D, lam)[0].max())

    r = minimize_scalar(dual, bounds=(-60.0, 200.0), method="bounded", options={"xatol": 1e-12})
    lam = float(r.x)
    logZ, mD, m1, m2 = _single_site(states, D, lam)
    active = np.nonzero(logZ >= logZ.max() - 1e-9 * (1 + abs(logZ.max())))[0]
    kink = False
    if np.ptp(mD[active]) <= 1e-9:  # one best value (or equivalent ones, ±s of a symmetric set):
        # polish λ on its own constraint d = ⟨D⟩_s (decreasing in λ)
        k = int(active[0])

        def g(t):
            return d - float(_single_site(states, D, t)[1][k])

        lo, hi = lam - 1.0, lam + 1.0
        if g(lo) < 0 < g(hi):
            lam = float(brentq(g, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps))
        logZ, mD, m1, m2 = _single_site(states, D, lam)
        residual = abs(d - float(mD[k]))
    else:  # a kink of the dual: the values in `active` tie, 0 lies in the subgradient if their
        # constraints have opposite signs (the reference mixes them)
        gs = d - mD[active]
        kink = bool(gs.min() <= 0 <= gs.max())
        residual = 0.0 if kink else float(np.min(np.abs(gs)))
        k = int(active[np.argmin(np.abs(gs))])
    S_I = float(alpha0_curve(states, [d], distance)[0])
    S_I = min(S_I, lam * d + float(logZ.max()))  # the dual's minimum: the smaller of two evaluations
    s = float(states.array[k])
    conj = {"Ath": 0.0, "Qh": 0.0, "q1h": 0.0, "dh": 0.0}
    params = {"Qt": s * s, "Q": float(m2[k]), "q1": float(m1[k]) ** 2, "dq": math.inf}
    if distance == "squared":
        sh = 2.0 * lam / states.spread**2
        params["Sh"] = sh
        conj.update(Ath=sh, Qh=sh, Sh=sh)
    else:
        params["lam"] = lam
        conj["lam"] = lam
    msg = ("exact alpha = 0 solution (no patterns: the single-site problem of the best reference value "
           f"W~ = {s:g}, solved by its dual in the distance's conjugate lambda = {lam:.6g}; delta q = inf, "
           "q1h = dh = 0); residual = |d - <dist>| of that problem")
    if kink:
        msg += "; at a kink of the dual: the reference mixes the values " + ", ".join(
            f"{states.array[i]:g}" for i in active)
    return Alpha0Solution(d=float(d), S_I=S_I, lam=lam, s=s, residual=float(residual), params=params,
                          conjugates=conj, message=msg)


class PathMemo:
    """Converged y → ∞ points kept in this process: per problem key, the LocalEntropyPoints (with their
    saddle and Jacobian).  ``nearest(key, d)`` returns the stored point nearest in log d (None if
    there is none)."""

    def __init__(self, max_per_key: int = 200, max_keys: int = 200):
        self.max_per_key, self.max_keys = max_per_key, max_keys
        self._pts: Dict[Hashable, list] = {}

    def add(self, key: Hashable, point) -> None:
        if point.saddle is None or not point.converged or not all(
                math.isfinite(v) for v in point.saddle.params.values()):
            return
        pts = self._pts.setdefault(key, [])
        pts[:] = [p for p in pts if abs(p.d - point.d) > 1e-12 * point.d]
        pts.append(point)
        if len(pts) > self.max_per_key:
            del pts[0]
        if len(self._pts) > self.max_keys:
            del self._pts[next(iter(self._pts))]

    def nearest(self, key: Hashable, d: float):
        pts = self._pts.get(key)
        if not pts:
            return None
        return min(pts, key=lambda p: abs(math.log(p.d / d)))

    def points(self, key: Hashable) -> list:
        return sorted(self._pts.get(key, []), key=lambda p: p.d)

    def clear(self) -> None:
        self._pts.clear()


MEMO = PathMemo()
