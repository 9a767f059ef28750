"""The Franz–Parisi potential: local entropy around a typical equilibrium solution (y → 0).

The equations are derived by :func:`theory.derive.derive` from
:func:`theory.functionals.large_deviation.franz_parisi`, i.e. S_FP = ∂_y(yΦ)|_{y=0} of the one
large-deviation functional, with the reference's order parameters (Q̃, P, Q̂̃, P̂) set to the
equilibrium saddle point at the same α (:func:`numerics.problems.equilibrium.solve_equilibrium`).

Unknowns: R, Q, q1 (paired with R̂, Q̂, q̂1) and Ŝ (free conjugate: its equation is the distance
constraint), in the parametrisation of :func:`_param` that keeps every Gaussian representation real.

Distance convention (physics.md §1): ``squared`` d = mean (W − W̃)²/Δ², Δ = max S − min S (for ±1
weights, the Hamming fraction); ``hamming`` d = mean 1[W ≠ W̃].

Reference margin (``reference_kappa``): the reference may be a typical solution of its own margin κ̃
(the probes keep κ).  ``None`` (default) is the one-margin functional, reference at κ; a number
κ̃ ≥ 0 uses ``franz_parisi(distance, reference_margin=True)`` with the reference's order parameters
at the equilibrium point of margin κ̃; ``"max"`` takes κ̃ = κ_max(α), the root in κ of the
equilibrium entropy s(α; κ) = 0 (:func:`kappa_max`): the reference is then a *maximum-margin*
solution (Baldassi, Lauditi, Malatesta, Perugini, Zecchina, PRL 127, 278301 (2021)).

The limit κ̃ → κ_max is taken at the endpoint itself: the RS equilibrium point at κ_max is regular
(binary, α = 0.78: s = 0 with P = q < Q̃, the self-overlap gap Q̃ − P stays finite), so the
reference's Q̃, P, Q̂̃, P̂ are those of that saddle point, found by a root in κ to |s| < 1e-10; the
reference's own entropy s(α; κ_max) = 0 only drops out (S_FP is a quenched average over references
of the log-count around each, it does not weigh them).  If the gap Q̃ − P fell below 1e-6 Q̃ there
(the RS solution collapsing onto one configuration) the reference field would be degenerate and
:func:`kappa_max` says so (``converged=False``) instead of returning a point.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Optional, Sequence, Union

import numpy as np
from scipy.special import expit, logit

from theory import recipes
from theory.states import StateSet, parse_states

from .equilibrium import check_model, solve_equilibrium
from ..solver.continuation import secant_stationary
from .results import LocalEntropyCurve, LocalEntropyPoint, check_distance
from ..solver.quadrature import AdaptiveGaussian, GaussianRule
from ..solver.saddle import Parametrisation, SaddleResult
from .protocol import SaddleBacked

__all__ = ["derived_fp", "FranzParisiProblem", "solve_franz_parisi", "franz_parisi_curve", "kappa_max",
           "KappaMax", "reference_margin"]

_z1, _Wt, _u, _W, _v = "z1", "Wt", "u", "W", "v"  # bound variables of the functional, by name


@lru_cache(maxsize=None)
def derived_fp(distance: str = "squared", reference_margin: bool = False, biased: bool = False):
    """Derived and compiled Franz–Parisi equations (once per process, distance and functional: with
    ``reference_margin`` the reference has its own margin κ̃, model parameter ``kappa_t``; ``biased``
    with the output coding level f_out, the probes' bias b and the reference's b_t, and the extra output
    ``dS_db`` = ∂S_FP/∂b, which vanishes at the probes' optimal bias)."""
    return recipes.derived("franz_parisi", (distance, reference_margin, biased),
                           partial(_functional, distance, reference_margin, biased), __file__)


def _functional(distance: str, reference_margin: bool, biased: bool):
    """(functional, extra expressions) of :func:`derived_fp` (sympy)."""
    import sympy as sp

    from theory.functionals.large_deviation import SYMBOLS, franz_parisi

    F = franz_parisi(distance, reference_margin, biased)
    return F, ({"dS_db": sp.diff(F.value, SYMBOLS["b"])} if biased else {})


#: the rule of the energetic variable v (:func:`_nodes`): peak-following, panels crowded at the steps
ENERGETIC_RULE = AdaptiveGaussian(half_width=12.0, coarse_points=49, panels=24, order=8, scan_points=65)


def _nodes(states: StateSet, outer: GaussianRule, inner: GaussianRule, energetic=ENERGETIC_RULE):
    """Nodes of every bound variable: ``outer`` for z1, ``inner`` for the entropic u, and for the
    energetic v the peak-following ``energetic`` rule (:class:`AdaptiveGaussian`).

    G_E = E_z1 Avg_v[log H((κ − R z1/√P − a v)/√(Q − q1)) | H((κ̃ − √P z1 − β v)/σ̃)],
    a = √(q1 − R²/P), β = (S − R)/a, σ̃² = Q̃ − P − β²: the reference's step (width σ̃/β in v) and the
    probe's (width √(Q − q1)/a) both shrink like √d, and they lie next to each other. The adaptive rule
    crowds its panels at the reference's step. With 16 × 8 equal panels on [−10, 10] neither was resolved:
    binary, α = 0.4165, d = 0.005, S_FP 0.0037806 against 0.0037474 (equal panels 8 times finer: 0.0037474),
    Ŝ off by 2 %; and no solve converged at d ≤ 0.002 (binary α = 0.4165, d = 0.002: "map not finite").
    Where the two steps meet, v_p − v_r is linear in z1 with a slope c = R/(√P a) − √P/β so small that the
    z1 integrand stays smooth (it turns on a scale (step width)/|c| ≥ 2 in z1 at every point tried)."""
    w = (states.array, states.log_prior)
    z = outer.nodes()
    uu = inner.nodes()
    v = energetic if isinstance(energetic, AdaptiveGaussian) else energetic.nodes()

    def nodes(vals, step):
        return {_z1: z, _Wt: w, _u: uu, _W: w, _v: v}

    return nodes


#: relative floor of q̂1 − R̂²/P̂ in :func:`_clamp_q1h` (at exactly 0 the derivatives of the square root are
#: infinite)
Q1H_GAP = 1e-12


def _clamp_q1h(xh: dict, Ph: float) -> dict:
    """q̂1 ≥ R̂²/P̂ (P̂ the reference's) after every energetic step, so that the probes' own noise
    √(q̂1 − R̂²/P̂) u in G_S is real.

    Near a reference of margin κ̃ > κ (``reference_kappa``) the probes at small d barely feel the
    patterns (the reference's fields lie ≳ κ̃ above the probes' threshold): they become independent
    given the reference, and q̂1 − R̂²/P̂ falls towards 0 like the chance of a field shift ~κ̃ on the
    scale √d.  There the quadrature's rounding pushed it below 0 and G_S was NaN (binary, α = 0.7081,
    κ̃ = κ_max, d ≤ 0.0018: q̂1 − R̂²/P̂ = 0.12 at d = 0.0022, then −0.15); the clamp changes q̂1 by that
    rounding only."""
    Rh, q1h = xh.get("Rh"), xh.get("q1h")
    if Rh is None or q1h is None or not Ph > 0 or not all(map(math.isfinite, (Rh, q1h))):
        return xh
    lo = Rh * Rh / Ph * (1 + Q1H_GAP) + Q1H_GAP
    return xh if q1h >= lo else {**xh, "q1h": lo}


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
                         eq: Optional[SaddleResult] = None, bias: Union[float, str] = 0.0) -> dict:
    """Q̃, P, Q̂̃, P̂ of a typical equilibrium solution at load α (and the equilibrium result)."""
    eq = eq or solve_equilibrium(states, alpha, kappa=kappa, f_out=f_out, bias=bias)
    if not eq.converged:
        raise ValueError(f"the equilibrium saddle point at alpha={alpha} did not converge: {eq.message}")
    return {"Qt": eq.params["Q"], "P": eq.params["q"], "Qth": eq.conjugates["A"] - eq.conjugates["qhat"],
            "Ph": eq.conjugates["qhat"]}, eq


