"""Local entropy around references of the large-deviation measure, at finite y.

Solves the saddle point of yΦ(d, y) (physics.md §3.1) derived by :func:`theory.derive.derive` from
:func:`theory.functionals.large_deviation.large_deviation` and reports

    Φ = (G_T + G_S + α G_E)/y,    S_I = ∂_y(yΦ)  (partial derivative at the saddle point),
    Σ = yΦ − y S_I                (external entropy: log-number of such references per synapse).

Numerics: the outer Gaussian pairs use the composite rule of :mod:`numerics.solver.quadrature` on each of
(z₁, z₂); the inner integrals over u (entropic) and v (energetic) use
:class:`~numerics.solver.quadrature.AdaptiveGaussian`, which follows their peak (at |u| ~ y√(q̂1 − q̂0)),
in two passes below d = 0.02 (:func:`inner_rule`: panels crowded at the step of width ~√d that the
reference's constraint puts into the v integral) and below y = 2 (there the one pass's window ends, which
snap between coarse points, broke Newton near y = 1, where the q1 equation's signal is O(y − 1)).
Unknowns and parametrisation (all constraints of a real Gaussian representation kept by
construction on the order-parameter side):

    Q̃ = e^{a}, P = Q̃ expit(b), Q = e^{c}, q1 = Q expit(e), q0 = q1 expit(f), R = √(P q0) tanh(g), Ŝ.

The conjugate side (P̂ q̂0 ≥ R̂², q̂1 ≥ q̂0) is produced by the energetic step and is checked: a
point where it fails is reported as not converged with that reason (physics.md §3.2 records where
this happens: large y).

Distances: ``squared`` d = mean (W − W̃)²/Δ² (Δ = max S − min S), ``hamming`` d = mean 1[W ≠ W̃].
"""
from __future__ import annotations

import math
from functools import lru_cache, partial
from typing import List, Optional, Sequence, Union

import numpy as np
from scipy.special import expit, logit

from theory import recipes
from theory.states import StateSet, parse_states

from .equilibrium import check_model
from .optimal_bias import equilibrium_bias, optimal_bias_point
from .alpha_zero import alpha0_curve, binary_entropy
from .results import LocalEntropyCurve, LocalEntropyPoint, check_distance
from ..solver.quadrature import AdaptiveGaussian, GaussianRule
from ..solver.saddle import Parametrisation
from .protocol import SaddleBacked
from ..solver.continuation import continue_in_d
from .unit_y import solve_unit_y

__all__ = ["FiniteYProblem", "inner_rule", "LocalEntropyPoint", "LocalEntropyCurve", "check_distance", "alpha0_curve",
           "derived_ld", "solve_local_entropy", "local_entropy_curve", "binary_entropy"]


# ---------------------------------------------------------------------------------------------
# finite y
_z1, _z2, _Wt, _u, _W, _v = "z1", "z2", "Wt", "u", "W", "v"  # bound variables of the functional, by name


@lru_cache(maxsize=None)
def derived_ld(reference: str = "solution", distance: str = "squared", form: str = "cholesky", biased: bool = False):
    """Derived and compiled finite-y equations, with the extra output ``dyPhi`` = ∂_y(yΦ) (and, biased,
    ``dyPhi_db`` = ∂(yΦ)/∂b, for the optimal bias).

    ``form="cholesky"`` (exact two-field Gaussian averages) or ``"heat_kernel"`` (one field, the
    reference's residual field averaged to first order; ~9 s to derive, 15 s biased, once per machine:
    the result is cached on disk)."""
    return recipes.derived("large_deviation", (reference, distance, form, biased),
                           partial(_functional, reference, distance, form, biased), __file__)


def _functional(reference: str, distance: str, form: str, biased: bool):
    """(functional, extra expressions) of :func:`derived_ld` (sympy)."""
    import sympy as sp

    from theory.functionals.large_deviation import SYMBOLS, large_deviation

    F = large_deviation(reference, distance, form, biased)
    extra = {"dyPhi": sp.diff(F.value, SYMBOLS["y"])}
    if biased:
        extra["dyPhi_db"] = sp.diff(F.value, SYMBOLS["b"])
    return F, extra


def _nodes(states: StateSet, outer: GaussianRule, inner: AdaptiveGaussian):
    w = (states.array, states.log_prior)
    z = outer.nodes()

    def nodes(vals, step):
        return {_z1: z, _z2: z, _Wt: w, _u: inner, _W: w, _v: inner}

    return nodes


_FLOOR = 1e-200
# outer rules (z₁; z₁ × z₂ in the Cholesky form).  The Cholesky form needs the finer 20 × 8 panels
# on each axis: with 10 × 6 its S_I was off by 7e-6 (binary, physics.md's reference point), 1.9e-4
# (binary, α = 0.745, d = 0.07, y = 3), 5.8e-4 (excitatory(4), α = 0.65, d = 0.02, y = 3).
HEAT_KERNEL_RULE = (24, 12)
CHOLESKY_RULE = (20, 8)
SEED_RULE = (10, 6)  # the Cholesky form as a start only (solve_local_entropy's cold-start rescue)
# SaddleProblem.solve(newton_stall=...): at large y the Newton–Broyden stage crawls along a narrow
# valley (y = 15: Jacobian condition ~6e4, soft direction mostly Ŝ and logit q1/Q) and hybr finishes
# faster; the excitatory(4) ladder (0.65, 0.02), y = 3 … 15, took 100 s instead of 126 s
NEWTON_STALL = 4
# a cold start above this y climbs from y = 3 (×1.5 per rung); at or below it, it starts from the
# Franz–Parisi solution, with the Cholesky-seeded rescue when that fails
CLIMB_ABOVE_Y = 4.0
# below this y a cold start descends from it (×0.7 per rung, each warm-started by the previous one): the
# Franz–Parisi start, the y → 0 limit, lands in no basin at y = 0.2 … 0.01 (binary, α = 0.5, d = 0.1),
# the descent reaches y = 0.18 there; :data:`MIN_Y` is the smallest y accepted
DESCEND_BELOW_Y = 0.5
MIN_Y = 0.2
# y = 1 exactly: q1 and q̂1 drop out of yΦ and the equations above are 0/0; the point is solved in two
# stages instead (numerics.problems.unit_y: yΦ at y = 1, then q1 from ∂_y(yΦ))
UNIT_Y = 1.0


