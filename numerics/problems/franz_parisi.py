"""The Franz–Parisi potential: local entropy around a typical equilibrium solution (y → 0).

The equations are derived by :func:`theory.derive.derive` from
:func:`theory.functionals.large_deviation.franz_parisi`, i.e. S_FP = ∂_y(yΦ)|_{y=0} of the one
large-deviation functional, with the reference's order parameters (Q̃, P, Q̂̃, P̂) set to the
equilibrium saddle point at the same α (:func:`numerics.problems.equilibrium.solve_equilibrium`).

Unknowns: R, Q, q1 (paired with R̂, Q̂, q̂1) and Ŝ (free conjugate: its equation is the distance
constraint), in the parametrisation of :func:`_param` that keeps every Gaussian representation real.

Distance convention (physics.md §1): ``squared`` d = mean (W − W̃)²/Δ², Δ = max S − min S (for ±1
weights, the Hamming fraction); ``hamming`` d = mean 1[W ≠ W̃].
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Optional, Sequence, Union

import numpy as np
from scipy.special import expit, logit

from theory.derive import derive
from theory.functionals.large_deviation import SYMBOLS, franz_parisi
from theory.states import StateSet, parse_states

from .equilibrium import check_model, solve_equilibrium
from .results import LocalEntropyCurve, LocalEntropyPoint, check_distance
from ..solver.quadrature import GaussianRule
from ..solver.saddle import Parametrisation, SaddleResult
from .protocol import SaddleBacked

__all__ = ["derived_fp", "FranzParisiProblem", "solve_franz_parisi", "franz_parisi_curve"]

_z1, _Wt, _u, _W, _v = (SYMBOLS[n] for n in ("z1", "Wt", "u", "W", "v"))


@lru_cache(maxsize=None)
def derived_fp(distance: str = "squared"):
    """Derived and compiled Franz–Parisi equations (once per process and distance)."""
    return derive(franz_parisi(distance))


def _nodes(states: StateSet, outer: GaussianRule, inner: GaussianRule):
    w = (states.array, states.log_prior)
    z = outer.nodes()
    uu = inner.nodes()

    def nodes(vals, step):
        return {_z1: z, _Wt: w, _u: uu, _W: w, _v: uu}

    return nodes


def _param(distance: str, ref: dict, d: float, Delta: float) -> Parametrisation:
    """Unknowns ↔ unconstrained coordinates, keeping every Gaussian representation real.

    With S = (Q + Q̃ − Δ² d)/2 (squared distance; S a free unknown for Hamming), the energetic
    side needs q1 ≥ q1_min(R) = R²/P + (S − R)²/(Q̃ − P) (the annealed pair (ũ, u) has a PSD
    covariance) and q1 < Q.  q1_min is a parabola in R with minimum S²/Q̃ at R* = S P/Q̃, so

        Q = e^{u₀},  R = R* + w tanh(u₁),  q1 = q1_min(R) + (Q − q1_min(R)) expit(u₂),  Ŝ = u₃

    with w = √((Q − S²/Q̃)/(1/P + 1/(Q̃ − P))) covers exactly the valid region.
    """
    Qt, P = ref["Qt"], ref["P"]
    A11 = Qt - P
    # the free conjugate of the distance: Ŝ (squared); for Hamming S is an order parameter paired
    # with Ŝ (which the energetic step gives) and the multiplier λ is free
    free = ["Sh"] if distance == "squared" else ["S", "lam"]
    names = ["R", "Q", "q1"] + free

    def S_of(Q, x):
        return (Q + Qt - Delta**2 * d) / 2 if distance == "squared" else x["S"]

    def geometry(Q, S):
        Rs = S * P / Qt
        w = math.sqrt(max(Q - S * S / Qt, 1e-300) / (1 / P + 1 / A11))
        return Rs, w

    def qmin(R, S):
        return R * R / P + (S - R) ** 2 / A11

    def to_u(x):
        Q = max(x["Q"], 1e-300)
        S = S_of(Q, x)
        Rs, w = geometry(Q, S)
        t = min(max((x["R"] - Rs) / w, -1 + 1e-12), 1 - 1e-12)
        R = Rs + w * t
        lo = qmin(R, S)
        r = min(max((x["q1"] - lo) / max(Q - lo, 1e-300), 1e-12), 1 - 1e-12)
        return np.array([math.log(Q), math.atanh(t), float(logit(r))] + [x[n] for n in free])

    def from_u(u):
        Q = math.exp(min(u[0], 700))
        x = {"Q": Q, **{n: float(v) for n, v in zip(free, u[3:])}}
        S = S_of(Q, x)
        Rs, w = geometry(Q, S)
        R = Rs + w * math.tanh(u[1])
        lo = qmin(R, S)
        x.update(R=R, q1=lo + (Q - lo) * float(expit(u[2])))
        return x

    return Parametrisation(names, to_u, from_u)


def reference_parameters(states: StateSet, alpha: float, kappa: float = 0.0, f_out: float = 0.5,
                         eq: Optional[SaddleResult] = None) -> dict:
    """Q̃, P, Q̂̃, P̂ of a typical equilibrium solution at load α (and the equilibrium result)."""
    eq = eq or solve_equilibrium(states, alpha, kappa=kappa, f_out=f_out)
    if not eq.converged:
        raise ValueError(f"the equilibrium saddle point at alpha={alpha} did not converge: {eq.message}")
    return {"Qt": eq.params["Q"], "P": eq.params["q"], "Qth": eq.conjugates["A"] - eq.conjugates["qhat"],
            "Ph": eq.conjugates["qhat"]}, eq


def _initial(states, ref, d, distance):
    Qt, P = ref["Qt"], ref["P"]
    Delta = states.spread
    S = (2 * Qt - Delta**2 * d) / 2 if distance == "squared" else Qt * (1 - 2 * d)
    t = min(max(S / Qt, -0.999), 0.999)
    R = S * P / Qt
    lo = R * R / P + (S - R) ** 2 / (Qt - P)
    q1 = lo + 0.3 * (Qt - lo)
    return {"R": R, "Q": Qt, "q1": q1, "Sh": math.atanh(t) * 4 / Delta**2,
            "S": S, "lam": -math.log(max(d, 1e-6) / (1 - d))}


class FranzParisiProblem(SaddleBacked):
    """S_FP(d) at load α as a :class:`~numerics.problems.protocol.Problem`: the y → 0 limit of the
    large-deviation functional, the reference's order parameters fixed at the equilibrium saddle
    point ``eq`` (solved here when not given).  Anchor ``"ball"``: the probes on a sphere of the
    reference's radius at distance d, q1 a third of the way from its lower bound to Q."""

    name = "franz_parisi"
    anchors = ("ball",)

    def __init__(self, states: StateSet, alpha: float, d: float, *, kappa: float = 0.0, f_out: float = 0.5,
                 distance: str = "squared", eq: Optional[SaddleResult] = None,
                 outer: Optional[GaussianRule] = None, inner: Optional[GaussianRule] = None):
        check_model(alpha, kappa, f_out, 0.0)
        if alpha <= 0:
            raise ValueError("alpha must be > 0 for the Franz-Parisi potential (at alpha = 0 every "
                             "configuration is a solution: use local_entropy with reference='free')")
        check_distance(d, distance)
        self.states, self.d, self.distance = states, d, distance
        self.ref, self.eq = reference_parameters(states, alpha, kappa, f_out, eq)
        self._model = {"alpha": alpha, "kappa": kappa, "b": 0.0, "f_out": f_out, "d": d,
                       "Delta": states.spread, **self.ref}
        self.outer, self.inner = outer or GaussianRule(24, 8), inner or GaussianRule(16, 8)

    def derived(self):
        return derived_fp(self.distance)

    def model(self):
        return dict(self._model)

    def parametrisation(self):
        return _param(self.distance, self.ref, self.d, self.states.spread)

    def nodes(self):
        return _nodes(self.states, self.outer, self.inner)

    def start(self, anchor=None):
        return _initial(self.states, self.ref, self.d, self.distance)

    def solver_options(self):
        return {"inner_roots": True}

    def observables(self, res):
        return {"S_I": res.value, "s_eq": self.eq.value}