@dataclass
class KappaMax:
    """κ_max(α): the margin at which the RS equilibrium entropy s(α; κ) vanishes, with the bracket
    [lo, hi] (s(lo) > 0 ≥ s(hi)), the equilibrium point at ``kappa`` = lo and the diagnostics."""

    states: str
    alpha: float
    kappa: float
    interval: tuple
    eq: Optional[SaddleResult]
    converged: bool
    iterations: int
    message: str

    def as_dict(self) -> dict:
        eq = self.eq
        return {"states": self.states, "alpha": self.alpha, "kappa_max": self.kappa, "interval": list(self.interval),
                "s": eq.value if eq is not None else math.nan,
                "P": eq.params["q"] if eq is not None else math.nan,
                "Qt": eq.params["Q"] if eq is not None else math.nan,
                "converged": self.converged, "iterations": self.iterations, "message": self.message}


_KMAX_CACHE: dict = {}


def kappa_max(states, alpha: float, *, f_out: float = 0.5, xtol: float = 1e-10, maxiter: int = 80) -> KappaMax:
    """κ_max(α) = the root in κ of s(α; κ) = 0 (s decreases with κ), by regula falsi (Illinois) on a
    bracket found by doubling from κ = 0.25; warm starts from the nearest solved κ.  The point kept is
    the bracket's lower end (s ≥ 0, |s| < 1e-10 when converged), so the reference exists there.  Not
    converged when α ≥ α_c (s(α; 0) ≤ 0: no margin is attainable) or the RS gap Q − q collapses."""
    states = parse_states(states)
    key = (states.name, float(alpha), float(f_out), float(xtol))
    if key in _KMAX_CACHE:
        return _KMAX_CACHE[key]
    check_model(alpha, 0.0, f_out, 0.0)
    evals = []

    def s_of(k, init):
        r = solve_equilibrium(states, alpha, kappa=k, f_out=f_out, init=init)
        if not r.converged:
            raise ValueError(f"equilibrium at alpha={alpha:g}, kappa={k:.6g} did not converge: {r.message}")
        evals.append(r)
        return r.value, r

    (s_lo, r_lo), lo = s_of(0.0, None), 0.0
    if s_lo <= 0:
        out = KappaMax(states.name, alpha, math.nan, (math.nan, math.nan), r_lo, False, 1,
                       f"alpha = {alpha:g} is at or above the capacity (s(alpha; 0) = {s_lo:.4g}): no kappa_max")
        return _KMAX_CACHE.setdefault(key, out)
    hi = 0.25
    s_hi, r_hi = s_of(hi, r_lo.params)
    while s_hi > 0 and hi < 64:
        lo, s_lo, r_lo = hi, s_hi, r_hi
        hi *= 2
        s_hi, r_hi = s_of(hi, r_lo.params)
    side = 0
    while hi - lo > xtol and abs(s_lo) > 1e-12 and len(evals) < maxiter:
        k = (lo * s_hi - hi * s_lo) / (s_hi - s_lo)
        k = min(max(k, lo + 0.01 * xtol), hi - 0.01 * xtol)
        s_k, r_k = s_of(k, r_lo.params)
        if s_k > 0:
            lo, s_lo, r_lo = k, s_k, r_k
            s_hi = s_hi / 2 if side == 1 else s_hi  # Illinois: halve the stale end
            side = 1
        else:
            hi, s_hi, r_hi = k, s_k, r_k
            s_lo = s_lo / 2 if side == -1 else s_lo
            side = -1
    s_lo = r_lo.value
    gap = r_lo.params["Q"] - r_lo.params["q"]
    ok = (hi - lo <= xtol or s_lo < 1e-10) and 0 <= s_lo < 1e-10 and gap > 1e-6 * r_lo.params["Q"]
    msg = "converged" if ok else (f"not converged: s = {s_lo:.3g} on [{lo:.10g}, {hi:.10g}], Q - q = {gap:.3g}"
                                  f" after {len(evals)} equilibrium solves")
    out = KappaMax(states.name, float(alpha), lo, (lo, hi), r_lo, bool(ok), len(evals), msg)
    return _KMAX_CACHE.setdefault(key, out)