# below this distance the inner integrals take the two-pass rule (panels crowded where the integrand
# turns: the reference's step of width σ̃/β ~ √d in v); at and above it one pass of 16 × 6 equal panels
# on the window is as accurate and 1.6 to 2.7 times cheaper (binary, α = 0.6, y = 3: |ΔS_I| ≤ 2e-9
# against 64 × 8 panels at d = 0.04 … 0.25; binary, α = 0.5: 9e-8 at d = 0.024).  Below it the one-pass
# rule was off by 2e-6 (d = 0.017) and 1.6e-5 (d = 0.012) in S_I, and below d = 0.01 its error made
# the solver fail (binary, α = 0.5, y = 3).
TWO_PASS_BELOW_D = 0.02
# below this y (y = 1 exactly excepted: its two-stage problem has no 0/0) the 16 × 6 panels above
# TWO_PASS_BELOW_D are laid in two passes (33 scan points).  Binary, α = 0.5, d = 0.04: the one-pass rule's
# S_I is off by 1.4e-7 … 3.9e-7 at y = 0.8 … 3 against the default two-pass rule, which agrees with 64 × 10
# panels after 129 scan points to 1e-10, and 16 × 6 panels after 33 scan points to 2e-9 (at five points:
# binary α = 0.5 d = 0.04 y = 3 and 1.05, α = 0.6 d = 0.1 y = 10, symmetric(3) α = 0.8 d = 0.1 y = 1.2,
# excitatory(3) α = 0.55 d = 0.05 y = 3), for the cost of one pass (warm solves 2.5–4.1 s either way); near y = 1
# its window ends, which snap from one coarse point to the next, make the residual jump by ~5e-5 (the q1
# equation, whose signal is O(y − 1)), so that Newton failed from y = 1.03 to 1.027 and a cold call at
# y = 1.02 took 161 s (the two-pass fallback), at y = 1.001 failed after 139 s; at y = 0.5 the one-pass
# cold solve failed after 106 s where the two-pass one converges in 18 s.  Above y = 2 the one pass stays:
# the two-pass 16 × 6 rule moves S_I by 3.5e-7 (binary, α = 0.5, y = 3, d = 0.02) and 1.2e-7 (α = 0.6,
# y = 10, d = 0.02) on 12-point curves from d = 0.3, but costs 70 s against 50 s and 333 s against 189 s.
ONE_PASS_FROM_Y = 2.0

# a cold call of a set with more than two values below this d is a path in d: a cold solve at the first of
# PATH_ANCHORS that converges, then warm solves from the secant predictor in steps of log d
# (numerics.solver.continuation.continue_in_d; the first, without a secant, PATH_LOG_STEP), at most
# PATH_MAX_STEPS of them.  The direct cold solve failed there after 109 s (symmetric(3), α = 0.8, d = 0.005,
# y = 3) and 153 s (excitatory(3), α = 0.55), where the curve continued down from d = 0.05 converges at
# every point; at d = 0.01 the direct solve converges (16 s).  The anchor is far above d: from d = 0.0125 the
# first steps without a secant failed down to a step of 0.045 in log d, and the path took 11 solves, 123 s,
# against 7 solves, 66 s, from d = 0.04 (the same S_I to 7e-10).  Two-valued sets keep the direct solve
# (binary, α = 0.5, y = 3: d = 0.001 … 0.01 in 9-15 s, where a path would take 30-40 s)
PATH_BELOW_D = 0.008
PATH_ANCHORS = (0.04, 0.06)
PATH_LOG_STEP = 0.04
PATH_GROW = 1.8  # a converged step's successor is this much longer (excitatory(3), α = 0.55: the first step
# converged at 0.0375 in log d, and with growth 1.3 the path to d = 0.005 took 13 solves)
PATH_NEWTON_MAXITER = 20  # a path step is Newton from the secant predictor with the carried Jacobian, at most
PATH_FULL_BELOW = 0.1  # this many iterations; where that fails on a step of at most this in log d, the full
# warm solve (a failed full solve took 150-180 iterations, 15-20 s, excitatory(3), α = 0.55, d = 0.034)
PATH_MAX_STEPS = 16


def inner_rule(d: float, y: float = UNIT_Y) -> AdaptiveGaussian:
    """The inner rule for the u and v integrals at distance d and tilt y: the two-pass
    :class:`~numerics.solver.quadrature.AdaptiveGaussian` below :data:`TWO_PASS_BELOW_D`; above it 16 × 6
    panels, in two passes (33 scan points: sliding window ends, panels crowded where the integrand bends)
    below :data:`ONE_PASS_FROM_Y` (y = 1 exactly excepted), in one pass of equal panels otherwise."""
    if d < TWO_PASS_BELOW_D:
        return AdaptiveGaussian()
    return AdaptiveGaussian(panels=16, order=6, scan_points=33 if y < ONE_PASS_FROM_Y and y != UNIT_Y else 0)


def _clamp_conjugates(xh):
    """P̂, q̂0 ≥ 1e-200 and q̂1 ≥ q̂0: at α = 0 they vanish exactly and the Cholesky factors
    R̂/√q̂0, √(P̂ − R̂²/q̂0), √(q̂1 − q̂0) would be 0/0; the floor changes nothing measurable."""
    xh = dict(xh)
    for k in ("Ph", "q0h"):
        if k in xh and xh[k] < _FLOOR:
            xh[k] = _FLOOR
    if "q1h" in xh and "q0h" in xh and xh["q1h"] < xh["q0h"]:
        xh["q1h"] = xh["q0h"]
    return xh


