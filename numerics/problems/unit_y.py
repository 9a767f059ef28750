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
from functools import lru_cache
from typing import Optional

import numpy as np
from scipy.special import expit, logit

from theory.derive import derive
from theory.functionals.large_deviation import unit_y, unit_y_slope
from theory.states import StateSet

from .franz_parisi import solve_franz_parisi
from .protocol import SaddleBacked
from .results import LocalEntropyPoint
from ..solver.saddle import Parametrisation, SaddleResult

__all__ = ["UnitYProblem", "UnitYSlopeProblem", "solve_unit_y"]

_FLOOR = 1e-200
_EPS = 1e-13
#: the stage-1 unknowns carried to stage 2 as model parameters
_CARRIED = ("Qt", "P", "R", "Q", "q0", "Qth", "Ph", "Rh", "Qh", "q0h", "Sh", "S", "lam")


@lru_cache(maxsize=None)
def derived_unit_y(reference: str, distance: str, form: str):
    """The derived equations of both stages (once per process; cached on disk like every functional)."""
    return derive(unit_y(reference, distance, form)), derive(unit_y_slope(reference, distance, form))


def _clip(r):
    return min(max(r, _EPS), 1 - _EPS)


def _overlap(distance, d, Delta, x, Q, Qt):
    return (Q + Qt - Delta**2 * d) / 2 if distance == "squared" else x["S"]


def _param_stage1(distance: str, d: float, Delta: float, form: str) -> Parametrisation:
    """Stage 1's unknowns ↔ unconstrained coordinates: the finite-y frames without q1.

    heat kernel: Q̃ = e^a, P = Q̃ expit(b), Q = e^c, R = S + √(Q(Q̃ − P)) tanh(g), q0 = (Q − Q tanh²g) expit(f)
    (so that q0 + (S − R)²/(Q̃ − P) < Q: the annealed pair exists);  cholesky: in addition R² ≤ P q0,
    R = R* + w tanh(g), q0 = R²/P + (Q − m(R)) expit(f), m(R) = R²/P + (S − R)²/(Q̃ − P), R* = S P/Q̃,
    m(R* ± w) = Q."""
    free = ["Sh"] if distance == "squared" else ["S", "lam"]
    names = ["Qt", "P", "R", "Q", "q0"] + free

    def frame(x, Qt, P, Q):
        S = _overlap(distance, d, Delta, x, Q, Qt)
        if form == "heat_kernel":
            return S, math.sqrt(Q * max(Qt - P, _FLOOR))
        return S * P / Qt, math.sqrt(max(Q - S * S / Qt, _FLOOR) / (1 / P + 1 / (Qt - P)))

    def q0_range(R, S, Qt, P, Q):
        A = (S - R) ** 2 / (Qt - P)
        lo = 0.0 if form == "heat_kernel" else R * R / P
        return lo, max(Q - A - lo, _FLOOR)

    def to_u(x):
        Qt, Q = max(x["Qt"], _FLOOR), max(x["Q"], _FLOOR)
        P = Qt * _clip(x["P"] / Qt)
        c, w = frame(x, Qt, P, Q)
        t = min(max((x["R"] - c) / w, -1 + _EPS), 1 - _EPS)
        lo, width = q0_range(c + w * t, _overlap(distance, d, Delta, x, Q, Qt), Qt, P, Q)
        return np.array([math.log(Qt), float(logit(P / Qt)), math.atanh(t), math.log(Q),
                         float(logit(_clip((x["q0"] - lo) / width)))] + [x[n] for n in free])

    def from_u(uu):
        Qt, Q = math.exp(min(uu[0], 700)), math.exp(min(uu[3], 700))
        x = {"Qt": Qt, "P": Qt * float(expit(uu[1])), "Q": Q, **{n: float(v) for n, v in zip(free, uu[5:])}}
        c, w = frame(x, Qt, x["P"], Q)
        R = c + w * math.tanh(uu[2])
        lo, width = q0_range(R, _overlap(distance, d, Delta, x, Q, Qt), Qt, x["P"], Q)
        x.update(R=R, q0=lo + width * float(expit(uu[4])))
        return x

    return Parametrisation(names, to_u, from_u)


def _floor_conjugates(xh):
    """P̂, q̂0 ≥ 1e-200: at α = 0 they vanish exactly and R̂/√q̂0 would be 0/0 (the floor changes
    nothing measurable)."""
    return {k: (max(v, _FLOOR) if k in ("Ph", "q0h") else v) for k, v in xh.items()}