def reference_margin(states: StateSet, alpha: float, reference_kappa, f_out: float = 0.5):
    """(κ̃, the equilibrium point at κ̃) for ``reference_kappa`` = a number ≥ 0 or ``"max"``
    (κ_max(α), :func:`kappa_max`; a ValueError naming the argument if it does not exist)."""
    if isinstance(reference_kappa, str):
        if reference_kappa != "max":
            raise ValueError(f"reference_kappa must be a number >= 0 or 'max', got {reference_kappa!r}")
        km = kappa_max(states, alpha, f_out=f_out)
        if not km.converged:
            raise ValueError(f"reference_kappa='max': no maximum margin at alpha={alpha:g}: {km.message}")
        return km.kappa, km.eq
    kt = float(reference_kappa)
    if not (math.isfinite(kt) and kt >= 0):
        raise ValueError(f"reference_kappa must be a number >= 0 or 'max', got {reference_kappa!r}")
    return kt, None


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
    reference's radius at distance d, q1 a third of the way from its lower bound to Q.

    ``reference_kappa`` (κ̃: ``None``, a number ≥ 0 or ``"max"``, see the module docstring): the
    reference is a typical solution of margin κ̃, the probes of margin ``kappa``; ``eq`` is then the
    equilibrium point at κ̃.  ``None`` keeps the one-margin functional (reference at κ).

    ``bias`` b (a number, or ``"optimal"``) and ``f_out``.  A number: the reference and the probes are
    solutions of one perceptron, threshold included, so both see the bias b (b̃ = b).  ``"optimal"``:
    each measure its own optimum — the reference's b̃ maximises the equilibrium entropy s(α; κ, b̃, f_out)
    (:func:`solve_equilibrium`), the probes' b maximises S_FP(d) at fixed reference
    (:func:`solve_franz_parisi`, a secant on ∂S_FP/∂b): the 0/1-input model with the optimal threshold,
    where each configuration's O(1) bias is set by its own Σ W (README 'Conventions').  With b = 0 the
    unbiased functional is used (f_out drops out).

    Quadrature: ``outer`` (z1) and ``inner`` (the entropic u) are Gaussian rules; the energetic v
    takes the peak-following :data:`ENERGETIC_RULE` (:func:`_nodes`)."""

    name = "franz_parisi"
    anchors = ("ball",)

    def __init__(self, states: StateSet, alpha: float, d: float, *, kappa: float = 0.0, f_out: float = 0.5,
                 distance: str = "squared", eq: Optional[SaddleResult] = None,
                 outer: Optional[GaussianRule] = None, inner: Optional[GaussianRule] = None,
                 reference_kappa: Union[None, float, str] = None, bias: Union[float, str] = 0.0):
        check_model(alpha, kappa, f_out, bias)
        if reference_kappa is not None and bias != 0.0:
            raise ValueError("bias: a reference of its own margin (reference_kappa) with a nonzero bias is not "
                             "covered (the maximum margin kappa_max is computed at b = 0)")
        if alpha <= 0:
            raise ValueError("alpha must be > 0 for the Franz-Parisi potential (at alpha = 0 every "
                             "configuration is a solution: use local_entropy with reference='free')")
        check_distance(d, distance)
        self.states, self.d, self.distance = states, d, distance
        self.kappa_t = None
        if reference_kappa is not None:
            self.kappa_t, eq_max = reference_margin(states, alpha, reference_kappa, f_out)
            eq = eq or eq_max
        self.ref, self.eq = reference_parameters(states, alpha, kappa if self.kappa_t is None else self.kappa_t,
                                                 f_out, eq, bias)
        self.b = float(self.eq.params.get("b", 0.0)) if bias == "optimal" else float(bias)
        self.optimal_bias = bias == "optimal" and self.b != 0.0  # the probes' b: solve_franz_parisi's secant
        self._model = {"alpha": alpha, "kappa": kappa, "b": self.b, "b_t": self.b, "f_out": f_out, "d": d,
                       "Delta": states.spread, **self.ref}
        if self.kappa_t is not None:
            self._model["kappa_t"] = self.kappa_t
        self.outer, self.inner = outer or GaussianRule(24, 8), inner or GaussianRule(16, 8)

    def derived(self):
        return derived_fp(self.distance, self.kappa_t is not None, self.b != 0.0)

    def model(self):
        return dict(self._model)

    def parametrisation(self):
        return _param(self.distance, self.ref, self.d, self.states.spread)

    def nodes(self):
        return _nodes(self.states, self.outer, self.inner)

    def start(self, anchor=None):
        return _initial(self.states, self.ref, self.d, self.distance)

    def solver_options(self):
        return {"inner_roots": True, "clamp": partial(_clamp_q1h, Ph=self.ref["Ph"])}

    def observables(self, res):
        return {"S_I": res.value, "s_eq": self.eq.value}


def typical_distance(prob: "FranzParisiProblem") -> float:
    """d* = 2(Q̃ − P)/Δ² (squared distance, one margin): the distance of two typical solutions, where
    S_FP is maximal and equals s(α).  NaN for the Hamming distance or a reference of its own margin."""
    if prob.distance != "squared" or prob.kappa_t is not None:
        return math.nan
    return 2 * (prob.ref["Qt"] - prob.ref["P"]) / prob.states.spread ** 2


#: |d − d*| below which :func:`solve_franz_parisi` returns the exact solution at the typical distance
AT_TYPICAL = 1e-9


def _exact_at_typical(prob: "FranzParisiProblem") -> SaddleResult:
    """The exact saddle point at d = d*: the probes are typical solutions decoupled from the reference,
    R = q1 = P, Q = Q̃, Ŝ = R̂ = q̂1 = P̂, Q̂ = Q̂̃, and S_FP = s(α).  The equations are 0/0 there (the
    annealed variance q1 − R²/P and σ̃ vanish together), so the point is set, not iterated."""
    ref, eq = prob.ref, prob.eq
    return SaddleResult(
        params={"R": ref["P"], "Q": ref["Qt"], "q1": ref["P"], "Sh": ref["Ph"]},
        conjugates={"Rh": ref["Ph"], "Qh": ref["Qth"], "q1h": ref["Ph"]},
        model=prob.model(), value=float(eq.value), parts={}, converged=bool(eq.converged), residual=0.0,
        step=0.0, iterations=0,
        message=("exact solution at the typical distance d* = 2(Qt - P)/Delta^2 (R = q1 = P, Q = Qt, "
                 "S_FP = s): the equations are 0/0 there, the point is not iterated"))


def solve_franz_parisi(states: Union[str, StateSet], alpha: float, d: float, *, kappa: float = 0.0,
                       f_out: float = 0.5, distance: str = "squared", init: Optional[dict] = None,
                       eq: Optional[SaddleResult] = None, outer: Optional[GaussianRule] = None,
                       inner: Optional[GaussianRule] = None, maxiter: int = 400,
                       reference_kappa: Union[None, float, str] = None,
                       bias: Union[float, str] = 0.0) -> LocalEntropyPoint:
    """S_FP(d) at load α: the local entropy at distance d from a typical solution
    (:class:`FranzParisiProblem`; ``bias`` b, a number or ``"optimal"``, with ``f_out``, see there);
    ``Sigma`` holds the reference's equilibrium entropy s(α; κ̃) (κ̃ = κ unless ``reference_kappa`` is
    given).  At the typical distance d* (one margin, squared
    distance, |d − d*| ≤ :data:`AT_TYPICAL`) the exact solution is returned (:func:`_exact_at_typical`)."""
    states = parse_states(states)
    prob = FranzParisiProblem(states, alpha, d, kappa=kappa, f_out=f_out, distance=distance, eq=eq,
                              outer=outer, inner=inner, reference_kappa=reference_kappa, bias=bias)
    note = ""
    if abs(d - typical_distance(prob)) <= AT_TYPICAL:
        res = _exact_at_typical(prob)  # (the probes' optimal bias is the reference's there: they are typical)
        if prob.optimal_bias:
            res.params["b"] = prob.b
    else:
        x0 = prob.start()
        if init:
            x0.update({k: v for k, v in init.items() if k in x0})
        res, _ = prob.solve(x0, maxiter=maxiter)
        if prob.optimal_bias and res.converged:
            res, note = _probes_optimal_bias(prob, res, maxiter, (init or {}).get("b"))
    note += _collapse(res, d)
    if prob.eq.value < 0:
        note += (f"alpha = {alpha:g} is above the capacity: the equilibrium entropy is negative "
                f"(s = {prob.eq.value:.4g}), so typical solutions, the references here, do not exist")
    return LocalEntropyPoint(d=d, S_I=res.value, Sigma=prob.eq.value, phi=math.nan, y=0.0, saddle=res,
                             note=note.rstrip("; "))


#: 1 − q1/Q below which the probes count as collapsed onto one configuration (:func:`_collapse`)
COLLAPSED_GAP = 1e-5


def _collapse(res: SaddleResult, d: float) -> str:
    """A note (and ``converged=False``) where the iterate ends with the probes collapsed, 1 − q1/Q <
    :data:`COLLAPSED_GAP`.

    Near a typical reference at a high load the RS solution does not reach d → 0: as d decreases Ŝ
    grows without bound, q1 → Q and S_FP falls towards −∞ (binary, α = 0.7081 = 0.85 α_c, a path down in d:
    Ŝ = 5.2, 21.6, 38.9 and S_FP = −0.0292, −0.0314, −0.0331 at d = 0.01, 0.0031, 0.0027, then iterates
    that do not converge, Ŝ = 104 and 1087 at d = 0.0023 and 0.0020; the solve at d = 0.001 once stopped
    at q1 = 1 − 1e-10 with S_FP = −61437 and called it converged).  Such
    an end point is the RS answer S_FP = −∞, no solution at that distance, not a number to report."""
    Q, q1 = res.params.get("Q"), res.params.get("q1")
    if not (Q and q1 is not None and math.isfinite(q1) and 1 - q1 / Q < COLLAPSED_GAP):
        return ""
    if res.converged:
        res.converged = False
        res.message = f"not converged: the probes collapsed (the solver stopped with '{res.message}')"
    Sh = res.params.get("Sh", math.nan)
    return (f"the probes collapse onto one configuration (1 - q1/Q = {1 - q1 / Q:.1e}, Sh = {Sh:.3g}): near "
            f"d = {d:g} the replica-symmetric S_FP falls towards -infinity (no solutions at that distance from "
            "the reference); the points at larger d of franz_parisi_curve show where; ")


#: |dS_FP/db| below which the probes' bias is optimal, and the most solves the search may take
OPTIMAL_BIAS_TOL = 1e-9
OPTIMAL_BIAS_MAXITER = 12


def _probes_optimal_bias(prob: "FranzParisiProblem", res: SaddleResult, maxiter: int,
                         b_start: Optional[float]) -> tuple:
    """The probes' optimal bias at fixed reference (``bias="optimal"``): a secant in b on g(b) = ∂S_FP/∂b
    at the saddle point (the derived ``dS_db``; by the envelope theorem dS_FP/db), from the reference's
    b̃ (or ``b_start``, a neighbour's b), each solve warm from the last.  Returns (the result at the
    optimum, a note); its params carry ``"b"`` and its model the probes' b.  A search that fails is
    reported as not converged."""
    warm = {"params": res.params}  # each solve starts from the last converged one

    def evaluate(b):
        prob._model["b"] = b
        cur, _ = prob.solve(dict(warm["params"]), maxiter=maxiter)
        if not cur.converged:
            return None, cur
        warm["params"] = cur.params
        return float(cur.parts.get("dS_db", math.nan)), cur

    opts = dict(tol=OPTIMAL_BIAS_TOL, maxiter=OPTIMAL_BIAS_MAXITER)
    if b_start is None or float(b_start) == prob.b:  # res is the solve at the reference's b
        r = secant_stationary(evaluate, prob.b, first=(float(res.parts.get("dS_db", math.nan)), res), **opts)
    else:
        r = secant_stationary(evaluate, float(b_start), **opts)
    cur, b, g = r.result, r.x, r.g
    if r.status == "found":
        cur.params["b"] = b
        return cur, f"the probes' optimal bias b = {b:.8g} (the reference's {prob.b:.8g}; dS/db = {g:.1e}); "
    cur.converged = False
    cur.message = (f"not converged: the probes' optimal bias was not found (last b = {b:.6g}, dS/db = "
                   f"{math.nan if g is None else g:.2e}); {cur.message}")
    return cur, "the probes' optimal bias was not found; "


def _carried(prev: LocalEntropyPoint, d: float, distance: str, Delta: float) -> Optional[dict]:
    """A neighbour's solution carried to distance d in the solver's coordinates: u at the neighbour's d,
    read back at d.  (Its raw order parameters at a new d can lie outside the new domain — S moves with
    d — and projecting them pinned q1 at its lower bound, where the map is not finite: every warm start
    of a binary curve failed that way and paid a second, cold solve.)"""
    try:
        u = _param(distance, prev.saddle.model, prev.d, Delta).to_u(prev.saddle.params)
        return _param(distance, prev.saddle.model, d, Delta).from_u(u)
    except (KeyError, ValueError, ZeroDivisionError, OverflowError):
        return None


def franz_parisi_curve(states, alpha: float, ds: Sequence[float], *, distance: str = "squared",
                       kappa: float = 0.0, f_out: float = 0.5, reference_kappa: Union[None, float, str] = None,
                       bias: Union[float, str] = 0.0, **kw) -> LocalEntropyCurve:
    """S_FP on a grid of distances, by continuation from the largest d down (warm starts).

    ``Sigma`` holds the reference's equilibrium entropy s(α; κ̃) (the external entropy of typical
    references; κ̃ = κ unless ``reference_kappa``, a number or ``"max"``, is given).
    """
    states = parse_states(states)
    check_model(alpha, kappa, f_out, bias)
    if reference_kappa is None:
        eq = kw.pop("eq", None) or solve_equilibrium(states, alpha, kappa=kappa, f_out=f_out, bias=bias)
    else:
        reference_kappa, eq = reference_margin(states, alpha, reference_kappa, f_out)
        eq = kw.pop("eq", None) or eq or solve_equilibrium(states, alpha, kappa=reference_kappa, f_out=f_out)
    order = np.argsort(ds)[::-1]
    points = [None] * len(ds)
    prev = None
    for i in order:
        call = dict(kappa=kappa, f_out=f_out, distance=distance, eq=eq, reference_kappa=reference_kappa,
                    bias=bias, **kw)
        init = _carried(prev, float(ds[i]), distance, states.spread) if prev is not None else None
        p = solve_franz_parisi(states, alpha, float(ds[i]), init=init, **call)
        if not p.converged and init is not None:
            # the curve has a degenerate point at the typical distance, where the two sides meet:
            # a warm start from across it can fail, a cold start does not
            p = solve_franz_parisi(states, alpha, float(ds[i]), **call)
        points[i] = p
        if p.converged and p.saddle is not None and p.saddle.params:
            prev = p
    curve = LocalEntropyCurve.from_points(points, states=states.name, alpha=alpha, y=0.0, kind="franz-parisi",
                                          reference="solution", distance=distance)
    return curve