def _param(distance: str, d: float, Delta: float, form: str = "heat_kernel") -> Parametrisation:
    """Unknowns ↔ unconstrained coordinates for the decoupling ``form`` (default the heat kernel's,
    :func:`_param_heat_kernel`; ``"cholesky"``: :func:`_param_cholesky`)."""
    if form == "heat_kernel":
        return _param_heat_kernel(distance, d, Delta)
    return _param_cholesky(distance, d, Delta)


def _reference_from_u(u, free) -> dict:
    """Q̃ = e^{u₀}, P = Q̃ expit(u₁), Q = e^{u₃} and the free unknowns (u₆ …): the part both
    parametrisations share."""
    Qt = math.exp(min(u[0], 700))
    return {"Qt": Qt, "P": Qt * float(expit(u[1])), "Q": math.exp(min(u[3], 700)),
            **{n: float(v) for n, v in zip(free, u[6:])}}


def _u_vector(x, Qt, Q, t, e, f, free, cl) -> np.ndarray:
    """(log Q̃, logit P/Q̃, atanh t, log Q, logit e, logit f, free unknowns…): the coordinates u."""
    return np.array([math.log(Qt), float(logit(cl(x["P"] / Qt))), math.atanh(t), math.log(Q), float(logit(e)),
                     float(logit(f))] + [x[n] for n in free])


def _free_unknowns(distance: str) -> list:
    """The free conjugate of the distance: Ŝ (squared); for Hamming S is an order parameter paired with
    Ŝ (given by the energetic step) and the multiplier λ is free."""
    return ["Sh"] if distance == "squared" else ["S", "lam"]


def _coordinates_common(distance: str, d: float, Delta: float):
    """What both finite-y parametrisations share: the free unknowns, the names of all unknowns, eps,
    the clip ``cl`` of a ratio into (eps, 1 − eps), and S(x, Q, Q̃) = (Q + Q̃ − Δ² d)/2 (squared
    distance; the free unknown x["S"] for Hamming)."""
    free = _free_unknowns(distance)
    eps = 1e-13

    def cl(r):
        return min(max(r, eps), 1 - eps)

    def S_of(x, Q, Qt):
        return (Q + Qt - Delta**2 * d) / 2 if distance == "squared" else x["S"]

    return free, ["Qt", "P", "R", "Q", "q1", "q0"] + free, eps, cl, S_of


def _param_heat_kernel(distance: str, d: float, Delta: float) -> Parametrisation:
    """The heat-kernel form's unknowns ↔ unconstrained coordinates.

    The heat-kernel form needs no real Gaussian for the quenched pair (the reference's residual
    variance P − R²/q0 enters to first order and may pass through 0), so R² ≤ P q0 is *not* imposed:
    the saddle point crosses it (binary, α = 0.5, d = 0.1: P q0 − R² = +1.1e-4 at y = 3, −1.5e-7 at
    y = 1.4, −8.8e-6 at y = 0.5), where the Cholesky frame pinned q0 at R²/P and every y ≤ 1.4
    failed.  What remains is the annealed pair, (S − R)² < (Q̃ − P)(q1 − q0), q0 > 0 and q1 < Q:

        Q̃ = e^{a}, P = Q̃ expit(b), Q = e^{c}, R = S + √(Q (Q̃ − P)) tanh(g),  A = Q tanh²(g),
        q0 = (Q − A) expit(f),   q1 = q0 + A + (Q − q0 − A) expit(e)

    (A = (S − R)²/(Q̃ − P), the annealed pair's share of q1 − q0).
    """
    free, names, eps, cl, S_of = _coordinates_common(distance, d, Delta)

    def to_u(x):
        Qt, Q = max(x["Qt"], _FLOOR), max(x["Q"], _FLOOR)
        P = x["P"]
        S = S_of(x, Q, Qt)
        t = min(max((x["R"] - S) / math.sqrt(Q * max(Qt - P, _FLOOR)), -1 + eps), 1 - eps)
        A = Q * t * t
        f = cl(x["q0"] / max(Q - A, _FLOOR))
        q0 = (Q - A) * f
        e = cl((x["q1"] - q0 - A) / max(Q - q0 - A, _FLOOR))
        return _u_vector(x, Qt, Q, t, e, f, free, cl)

    def from_u(u):
        x = _reference_from_u(u, free)
        Qt, P, Q = x["Qt"], x["P"], x["Q"]
        t = math.tanh(u[2])
        A = Q * t * t
        q0 = (Q - A) * float(expit(u[5]))
        x.update(R=S_of(x, Q, Qt) + math.sqrt(Q * (Qt - P)) * t, q0=q0,
                 q1=q0 + A + (Q - q0 - A) * float(expit(u[4])))
        return x

    return Parametrisation(names, to_u, from_u)


