"""The large-deviation point at y = 1 exactly, in two stages (physics.md §3.1: "y = 1 is degenerate …
use its own formula").

At y = 1, q1 and q̂1 drop out of yΦ, and the general equations (whose conjugates carry 1/(y(y − 1)))
are 0/0.  Writing yΦ = f0(x) + (y − 1) f1(x, q1, q̂1) + O((y − 1)²), x = (Q̃, P, R, Q, q0, their
conjugates, Ŝ):

1. x0 = the saddle point of f0 (:func:`theory.functionals.large_deviation.unit_y`, :class:`UnitYProblem`);
2. (q1*, q̂1*) = the stationary point of f1(x0, ·) (:func:`~theory.functionals.large_deviation.unit_y_slope`,
   :class:`UnitYSlopeProblem`): the limit y → 1 of the finite-y saddle point's q1, q̂1.

Then Φ = f0(x0), S_I = ∂_y(yΦ) = f1(x0, q1*, q̂1*) and Σ = Φ − S_I.  Identities the tests check: for a
free reference at α = 0 (binary) Φ = log 2 + H₂(d), S_I = H₂(d); for a solution reference Φ(d, 1) is the
log-number of pairs of solutions at distance d, whose maximum over d is 2 s(α), at the typical distance;
and S_I, Σ lie between their values at y = 1 ± δ.
"""
from __future__ import annotations

import math
from functools import lru_cache, partial
from typing import Optional

import numpy as np

from theory import recipes

from .protocol import SaddleBacked
from .results import LocalEntropyPoint
from ..solver.saddle import Parametrisation, SaddleResult

__all__ = ["UnitYProblem", "UnitYSlopeProblem", "solve_unit_y"]

_FLOOR = 1e-200


@lru_cache(maxsize=None)
def derived_unit_y(reference: str, distance: str, form: str, biased: bool = False):
    """The derived equations of both stages (once per process; cached on disk like every functional);
    biased, the first stage has the extra output ``dyPhi_db`` = ∂(yΦ)/∂b at y = 1 (the optimal bias)."""
    args = (reference, distance, form, biased)
    return (recipes.derived("unit_y", args, partial(_first, *args), __file__),
            recipes.derived("unit_y_slope", args, partial(_slope, *args), __file__))


def _first(reference: str, distance: str, form: str, biased: bool):
    """(functional, extra expressions) of the first stage (sympy)."""
    import sympy as sp

    from theory.functionals.large_deviation import SYMBOLS, unit_y

    first = unit_y(reference, distance, form, biased)
    return first, ({"dyPhi_db": sp.diff(first.value, SYMBOLS["b"])} if biased else {})


def _slope(reference: str, distance: str, form: str, biased: bool):
    """(functional, no extra) of the second stage (sympy)."""
    from theory.functionals.large_deviation import unit_y_slope

    return unit_y_slope(reference, distance, form, biased), {}


def _floor_conjugates(xh):
    """P̂, q̂0 ≥ 1e-200: at α = 0 they vanish exactly and R̂/√q̂0 would be 0/0 (the floor changes
    nothing measurable)."""
    return {k: (max(v, _FLOOR) if k in ("Ph", "q0h") else v) for k, v in xh.items()}


def _without_q1(full: Parametrisation) -> Parametrisation:
    """The finite-y frame (``FiniteYProblem.parametrisation()``) with q1's coordinate held at 0, the middle
    of q1's range: the unknowns of stage 1.  The finite-y frames order their coordinates u like their
    names, one per unknown (q1's is the logit of its place in (q0 + (S − R)²/(Q̃ − P), Q))."""
    i = full.names.index("q1")

    def from_u(uu):
        x = full.from_u(np.insert(uu, i, 0.0))
        del x["q1"]
        return x

    return Parametrisation([n for n in full.names if n != "q1"],
                           lambda x: np.delete(full.to_u({"q1": 0.0, **x}), i), from_u)


def _q1_only(full: Parametrisation, fixed: dict) -> Parametrisation:
    """The same frame with every coordinate but q1's held at the stage-1 point ``fixed``: stage 2's one
    unknown, q1 = q0 + A + (Q − q0 − A) expit(e), A = (S − R)²/(Q̃ − P)."""
    i = full.names.index("q1")
    u0 = full.to_u({"q1": 0.0, **fixed})

    def from_u(uu):
        u = u0.copy()
        u[i] = uu[0]
        return {"q1": full.from_u(u)["q1"]}

    return Parametrisation(["q1"], lambda x: full.to_u({**fixed, "q1": x["q1"]})[i:i + 1], from_u)


