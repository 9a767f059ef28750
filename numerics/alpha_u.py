"""α_U: the load at which the dense regions of solutions break up (physics.md §3).

Criterion (stated in every result): at load α and tilt y, compute S_I(d) on the small-distance
window ``ds`` (default 8 points from d = 0.01 to 0.08) by continuation from the largest d down.
The dense regions exist at α when **every point converges and S_I increases strictly with d** on
the window; α_U is the smallest α where that fails (a local maximum appears, or the curve stops
existing at small d).  α_U is found by bisection on α within ``bracket`` until the interval is
shorter than ``xtol``; the result reports the final interval [lo, hi] (lo: last α where the
criterion held, hi: first where it failed).

``y = inf`` uses the extrapolated curves of :mod:`numerics.extrapolation` (slow: a ladder of finite-y
solutions per point); the default is the large finite y = 20, and the result says which y it used.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

from theory.states import parse_states

from .local_entropy import local_entropy_curve

__all__ = ["AlphaUResult", "dense_regions_exist", "alpha_u", "alpha_u_table", "TABLE_SETS", "DEFAULT_WINDOW"]

DEFAULT_WINDOW = tuple(np.round(np.linspace(0.01, 0.08, 8), 4))
TABLE_SETS = ("binary", "symmetric:3", "symmetric:5", "symmetric:7",
              "excitatory:2", "excitatory:3", "excitatory:4", "excitatory:5")


@dataclass
class AlphaUResult:
    states: str
    alpha_U: float
    interval: List[float]
    y: float
    converged: bool
    message: str
    criterion: str
    evaluations: List[dict] = field(default_factory=list)

    @property
    def success(self):
        return self.converged

    def as_dict(self):
        return {"states": self.states, "alpha_U": self.alpha_U, "interval": self.interval, "y": self.y,
                "converged": self.converged, "message": self.message, "criterion": self.criterion,
                "evaluations": self.evaluations}


def dense_regions_exist(states, alpha: float, *, y: float = 20.0, ds: Sequence[float] = DEFAULT_WINDOW,
                        **kw):
    """(holds, curve): the criterion of the module docstring at one α."""
    curve = local_entropy_curve(states, alpha, y, list(ds), sweep="down", **kw)
    ok = bool(curve.converged.all()) and bool(np.all(np.diff(curve.S_I) > 0))
    return ok, curve


def alpha_u(states, *, y: float = 20.0, ds: Sequence[float] = DEFAULT_WINDOW,
            bracket: Optional[Sequence[float]] = None, xtol: float = 0.005, **kw) -> AlphaUResult:
    """α_U by bisection on α (see the module docstring for the criterion)."""
    states = parse_states(states)
    from .equilibrium import capacity

    crit = (f"S_I(d) at y={y:g} converges and increases strictly on d in "
            f"[{min(ds):g}, {max(ds):g}] ({len(ds)} points)")
    if bracket is None:
        ac = capacity(states).alpha_c
        bracket = (0.5 * ac, ac)
    lo, hi = float(bracket[0]), float(bracket[1])
    evals = []

    def test(a):
        ok, curve = dense_regions_exist(states, a, y=y, ds=ds, **kw)
        evals.append({"alpha": a, "holds": ok, "S_I": curve.S_I.tolist(),
                      "converged": curve.converged.tolist()})
        return ok

    if not test(lo):
        return AlphaUResult(states.name, math.nan, [math.nan, lo], y, False,
                            f"the criterion already fails at the lower end alpha={lo:g}", crit, evals)
    if test(hi):
        return AlphaUResult(states.name, math.nan, [hi, math.nan], y, False,
                            f"the criterion still holds at the upper end alpha={hi:g}", crit, evals)
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        if test(mid):
            lo = mid
        else:
            hi = mid
    return AlphaUResult(states.name, 0.5 * (lo + hi), [lo, hi], y, True,
                        f"bisection to {xtol:g} in {len(evals)} evaluations", crit, evals)


def alpha_u_table(state_sets: Sequence[str] = TABLE_SETS, *, y: float = 20.0, **kw) -> List[dict]:
    """α_U and α_c side by side, with bits = log2 L."""
    from .equilibrium import capacity

    rows = []
    for name in state_sets:
        S = parse_states(name)
        c = capacity(S)
        r = alpha_u(S, y=y, **kw)
        rows.append({"states": S.name, "L": S.L, "bits": S.bits, "alpha_U": r.alpha_U, "interval": r.interval,
                     "alpha_c": c.alpha_c, "y": r.y, "converged": bool(r.converged and c.converged),
                     "message": r.message})
    return rows