def _param_cholesky(distance: str, d: float, Delta: float) -> Parametrisation:
    """The Cholesky form's unknowns ↔ unconstrained coordinates, every Gaussian representation real by
    construction.

    S = (Q + Q̃ − Δ² d)/2 (squared distance; a free unknown for Hamming).  The quenched pair needs
    R² ≤ P q0, the annealed pair (S − R)² ≤ (Q̃ − P)(q1 − q0), and q1 < Q:

        Q̃ = e^{a}, P = Q̃ expit(b), Q = e^{c}, R = R* + w tanh(g),
        q0 = R²/P + (Q − m(R)) expit(f),   q1 = q0 + (S − R)²/(Q̃ − P) + (Q − q0 − (S−R)²/(Q̃−P)) expit(e)

    with m(R) = R²/P + (S − R)²/(Q̃ − P), minimal (= S²/Q̃) at R* = S P/Q̃, and w chosen so that
    m(R* ± w) = Q.
    """
    free, names, eps, cl, S_of = _coordinates_common(distance, d, Delta)

    def frame(Qt, P, Q, S):
        A11 = Qt - P
        Rs = S * P / Qt
        w = math.sqrt(max(Q - S * S / Qt, _FLOOR) / (1 / P + 1 / A11))
        return A11, Rs, w

    def to_u(x):
        Qt, Q = max(x["Qt"], _FLOOR), max(x["Q"], _FLOOR)
        P = x["P"]
        S = S_of(x, Q, Qt)
        A11, Rs, w = frame(Qt, P, Q, S)
        t = min(max((x["R"] - Rs) / w, -1 + eps), 1 - eps)
        R = Rs + w * t
        a = (S - R) ** 2 / A11
        lo0 = R * R / P
        f = cl((x["q0"] - lo0) / max(Q - lo0 - a, _FLOOR))
        q0 = lo0 + (Q - lo0 - a) * f
        lo1 = q0 + a
        e = cl((x["q1"] - lo1) / max(Q - lo1, _FLOOR))
        return _u_vector(x, Qt, Q, t, e, f, free, cl)

    def from_u(u):
        x = _reference_from_u(u, free)
        Qt, P, Q = x["Qt"], x["P"], x["Q"]
        S = S_of(x, Q, Qt)
        A11, Rs, w = frame(Qt, P, Q, S)
        R = Rs + w * math.tanh(u[2])
        a = (S - R) ** 2 / A11
        lo0 = R * R / P
        q0 = lo0 + (Q - lo0 - a) * float(expit(u[5]))
        lo1 = q0 + a
        x.update(R=R, q0=q0, q1=lo1 + (Q - lo1) * float(expit(u[4])))
        return x

    return Parametrisation(names, to_u, from_u)


def _initial_from_fp(states, alpha, d, distance, kappa, f_out, bias=0.0):
    """Start from the Franz–Parisi solution (the y → 0 limit) with q0 = R²/P."""
    from .franz_parisi import solve_franz_parisi

    fp = solve_franz_parisi(states, alpha, d, kappa=kappa, f_out=f_out, distance=distance, bias=bias)
    ref = fp.saddle.model
    x = dict(fp.saddle.params)
    x.update(Qt=ref["Qt"], P=ref["P"], q0=min(x["R"] ** 2 / ref["P"], 0.999 * x["q1"]))
    return x


def _check_finite_y(y, reference: str, decoupling: str) -> None:
    if not (isinstance(y, (int, float, np.floating)) and math.isfinite(y) and y > 0):
        raise ValueError(f"y must be a finite number > 0 here (use the extrapolation for y = inf), got {y!r}")
    if y < MIN_Y:
        raise ValueError(f"y must be >= {MIN_Y:g} for the finite-y equations, got {y!r}: as y → 0 they turn singular "
                         f"(the conjugates carry 1/(y(y − 1))); the y → 0 limit is the Franz–Parisi potential "
                         f"(fewbits franz-parisi, numerics.solve_franz_parisi)")
    if reference not in ("solution", "free"):
        raise ValueError(f"reference must be 'solution' or 'free', got {reference!r}")
    if decoupling not in ("cholesky", "heat_kernel"):
        raise ValueError(f"decoupling must be 'heat_kernel' or 'cholesky', got {decoupling!r}")


class FiniteYProblem(SaddleBacked):
    """yΦ(d, y) at finite y (physics.md §3.1) as a :class:`~numerics.problems.protocol.Problem`.

    Unknowns Q̃, P, R, Q, q1, q0 and the free conjugate of the distance (Ŝ; S and λ for Hamming) in
    the parametrisation of :func:`_param`; anchors ``"franz_parisi"`` (the y → 0 solution at the same
    (α, d), q0 = R²/P; the default for α > 0) and ``"alpha0"`` (the prior's moments; the default at
    α = 0).  ``decoupling`` as in :func:`solve_local_entropy`."""

    name = "finite_y"
    anchors = ("franz_parisi", "alpha0")

    def __init__(self, states: StateSet, alpha: float, d: float, y: float, *, reference: str = "solution",
                 distance: str = "squared", kappa: float = 0.0, f_out: float = 0.5,
                 decoupling: str = "heat_kernel", outer: Optional[GaussianRule] = None,
                 inner: Optional[AdaptiveGaussian] = None, bias: float = 0.0):
        check_model(alpha, kappa, f_out, bias)
        if bias == "optimal":
            raise ValueError("bias: 'optimal' is not covered at finite y (give the bias as a number, e.g. the "
                             "equilibrium optimum of solve_equilibrium(..., bias='optimal'))")
        check_distance(d, distance)
        _check_finite_y(y, reference, decoupling)
        self.b = float(bias)  # output bias (b = 0: the unbiased functional, f_out drops out)
        self.states, self.alpha, self.d, self.y = states, alpha, d, y
        self.reference, self.distance, self.kappa, self.f_out = reference, distance, kappa, f_out
        self.form = decoupling
        self.outer = outer or GaussianRule(*(HEAT_KERNEL_RULE if decoupling == "heat_kernel" else CHOLESKY_RULE))
        self.inner = inner

    def derived(self):
        return derived_ld(self.reference, self.distance, self.form, bool(self.b))

    def model(self):
        return {"alpha": float(self.alpha), "kappa": float(self.kappa), "b": self.b, "f_out": float(self.f_out),
                "y": float(self.y), "d": float(self.d), "Delta": self.states.spread}

    def parametrisation(self):
        return _param(self.distance, self.d, self.states.spread, self.form)

    def nodes(self):
        return _nodes(self.states, self.outer, self.inner or inner_rule(self.d, self.y))

    def solver_options(self):
        return {"inner_roots": True, "clamp": _clamp_conjugates if self.form == "cholesky" else None}

    def start(self, anchor=None):
        self.check_anchor(anchor)
        if (anchor or ("franz_parisi" if self.alpha > 0 else "alpha0")) == "franz_parisi":
            x0 = _initial_from_fp(self.states, self.alpha, self.d, self.distance, self.kappa, self.f_out, self.b)
        else:
            x0 = _alpha0_initial(self.states, self.d, self.distance)
        x0.setdefault("S", x0.get("Qt", 1.0) * (1 - 2 * self.d))
        x0.setdefault("lam", 1.0)
        return x0

    def observables(self, res):
        yphi, S_I = res.value, res.parts.get("dyPhi", math.nan)
        return {"S_I": S_I, "Sigma": yphi - self.y * S_I, "phi": yphi / self.y}

    def point(self, res, problem, note) -> LocalEntropyPoint:
        """The :class:`LocalEntropyPoint` of a solved iterator (the Cholesky form's covariance checked)."""
        if self.form == "cholesky" and _covariance_not_positive(res.conjugates):
            note = "conjugate covariance not positive (P̂ q̂0 < R̂²): no real Gaussian representation"
            res.converged = False
        return LocalEntropyPoint(d=float(self.d), y=float(self.y), saddle=res, note=note,
                                 jacobian=problem.jacobian, **self.observables(res))