class UnitYProblem(SaddleBacked):
    """Stage 1: the saddle point of f0 = yΦ|_{y=1} (no q1, q̂1), built on the finite-y problem at y = 1
    (``finite``, a :class:`~numerics.problems.local_entropy.FiniteYProblem`), whose model parameters,
    quadrature, anchors (``"franz_parisi"``, ``"alpha0"``) and frame it shares (the frame without q1's
    coordinate, :func:`_without_q1`)."""

    name = "unit_y"
    anchors = ("franz_parisi", "alpha0")

    def __init__(self, finite):
        self.finite, self.states = finite, finite.states

    def derived(self):
        f = self.finite
        return derived_unit_y(f.reference, f.distance, f.form, bool(f.b))[0]

    def model(self):
        return self.finite.model()

    def parametrisation(self):
        return _without_q1(self.finite.parametrisation())

    def nodes(self):
        return self.finite.nodes()

    def solver_options(self):
        return {"inner_roots": True, "clamp": _floor_conjugates}

    def start(self, anchor=None):
        return self.finite.start(anchor)

    def observables(self, res):
        return {"phi": res.value}


class UnitYSlopeProblem(SaddleBacked):
    """Stage 2: the stationary point of f1 = ∂_y(yΦ)|_{y=1} in q1 (q̂1 from the energetic step), the
    other unknowns fixed at stage 1's saddle point ``first`` (model parameters here).  One unknown,
    in the frame of :func:`_q1_only`; anchor ``"middle"``: the middle of q1's range."""

    name = "unit_y_slope"
    anchors = ("middle",)

    def __init__(self, stage1: UnitYProblem, first: SaddleResult):
        self.stage1, self.states, self.first = stage1, stage1.states, first
        self._model = {**stage1.model(), **first.params, **first.conjugates}

    def derived(self):
        f = self.stage1.finite
        return derived_unit_y(f.reference, f.distance, f.form, bool(f.b))[1]

    def model(self):
        return dict(self._model)

    def parametrisation(self):
        return _q1_only(self.stage1.finite.parametrisation(), self.first.params)

    def nodes(self):
        return self.stage1.nodes()

    def start(self, anchor=None):
        self.check_anchor(anchor)
        return self.parametrisation().from_u(np.zeros(1))

    def observables(self, res):
        return {"S_I": res.value}


def solve_unit_y(finite, *, init: Optional[dict] = None, tol_residual: float = 1e-7, maxiter: int = 40,
                 jacobian=None) -> LocalEntropyPoint:
    """The point at y = 1 of the finite-y problem ``finite``: stage 1 from ``init`` (a neighbour's params)
    or its default anchor, then stage 2.  Converged when both stages are; the residual is the larger of
    the two, the iterations their sum."""
    first_problem = UnitYProblem(finite)
    x0 = dict(init) if init else first_problem.start()
    x0.setdefault("S", x0.get("Qt", 1.0) * (1 - 2 * finite.d))
    x0.setdefault("lam", 1.0)
    problem = first_problem.saddle()
    first = problem.solve(x0, tol_residual=tol_residual, maxiter=maxiter, jacobian=jacobian)
    d = float(finite.d)
    if not first.converged:
        return LocalEntropyPoint(d=d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=1.0, saddle=first,
                                 note="y = 1, stage 1 (the saddle point of yPhi at y = 1) did not converge")
    slope = UnitYSlopeProblem(first_problem, first)
    second, _ = slope.solve(slope.start(), tol_residual=tol_residual, maxiter=maxiter)
    merged = SaddleResult(
        params={**first.params, "q1": second.params["q1"]},
        conjugates={**first.conjugates, "q1h": second.conjugates.get("q1h", math.nan)},
        model=first.model, value=first.value, parts={**first.parts, "dyPhi": second.value},
        converged=bool(first.converged and second.converged), residual=max(first.residual, second.residual),
        step=max(first.step, second.step), iterations=first.iterations + second.iterations,
        message=f"stage 1 (yPhi at y = 1): {first.message}; stage 2 (q1 from d(yPhi)/dy): {second.message}")
    S_I = second.value if second.converged else math.nan
    return LocalEntropyPoint(d=d, S_I=S_I, Sigma=first.value - S_I, phi=first.value, y=1.0, saddle=merged,
                             note=f"y = 1 in two stages (q1, q1-hat from the y-derivative); decoupling {finite.form}",
                             jacobian=problem.jacobian)
