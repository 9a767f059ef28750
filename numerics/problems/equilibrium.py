"""Equilibrium (Gardner) entropy, its α-curve and the capacity α_c, for any state set.

The equations are those derived by :func:`theory.derive.derive` from
:func:`theory.functionals.equilibrium` (physics.md §2); this module supplies the numerics only:

* nodes: the composite Gauss–Legendre rule of :mod:`numerics.solver.quadrature` for z, with panel edges at
  the energetic kinks ``z₀ = (κ ∓ b)/√q`` and at the entropic corners where two neighbouring states
  exchange dominance, ``z_k = (½ A (s_k + s_{k+1}) − Δlog π/Δs)/√q̂``; the synaptic values with
  their log-prior for W;
* the parametrisation ``Q = e^{u₀}``, ``q = Q·expit(u₁)`` (so Q > 0 and 0 < q < Q always);
* α_c as the root of s(α) = 0, by safeguarded Newton steps using ``ds/dα = G_E`` at the saddle point
  (envelope theorem), warm-started along the way, with a bracket [α_lo, α_hi] kept and bisection
  whenever a Newton step leaves it or a saddle point fails to converge.

Conventions: entropies in nats per synapse, counting measure by default (s(0) = log Σ_k π_k);
``f_out`` = P(σ = +1); ``bias`` a number or ``"optimal"`` (b extremised, ∂Φ/∂b = 0).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import List, Optional, Sequence, Union

import numpy as np
from scipy.special import expit, logit

from theory import recipes
from theory.states import StateSet, parse_states

from ..solver.quadrature import GaussianRule
from ..solver.saddle import Parametrisation, SaddleResult
from .protocol import SaddleBacked

__all__ = ["derived", "EquilibriumProblem", "solve_equilibrium", "entropy_curve", "capacity", "CapacityResult", "check_model"]

_Z, _W = "z", "W"  # the bound variables of theory.functionals.equilibrium, by name


def _functional():
    from theory.functionals.equilibrium import equilibrium

    return equilibrium(), {}


@lru_cache(maxsize=None)
def derived():
    """The derived and compiled equilibrium equations (once per process; from the disk cache without
    sympy once a process has derived them, :mod:`theory.recipes`)."""
    return recipes.derived("equilibrium", (), _functional, __file__)


def check_model(alpha=None, kappa=0.0, f_out=0.5, bias=0.0):
    """Validate model parameters; raise ValueError naming the argument."""
    if alpha is not None:
        if not (isinstance(alpha, (int, float, np.floating, np.integer)) and math.isfinite(alpha)):
            raise ValueError(f"alpha must be a finite number, got {alpha!r}")
        if alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {alpha}")
    if not (math.isfinite(kappa) and kappa >= 0):
        raise ValueError(f"kappa must be a finite number >= 0, got {kappa}")
    if not (0.0 < f_out < 1.0):
        raise ValueError(f"f_out must lie in (0, 1), got {f_out}")
    if bias != "optimal" and not (isinstance(bias, (int, float, np.floating)) and math.isfinite(bias)):
        raise ValueError(f"bias must be a finite number or 'optimal', got {bias!r}")


def _node_builder(states: StateSet, rule: GaussianRule):
    s, lp = states.array, states.log_prior
    w_nodes = (s, lp)
    mid = 0.5 * (s[1:] + s[:-1])
    gap = s[1:] - s[:-1]
    dlp = (lp[1:] - lp[:-1]) / gap

    def nodes(vals, step):
        breaks, widths = [], []
        if step in ("energetic", "full"):
            q, Q = vals.get("q", 0.0), vals.get("Q", 1.0)
            if q > 0:
                kb, b = vals["kappa"], vals.get("b", 0.0)
                w = math.sqrt(max(Q - q, 0.0) / q)
                breaks += [(kb - b) / math.sqrt(q), (kb + b) / math.sqrt(q)]
                widths += [w, w]
        if step in ("entropic", "full"):
            qh = vals.get("qhat", 0.0)
            if qh > 1e-12:
                breaks += list((vals["A"] * mid - dlp) / math.sqrt(qh))
                widths += list(1.0 / (math.sqrt(qh) * gap))
        return {_Z: rule.nodes(breaks, widths), _W: w_nodes}

    return nodes


def _parametrisation(optimal_bias: bool) -> Parametrisation:
    names = ["Q", "q"] + (["b"] if optimal_bias else [])

    def to_u(x):
        Q = max(x["Q"], 1e-300)
        r = min(max(x["q"] / Q, 1e-15), 1 - 1e-15)
        u = [math.log(Q), float(logit(r))]
        if optimal_bias:
            u.append(x["b"])
        return np.array(u)

    def from_u(u):
        Q = math.exp(min(u[0], 700.0))
        x = {"Q": Q, "q": Q * float(expit(u[1]))}
        if optimal_bias:
            x["b"] = float(u[2])
        return x

    return Parametrisation(names, to_u, from_u)


def _initial(states: StateSet, alpha: float) -> dict:
    p = np.exp(states.log_prior - np.logaddexp.reduce(states.log_prior))
    Q = float(p @ states.array**2)
    q0 = float(p @ states.array) ** 2
    v = Q - q0
    q = q0 + min(0.9, 2 * alpha / math.pi) * v  # small-α behaviour q - q0 ≈ (2α/π) Var(W) (binary)
    return {"Q": Q, "q": max(q, 1e-6 * Q)}


class EquilibriumProblem(SaddleBacked):
    """The RS equilibrium entropy at load α as a :class:`~numerics.problems.protocol.Problem`.

    Unknowns Q, q (and b when the bias is ``"optimal"``: extremised, ∂Φ/∂b = 0), conjugates A, q̂;
    anchor ``"small_alpha"``: the prior's moments with q − q0 ≈ (2α/π) Var(W) (binary).  At α = 0 an
    optimal bias is held at 0 (it has no equation there)."""

    name = "equilibrium"
    anchors = ("small_alpha",)

    def __init__(self, states: StateSet, alpha: float, *, kappa: float = 0.0, f_out: float = 0.5,
                 bias: Union[float, str] = 0.0, rule: Optional[GaussianRule] = None):
        check_model(alpha, kappa, f_out, bias)
        self.states, self.alpha, self.rule = states, float(alpha), rule or GaussianRule()
        self.optimal = bias == "optimal" and alpha != 0
        self._model = {"alpha": float(alpha), "kappa": float(kappa), "f_out": float(f_out)}
        if not self.optimal:
            self._model["b"] = 0.0 if bias == "optimal" else float(bias)

    def derived(self):
        return derived()

    def model(self):
        return dict(self._model)

    def parametrisation(self):
        return _parametrisation(self.optimal)

    def nodes(self):
        return _node_builder(self.states, self.rule)

    def start(self, anchor=None):
        return _initial(self.states, self.alpha)

    def observables(self, res):
        return {"s": res.value, "ds_dalpha": res.parts.get("G_E", math.nan)}


def solve_equilibrium(states: Union[str, StateSet], alpha: float, *, kappa: float = 0.0,
                      f_out: float = 0.5, bias: Union[float, str] = 0.0,
                      init: Optional[dict] = None, rule: Optional[GaussianRule] = None,
                      tol: float = 1e-11, tol_residual: float = 1e-8, maxiter: int = 2000) -> SaddleResult:
    """The RS equilibrium saddle point at load α (:class:`EquilibriumProblem`).

    Returns a :class:`~numerics.solver.saddle.SaddleResult`: ``value`` is the entropy s(α) (nats per
    synapse), ``params`` holds Q, q (and b), ``conjugates`` A, q̂, ``parts['G_E']`` is ds/dα.
    ``init`` (a dict with Q, q[, b], e.g. ``previous.params``) warm-starts the solver.
    """
    states = parse_states(states)
    prob = EquilibriumProblem(states, alpha, kappa=kappa, f_out=f_out, bias=bias, rule=rule)
    x0 = prob.start()
    x0["b"] = 0.0
    if init:
        x0.update({k: v for k, v in init.items() if k in x0})
    res, _ = prob.solve(x0, tol=tol, tol_residual=tol_residual, maxiter=maxiter)
    if not res.converged and not init and alpha > 0:
        res = _by_continuation_in_alpha(prob, states, res, dict(tol=tol, tol_residual=tol_residual, maxiter=maxiter),
                                        kappa=kappa, f_out=f_out, bias=bias, rule=rule)
    res.model["states"] = states.name
    if res.converged and res.params["Q"] - res.params["q"] < 1e-7 * res.params["Q"]:
        # q → Q: the RS solution has collapsed onto the boundary (beyond the q → Q load, where
        # no RS saddle point exists); the tiny residual there is not a solution
        res.converged = False
        res.message = (f"not converged: q/Q = {res.params['q'] / res.params['Q']:.10f} → 1 "
                       "(no RS saddle point at this load)")
    _flag_unphysical(res, states)
    if not prob.optimal:
        res.params["b"] = prob.model()["b"]
    return res


#: a cold solve that fails is continued in α from this fraction of the load, in CONTINUATION_STEPS steps
CONTINUATION_FROM = 0.25
CONTINUATION_STEPS = 12


def _by_continuation_in_alpha(prob: EquilibriumProblem, states: StateSet, failed: SaddleResult, opts: dict,
                              **model) -> SaddleResult:
    """A cold solve that failed, again by continuation in α from :data:`CONTINUATION_FROM` α (each load
    warm from the last): excitatory(3), f_out = 0.1, optimal bias, α = 1.3 (α_c = 1.4775) fails from the
    start at b = 0, where the optimal b is −0.45, and converges this way.  ``failed`` if it fails too."""
    init = None
    for a in np.linspace(CONTINUATION_FROM * prob.alpha, prob.alpha, CONTINUATION_STEPS):
        sub = EquilibriumProblem(states, float(a), **model)
        x0 = sub.start()
        x0["b"] = 0.0
        x0.update(init or {})
        r, _ = sub.solve(x0, **opts)
        if not r.converged:
            return failed
        init = {k: v for k, v in r.params.items() if k in x0}
    r.message += f" (by continuation in alpha from {CONTINUATION_FROM * prob.alpha:.4g}: the cold solve failed)"
    return r


#: a solution whose Q = E⟨W²⟩ is below this fraction of max W² has collapsed onto W = 0
DEGENERATE_Q = 1e-8


def _flag_unphysical(res: SaddleResult, states: StateSet) -> None:
    """Flag saddle points that solve the equations but are not a physical answer.

    * Q ≪ max W²: the solution has collapsed onto W = 0.  At κ = 0 the energetic term depends on
      q/Q only (it is scale invariant), so a prior that favours W = 0 strongly enough
      (``values:-1,0,1@1,100000,1``) lets a vanishing fraction of non-zero synapses "store" any
      number of patterns: α_c = 13.7, above the bound 2 of any set on [−1, 1].  Marked not converged.
    * s < 0: the load is above the capacity α_c, where the RS entropy is negative and no solutions
      exist as N → ∞.  The saddle point is kept (the curve past α_c is what locates α_c), and the
      message says so; ``res.parts["above_capacity"]`` is 1.0 there.
    """
    if not res.converged:
        return
    scale = float(np.max(states.array ** 2))
    if res.params["Q"] < DEGENERATE_Q * scale:
        res.converged = False
        res.message = (f"not converged: the solution collapsed onto W = 0 (Q = {res.params['Q']:.3g}, "
                       f"max W² = {scale:g}); at kappa = 0 a prior this skewed towards 0 makes the RS "
                       f"entropy count a vanishing fraction of non-zero synapses: no physical solution")
    elif res.value < 0:
        res.parts["above_capacity"] = 1.0
        res.message += (f"; the entropy is negative (s = {res.value:.4g}): alpha = {res.model['alpha']:g} is "
                        f"above the capacity, no solutions exist there as N → ∞")


def entropy_curve(states, alphas: Sequence[float], **kw) -> List[SaddleResult]:
    """s(α) along ``alphas`` by continuation (each point warm-started from the previous one)."""
    out, init = [], None
    for a in alphas:
        r = solve_equilibrium(states, a, init=init, **kw)
        out.append(r)
        if r.converged:
            init = r.params
    return out


@dataclass
class CapacityResult:
    """α_c with its diagnostics: ``entropy`` is s(α_c) (≈ 0), ``bracket`` the last [lo, hi]."""

    states: str
    alpha_c: float
    entropy: float
    q: float
    Q: float
    converged: bool
    iterations: int
    bracket: List[float]
    message: str
    saddle: Optional[SaddleResult] = field(default=None, repr=False)

    @property
    def success(self):
        return self.converged

    def as_dict(self):
        return {"states": self.states, "alpha_c": self.alpha_c, "entropy_at_alpha_c": self.entropy,
                "q": self.q, "Q": self.Q, "converged": self.converged, "iterations": self.iterations,
                "bracket": self.bracket, "message": self.message,
                "residual": self.saddle.residual if self.saddle else None}


def capacity(states: Union[str, StateSet], *, kappa: float = 0.0, f_out: float = 0.5,
             bias: Union[float, str] = 0.0, xtol: float = 1e-9, maxiter: int = 60,
             rule: Optional[GaussianRule] = None) -> CapacityResult:
    """α_c: the root of the RS entropy s(α) = 0 (physics.md §2; not the q → Q point)."""
    states = parse_states(states)
    check_model(None, kappa, f_out, bias)
    # a failed saddle point only shrinks the bracket, so do not let it iterate for long
    kw = dict(kappa=kappa, f_out=f_out, bias=bias, rule=rule, maxiter=100)
    lo, hi = 0.0, math.inf
    s_lo = states.log_measure
    alpha = min(0.5, 0.5 * s_lo / math.log(2))
    init, best = None, None
    it = 0
    msg = ""
    while it < maxiter:
        it += 1
        r = solve_equilibrium(states, alpha, init=init, **kw)
        if not r.converged:
            # shrink towards the last good point
            hi = min(hi, alpha)
            msg = f"saddle point failed at alpha={alpha:.6g}: {r.message}"
            alpha = 0.5 * (lo + hi)
            if hi - lo < xtol:
                break
            continue
        s, ds = r.value, r.parts["G_E"]
        if s > 0:
            lo, init = alpha, r.params
        else:
            hi = alpha
        best = r
        if abs(s) < 1e-13 or hi - lo < xtol:
            break
        step = -s / ds if ds < 0 else math.inf
        new = alpha + max(-0.5, min(0.5, step))
        if not (lo < new < hi):
            new = 0.5 * (lo + hi) if math.isfinite(hi) else lo + 0.25
        if abs(new - alpha) < 0.1 * xtol:
            break
        alpha = new
    ok = best is not None and best.converged and abs(best.value) < 1e-8
    if best is None:
        return CapacityResult(states.name, math.nan, math.nan, math.nan, math.nan, False, it,
                              [lo, hi], f"no converged saddle point: {msg}")
    return CapacityResult(states.name, best.model["alpha"], best.value, best.params["q"], best.params["Q"],
                          bool(ok), it, [lo, hi],
                          "converged" if ok else f"not converged (s(alpha) = {best.value:.3g}) {msg}", best)