def _walk_in_y(prob: FiniteYProblem, tol_residual: float, y_from: float, factor: float):
    """Reach y = ``prob.y`` from a cold start at ``y_from`` in steps of ×``factor`` (each rung warm-started by
    the previous one): the climb from y = 3 (×1.5) for large y, where a cold start rarely lands in the
    basin, and the descent from y = :data:`DESCEND_BELOW_Y` (×0.7) for small y.  Returns (last point,
    y reached); the caller solves at ``prob.y`` from it."""
    kw = dict(reference=prob.reference, distance=prob.distance, kappa=prob.kappa, f_out=prob.f_out, bias=prob.b,
              outer=prob.outer, inner=prob.inner, tol_residual=tol_residual, decoupling=prob.form)
    prev = solve_local_entropy(prob.states, prob.alpha, prob.d, y_from, **kw)
    yy = y_from
    while prev.converged and (yy * factor < prob.y if factor > 1 else yy * factor > prob.y):
        yy *= factor
        prev = solve_local_entropy(prob.states, prob.alpha, prob.d, yy, init=prev.saddle.params,
                                   jacobian=prev.jacobian, **kw)
    return prev, yy


def _rescue(prob: FiniteYProblem, problem, x0, jacobian, tol_residual, maxiter):
    """A cold start that missed the heat-kernel form's basin (excitatory(5), α = 0.55, d = 0.03, y = 3,
    from the Franz–Parisi start) is seeded by the Cholesky form's saddle point on the coarse
    :data:`SEED_RULE` (cheap; its own error, up to ~6e-4 in S_I, does not matter for a start); if that
    fails too, the full solve from the original start.  Returns (result, note suffix)."""
    seed = solve_local_entropy(prob.states, prob.alpha, prob.d, prob.y, reference=prob.reference,
                               distance=prob.distance, kappa=prob.kappa, f_out=prob.f_out, bias=prob.b,
                               outer=GaussianRule(*SEED_RULE), inner=prob.inner, tol_residual=tol_residual,
                               maxiter=0, decoupling="cholesky")
    res, seeded = None, ""
    if seed.converged:
        res = problem.solve(dict(seed.saddle.params), tol_residual=tol_residual, maxiter=maxiter,
                            newton_stall=NEWTON_STALL)
        seeded = " (started from the Cholesky form's saddle point: the cold start failed)"
    if res is None or not res.converged:
        res = problem.solve(x0, tol_residual=tol_residual, maxiter=maxiter, jacobian=jacobian,
                            newton_stall=NEWTON_STALL)
        seeded = ""
    return res, seeded


