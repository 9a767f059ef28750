"""Predictor for continuation along a curve: a secant step in the solver's own coordinates.

Neighbouring saddle points along a curve in d (or α) are warm starts for each other.  Starting the
corrector (Newton) from the *previous* solution fails where the unknowns move fast, e.g. δq of the
y → ∞ equations, which grows like a pole as d → 0 at α = 0.5 (9.9, 13, 18.5, 29.6, 58 at d = 0.02,
0.0175, 0.015, 0.0125, 0.01).  The secant predictor extrapolates linearly from the last two
solutions, in the unconstrained coordinates u of the solver's
:class:`~numerics.solver.saddle.Parametrisation` (logs, logits) against t = log d:

    u(t) ≈ u₂ + (t − t₂)/(t₂ − t₁) · (u₂ − u₁)

With it the binary α = 0.5 curve goes from d = 0.08 to 0.01 in 13 Newton-only steps; from the
previous point alone, steps below d = 0.02 needed the full solver (about 30 s each).
"""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

import numpy as np

__all__ = ["SecantPredictor", "secant_zero"]


class SecantPredictor:
    """Collects (t, u) of converged points; ``predict(t)`` extrapolates from the last two.

    ``log=True`` (default) uses log t as the curve parameter (natural for distances, which are
    refined geometrically towards 0); ``log=False`` uses t itself (e.g. α)."""

    def __init__(self, param, log: bool = True, max_ratio: float = 2.0):
        self.param = param
        self.log = log
        self.max_ratio = max_ratio
        self.history: List[Tuple[float, np.ndarray]] = []

    def _t(self, t: float) -> float:
        return math.log(t) if self.log else float(t)

    def add(self, t: float, params: dict) -> None:
        self.history.append((self._t(t), np.asarray(self.param.to_u(params), dtype=float)))

    def predict(self, t: float) -> Optional[dict]:
        """The extrapolated parameters at t, or None with fewer than two points (or when the step
        is more than ``max_ratio`` times the last one: a secant is not trusted that far)."""
        if len(self.history) < 2:
            return None
        (t1, u1), (t2, u2) = self.history[-2:]
        if t2 == t1:
            return None
        s = (self._t(t) - t2) / (t2 - t1)
        if not (math.isfinite(s) and abs(s) <= self.max_ratio):
            return None
        try:
            return self.param.from_u(u2 + s * (u2 - u1))
        except (ValueError, OverflowError):
            return None


def secant_zero(t0: float, m0: float, t1: float, m1: float) -> float:
    """The zero of the line through (t0, m0) and (t1, m1): t0 + (t1 − t0) m0/(m0 − m1).

    NaN when it is undefined (a non-finite value, or m0 = m1).  Used to place the next evaluation of
    a margin that changes sign (α_U's criterion, the end of a branch in α)."""
    if not (math.isfinite(m0) and math.isfinite(m1)) or m0 == m1:
        return math.nan
    return t0 + (t1 - t0) * m0 / (m0 - m1)
