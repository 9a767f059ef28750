"""The y → ∞ equations against finite-y ladders, at two (α, d) points per state set of the α_U table.

physics.md §3.2 accepts the y → ∞ equations (:mod:`numerics.problems.large_y`) only where they agree with the
finite-y solutions extrapolated in y.  This module runs that check at the points of
:data:`CHECK_POINTS` and reports it as a table (``fewbits ladder-check``).

Criterion at one point (reference a solution, squared distance, κ = 0).  The ladder
y = 3, 4.5, 6.75, 10, 15 (:func:`numerics.problems.extrapolation.y_ladder`, each rung warm-started from the
one below) converges at every rung and rises with y (yΦ is convex in y, so ∂_y S_I ≥ 0), and the
y → ∞ value S∞ (:func:`numerics.problems.large_y.solve_large_y`) lies above the last rung by no more than
``ratio_max`` times the last step:

    S(15) < S∞ ≤ S(15) + r_max [S(15) − S(10)],    r = [S∞ − S(15)] / [S(15) − S(10)] is reported.

For S(y) = S∞ − b/y the ratio is 2, for an approach as 1/√y it is 4.45; ``r_max`` = 2.4.  The ratios
measured at the 16 points are 0.90–2.17 (all agree).  The fit of
:func:`numerics.problems.extrapolation.extrapolate` to the rungs y = 6.75, 10, 15 is reported too (``fit``,
``fit_model``), for information only: it lies 3e-3 to 7e-3 *above* S∞ at every point, because the
slope of S_I in 1/y still changes above y = 15 (binary, α = 0.5, d = 0.1: fit 0.2378 from these
rungs, while the rungs y = 15 … 40 fit to 0.2344–0.2348 against the equations' 0.23416, a test of
tests/test_large_y.py).  A fit needs rungs well above y = 15 to be a check; the bracket above does
not.

Cost: one to three minutes per point on one core (the y = 10 and 15 rungs dominate).  The test suite
runs the first point of binary, symmetric(3), symmetric(5), excitatory(2) and (3) (and the binary
pair); this table runs both points of every set.  With a cache folder each point is stored when
done (:mod:`numerics.storage.cache`), so an interrupted table resumes.
:func:`check_table` runs the points in this process or, with ``scheduler``, one task per point on a Dask
cluster (:mod:`numerics.analyses.sweep`: 16 independent tasks, so the table's wall time is about its
longest point, ~3 minutes, with 16 workers).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

__all__ = ["CHECK_POINTS", "LADDER_YS", "RATIO_MAX", "LadderCheck", "check_point", "check_table"]

LADDER_YS = (3.0, 4.5, 6.75, 10.0, 15.0)
RATIO_MAX = 2.4

# (states, α, d): two per set.  The first of each set (binary: the second) is in tests/test_large_y.py.
# The second points lie closer to α_U at smaller d, where the dense regions break up.  Excitatory(5)
# at (0.68, 0.015) fails at every rung; (0.65, 0.02) is used instead.
CHECK_POINTS = (
    ("binary", 0.5, 0.1), ("binary", 0.666, 0.05),
    ("symmetric:3", 0.7, 0.1), ("symmetric:3", 0.94, 0.03),
    ("symmetric:5", 0.886, 0.05), ("symmetric:5", 1.18, 0.02),
    ("symmetric:7", 1.0, 0.03), ("symmetric:7", 1.29, 0.015),
    ("excitatory:2", 0.354, 0.1), ("excitatory:2", 0.472, 0.03),
    ("excitatory:3", 0.445, 0.1), ("excitatory:3", 0.593, 0.02),
    ("excitatory:4", 0.5, 0.05), ("excitatory:4", 0.65, 0.02),
    ("excitatory:5", 0.55, 0.03), ("excitatory:5", 0.65, 0.02),
)


@dataclass
class LadderCheck:
    """One point of the check: S∞, the ladder's S_I(y), the ratio and the verdict (``agrees``)."""

    states: str
    alpha: float
    d: float
    S_inf: float
    inf_converged: bool
    ladder: Dict[float, float]          # y -> S_I
    rung_converged: Dict[float, bool]   # y -> converged
    ratio: float
    fit: float
    fit_model: str
    agrees: bool
    message: str
    seconds: float = math.nan
    ratio_max: float = RATIO_MAX
    messages: List[str] = field(default_factory=list)  # the rungs' messages where they did not converge

    @property
    def success(self) -> bool:
        return self.agrees

    def as_dict(self) -> dict:
        return {"states": self.states, "alpha": self.alpha, "d": self.d, "S_inf": self.S_inf,
                "inf_converged": self.inf_converged,
                "ladder": [{"y": y, "S_I": s, "converged": self.rung_converged[y]} for y, s in self.ladder.items()],
                "ratio": self.ratio, "ratio_max": self.ratio_max, "fit": self.fit, "fit_model": self.fit_model,
                "agrees": self.agrees, "message": self.message, "seconds": self.seconds, "messages": self.messages}