def solve_local_entropy(states: Union[str, StateSet], alpha: float, d: float, y: float, *,
                        reference: str = "solution", distance: str = "squared", kappa: float = 0.0,
                        f_out: float = 0.5, init: Optional[dict] = None,
                        outer: Optional[GaussianRule] = None, inner: Optional[AdaptiveGaussian] = None,
                        tol_residual: float = 1e-7, maxiter: int = 40, jacobian=None,
                        decoupling: str = "heat_kernel", newton_only: bool = False,
                        bias: Union[float, str] = 0.0) -> LocalEntropyPoint:
    """The finite-y saddle point at (α, d, y): S_I, Σ and Φ with diagnostics.

    ``bias`` b (a fixed number, shared by the reference and the replicas: one perceptron, one
    threshold) and ``f_out``: the output model of
    :func:`theory.functionals.large_deviation.biased_energetic`; at b = 0 f_out drops out.  ``"optimal"``:
    the b that maximises Φ(d, y) (:func:`_with_optimal_bias`; the point's ``params`` carry it as ``"b"``).

    ``init`` (e.g. a neighbouring point's ``saddle.params``) warm-starts the solver; by default it
    starts from the Franz–Parisi solution at the same (α, d) (or the α = 0 values when α = 0).
    ``newton_only`` (with ``init`` and ``jacobian``): a cheap continuation attempt, Newton–Broyden from
    ``init`` for at most :data:`PATH_NEWTON_MAXITER` iterations and nothing else.

    ``decoupling`` (physics.md §3.2): how the reference's field, correlated with the probes' field,
    is averaged.  ``"heat_kernel"`` (default): one outer field, the residual w of variance
    P̂ − R̂²/q̂0 (P − R²/q0 on the energetic side) averaged to first order,
    E_w F(x₀ + w) = F(x₀) + ½ var F''(x₀); it continues through the rank-one limit (var → 0 and
    below) that large y approaches.  ``"cholesky"``: the exact two-field average, which exists only
    while P̂ q̂0 ≥ R̂² (a point beyond is reported as not converged); it is the reference the
    heat-kernel form is checked against.  At nine points (binary, symmetric(3), excitatory(2, 4);
    y = 0.5 … 3; d = 0.02 … 0.2) the two agree to ≤ 2.5e-7 in S_I when the Cholesky form has the
    20 × 8 outer rule per axis (:data:`CHOLESKY_RULE`); the second-order term var² F⁽⁴⁾/8 moves S_I
    by 3e-7 … 7e-5 at excitatory(4), α = 0.65, d = 0.02, y = 4.5 … 15.  The point's ``note`` names
    the form.

    A cold start (no ``init``) at y ≤ :data:`CLIMB_ABOVE_Y` in the heat-kernel form that fails is
    seeded by the Cholesky form's saddle point on the coarse :data:`SEED_RULE` (a start only), then,
    if that fails too, solved again from the original start with every stage; the note says when the
    seed was used.  (Above it, the climb's first rung, y = 3, is such a cold start.)
    """
    states = parse_states(states)
    if bias == "optimal":
        return _with_optimal_bias(states, alpha, d, y, init, jacobian, dict(
            reference=reference, distance=distance, kappa=kappa, f_out=f_out, outer=outer, inner=inner,
            tol_residual=tol_residual, maxiter=maxiter, decoupling=decoupling, newton_only=newton_only))
    prob = FiniteYProblem(states, alpha, d, y, reference=reference, distance=distance, kappa=kappa,
                          f_out=f_out, decoupling=decoupling, outer=outer, inner=inner, bias=bias)
    if abs(y - UNIT_Y) < 1e-9:
        return solve_unit_y(prob, init=init, tol_residual=tol_residual, maxiter=maxiter, jacobian=jacobian)
    if not init and d < PATH_BELOW_D and (len(states.array) > 2 or y < UNIT_Y):
        return _cold_path_in_d(prob, tol_residual, maxiter)
    problem = prob.saddle()
    if init:
        x0 = dict(init)
        x0.setdefault("S", x0.get("Qt", 1.0) * (1 - 2 * d))
        x0.setdefault("lam", 1.0)
    elif y > CLIMB_ABOVE_Y or y < DESCEND_BELOW_Y:
        climb = y > CLIMB_ABOVE_Y
        prev, yy = _walk_in_y(prob, tol_residual, 3.0 if climb else DESCEND_BELOW_Y, 1.5 if climb else 0.7)
        if not prev.converged:
            stopped = LocalEntropyPoint(d=float(d), S_I=math.nan, Sigma=math.nan, phi=math.nan, y=float(y),
                                        saddle=prev.saddle,
                                        note=f"the {'climb' if climb else 'descent'} in y stopped at y={yy:g}")
            return _path_when_cold_fails(prob, stopped, tol_residual, maxiter)
        x0, jacobian = dict(prev.saddle.params), prev.jacobian
        x0.setdefault("S", x0.get("Qt", 1.0) * (1 - 2 * d))
        x0.setdefault("lam", 1.0)
    else:
        x0 = prob.start()
    if newton_only and init and jacobian is not None:
        res = problem.solve(x0, tol_residual=tol_residual, jacobian=jacobian, newton_first=True, newton_only=True,
                            newton_maxiter=PATH_NEWTON_MAXITER, newton_refresh=True)
        return prob.point(res, problem, f"decoupling {prob.form}; Newton from the start given")
    rescue = prob.form == "heat_kernel" and not init and DESCEND_BELOW_Y <= y <= CLIMB_ABOVE_Y
    # with a rescue available, the first attempt skips the long damped stage (maxiter=0), ~30 s
    res = problem.solve(x0, tol_residual=tol_residual, maxiter=0 if rescue else maxiter, jacobian=jacobian,
                        newton_stall=NEWTON_STALL)
    seeded = ""
    if rescue and not res.converged:
        res, seeded = _rescue(prob, problem, x0, jacobian, tol_residual, maxiter)
    point = prob.point(res, problem, f"decoupling {prob.form}{seeded}")
    if not point.converged and not init and prob.inner is None and not inner_rule(d, y).scan_points:
        point = _with_two_pass_rule(prob, point, x0, tol_residual, maxiter)
    return point if init else _path_when_cold_fails(prob, point, tol_residual, maxiter)


def _with_optimal_bias(states: StateSet, alpha: float, d: float, y: float, init: Optional[dict], jacobian,
                       kw: dict) -> LocalEntropyPoint:
    """The finite-y point with ``bias="optimal"``: one b for the reference and its y replicas, the one
    that maximises Φ(d, y) (:mod:`numerics.problems.optimal_bias`: a secant in b on the derived
    ``dyPhi_db`` = ∂(yΦ)/∂b, from the equilibrium optimum or a neighbour's b).  α = 0: no patterns, b = 0."""
    check_model(alpha, kw["kappa"], kw["f_out"], "optimal")
    if alpha == 0:
        return solve_local_entropy(states, alpha, d, y, init=init, jacobian=jacobian, **kw)

    def solve_at(b, start, jac):
        return solve_local_entropy(states, alpha, d, y, init=start, jacobian=jac, bias=b, **kw)

    return optimal_bias_point(solve_at, f_out=kw["f_out"], init=init, jacobian=jacobian, derivative="dyPhi_db",
                              start_b=partial(equilibrium_bias, states, alpha, kw["kappa"], kw["f_out"]), what="phi")


