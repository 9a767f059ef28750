"""The α = 0 local entropy: the exact anchor of every local-entropy problem.

Without patterns the reference is constrained by nothing but its prior, and the local entropy is the
single-site problem (1/N) log Σ_W π(W) 1[dist(W, W̃) = d], computed by its Legendre dual in the
conjugate λ of the distance (see :func:`alpha0_curve`).  For binary synapses it is the binary entropy
H₂(d) (:func:`binary_entropy`); at α > 0 it is an upper bound of S_I(d).
"""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np
from scipy.optimize import minimize_scalar

from theory.states import StateSet, parse_states

from .results import check_distance

__all__ = ["alpha0_curve", "binary_entropy", "distance_matrix"]


def binary_entropy(d):
    """H₂(d) = −d log d − (1 − d) log(1 − d) (nats)."""
    d = np.asarray(d, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((d > 0) & (d < 1), -d * np.log(d) - (1 - d) * np.log1p(-d), 0.0)


def distance_matrix(states: StateSet, distance: str) -> np.ndarray:
    s = states.array
    if distance == "squared":
        return (s[:, None] - s[None, :]) ** 2 / states.spread**2
    return (s[:, None] != s[None, :]).astype(float)


def alpha0_curve(states: Union[str, StateSet], ds: Sequence[float], distance: str = "squared",
                 reference: str = "best") -> np.ndarray:
    """The α = 0 local entropy: (1/N) log Σ_W π(W) 1[dist(W, W̃) = d], the upper bound of S_I.

    ``reference="best"`` maximises over the composition of W̃ (the y → ∞ reference at α = 0):
    by minimax, F(d) = min_λ [λ d + max_s log Σ_W π e^{−λ dist(W, s)}].  ``"typical"`` averages
    over W̃ drawn from the prior: F(d) = min_λ [λ d + Σ_s π̄_s log Σ_W π e^{−λ dist(W, s)}].
    For binary both are H₂(d).
    """
    states = parse_states(states)
    D = distance_matrix(states, distance)
    lp = states.log_prior
    pbar = np.exp(lp - np.logaddexp.reduce(lp))

    def F(d):
        def dual(lam):
            per_s = np.logaddexp.reduce(lp[None, :] - lam * D, axis=1)
            agg = per_s.max() if reference == "best" else float(pbar @ per_s)
            return lam * d + agg
        r = minimize_scalar(dual, bounds=(-60, 200), method="bounded", options={"xatol": 1e-12})
        return r.fun

    for d in ds:
        check_distance(d, distance)
    return np.array([F(float(d)) for d in ds])
