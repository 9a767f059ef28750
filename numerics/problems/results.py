"""Result types of the local-entropy problems and the check of a distance.

:class:`LocalEntropyPoint` (one saddle point with S_I, Σ, Φ and its diagnostics) and
:class:`LocalEntropyCurve` (arrays over d) are shared by Franz–Parisi, finite y and y → ∞, so that
the problem modules need not import one another.  :func:`check_distance` validates a normalised
distance: ``squared`` d = mean (W − W̃)²/Δ² (Δ = max S − min S) or ``hamming`` d = mean 1[W ≠ W̃],
both strictly inside (0, 1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ..solver.saddle import SaddleResult

__all__ = ["LocalEntropyPoint", "LocalEntropyCurve", "check_distance"]


@dataclass
class LocalEntropyPoint:
    """One point of a local-entropy curve with the saddle point behind it."""

    d: float
    S_I: float
    Sigma: float
    phi: float
    y: float
    saddle: Optional[SaddleResult] = field(default=None, repr=False)
    note: str = ""
    jacobian: Optional[np.ndarray] = field(default=None, repr=False)  # for warm starts of neighbours
    status: Optional[bool] = None  # overrides the saddle's flag (extrapolated points: all y converged)
    branch_end: bool = False  # y → ∞: the solve found the distance constraint jumping through 0 (no root)
    largest_converged_d: float = math.nan  # y → ∞ cold call that failed: the last d its path in d reached

    @property
    def converged(self) -> bool:
        if self.status is not None:
            return bool(self.status) and math.isfinite(self.S_I)
        return bool(self.saddle.converged) and math.isfinite(self.S_I) if self.saddle is not None else False

    @property
    def residual(self) -> float:
        return self.saddle.residual if self.saddle is not None else math.nan

    @property
    def iterations(self) -> int:
        return self.saddle.iterations if self.saddle is not None else 0

    @property
    def message(self) -> str:
        m = self.saddle.message if self.saddle is not None else "no saddle point"
        return f"{m}; {self.note}" if self.note else m

    def as_dict(self) -> dict:
        """The point as plain data.  Where the saddle point did not converge, S_I, Σ and Φ are null
        (they are not results) and the last iterate's values are kept under ``last_iterate``."""
        out = {"d": self.d, "S_I": self.S_I, "Sigma": self.Sigma, "phi": self.phi, "y": self.y,
               "converged": self.converged, "residual": self.residual, "iterations": self.iterations,
               "message": self.message}
        if self.saddle is not None and not self.saddle.converged:
            out["last_iterate"] = {k: out[k] for k in ("S_I", "Sigma", "phi")}
            out.update(S_I=math.nan, Sigma=math.nan, phi=math.nan)
        if self.saddle is not None:
            out["params"] = {**self.saddle.params, **self.saddle.conjugates}
        return out


@dataclass
class LocalEntropyCurve:
    """A local-entropy curve: arrays over d, and the parameters that made it."""

    d: np.ndarray
    S_I: np.ndarray
    Sigma: np.ndarray
    phi: np.ndarray
    converged: np.ndarray
    residual: np.ndarray
    y: float
    alpha: float
    states: str
    kind: str = "local-entropy"
    reference: str = "solution"
    distance: str = "squared"
    points: List[LocalEntropyPoint] = field(default_factory=list, repr=False)

    @classmethod
    def from_points(cls, points, **meta) -> "LocalEntropyCurve":
        arr = lambda k: np.array([getattr(p, k) for p in points], dtype=float)  # noqa: E731
        return cls(d=arr("d"), S_I=arr("S_I"), Sigma=arr("Sigma"), phi=arr("phi"),
                   converged=np.array([p.converged for p in points], dtype=bool), residual=arr("residual"),
                   points=list(points), **meta)

    def as_dict(self) -> dict:
        return {"states": self.states, "alpha": self.alpha, "y": self.y, "kind": self.kind,
                "reference": self.reference, "distance": self.distance,
                "points": [p.as_dict() for p in self.points]}


def check_distance(d, distance: str = "squared") -> None:
    if distance not in ("squared", "hamming"):
        raise ValueError(f"distance must be 'squared' or 'hamming', got {distance!r}")
    if not (isinstance(d, (int, float, np.floating, np.integer)) and math.isfinite(d) and 0 < d < 1):
        raise ValueError(f"d must lie strictly between 0 and 1 (normalised {distance} distance), got {d!r}")