def _path_when_cold_fails(prob: FiniteYProblem, point: LocalEntropyPoint, tol_residual: float,
                          maxiter: int) -> LocalEntropyPoint:
    """A cold solve that failed, at a d away from the anchors (:data:`PATH_ANCHORS`): the path in d from
    the anchors (:func:`_cold_path_in_d`), whose point is returned where it converges; otherwise ``point``,
    the path's reason added to its note.  Binary, α = 0.6, d = 0.01, y = 0.5: the direct cold solve failed
    (68 s), where the cold point at d = 0.04 converges and a path in d reaches 0.01."""
    if (point.converged or prob.form != "heat_kernel"  # (not the Cholesky seed of a rescue)
            or min(abs(math.log(prob.d / da)) for da in PATH_ANCHORS) <= PATH_LOG_STEP):
        return point
    path = _cold_path_in_d(prob, tol_residual, maxiter)
    if path.converged:
        return path
    point.note += f"; then {path.note}"
    return point


def _cold_path_in_d(prob: FiniteYProblem, tol_residual: float, maxiter: int) -> LocalEntropyPoint:
    """A cold call below :data:`PATH_BELOW_D` (sets of more than two values), or one whose direct solve
    failed (:func:`_path_when_cold_fails`): the cold point at the first
    anchor distance of :data:`PATH_ANCHORS` where it converges, then a path in d down to ``prob.d``:
    each step Newton from the secant through the last two converged points in the solver's coordinates u
    (:func:`_param`, each point read at its own d) with the carried Jacobian, on a short step
    (:data:`PATH_FULL_BELOW`) then the full warm solve; the step in log d halved on a failure and grown
    by :data:`PATH_GROW` on a success (:func:`numerics.solver.continuation.continue_in_d`).  The note
    names the anchor and the number of solves; a path that stops names the last d it reached."""
    kw = dict(reference=prob.reference, distance=prob.distance, kappa=prob.kappa, f_out=prob.f_out, bias=prob.b,
              outer=prob.outer, inner=prob.inner, tol_residual=tol_residual, decoupling=prob.form)
    start = None
    for da in PATH_ANCHORS:
        start = solve_local_entropy(prob.states, prob.alpha, da, prob.y, maxiter=maxiter, **kw)
        if start.converged:
            break
    if not start.converged:
        return _unsolved(prob, f"no cold start converged at the anchor distances (the last, d = {da:g}: "
                               f"{start.message}): no path in d to follow")

    def frame(d):
        return _param(prob.distance, d, prob.states.spread, prob.form)

    reached = [start.d]

    def solve_at(dn, guess, jac):
        p = None
        if jac is not None:
            p = solve_local_entropy(prob.states, prob.alpha, dn, prob.y, init=guess, jacobian=jac, newton_only=True,
                                    **kw)
        if p is None or (not p.converged and abs(math.log(dn / reached[-1])) <= PATH_FULL_BELOW):
            p = solve_local_entropy(prob.states, prob.alpha, dn, prob.y, init=guess, jacobian=jac, maxiter=maxiter,
                                    **kw)
        if p.converged:
            reached.append(dn)
        return p

    res = continue_in_d(solve_at, start, prob.d, log_step=PATH_LOG_STEP, grow=PATH_GROW, budget_s=math.inf,
                        max_steps=PATH_MAX_STEPS, to_w=lambda x, d: frame(d).to_u(x),
                        from_w=lambda u, d: frame(d).from_u(u))
    if not res.reached:
        return _unsolved(prob, f"a path in d from the cold point at d = {start.d:g} converged down to "
                               f"d = {res.last_d:.6g} and no further ({res.reason}; the last failure: "
                               f"{res.point.message})")
    p = res.point
    p.note += f"; reached by a path in d from the cold point at d = {start.d:g} ({res.steps} solves)"
    return p


def _unsolved(prob: FiniteYProblem, why: str) -> LocalEntropyPoint:
    """A point with no saddle at ``prob``'s (d, y): not converged, S_I NaN, the reason in its note."""
    return LocalEntropyPoint(d=float(prob.d), S_I=math.nan, Sigma=math.nan, phi=math.nan, y=float(prob.y),
                             note=f"finite-y equations: no solution ({why})")


def _with_two_pass_rule(prob: FiniteYProblem, failed: LocalEntropyPoint, x0: dict, tol_residual: float,
                        maxiter: int) -> LocalEntropyPoint:
    """A cold call that failed with the one-pass inner rule (:func:`inner_rule`) is solved
    once more with the two-pass rule (:func:`inner_rule` below the threshold), from the failed solve's
    last iterate where it is finite, else from the start: symmetric(3), α = 0.6, d = 0.2, y = 3, failed
    with the one-pass rule after 104 s and converges this way in 118 s (binary, α = 0.5, d = 0.04,
    y = 1.001 failed both ways, in 139 s, before the two-pass rule became the default below y = 2; it
    converges with it in 21 s).  ``failed`` is returned when that fails too."""
    fine = FiniteYProblem(prob.states, prob.alpha, prob.d, prob.y, reference=prob.reference,
                          distance=prob.distance, kappa=prob.kappa, f_out=prob.f_out, bias=prob.b, decoupling=prob.form,
                          outer=prob.outer, inner=AdaptiveGaussian())
    problem = fine.saddle()
    last = dict(failed.saddle.params or {})
    start = last if last and all(math.isfinite(v) for v in last.values()) else x0
    res = problem.solve(start, tol_residual=tol_residual, maxiter=maxiter, newton_stall=NEWTON_STALL)
    if not res.converged:
        return failed
    return fine.point(res, problem, f"decoupling {prob.form} (the two-pass inner rule: the one-pass solve failed)")


def _covariance_not_positive(ch) -> bool:
    """P̂ q̂0 < R̂²: the Cholesky form's conjugate covariance has no real Gaussian representation."""
    return bool(ch) and ch.get("Ph", 0) * ch.get("q0h", 0) < ch.get("Rh", 0) ** 2