def solve_franz_parisi(states: Union[str, StateSet], alpha: float, d: float, *, kappa: float = 0.0,
                       f_out: float = 0.5, distance: str = "squared", init: Optional[dict] = None,
                       eq: Optional[SaddleResult] = None, outer: Optional[GaussianRule] = None,
                       inner: Optional[GaussianRule] = None, maxiter: int = 400) -> LocalEntropyPoint:
    """S_FP(d) at load α: the local entropy at distance d from a typical solution
    (:class:`FranzParisiProblem`); ``Sigma`` holds the equilibrium entropy s(α)."""
    states = parse_states(states)
    prob = FranzParisiProblem(states, alpha, d, kappa=kappa, f_out=f_out, distance=distance, eq=eq,
                              outer=outer, inner=inner)
    x0 = prob.start()
    if init:
        x0.update({k: v for k, v in init.items() if k in x0})
    res, _ = prob.solve(x0, maxiter=maxiter)
    note = ""
    if prob.eq.value < 0:
        note = (f"alpha = {alpha:g} is above the capacity: the equilibrium entropy is negative "
                f"(s = {prob.eq.value:.4g}), so typical solutions, the references here, do not exist")
    return LocalEntropyPoint(d=d, S_I=res.value, Sigma=prob.eq.value, phi=math.nan, y=0.0, saddle=res, note=note)


def franz_parisi_curve(states, alpha: float, ds: Sequence[float], *, distance: str = "squared",
                       kappa: float = 0.0, f_out: float = 0.5, **kw) -> LocalEntropyCurve:
    """S_FP on a grid of distances, by continuation from the largest d down (warm starts).

    ``Sigma`` holds the equilibrium entropy s(α) (the external entropy of typical references).
    """
    states = parse_states(states)
    check_model(alpha, kappa, f_out, 0.0)
    eq = solve_equilibrium(states, alpha, kappa=kappa, f_out=f_out)
    order = np.argsort(ds)[::-1]
    points = [None] * len(ds)
    init = None
    for i in order:
        p = solve_franz_parisi(states, alpha, float(ds[i]), kappa=kappa, f_out=f_out, distance=distance,
                               init=init, eq=eq, **kw)
        if not p.converged and init is not None:
            # the curve has a degenerate point at the typical distance, where the two sides meet:
            # a warm start from across it can fail, a cold start does not
            p = solve_franz_parisi(states, alpha, float(ds[i]), kappa=kappa, f_out=f_out,
                                   distance=distance, eq=eq, **kw)
        points[i] = p
        if p.converged:
            init = p.saddle.params
    return LocalEntropyCurve.from_points(points, states=states.name, alpha=alpha, y=0.0, kind="franz-parisi",
                                         reference="solution", distance=distance)