class UnitYProblem(SaddleBacked):
    """Stage 1: the saddle point of f0 = yΦ|_{y=1} (no q1, q̂1).  Anchor ``"franz_parisi"``: the y → 0
    solution at the same (α, d) with q0 = R²/P (the default for α > 0); ``"alpha0"``: the prior's
    moments (the default at α = 0)."""

    name = "unit_y"
    anchors = ("franz_parisi", "alpha0")

    def __init__(self, states: StateSet, alpha: float, d: float, *, reference: str, distance: str,
                 kappa: float, f_out: float, form: str, nodes, alpha0_start):
        self.states, self.alpha, self.d = states, alpha, d
        self.reference, self.distance, self.kappa, self.f_out, self.form = reference, distance, kappa, f_out, form
        self._nodes, self._alpha0_start = nodes, alpha0_start

    def derived(self):
        return derived_unit_y(self.reference, self.distance, self.form)[0]

    def model(self):
        return {"alpha": float(self.alpha), "kappa": float(self.kappa), "b": 0.0, "f_out": float(self.f_out),
                "d": float(self.d), "Delta": self.states.spread}

    def parametrisation(self):
        return _param_stage1(self.distance, self.d, self.states.spread, self.form)

    def nodes(self):
        return self._nodes

    def solver_options(self):
        return {"inner_roots": True, "clamp": _floor_conjugates}

    def start(self, anchor=None):
        self.check_anchor(anchor)
        if (anchor or ("franz_parisi" if self.alpha > 0 else "alpha0")) == "franz_parisi":
            fp = solve_franz_parisi(self.states, self.alpha, self.d, kappa=self.kappa, f_out=self.f_out,
                                    distance=self.distance)
            x = dict(fp.saddle.params)
            ref = fp.saddle.model
            x.update(Qt=ref["Qt"], P=ref["P"], q0=x["R"] ** 2 / ref["P"])
        else:
            x = self._alpha0_start(self.states, self.d, self.distance)
        x.setdefault("S", x.get("Qt", 1.0) * (1 - 2 * self.d))
        x.setdefault("lam", 1.0)
        return x

    def observables(self, res):
        return {"phi": res.value}


class UnitYSlopeProblem(SaddleBacked):
    """Stage 2: the stationary point of f1 = ∂_y(yΦ)|_{y=1} in q1 (q̂1 from the energetic step), the
    other unknowns fixed at stage 1's saddle point ``first``.  One unknown,
    q1 = q0 + A + (Q − q0 − A) expit(e), A = (S − R)²/(Q̃ − P); anchor: e = 0."""

    name = "unit_y_slope"
    anchors = ("middle",)

    def __init__(self, stage1: UnitYProblem, first: SaddleResult):
        self.stage1, self.states = stage1, stage1.states
        fixed = {**first.params, **first.conjugates}
        self._model = {**stage1.model(), **{k: float(fixed[k]) for k in _CARRIED if k in fixed}}
        m = self._model
        S = _overlap(stage1.distance, stage1.d, self.states.spread, m, m["Q"], m["Qt"])
        self._lo = m["q0"] + (S - m["R"]) ** 2 / (m["Qt"] - m["P"])

    def derived(self):
        s = self.stage1
        return derived_unit_y(s.reference, s.distance, s.form)[1]

    def model(self):
        return dict(self._model)

    def parametrisation(self):
        lo, width = self._lo, max(self._model["Q"] - self._lo, _FLOOR)
        return Parametrisation(["q1"], lambda x: np.array([float(logit(_clip((x["q1"] - lo) / width)))]),
                               lambda uu: {"q1": lo + width * float(expit(uu[0]))})

    def nodes(self):
        return self.stage1.nodes()

    def start(self, anchor=None):
        self.check_anchor(anchor)
        return {"q1": self._lo + 0.5 * (self._model["Q"] - self._lo)}

    def observables(self, res):
        return {"S_I": res.value}


def solve_unit_y(states: StateSet, alpha: float, d: float, *, reference: str, distance: str, kappa: float,
                 f_out: float, form: str, nodes, alpha0_start, init: Optional[dict] = None,
                 tol_residual: float = 1e-7, maxiter: int = 40, jacobian=None) -> LocalEntropyPoint:
    """The point at y = 1: stage 1 from ``init`` (a neighbour's params) or its anchor, then stage 2.
    ``nodes`` is the quadrature of the finite-y problem at (y, d) (``FiniteYProblem.nodes()``: both
    stages integrate the same variables); ``alpha0_start(states, d, distance)`` the α = 0 anchor.
    Converged when both stages are; the residual is the larger of the two, the iterations their sum."""
    first_problem = UnitYProblem(states, alpha, d, reference=reference, distance=distance, kappa=kappa,
                                 f_out=f_out, form=form, nodes=nodes, alpha0_start=alpha0_start)
    x0 = dict(init) if init else first_problem.start()
    x0.setdefault("S", x0.get("Qt", 1.0) * (1 - 2 * d))
    x0.setdefault("lam", 1.0)
    problem = first_problem.saddle()
    first = problem.solve(x0, tol_residual=tol_residual, maxiter=maxiter, jacobian=jacobian)
    if not first.converged:
        return LocalEntropyPoint(d=float(d), S_I=math.nan, Sigma=math.nan, phi=math.nan, y=1.0, saddle=first,
                                 note="y = 1, stage 1 (the saddle point of yPhi at y = 1) did not converge")
    slope = UnitYSlopeProblem(first_problem, first)
    second, _ = slope.solve(slope.start(), tol_residual=tol_residual, maxiter=maxiter)
    merged = SaddleResult(
        params={**first.params, "q1": second.params["q1"]},
        conjugates={**first.conjugates, "q1h": second.conjugates.get("q1h", math.nan)},
        model={**first.model, "y": 1.0}, value=first.value, parts={**first.parts, "dyPhi": second.value},
        converged=bool(first.converged and second.converged), residual=max(first.residual, second.residual),
        step=max(first.step, second.step), iterations=first.iterations + second.iterations,
        message=f"stage 1 (yPhi at y = 1): {first.message}; stage 2 (q1 from d(yPhi)/dy): {second.message}")
    S_I = second.value if second.converged else math.nan
    return LocalEntropyPoint(d=float(d), S_I=S_I, Sigma=first.value - S_I, phi=first.value, y=1.0, saddle=merged,
                             note=f"y = 1 in two stages (q1, q1-hat from the y-derivative); decoupling {form}",
                             jacobian=problem.jacobian)