def _alpha0_initial(states, d, distance):
    p = np.exp(states.log_prior - np.logaddexp.reduce(states.log_prior))
    Q = float(p @ states.array**2)
    m2 = float(p @ states.array) ** 2
    S = Q - states.spread**2 * d / 2
    q1 = max(S * S / Q, m2 + 1e-3 * Q)
    return {"Qt": Q, "P": max(m2, 1e-6 * Q), "R": max(m2, 1e-6 * Q) * 0.999, "Q": Q, "q1": min(q1, 0.999 * Q),
            "q0": max(m2, 1e-6 * Q) * 1.001, "Sh": math.atanh(min(max(S / Q, -0.999), 0.999)) * 4 / states.spread**2}


def _secant_start(hist: list, d: float, distance: str, Delta: float, form: str) -> Optional[dict]:
    """The start at distance d predicted from the last two converged points of a curve: the secant in
    log d through their solver coordinates u (each read at its own d, the prediction read back at d:
    S, and with it the frame of R, q0, q1, moves with d).  None with fewer than two points or where the
    map fails.  (Binary, α = 0.6, y = 10 on d = 0.25 … 0.04: from the last point alone the warm solves
    took 130–180 iterations, 10–19 s each.)"""
    if len(hist) < 2:
        return None
    (p0, p1) = hist
    t0, t1, t = math.log(p0.d), math.log(p1.d), math.log(d)
    if abs(t1 - t0) < 1e-12:
        return None
    try:
        u0 = _param(distance, p0.d, Delta, form).to_u(p0.saddle.params)
        u1 = _param(distance, p1.d, Delta, form).to_u(p1.saddle.params)
        x = _param(distance, d, Delta, form).from_u(u1 + (u1 - u0) * (t - t1) / (t1 - t0))
    except (KeyError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return x if all(math.isfinite(v) for v in x.values()) else None


def local_entropy_curve(states, alpha: float, y: float, ds: Sequence[float], *, reference: str = "solution",
                        distance: str = "squared", kappa: float = 0.0, f_out: float = 0.5, sweep: str = "down",
                        init: Optional[dict] = None, jacobian=None, bias: float = 0.0, **kw) -> LocalEntropyCurve:
    """S_I(d), Σ(d) at fixed (α, y) by continuation in d (warm starts between neighbours).

    ``sweep="down"`` goes from the largest d to the smallest, ``"up"`` the other way; ``"both"``
    does both and keeps, at each d, the converged point with the larger Φ (so that a second branch
    shows up as a disagreement between the sweeps, reported in the points' notes).  ``init`` and
    ``jacobian`` warm-start the first point of each sweep (e.g. from a neighbouring α).

    Each later point: Newton alone from the secant prediction (with the carried Jacobian), then the full
    solve from the previous point, then a cold call.  (Binary, α = 0.6, y = 3, d = 0.3, 0.2, 0.1, 0.05: the
    full solve from the prediction spent 447 iterations, 41 s, failing at d = 0.1; the curve took 64 s,
    now 28 s.)  ``bias="optimal"``: each point its own b (:func:`_with_optimal_bias`), warm from its
    neighbour's.
    """
    states = parse_states(states)
    ds = [float(d) for d in ds]
    for d in ds:
        check_distance(d, distance)
    if y == math.inf:
        # the y → ∞ equations (numerics.problems.large_y); the extrapolated finite-y ladders, their check,
        # are numerics.problems.extrapolation.local_entropy_curve_inf
        from .large_y import large_y_curve
        if bias:
            kw = {**kw, "bias": bias, "f_out": f_out}
        return large_y_curve(states, alpha, ds, distance=distance, kappa=kappa,
                             sweep="up" if sweep == "up" else "down", init=init, jacobian=jacobian,
                             **{k: v for k, v in kw.items() if k in ("outer", "shift", "tol_residual", "maxiter", "bias", "f_out")})

    first = (init, jacobian)
    form = kw.get("decoupling", "heat_kernel")

    def solve(d, **start):
        return solve_local_entropy(states, alpha, d, y, reference=reference, distance=distance, kappa=kappa,
                                   f_out=f_out, bias=bias, **start, **kw)

    def run(order):
        pts, (init, jac), hist = {}, first, []
        for i in order:
            start = _secant_start(hist, ds[i], distance, states.spread, form) if abs(y - UNIT_Y) >= 1e-9 else None
            p = None
            if start is not None and jac is not None and "newton_only" not in kw and bias != "optimal":
                p = solve(ds[i], init=start, jacobian=jac, newton_only=True)
                p = p if p.converged else None
            if p is None:
                p = solve(ds[i], init=init, jacobian=jac)
            if not p.converged and init is not None:
                p2 = solve(ds[i])
                if p2.converged:
                    p = p2
            pts[i] = p
            if p.converged:
                init, jac = p.saddle.params, p.jacobian
                hist = (hist + [p])[-2:]
        return pts

    idx = list(np.argsort(ds))
    if sweep == "up":
        pts = run(idx)
    elif sweep == "down":
        pts = run(idx[::-1])
    elif sweep == "both":
        a, b = run(idx), run(idx[::-1])
        pts = {}
        for i in idx:
            pa, pb = a[i], b[i]
            best = pa if (pa.converged and (not pb.converged or pa.phi >= pb.phi)) else pb
            if pa.converged and pb.converged and abs(pa.S_I - pb.S_I) > 1e-6:
                best.note = f"two branches: S_I = {pa.S_I:.6g} (upward sweep) and {pb.S_I:.6g} (downward)"
            pts[i] = best
    else:
        raise ValueError(f"sweep must be 'up', 'down' or 'both', got {sweep!r}")
    return LocalEntropyCurve.from_points([pts[i] for i in range(len(ds))], y=float(y), alpha=float(alpha),
                                         states=states.name, reference=reference, distance=distance)