def _verdict(states, alpha, d, S_inf, inf_ok, ladder, conv, seconds, ratio_max, messages) -> LadderCheck:
    """The criterion of the module docstring applied to computed numbers (also to cached ones)."""
    from ..problems.extrapolation import extrapolate

    ys = sorted(ladder)
    S = [ladder[y] for y in ys]
    y1, y2 = ys[-2], ys[-1]
    step = ladder[y2] - ladder[y1]
    ratio = (S_inf - ladder[y2]) / step if step > 0 and math.isfinite(S_inf) else math.nan
    top = [y for y in ys if y >= 6.75 - 1e-12]
    fit, model = math.nan, ""
    if len(top) >= 3 and all(conv[y] and math.isfinite(ladder[y]) for y in top):
        ex = extrapolate(top, [ladder[y] for y in top])
        fit, model = ex.value, ex.model
    if not inf_ok:
        agrees, msg = False, "the y → ∞ equations did not converge"
    elif not all(conv[y] for y in ys):
        bad = [f"{y:g}" for y in ys if not conv[y]]
        agrees, msg = False, f"the ladder did not converge at y = {', '.join(bad)}"
    elif not all(b > a for a, b in zip(S, S[1:])):
        agrees, msg = False, "the ladder does not rise with y (S_I must be non-decreasing in y)"
    elif not S_inf > ladder[y2]:
        agrees, msg = False, f"S_inf = {S_inf:.6f} is not above S_I(y = {y2:g}) = {ladder[y2]:.6f}"
    elif not ratio <= ratio_max:
        agrees, msg = False, (f"S_inf lies {ratio:.2f} last steps above S_I(y = {y2:g}), more than {ratio_max:g} "
                              "(1/y: 2, 1/sqrt(y): 4.45)")
    else:
        agrees, msg = True, f"agrees: S_inf lies {ratio:.2f} last steps above S_I(y = {y2:g}) (at most {ratio_max:g})"
    return LadderCheck(states=states, alpha=alpha, d=d, S_inf=S_inf, inf_converged=inf_ok, ladder=dict(ladder),
                       rung_converged=dict(conv), ratio=ratio, fit=fit, fit_model=model, agrees=agrees, message=msg,
                       seconds=seconds, ratio_max=ratio_max, messages=list(messages))


def _compute(states: str, alpha: float, d: float, ys: Sequence[float]) -> dict:
    from ..problems.extrapolation import y_ladder
    from ..problems.large_y import solve_large_y

    t0 = time.perf_counter()
    inf = solve_large_y(states, alpha, d)
    ladder = y_ladder(states, alpha, d, ys)
    return {"S_inf": inf.S_I, "inf_converged": inf.converged,
            "ladder": [[p.y, p.S_I, p.converged] for p in ladder],
            "messages": [f"y = {p.y:g}: {p.message[:160]}" for p in ladder if not p.converged]
            + ([] if inf.converged else [f"y = inf: {inf.message[:160]}"]),
            "seconds": time.perf_counter() - t0}


def check_point(states, alpha: float, d: float, *, ys: Sequence[float] = LADDER_YS, ratio_max: float = RATIO_MAX,
                cache=None, compute_missing: bool = True) -> Optional[LadderCheck]:
    """The check of the module docstring at (states, α, d).  ``cache``: a folder (numerics.storage.cache) where
    the computed numbers are stored and looked up (the verdict is recomputed from them).  With
    ``compute_missing=False`` a point not in the cache is not computed: None is returned."""
    from theory.states import parse_states

    from ..storage.cache import cached, load
    from ..problems.extrapolation import check_ladder_ys
    from ..problems.results import check_distance

    name = parse_states(states).name
    if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a finite number > 0, got {alpha!r}")
    check_distance(d)
    ys = check_ladder_ys(ys)
    if not (isinstance(ratio_max, (int, float)) and ratio_max > 0):
        raise ValueError(f"ratio_max must be > 0, got {ratio_max!r}")
    key = {"kind": "ladder-check", "states": name, "alpha": float(alpha), "d": float(d), "ys": ys,
           "reference": "solution", "distance": "squared", "kappa": 0.0, "decoupling": "heat_kernel"}
    if not compute_missing:
        hit, v = load(cache, key) if cache is not None else (False, None)
        if not hit:
            return None
    else:
        v = cached(cache, key, lambda: _compute(name, float(alpha), float(d), ys))
    ladder = {float(y): float(s) for y, s, _ in v["ladder"]}
    conv = {float(y): bool(c) for y, _, c in v["ladder"]}
    return _verdict(name, float(alpha), float(d), float(v["S_inf"]), bool(v["inf_converged"]), ladder, conv,
                    float(v["seconds"]), ratio_max, v.get("messages", []))


def check_table(points: Sequence[tuple] = CHECK_POINTS, *, cache=None, progress=None, scheduler=None, workers=None,
                **kw) -> List[LadderCheck]:
    """:func:`check_point` at every (states, α, d) of ``points``; ``progress(i, n, check)`` after each.
    ``scheduler``: None (this process, in order), or ``"local"`` / a Dask address / ``"none"``: one task
    per point (:mod:`numerics.analyses.sweep`), ``progress`` called as the points finish (i counts them)."""
    if scheduler is None:
        out = []
        for i, (states, alpha, d) in enumerate(points):
            c = check_point(states, alpha, d, cache=cache, **kw)
            out.append(c)
            if progress is not None:
                progress(i + 1, len(points), c)
        return out
    from .sweep import run_all

    done = []

    def arrived(i, c):
        done.append(i)
        if progress is not None:
            progress(len(done), len(points), c)

    warm = [("numerics.problems.equilibrium", "derived", ()), ("numerics.problems.franz_parisi", "derived_fp", ("squared",)),
            ("numerics.problems.local_entropy", "derived_ld", ("solution", "squared", "heat_kernel")),
            ("numerics.problems.large_y", "derived_large_y", ("squared",))]
    items = [(st, a, d, None if cache is None else str(cache), kw) for st, a, d in points]
    return run_all(_check_task, items, scheduler, workers, warm=warm, on_result=arrived, label="ladder-check")


def _check_task(states, alpha, d, cache, kw) -> LadderCheck:
    """One point of :func:`check_table` as a task (the y → ∞ memo emptied first: no dependence on what
    the worker solved before)."""
    from ..problems.large_y_path import MEMO

    MEMO.clear()
    return check_point(states, alpha, d, cache=cache, **kw)
