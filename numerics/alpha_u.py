"""α_U: the load at which the dense regions of solutions break up (physics.md §3).

Criterion (stated in every result): at load α and tilt y, compute S_I(d) on the small-distance
window ``ds`` (default 8 points from d = 0.01 to 0.08) by continuation from the largest d down.
The dense regions exist at α when **every point converges and S_I increases strictly with d** on
the window; α_U is the smallest α where that fails (a local maximum appears, or the curve stops
existing at small d).  α_U is located by an upward scan in α (continuation: each α warm-started
from its neighbour) followed by bisection, until the interval is shorter than ``xtol``; the
result reports the final interval [lo, hi] (lo: last α where the criterion held, hi: first where
it failed) and every evaluation.

Which y.  The default is y → ∞, solved with the y → ∞ equations of
:mod:`theory.functionals.large_y` (:mod:`numerics.large_y`); a finite y (e.g. 20) runs the same
criterion on finite-y curves (slower; S_I grows with y, so the curves move up towards the α = 0
bound as y grows).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

from theory.states import parse_states

from .local_entropy import LocalEntropyCurve, LocalEntropyPoint, solve_local_entropy

__all__ = ["AlphaUResult", "dense_regions_exist", "alpha_u", "alpha_u_table", "TABLE_SETS", "DEFAULT_WINDOW"]

DEFAULT_WINDOW = tuple(np.round(np.linspace(0.01, 0.08, 8), 4))
DEFAULT_Y = math.inf
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
                        init: Optional[dict] = None, jacobian=None, max_halvings: int = 3, **kw):
    """(holds, curve): the criterion of the module docstring at one α.

    The window is swept from the largest d down, each point warm-started from the previous one
    (``init``/``jacobian`` warm-start the largest d, e.g. from the same d at a neighbouring α).  A
    point that fails from its neighbour is retried through up to ``max_halvings`` levels of
    intermediate distances; the first point is retried from a cold start.  The scan stops at the
    first point that fails or does not lie below its larger-d neighbour: the criterion has failed
    and the remaining points are reported as not computed.
    """
    states = parse_states(states)
    ds = sorted((float(d) for d in ds), reverse=True)
    if y == math.inf:  # the y → ∞ equations (numerics.large_y)
        from .large_y import solve_large_y
        kw = {k: v for k, v in kw.items() if k not in ("reference", "f_out")}

        def solve(d, quick=False, **w):
            return solve_large_y(states, alpha, d, newton_only=quick, **w, **kw)
    else:
        def solve(d, quick=False, **w):  # finite y: every attempt is a full solve
            return solve_local_entropy(states, alpha, d, y, **w, **kw)

    def reach(d_from, p_from, d_to, level):
        """Continuation from (d_from, p_from) to d_to: a cheap Newton step; if it fails, two half
        steps (recursively, ``max_halvings`` deep); if everything fails, one full solve."""
        p = solve(d_to, quick=True, init=p_from.saddle.params, jacobian=p_from.jacobian)
        if p.converged:
            return p
        if level < max_halvings:
            mid = 0.5 * (d_from + d_to)
            pm = reach(d_from, p_from, mid, level + 1)
            if pm.converged:
                p2 = reach(mid, pm, d_to, level + 1)
                if p2.converged:
                    return p2
        if level == 0 and y == math.inf:  # at finite y the first attempt already was a full solve
            return solve(d_to, init=p_from.saddle.params, jacobian=p_from.jacobian)
        return p

    points, ok, prev = [], True, None
    for d in ds:
        if prev is None:
            p = solve(d, init=init, jacobian=jacobian) if init else solve(d)
            if not p.converged and init:
                p = solve(d)
        else:
            p = reach(prev.d, prev, d, 0)
        points.append(p)
        if not p.converged or (prev is not None and not p.S_I < prev.S_I):
            ok = False
            break
        prev = p
    for d in ds[len(points):]:
        points.append(LocalEntropyPoint(d=d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=float(y),
                                        note="not computed: the criterion already failed at larger d"))
    points.reverse()
    curve = LocalEntropyCurve.from_points(points, y=float(y), alpha=float(alpha), states=states.name,
                                          reference=kw.get("reference", "solution"),
                                          distance=kw.get("distance", "squared"))
    return ok, curve


def alpha_u(states, *, y: float = DEFAULT_Y, ds: Sequence[float] = DEFAULT_WINDOW,
            bracket: Optional[Sequence[float]] = None, steps: int = 6, xtol: float = 0.005,
            progress=None, **kw) -> AlphaUResult:
    """α_U: an upward scan in α by continuation, then bisection (criterion: module docstring).

    The scan starts at ``bracket[0]`` (default 0.6 α_c, where the dense regions exist) and climbs in
    ``steps`` equal steps towards ``bracket[1]`` (default 0.98 α_c), each α warm-started from the
    nearest α already solved; at the first α where the criterion fails it bisects between that α
    and the last one where it held, until the interval is shorter than ``xtol``.  ``progress(a, ok)``
    is called after every evaluation.
    """
    states = parse_states(states)
    from .equilibrium import capacity

    crit = (f"S_I(d) at y={y:g} converges and increases strictly on d in "
            f"[{min(ds):g}, {max(ds):g}] ({len(ds)} points)")
    if bracket is None:
        ac = capacity(states).alpha_c
        bracket = (round(0.6 * ac, 6), round(0.98 * ac, 6))
    lo, top = float(bracket[0]), float(bracket[1])
    if not 0 < lo < top:
        raise ValueError(f"bracket must satisfy 0 < lo < hi, got {bracket!r}")
    evals = []
    starts = {}  # α -> converged point at the largest d: warm starts for the next α (continuation)

    def test(a):
        warm = {}
        if starts:
            near = min(starts, key=lambda b: abs(b - a))
            warm = {"init": starts[near].saddle.params, "jacobian": starts[near].jacobian}
        ok, curve = dense_regions_exist(states, a, y=y, ds=ds, **warm, **kw)
        first = curve.points[int(np.argmax(curve.d))]
        if first.converged:
            starts[a] = first
        evals.append({"alpha": a, "holds": ok, "d": curve.d.tolist(), "S_I": curve.S_I.tolist(),
                      "converged": curve.converged.tolist()})
        if progress is not None:
            progress(a, ok)
        return ok

    if not test(lo):
        return AlphaUResult(states.name, math.nan, [math.nan, lo], y, False,
                            f"the criterion already fails at the lower end alpha={lo:g}", crit, evals)
    hi = None
    start = lo
    for k in range(1, steps + 1):
        a = start + (top - start) * k / steps
        if test(a):
            lo = a
        else:
            hi = a
            break
    if hi is None:
        return AlphaUResult(states.name, math.nan, [lo, math.nan], y, False,
                            f"the criterion still holds at the upper end alpha={lo:g}", crit, evals)
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        if test(mid):
            lo = mid
        else:
            hi = mid
    return AlphaUResult(states.name, 0.5 * (lo + hi), [lo, hi], y, True,
                        f"scan and bisection to {xtol:g} in {len(evals)} evaluations", crit, evals)


def alpha_u_table(state_sets: Sequence[str] = TABLE_SETS, *, y: float = DEFAULT_Y, **kw) -> List[dict]:
    """α_U and α_c side by side, with bits = log2 L."""
    from .equilibrium import capacity

    rows = []
    for name in state_sets:
        S = parse_states(name)
        c = capacity(S)
        r = alpha_u(S, y=y, bracket=(round(0.6 * c.alpha_c, 6), round(0.98 * c.alpha_c, 6)), **kw)
        rows.append({"states": S.name, "L": S.L, "bits": S.bits, "alpha_U": r.alpha_U, "interval": r.interval,
                     "alpha_c": c.alpha_c, "y": r.y, "converged": bool(r.converged and c.converged),
                     "message": r.message})
    return rows
