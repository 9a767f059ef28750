"""Local entropy at y → ∞: the saddle point of φ∞ (:mod:`theory.functionals.large_y`).

    S_I(d, y → ∞) = φ∞ = extr [G_T + G_S + α G_E]      (per unit y; Σ is not given at this order)

Unknowns and parametrisation (every value in its domain by construction):

    Q̃ = e^{a},  Q = e^{c},  q1 = Q expit(e),  δq = e^{f},  and the free conjugate of the distance
    constraint, Ŝ (squared) or λ (Hamming), solved by an inner root in the damped sweeps.

The conjugates follow from the energetic step (Â, Q̂, q̂1, δ̂ from the order parameters), the order
parameters from the entropic one, as at finite y.  Maximisations use
:class:`~numerics.solver.quadrature.Maximiser` nodes (exact over the synaptic values of W̃, grid plus
parabolic refinement over the real shifts u, v); the outer Gaussian uses the composite rule of
:mod:`numerics.solver.quadrature` with panel edges where its integrands are not smooth: at every field z
where the reference's best value W̃ switches (:func:`reference_switches`; a kink of G_S's integrand,
a jump of the derived ones) and graded towards the turn of log H at z₀ = κ/√q1.  Without the
switch edges the excitatory and symmetric(L ≥ 5) sets stall at residuals ~1e-4 (their switches lie
away from z = 0, the only switch of binary and symmetric(3) synapses).

The result is accepted as the y → ∞ limit of the finite-y theory only where it agrees with the
finite-y ladders extrapolated in y (:func:`numerics.problems.extrapolation.check_against_ladder`, physics.md §3.2); for binary
synapses at α = 0.5, d = 0.1 they agree to 2e-4 (see tests/test_large_y.py).
"""
from __future__ import annotations

import copy
import math
from functools import lru_cache, partial
from typing import Callable, Optional, Sequence, Tuple, Union

import numpy as np
from scipy.special import expit, logit

from theory import recipes
from theory.compile import CompiledSet
from theory.states import StateSet, parse_states

from .equilibrium import check_model
from .optimal_bias import equilibrium_bias, optimal_bias_point
from .protocol import SaddleBacked
from .results import LocalEntropyCurve, LocalEntropyPoint, check_distance
from ..solver.continuation import SecantPredictor, candidate_starts, continue_in_d, secant_zero
from ..solver.quadrature import GaussianRule, Maximiser
from ..solver.saddle import Parametrisation, SaddleProblem, SaddleResult
from ..solver.work_clock import CLOCK, sweep_cost

__all__ = ["derived_large_y", "solve_large_y", "large_y_curve", "slope", "near_branch_end",
           "reference_switches", "walk_to_branch_end"]

_z1, _Wt, _Wt0, _u, _W, _v = "z1", "Wt", "Wt0", "u", "W", "v"  # bound variables of the functional, by name


@lru_cache(maxsize=None)
def derived_large_y(distance: str = "squared", biased: bool = False):
    """Derived and compiled y → ∞ equations (a few seconds, once per process), with the slope
    ``dS_dd`` = ∂φ∞/∂d at fixed unknowns, which at the saddle point is dS_I/dd (envelope theorem;
    for the squared distance it is Δ²Ŝ/2, so S_I grows with d exactly where Ŝ > 0)."""
    return recipes.derived("large_y", (distance, biased), partial(_functional, distance, biased), __file__)


def _functional(distance: str, biased: bool):
    """(functional, extra expressions) of :func:`derived_large_y` (sympy)."""
    import sympy as sp

    from theory.functionals.large_y import SYMBOLS_INF, large_y

    F = large_y(distance, biased)
    extra = {"dS_dd": sp.diff(F.value, SYMBOLS_INF["d"])}
    if biased:  # ∂φ∞/∂b at fixed unknowns: at the saddle point dφ∞/db (envelope), 0 at the optimal bias
        extra["dPhi_db"] = sp.diff(F.value, SYMBOLS_INF["b"])
    return F, extra


@lru_cache(maxsize=None)
def _compiled_objective(distance: str) -> CompiledSet:
    """The reference's objective and its z-derivative (differentiated by sympy, as the equations)."""
    return recipes.compiled("reference_objective", (distance,), partial(_objective, distance), __file__)


def _objective(distance: str):
    """(expressions, bound variables) of :func:`_compiled_objective` (sympy)."""
    import sympy as sp

    from theory.functionals.large_y import SYMBOLS_INF, reference_objective

    f = reference_objective(distance)
    z1 = SYMBOLS_INF["z1"]
    return {"f": f, "fz": sp.diff(f, z1)}, tuple(SYMBOLS_INF[n] for n in ("z1", "Wt", "Wt0", "u", "W"))


def reference_switches(states: StateSet, vals: dict, distance: str = "squared", shift: Optional[Maximiser] = None,
                       z_max: float = 8.0, grid: int = 65, xtol: float = 1e-12, warm=None) -> np.ndarray:
    """The fields z at which the reference's best value W̃ (the argmax of
    :func:`theory.functionals.large_y.reference_objective`) switches, in [−z_max, z_max].

    There G_S's integrand has a kink and the derived integrands a jump, which a quadrature rule
    without a panel edge at that z integrates to O(h²) and O(h) only, and which moves across its
    nodes as the parameters move (noise in the residuals, ~1e-4 for excitatory(3) at small d).  For
    symmetric sets the ± switch is at z = 0, an edge of the default rule; for the others (excitatory
    sets, the 0 ↔ ±1/L switches of symmetric(L ≥ 5)) the switches lie elsewhere and move.

    Method: the objective on a uniform grid of ``grid`` points; a bracket wherever the argmax
    changes between neighbours; the root of g = f_a − f_c in each bracket by Newton's method with
    the derived ∂f/∂z (all brackets at once, bisection where a step leaves the bracket), started at
    the linear interpolant, to ``xtol``.  A bracket whose root is dominated by a third value b is
    split in two (a → b → c within one grid step).

    ``warm``: the switches found at nearby parameters (the previous sweep's; :func:`_nodes` keeps
    them).  The objective and its z-derivative at those fields are then evaluated in the same call
    as the grid, and a bracket holding exactly one of them starts Newton there, one step already
    taken (:func:`_warm_starts`): the roots move little between sweeps (1e-6 in a finite-difference
    Jacobian), so one further evaluation meets ``xtol`` where the cold Newton took three
    (symmetric(3), α = 0.8, d = 0.02: 4.2 → 2.6 ms of a 12 ms sweep).  The grid is always scanned:
    a switch that appears or vanishes is found as before."""
    if _odd_pair(states):  # two values ±s with equal weights: the objective of +s at z is that of −s at −z
        return np.array([0.0])
    C = _compiled_objective(distance)
    wt = np.asarray(states.array, dtype=float)
    nodes = {_Wt: (wt, np.zeros_like(wt)), _Wt0: Maximiser(values=tuple(float(s) for s in states.array)),
             _u: shift or shift_maximiser(states), _W: (states.array, states.log_prior)}

    def f(z, deriv=True):
        z = np.atleast_1d(np.asarray(z, dtype=float))
        out = C(vals, {**nodes, _z1: (z, np.zeros_like(z))}, names=["f", "fz"] if deriv else ["f"])
        shape = (z.size, wt.size)
        return (np.broadcast_to(np.asarray(out["f"], float).reshape(-1, wt.size), shape),
                np.broadcast_to(np.asarray(out["fz"], float).reshape(-1, wt.size), shape) if deriv else None)

    zg = np.linspace(-z_max, z_max, grid)
    prev = np.asarray(warm if warm is not None else (), dtype=float).reshape(-1)
    prev = prev[np.isfinite(prev) & (np.abs(prev) < z_max)]
    if prev.size:
        F, D = f(np.concatenate([zg, prev]))
        F, Fw, Dw = F[:grid], F[grid:], D[grid:]
    else:
        F, _ = f(zg, deriv=False)
    if not np.all(np.isfinite(F)):
        return np.empty(0)
    found, work = _grid_switches(zg, F)
    if prev.size:
        work = _warm_starts(work, prev, Fw, Dw)
    return np.array(sorted(found + _refine_switches(f, work, xtol)))


def _warm_starts(work: list, prev: np.ndarray, F: np.ndarray, D: np.ndarray) -> list:
    """The brackets ``work`` of :func:`_grid_switches`, each holding exactly one of the previous
    switches ``prev`` given a start for :func:`_refine_switches`: one Newton step from that switch
    (g = f_a − f_c and its derivative from the rows ``F``, ``D`` at ``prev``), where it stays in the
    bracket and a and c are the best values there (no third value b between them)."""
    out = []
    for lo, hi, a, c, glo, ghi, *_ in work:
        inside = np.nonzero((prev > lo) & (prev < hi))[0]
        start = None
        if inside.size == 1:
            k = inside[0]
            row = F[k]
            g, dg = row[a] - row[c], D[k, a] - D[k, c]
            if (np.all(np.isfinite(row)) and row.max() - max(row[a], row[c]) < 1e-12 and np.isfinite(g)
                    and np.isfinite(dg) and dg < 0):
                t = prev[k] - g / dg
                start = float(t) if lo <= t <= hi else None
        out.append((lo, hi, a, c, glo, ghi, start))
    return out


def _odd_pair(states: StateSet) -> bool:
    """Two values ±s with equal prior weights (binary synapses): the reference's objective is even
    under (W̃, z) → (−W̃, −z) and its best value switches at z = 0 only, for every parameter value, so
    :func:`reference_switches` returns [0] without evaluating it (a fifth of a sweep's time)."""
    w, lp = np.asarray(states.array, dtype=float), np.asarray(states.log_prior, dtype=float)
    return len(w) == 2 and w[0] == -w[1] and lp[0] == lp[1]


def _grid_switches(zg: np.ndarray, F: np.ndarray):
    """The brackets [z_i, z_i+1] of the grid ``zg`` where the argmax of the objective's rows ``F``
    changes, as (lo, hi, a, c, g(lo), g(hi)) with g = f_a − f_c; a switch exactly at a grid point
    (z = 0 for symmetric sets, by symmetry) is decided from the grid's row (Newton would stop there at
    once, g vanishing at its start).  Returns (the switches found, the brackets left to refine)."""
    k = np.argmax(F, axis=1)
    j = np.nonzero(k[:-1] != k[1:])[0]
    found, rest = [], []
    for i in j:
        lo, hi, a, c = zg[i], zg[i + 1], k[i], k[i + 1]
        glo, ghi = F[i, a] - F[i, c], F[i + 1, a] - F[i + 1, c]
        with np.errstate(all="ignore"):
            t = (lo * ghi - hi * glo) / (ghi - glo) if glo != ghi else 0.5 * (lo + hi)
        row = i if glo == 0 and t == lo else i + 1 if ghi == 0 and t == hi else None
        if row is not None and (np.argmax(F[row]) in (a, c) or F[row].max() - max(F[row, a], F[row, c]) < 1e-12):
            found.append(float(t))
        else:
            rest.append((lo, hi, a, c, glo, ghi))
    return found, rest


def _refine_switches(f, work: list, xtol: float) -> list:
    """The roots of g = f_a − f_c in the brackets ``work`` (from :func:`_grid_switches`): Newton's
    method with the derived ∂f/∂z, all brackets at once, bisection where a step leaves its bracket,
    started at the linear interpolant (or at the bracket's warm start, its seventh entry, from
    :func:`_warm_starts`), to ``xtol``; a bracket whose root is dominated by a third value b is split
    in two (a → b → c within one grid step), for at most four rounds."""
    found = []
    with np.errstate(invalid="ignore"):  # −inf − (−inf) where a value's objective is −inf (far from the
        # solution, e.g. a path's candidate start): NaN, which no comparison below takes for a root
        _refine_rounds(f, work, xtol, found)
    return found


def _refine_rounds(f, work: list, xtol: float, found: list) -> None:
    """The rounds of :func:`_refine_switches`, the roots appended to ``found``."""
    for _ in range(4):
        if not work:
            break
        lo, hi, a, c, glo, ghi = (np.array(col) for col in list(zip(*work))[:6])
        start = np.array([w[6] if len(w) > 6 and w[6] is not None else np.nan for w in work])
        a, c = a.astype(int), c.astype(int)
        r = np.arange(len(work))
        with np.errstate(all="ignore"):
            t = np.where(glo != ghi, (lo * ghi - hi * glo) / (ghi - glo), 0.5 * (lo + hi))
            t = np.where(np.isfinite(start), start, t)  # a warm start (:func:`_warm_starts`)
        for _ in range(30):
            t = np.where(np.isfinite(t) & (t >= lo) & (t <= hi), t, 0.5 * (lo + hi))
            Ft, Dt = f(t)
            g, dg = Ft[r, a] - Ft[r, c], Dt[r, a] - Dt[r, c]
            right = g > 0  # g falls through its root (a wins on the left): the root lies right of t
            lo, hi = np.where(right, t, lo), np.where(right, hi, t)
            with np.errstate(all="ignore"):
                step = np.where(dg < 0, -g / dg, np.nan)
            done = np.isfinite(step) & (np.abs(step) < xtol)
            if np.all(done | (g == 0) | (hi - lo < xtol)):
                break
            t = t + step  # NaN (no usable Newton step) becomes the bracket's midpoint above
        b = np.argmax(Ft, axis=1)
        nxt = []
        for i in range(len(work)):
            if b[i] in (a[i], c[i]) or Ft[i, b[i]] - max(Ft[i, a[i]], Ft[i, c[i]]) < 1e-12:
                found.append(float(t[i]))
            else:  # a → b → c: two brackets, their ends' differences from the evaluation at t
                l0, h0 = work[i][0], work[i][1]
                Fl, _ = f([l0, h0], deriv=False)
                nxt += [(l0, float(t[i]), a[i], b[i], Fl[0, a[i]] - Fl[0, b[i]], Ft[i, a[i]] - Ft[i, b[i]]),
                        (float(t[i]), h0, b[i], c[i], Ft[i, b[i]] - Ft[i, c[i]], Fl[1, b[i]] - Fl[1, c[i]])]
        work = nxt


# δq above which G_E's rule gets panel edges at the turn of its shift v (:func:`_nodes`)
TAIL_BREAK_DQ = 1e3


def _nodes(states: StateSet, outer: GaussianRule, shift: Maximiser, distance: str = "squared",
           switches: bool = True, energetic_shift: Optional[Maximiser] = None):
    """Nodes of every bound variable.  The outer rule gets

    * panel edges graded towards z₀ = κ/√q1 on the scale √((Q − q1)/q1) (G_E: for z > z₀ the
      argument of log H falls on that scale while the shift v stays ~0; at small d, Q − q1 → 0 and
      the plain rule's error in Q̂, δ̂ reached 1e-6 for excitatory(3) at d = 0.01), whenever q1, Q
      are known; and for δq > :data:`TAIL_BREAK_DQ`, edges graded on the scale w/x_c towards
      z_t = z₀ + x_c w, x_c = √(2 log δq), w = √((Q − q1)/q1): there the maximiser v of G_E turns
      from ~0 (log H ≈ 0 already) to the tail balance v/δq = G/H(x)/√(Q − q1), x ≈ −x_c, a
      feature of width ~w/x_c (binary, α = 0.5, d = 0.0016, δq ~ 1e13: without these edges the
      δq equation carried a quadrature error of 4e-5, relative);
    * in the steps that integrate G_S, a panel edge at each switch of the reference's best value
      (:func:`reference_switches`, warm from the switches of the previous call: the one piece of
      state, so a solve's numbers depend on the sequence of its sweeps only, as before, to ~1e-13)."""
    w = (states.array, states.log_prior)
    ref = Maximiser(values=tuple(float(s) for s in states.array))
    last = [None]  # the switches of the previous entropic or full step

    def nodes(vals, step):
        breaks, widths = [], []
        Q, q1 = vals.get("Q"), vals.get("q1")
        if Q is not None and q1 is not None and 0 < q1 < Q:
            kappa, b = vals.get("kappa", 0.0), vals.get("b", 0.0)
            scale = math.sqrt((Q - q1) / q1)
            for margin in ((kappa - b, kappa + b) if b else (kappa,)):  # one per label with a bias
                z0 = margin / math.sqrt(q1)
                breaks.append(z0)
                widths.append(scale)
                dq = vals.get("dq")
                if dq is not None and dq > TAIL_BREAK_DQ:
                    xc = math.sqrt(2 * math.log(dq))
                    breaks.append(z0 + xc * scale)
                    widths.append(scale / xc)
        if switches and step != "energetic":
            t = reference_switches(states, vals, distance, shift, z_max=min(8.0, outer.z_max), warm=last[0])
            last[0] = t
            breaks += list(t)
            widths += [math.inf] * len(t)
        return {_z1: outer.nodes(breaks, widths), _Wt: ref, _Wt0: ref, _u: shift, _W: w, _v: energetic_shift or shift}

    return nodes


def _param(distance: str) -> Parametrisation:
    """Unknowns of the iterator: Q̃, Q, q1, δq and the free conjugate of the distance constraint, Ŝ
    (squared) or λ (Hamming)."""
    extra = ["Sh"] if distance == "squared" else ["lam"]
    names = ["Qt", "Q", "q1", "dq"] + extra
    eps = 1e-13

    def to_u(x):
        e = min(max(x["q1"] / x["Q"], eps), 1 - eps)
        return np.array([math.log(x["Qt"]), math.log(x["Q"]), float(logit(e)), math.log(x["dq"])]
                        + [float(x[n]) for n in extra])

    def from_u(u):
        Q = math.exp(min(u[1], 700))
        x = {"Qt": math.exp(min(u[0], 700)), "Q": Q, "q1": Q * float(expit(u[2])),
             "dq": math.exp(min(u[3], 700))}
        x.update({n: float(v) for n, v in zip(extra, u[4:])})
        return x

    return Parametrisation(names, to_u, from_u)


def _initial(states: StateSet, d: float, distance: str) -> dict:
    """A start near the α → 0 solution: the reference at the centre of a ball of radius d."""
    p = np.exp(states.log_prior - np.logaddexp.reduce(states.log_prior))
    Q = float(p @ states.array**2)
    S = Q - states.spread**2 * d / 2
    x = {"Qt": Q, "Q": Q, "q1": min(max(S * S / Q, 0.05 * Q), 0.95 * Q), "dq": 1.0}
    if distance == "hamming":
        x["lam"] = math.log((1 - d) / d)
    else:
        x["Sh"] = math.atanh(min(max(S / Q, -0.999), 0.999)) * 2 / max(Q, 1e-3)
    return x


class _OutOfTime(RuntimeError):
    """Raised by :class:`_TimedSaddle` past its deadline (not one of the solver's caught failures)."""


class _TimedSaddle(SaddleProblem):
    """The iterator with a ``deadline`` on the work clock (:mod:`numerics.solver.work_clock`: each
    sweep advances it by ``sweep_s``, the estimated cost of one sweep on an idle core, so budgets give
    the same route and the same numbers on any machine load): a sweep past the deadline raises
    :class:`_OutOfTime`, which ends the solve (:meth:`LargeYProblem.point` then returns None).  Used
    raw, it is the former solver."""

    deadline = math.inf
    sweep_s = 0.0

    def sweep(self, x):
        if CLOCK.now() > self.deadline:
            raise _OutOfTime("past the deadline of the solve")
        return super().sweep(x)

    def _raw_sweep(self, x):
        CLOCK.tick(self.sweep_s)  # every evaluation of the map (an inner root makes ~10-50 per sweep)
        return super()._raw_sweep(x)


class _ScaledSaddle(_TimedSaddle):
    """The iterator with every residual in the units of its own unknown.

    The unknowns of the y → ∞ equations span many scales as d → 0 (physics.md §3.2): δq grows like
    exp(c/d) for binary synapses (1e5 at d = 0.004, 1e21 at d = 0.001 for α = 0.5), Q − q1 and the
    distance itself are O(d).  Raw residuals δq' − δq or ∂Φ/∂q̂1 = ½(δq' − δq) carry the rounding of
    their O(δq) terms, so a raw tolerance of 1e-9 stops being reachable near δq ~ 1e5 (where today's
    points stopped converging).  Here

    * Newton's residual is the fixed-point map in the coordinates u of the parametrisation,
      u(x') − u(x): relative changes of Q̃, Q, δq, the change of logit(q1/Q) (q1 in units of Q − q1);
      the free conjugate's equation (the distance constraint) is divided by the size of the
      distance in its own units, Δ²d/2 (squared: an overlap) or d (Hamming);
    * the reported ``residual`` is the same measure for the stationarity equations of the saddle
      point: 2|∂Φ/∂x̂| / |∂x/∂u| for the conjugate x̂ whose equation updates x (Â → Q̃, Q̂ → Q,
      q̂1 → δq, δ̂ → q1), |∂Φ/∂x|·|∂x/∂u| for the order parameters, and the distance constraint as
      above.  ``converged`` is that residual below the tolerance (the step of the last iteration is
      the same quantity); the raw max |∂Φ/∂θ| is given in the message."""

    EQUATION_OF = {"Ath": "Qt", "Qh": "Q", "q1h": "dq", "dh": "q1"}

    def _constraint_scale(self) -> float:
        d = self.model["d"]
        return 0.5 * self.model["Delta"] ** 2 * d if "Sh" in self.param.names else d

    def _residual_u(self, u):
        try:
            x = self.param.from_u(u)
            xnew, _, res = self.sweep(x)
            un = np.asarray(self.param.to_u({**x, **xnew}), dtype=float)
        except (ValueError, OverflowError, ZeroDivisionError):
            return np.full(len(u), 1e6)
        k = len(self.order_names)
        c = self._constraint_scale()
        r = np.concatenate([un[:k] - np.asarray(u, dtype=float)[:k],
                            [res[n] / c for n in self.extra_names + self.inner]])
        return r if np.all(np.isfinite(r)) else np.full_like(r, 1e6)

    def residual_in_u(self, x, grad) -> float:
        Q, q1 = x["Q"], x["q1"]
        scale = {"Qt": x["Qt"], "Q": Q, "q1": q1 * (Q - q1) / Q, "dq": x["dq"]}
        c = self._constraint_scale()
        r = [0.0]
        for name, g in grad.items():
            if name in self.EQUATION_OF:
                r.append(2 * abs(g) / scale[self.EQUATION_OF[name]])
            elif name in scale:
                r.append(abs(g) * scale[name])
            else:  # the free conjugate: the distance constraint
                r.append(abs(g) / c)
        out = max(r)
        return out if math.isfinite(out) else math.inf

    def _result(self, x, step, iterations, msg, tol, tol_residual):
        r = super()._result(x, step, iterations, msg, tol, tol_residual)
        raw, scaled = r.residual, r.residual_u
        r.converged = bool(math.isfinite(r.value) and scaled < tol_residual)
        r.residual = scaled
        if r.converged:
            r.message = (f"converged: residual {scaled:.3g} (each equation in the units of its unknown; "
                         f"raw max |dPhi/dtheta| {raw:.3g})")
        else:
            r.message = (f"not converged: residual {scaled:.3g} (tol {tol_residual:g}; each equation in the units of "
                         f"its unknown; raw max |dPhi/dtheta| {raw:.3g})" + (f" [{msg.strip('; ')}]" if msg else ""))
        return r


# the maximiser of the energetic shift v: at large δq the maximum over v is flat (−v²/2δq against the
# tail of log H) and the default 7 passes leave δ̂ wrong by 1e-3 relative at δq = 1e5 and by a factor
# 2 at δq = 1e40 (binary, α = 0.5, d = 0.0043; against 2049 coarse points and 14 passes); 16 passes
# agree with that to 1e-9 up to δq = 1e40, for 30 % more time in the energetic step
ENERGETIC_SHIFT = Maximiser(passes=16)


def shift_maximiser(states: StateSet) -> Maximiser:
    """The maximiser of G_S's scaled shift u (:func:`theory.functionals.large_y.reference_objective`):
    its argmax is a mean of W, inside [min W, max W], so the grid spans ±1.25 max|W| (65 points, the
    default seven passes).  The objective there is of order one with curvature of order one for every
    δ̂, which is what keeps the q1 equation accurate as δ̂ → 0."""
    return Maximiser(half_width=1.25 * float(np.max(np.abs(states.array))), coarse_points=65)


class LargeYProblem(SaddleBacked):
    """The y → ∞ saddle point at (α, d) as a :class:`~numerics.problems.protocol.Problem`.

    Unknowns and residuals: :func:`_param` and :class:`_ScaledSaddle`.  Anchors: ``"ball"`` (the
    reference at the centre of a ball of radius d, the overlaps of α → 0, δq = 1) and ``"alpha0"``
    (the exact α = 0 single-site solution of :func:`numerics.problems.large_y_path.alpha0_solution`
    with δq = 1 and Q̃ kept ≥ Q/20, since the α = 0 reference of symmetric sets sits at Q̃ = 0)."""

    name = "large_y"
    anchors = ("ball", "alpha0")

    def __init__(self, states, alpha: float, d: float, *, distance: str = "squared", kappa: float = 0.0,
                 outer: Optional[GaussianRule] = None, shift: Optional[Maximiser] = None, switches: bool = True,
                 bias: float = 0.0, f_out: float = 0.5):
        self.states = parse_states(states)
        self.alpha, self.d, self.distance, self.kappa = float(alpha), float(d), distance, float(kappa)
        self.outer, self.shift, self.switches = outer or GaussianRule(24, 8), shift, switches
        # output bias b and coding level f_out (b = 0: the unbiased functional, f_out drops out)
        self.b, self.f_out = float(bias), float(f_out)

    def at(self, d: float) -> "LargeYProblem":
        """The same problem at another distance."""
        return LargeYProblem(self.states, self.alpha, d, distance=self.distance, kappa=self.kappa, outer=self.outer,
                             shift=self.shift, switches=self.switches, bias=self.b, f_out=self.f_out)

    def memo_key(self) -> tuple:
        """What identifies the problem up to d (the key of :data:`numerics.problems.large_y_path.MEMO`)."""
        return (tuple(self.states.array), tuple(self.states.log_prior), self.distance, self.kappa, self.alpha,
                self.outer, self.shift, self.switches) + ((self.b, self.f_out) if self.b else ())

    def derived(self):
        return derived_large_y(self.distance, bool(self.b))

    def model(self) -> dict:
        m = {"alpha": self.alpha, "kappa": self.kappa, "d": self.d, "Delta": self.states.spread}
        return {**m, "b": self.b, "f_out": self.f_out} if self.b else m

    def parametrisation(self) -> Parametrisation:
        return _param(self.distance)

    def nodes(self):
        return _nodes(self.states, self.outer, self.shift or shift_maximiser(self.states), self.distance, self.switches,
                      energetic_shift=self.shift or ENERGETIC_SHIFT)

    def solver_options(self) -> dict:
        return {"inner_roots": True}

    def saddle(self) -> _ScaledSaddle:
        sp_ = _ScaledSaddle(self.derived(), self.nodes(), self.parametrisation(), self.model(), **self.solver_options())
        sp_.sweep_s = sweep_cost(len(self.states.array))
        return sp_

    def start(self, anchor: Optional[str] = None) -> dict:
        self.check_anchor(anchor)
        if anchor == "alpha0":
            from .large_y_path import alpha0_solution

            a0 = alpha0_solution(self.states, self.d, self.distance)
            x = {k: v for k, v in a0.params.items()}
            x["Qt"] = max(x["Qt"], 0.05 * x["Q"])
            x["q1"] = min(max(x["q1"], 0.05 * x["Q"]), 0.999 * x["Q"])
            x["dq"] = 1.0
            return x
        return _initial(self.states, self.d, self.distance)

    def path_coordinates(self, scaled: bool = True, log_conjugate: bool = False):
        """(to_w, from_w): the solver's coordinates u with d·log δq in place of log δq (``scaled``; u
        itself otherwise), the variables a path in d extrapolates (physics.md §3.2: d·log δq stays of
        order one for binary synapses, where δq grows like exp(c/d); for sets where δq grows like a
        power of 1/d, log δq is the straighter one).  ``log_conjugate``: the log of the distance's
        conjugate (Ŝ or λ) in place of itself, for sets where it grows like a power of 1/d (Ŝ ≈ 45 at
        d = 0.005, symmetric(8), α = 0.17), where binary synapses have Ŝ ≈ ½ log(1/d); ValueError
        where it is not positive."""
        P = self.parametrisation()
        k = 1.0

        def to_w(x, d):
            w = np.array(P.to_u(x), dtype=float)
            w[3] *= d if scaled else k
            if log_conjugate:
                w[4] = math.log(w[4])
            return w

        def from_w(w, d):
            u = np.array(w, dtype=float)
            u[3] /= d if scaled else k
            if log_conjugate:
                u[4] = math.exp(min(u[4], 700.0))
            return P.from_u(u)

        return to_w, from_w

    def observables(self, res) -> dict:
        return {"S_I": res.value, "slope": float(res.parts.get("dS_dd", math.nan))}

    def point(self, init: Optional[dict] = None, jacobian=None, *, anchor: Optional[str] = None,
              newton_only: bool = False, tol_residual: float = 1e-7, maxiter: int = 400,
              newton_maxiter: int = 15, scaled: bool = True, budget_s: float = math.inf,
              newton_tol: Optional[float] = None) -> Optional[LocalEntropyPoint]:
        """One solve (from ``init`` or the ``anchor``) as a LocalEntropyPoint; ``newton_only`` with
        ``init`` and ``jacobian``: at most ``newton_maxiter`` Newton iterations, nothing else.
        ``scaled=False`` solves with the raw residuals of :class:`SaddleProblem` (the former solver),
        abandoned after ``budget_s`` seconds: then the result is None (no point to report).
        ``newton_tol``: Newton's target is 1e2 times it (default :data:`NEWTON_TOL`); the point's
        verdict is always ``tol_residual`` on the gradient."""
        deadline = CLOCK.now() + budget_s
        if not scaled:
            problem = _TimedSaddle(self.derived(), self.nodes(), self.parametrisation(), self.model(),
                                   **self.solver_options())
            problem.deadline, problem.sweep_s = deadline, sweep_cost(len(self.states.array))
            try:
                res = problem.solve(dict(init) if init else self.start(anchor), tol_residual=tol_residual,
                                    maxiter=maxiter, jacobian=jacobian, newton_first=True,
                                    newton_maxiter=newton_maxiter)
            except _OutOfTime:
                return None
            return LocalEntropyPoint(d=self.d, S_I=res.value, Sigma=math.nan, phi=res.value, y=math.inf, saddle=res,
                                     note="y → ∞ equations (leading order in 1/y); Σ not given at this order",
                                     jacobian=problem.jacobian)
        # Newton's target 1e2·tol = 1e-8 on the scaled residuals: their noise floor (quadrature, the
        # maximisers) is ~1e-9 (binary, α = 0.5, d = 0.03), where a target of 1e-9 stalls
        problem = self.saddle()
        problem.deadline = deadline
        try:
            res = problem.solve(dict(init) if init else self.start(anchor), tol=newton_tol or NEWTON_TOL,
                                tol_residual=tol_residual,
                                maxiter=maxiter, jacobian=jacobian, newton_first=True,
                                newton_only=newton_only and init is not None and jacobian is not None,
                                newton_maxiter=newton_maxiter)
        except _OutOfTime:
            return None
        note = "y → ∞ equations (leading order in 1/y); Σ not given at this order"
        end = bool(not res.converged and problem.stopped_at_jump)
        if end:
            # the damped sweeps were pinned where the distance constraint jumps through 0 (Ŝ = 0 or
            # λ = 0: the reference's best value turns degenerate), which is where a branch ends
            note += "; no root of the distance constraint (its conjugate → 0): likely beyond the end of the branch"
        obs = self.observables(res)
        return LocalEntropyPoint(d=self.d, S_I=obs["S_I"], Sigma=math.nan, phi=obs["S_I"], y=math.inf, saddle=res,
                                 note=note, jacobian=problem.jacobian, branch_end=end)


def _newton_point(problem: LargeYProblem, init: dict, jacobian, maxiter: int, tol_residual: float,
                  fresh_first: bool = False) -> LocalEntropyPoint:
    """One step of a path in d: Newton from ``init`` with the neighbour's ``jacobian``, and if that
    fails once more with a fresh finite-difference Jacobian at ``init`` (n + 1 sweeps): the
    Broyden-updated Jacobian carried along a path goes stale, and a step that fails with it
    usually converges in 2–4 iterations with a fresh one.  ``fresh_first`` (sets of more than two
    values, :data:`PATH_MULTI_ABOVE`): the fresh Jacobian only.  There the carried one crawled
    along a soft direction of the equations (Ŝ with log δq: the Jacobian's smallest singular value
    2.5e-3 against 11, symmetric(8), α = 0.17, d = 0.0047) for 30-60 sweeps before the fresh one was
    tried; from a parabola through the last three points a fresh Jacobian converged in 8-12 sweeps
    at steps of up to 0.5 in log d (excitatory(5), α = 0.085, d = 0.04 … 0.0015)."""
    if jacobian is None or fresh_first:  # (point() would run a full solve, with no clock)
        return _fresh_newton(problem, init, maxiter, tol_residual, _unsolved(problem, "Newton from the predictor failed"))
    p = problem.point(init, jacobian, newton_only=True, tol_residual=tol_residual, newton_maxiter=maxiter,
                      newton_tol=PATH_NEWTON_TOL)
    if p.converged:
        return p
    return _fresh_newton(problem, init, maxiter, tol_residual, p)


def _fresh_newton(problem: LargeYProblem, init: dict, maxiter: int, tol_residual: float,
                  p: LocalEntropyPoint) -> LocalEntropyPoint:
    """Newton on the scaled residuals from ``init`` with a fresh finite-difference Jacobian (n + 1
    sweeps), at most ``maxiter`` iterations; ``p`` (the point to report otherwise) if it fails."""
    sp = problem.saddle()
    sp._inner_active = False  # Newton takes every unknown together, as in SaddleProblem.solve
    try:
        u, nr, J, ev, ok = sp._newton(np.asarray(sp.param.to_u(init), dtype=float), None, 1e2 * PATH_NEWTON_TOL, maxiter,
                                      [], stall=3, noisy=True)  # (the Jacobian once more with a larger step)
    except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError):
        return p
    if not ok and not nr < NEWTON_NOISE_FLOOR:
        return p
    res = sp._result(sp.param.from_u(u), nr, p.iterations + ev, "", NEWTON_TOL, tol_residual)
    if not res.converged:  # Newton stopped on the noise of the map above its target: the verdict decides
        return p
    obs = problem.observables(res)
    return LocalEntropyPoint(d=problem.d, S_I=obs["S_I"], Sigma=math.nan, phi=obs["S_I"], y=math.inf, saddle=res,
                             note="y → ∞ equations (leading order in 1/y); Σ not given at this order", jacobian=J)


def _alpha0_point(states: StateSet, d: float, distance: str, kappa: float, tol_residual: float,
                  alpha: float = 0.0, preface: str = "") -> LocalEntropyPoint:
    """The exact α = 0 point (:func:`numerics.problems.large_y_path.alpha0_solution`) as a result; with
    ``alpha`` > 0 and a ``preface`` to its message, the α = 0 saddle point standing for that load
    (:func:`_asymptotic_point`)."""
    from .large_y_path import alpha0_solution

    a0 = alpha0_solution(states, d, distance)
    slope_ = a0.lam if distance == "hamming" else 0.5 * states.spread**2 * a0.params["Sh"]
    ok = a0.residual < tol_residual
    res = SaddleResult(params=a0.params, conjugates=a0.conjugates,
                       model={"alpha": float(alpha), "kappa": float(kappa), "d": float(d), "Delta": states.spread},
                       value=a0.S_I, parts={"dS_dd": slope_}, converged=ok, residual=a0.residual, step=0.0,
                       iterations=1, message=("converged: " if ok else "not converged: ") + preface + a0.message,
                       residual_u=a0.residual)
    return LocalEntropyPoint(d=float(d), S_I=a0.S_I, Sigma=math.nan, phi=a0.S_I, y=math.inf, saddle=res,
                             note="the exact alpha = 0 solution (the single-site problem; S_I is the alpha = 0 curve)")


# cold starts of a path in d (the top of the α_U window first, numerics.analyses.alpha_u.DEFAULT_WINDOW,
# where cold solves converge for every set of the α_U table) and the cap of their damped sweeps
ANCHOR_DS = (0.06, 0.04, 0.1, 0.025)
ANCHOR_MAXITER = 60  # damped sweeps of the scaled solve at an anchor (after the raw one)
NEAR_ANCHOR = 2.5  # sets of more than two values below the anchors: an anchor at 2.5 d first, on
NEAR_BUDGET_S = 3.0  # this clock (s): where it converges it takes 1-3 s (symmetric(3), α = 0.8, d = 0.002;
# excitatory(3), α = 0.55, d = 0.001); where it fails it spent the whole clock (8 s before: symmetric(3),
# α = 0.5, d = 0.002) before the anchor d = 0.06 and its path converged
TWO_VALUED_NEAR_D = 0.025  # two-valued sets below this d: a cold solve at it first (binary, α = 0.3, 0.5,
# 0.7: converged in 1.0-1.2 s, where d = 0.015 took 1.3-7 s and d = 0.01 8-33 s), on NEAR_BUDGET_S; a path
# from there is 3-4 steps of log d shorter than one from d = 0.06
TWO_VALUED_NEAR_BUDGET_S = 1.5  # ... on this clock: the scaled solve alone (where the near anchor lies in a gap,
# binary, α = 0.78, its 3 s were spent in vain before the anchor d = 0.06 converged)
# the direct solves of a cold call (measured, binary and the multi-state sets of the α_U table):
SCALED_FIRST_S = 1.5  # the scaled iterator: this long (seconds of the work clock, as below)
RAW_MAXITER = 150  # the raw one (the former cold solve): it converged within 60 sweeps, 1.5-3 s,
RAW_BUDGET_S = 6.0  # wherever it converged at commit 6674439; where it fails it iterates for a minute
RAW_BUDGET_HIGH_S = 2.5  # the raw clock above the anchors, and for two-valued sets
TWO_VALUED_DIRECT_D = 0.02  # two-valued sets below this d: no direct solve (the scaled one converges
# erratically there, binary α = 0.5: d = 0.007 in 3 s, 0.005 not in 20 s, 0.003 in 6 s; the raw one
# never), the anchor d = 0.06 and a path in d (12 Newton steps to d = 0.005, 1.4 s) at once
MULTI_VALUED_DIRECT_D = 0.003  # sets of more than two values below this d: no direct solve either (both
# failed on their whole clocks, 8-13 s, before the near anchor at 2.5 d and its path converged:
# symmetric(3), α = 0.8, d = 0.002; excitatory(3), α = 0.55, d = 0.001)
TOP_FIRST_S = 3.0  # the top anchor's cold solve, where it comes first (_top_anchor_first): 1-3 s where it converges
TOP_FIRST_PATH_SHARE = 0.6  # ... and the share of the call's budget its path in d may take
TOP_FIRST_MARGIN = 0.5  # the top anchor comes first where S_0(0.5 · 0.06) <= s(alpha) (_anchor_inside)
BELOW_FACTOR = 0.5  # sets of more than two values at loads where the top anchor may lie past the branch's end
BELOW_TRIES = 2  # (not _anchor_inside): a direct solve at d, then at this fraction of d, at most this many times,
BELOW_BUDGET_S = 3.0  # each on this clock, and a path in d up to d (_from_below).  Past the end the old route
# spent 45-54 s failing (the direct solves at d on their whole clocks, then the anchors 0.06, 0.04, 0.1, all
# past the end too: symmetric(7), α = 0.9 α_c = 1.4537, d = 0.02, 0.03, 0.05, the end near d = 0.0185;
# excitatory(5), α = 0.7654, d = 0.03, 0.05, the end near 0.024) and did not name the end
BELOW_STOP_BEYOND = 0.3  # _from_below: the path upwards stops once the end it predicts lies 0.3 in log d short of d
# (two predictions in a row alike; earlier predictions fall short of the end by up to ~0.05 in log d: symmetric(7),
# α = 0.9 α_c, 0.018 then 0.0194, where the slope reaches 0)
NEAR_END_SLOPE = 0.5  # _from_below: a path upwards that stopped where its slope fell below this share of its start's
COLD_BUDGET_S = 30.0  # a cold call's work-clock budget (solve_large_y's default below the anchors)
HIGH_BUDGET_S = 9.5  # the whole call above the anchors (past a branch's end it must fail fast) ...
ANCHOR_BUDGET_S = 3.0  # ... and each anchor's solve there
UPWARD_BUDGET_S = 6.0  # the budget of a path in d upwards (past a branch's end it fails)
NEWTON_TOL = 1e-10  # SaddleProblem.solve's tol: Newton stops at max |r| < 1e2 tol
# ... and on the steps of a path in d (Newton from the predictor): 1e-7 on the scaled residuals.  Their
# noise floor grows as d → 0 for sets of more than two values (symmetric(3), α = 0.8, d = 0.003:
# finite differences of the residual with h = 1e-6 and 1e-4 differ by ~1e-7), where a target of
# 1e-8 stalls and the path stopped at d = 0.0021 (excitatory(3), α = 0.55: 0.0013); the verdict stays
# max |∂Φ/∂θ| < tol_residual (1e-7) at the point Newton stops
PATH_NEWTON_TOL = 1e-9
# one step of a path in d: Newton from the predictor (PATH_NEWTON_MAXITER iterations, then again
# with a fresh Jacobian); on a failed step of at most PATH_FULL_BELOW in log d (longer ones are halved
# first), a full solve from the predictor (raw residuals unless PATH_FULL_SCALED), capped at
# PATH_FULL_MAXITER sweeps and PATH_FULL_BUDGET_S seconds: a shorter step is cheaper than a long solve
# from a poor start.  PATH_ALT: the predictor also tries log δq in place of d·log δq and keeps the better
PATH_NEWTON_MAXITER = 12  # 6 before: Newton from a good predictor often needs 8-12 iterations where the
# Broyden updates crawl (symmetric(3), α = 0.5, d = 0.0024: converged in 18 evaluations), and a step
# that failed at 6 was halved and its full-solve fallback spent 3 s; cold calls of symmetric(3) at
# α = 0.5, d = 0.002 and α = 0.2, d = 0.001 took 37 s and failed after 37 s, now 17-29 s and 19-35 s
# (three measurements, on a machine whose load varied)
PATH_UP_NEWTON_MAXITER = 12  # ... upwards, where past a branch's end every step fails (it must fail fast)
HIGH_FIRST_DIRECT_S = 1.5  # the first direct solve above the anchors (the raw one's 2.5 s were spent in vain
# past the end: symmetric(3), α = 0.8, d = 0.3; near the end the other direct solve follows the walk)
NEAR_END_DIRECT = 1.2  # past a path's end, a direct solve only for d within this factor of the last converged d
PATH_FIRST_LOG_STEP = 0.2  # the first step of a path in log d (no secant yet: the start is the predictor;
# binary, α = 0.5, from the anchor d = 0.025 to 0.005: steps of 0.5 and 0.25 failed before 0.125 converged)
PATH_FULL_BELOW = 0.15
PATH_FULL_SCALED = False
PATH_FULL_MAXITER = 200
PATH_FULL_BUDGET_S = 3.0
PATH_FULL_FAILURES = 1  # a path gives up its full-solve fallback after this many of them failed: at a fold of
# the branch (the upper edge of a gap above α_U: binary, α = 0.78, a path from d = 0.06 down stalls at
# d = 0.0363) each of them spent its whole clock in vain, three in a row (13 of the call's 28 s)
PATH_ALT = True
PATH_MULTI_ABOVE = 2  # sets with more values than this: a path's step starts from the candidate (parabolas and
# secants) with the smallest residual (_start_chooser) and takes a fresh Jacobian first (_newton_point); binary
# synapses keep the best secant and the carried Jacobian (cold points at d = 0.001-0.002 took 1.4-1.6 s with
# them, 1.6-2.1 s with the parabolas and the choice)
NEWTON_NOISE_FLOOR = 1e-5  # a fresh Newton that stops above its target but below this map residual is judged by
# the verdict (max |∂Φ/∂θ| in the units of each unknown < tol_residual): near d = 0.002 the map's noise
# reaches 1e-7, Newton's target (excitatory(5), α = 0.085, d = 0.0023: stopped at 1.0e-7 and 1.3e-7)
PATH_GOOD_START = 0.02  # a path's candidate start with a scaled residual below this is taken at once
NEWTON_FIRST_ABOVE = 2  # sets with more values than this: a curve's warm start is Newton only, then the
# cold call (excitatory(3), α = 0.445, 25 points: 16 s against 37; symmetric(3), α = 0.846, 40 points
# from 0.0916 to 0.001: 72 s against 93); binary synapses keep the full warm solve (40 points: 6.6 s against 8.2)
CURVE_WARM_BUDGET_S = 4.0  # a curve's warm solve from the predictor (work clock): converged ones take
# 0.2-2 s (excitatory(3), α = 0.445, 25 points from 0.093 down to 0.002); the ones that fail iterate
# for 30-50 s (570-650 sweeps) where the cold call after them, a path in d from the memo, converges in
# 1.5-3 s: unbounded, four such failures made that curve 183 s instead of 25

def solve_large_y(states: Union[str, StateSet], alpha: float, d: float, *, distance: str = "squared",
                  kappa: float = 0.0, init: Optional[dict] = None, jacobian=None,
                  outer: Optional[GaussianRule] = None, shift: Optional[Maximiser] = None,
                  tol_residual: float = 1e-7, maxiter: int = 400, newton_only: bool = False,
                  newton_maxiter: int = 15, switches: bool = True, path: bool = True,
                  budget_s: Optional[float] = None, newton_tol: Optional[float] = None,
                  bias: float = 0.0, f_out: float = 0.5) -> LocalEntropyPoint:
    """S_I at y → ∞ (φ∞ at its saddle point) with diagnostics; ``Sigma`` is NaN (not given at this
    order).  ``bias`` b (a fixed number; the reference and its copies share it) and ``f_out``: the
    output model of :func:`theory.functionals.large_deviation.biased_energetic` (b = 0: f_out drops out).

    * α = 0: the exact solution (:func:`_alpha0_point`), S_I on the α = 0 curve.
    * ``init`` (a neighbour's ``saddle.params``) and ``jacobian``: one warm solve; ``newton_only``
      makes it a cheap attempt (Newton from the neighbour, at most ``newton_maxiter`` iterations);
      ``newton_tol`` sets Newton's target of that solve (1e2 times it; default :data:`NEWTON_TOL`: 1e-8 on
      the scaled residuals; :data:`PATH_NEWTON_TOL` makes it 1e-7, the verdict's tolerance).
    * a cold call (no ``init``): from the nearest converged point of this problem met earlier in the
      process (:data:`numerics.problems.large_y_path.MEMO`) or kept on disk by an earlier process
      (:mod:`numerics.problems.path_store`: solved again at its own d first, never returned as it is), else direct solves from the ball start
      on short clocks (scaled and raw residuals, :func:`_solve_cold`), else a cold solve at an anchor
      (:data:`ANCHOR_DS`) and a path in d to the requested d
      (:func:`numerics.solver.continuation.continue_in_d`), within ``budget_s`` seconds of the work
      clock (default :data:`COLD_BUDGET_S` = 30 s; 9.5 s above the anchors).  A warm solve has no
      budget unless ``budget_s`` is given (then it is reported unsolved when the budget runs out).  A failed path upwards names the end of the branch in ``largest_converged_d``.
      ``path=False`` makes a cold call one direct solve with scaled residuals.

    ``maxiter`` caps the damped sweeps of a full solve; ``switches=False`` leaves out the panel edges
    at the switches of W̃ (:func:`reference_switches`), to measure what they change.  Residuals are
    measured in the units of each unknown (:class:`_ScaledSaddle`)."""
    states = parse_states(states)
    check_model(alpha, kappa, f_out, bias)
    check_distance(d, distance)
    if bias == "optimal" and alpha > 0:
        kw = dict(distance=distance, kappa=kappa, outer=outer, shift=shift, tol_residual=tol_residual, maxiter=maxiter,
                  newton_only=newton_only, newton_maxiter=newton_maxiter, switches=switches, path=path,
                  budget_s=budget_s, newton_tol=newton_tol, f_out=f_out)
        return _with_optimal_bias(states, alpha, d, init, jacobian, kw)
    if bias == "optimal":
        bias = 0.0  # α = 0: no patterns, no bias
    if alpha == 0:
        return _alpha0_point(states, float(d), distance, kappa, tol_residual)
    problem = LargeYProblem(states, alpha, d, distance=distance, kappa=kappa, outer=outer, shift=shift,
                            switches=switches, bias=bias, f_out=f_out)
    opts = {"tol_residual": tol_residual, "maxiter": maxiter, "newton_maxiter": newton_maxiter}
    from .large_y_path import MEMO

    if init is not None or not path:
        p = problem.point(init, jacobian, newton_only=newton_only, newton_tol=newton_tol,
                          budget_s=math.inf if budget_s is None else budget_s, **opts)
        if p is None:
            return _unsolved(problem, f"the solve ran out of its {budget_s:g} s (work clock)")
        MEMO.add(problem.memo_key(), p)
        return p
    p = _solve_cold(problem, opts, COLD_BUDGET_S if budget_s is None else budget_s)
    from . import path_store

    path_store.save(problem.memo_key(), MEMO.points(problem.memo_key()))
    return p


def _with_optimal_bias(states: StateSet, alpha: float, d: float, init: Optional[dict], jacobian,
                       kw: dict) -> LocalEntropyPoint:
    """S_I at y → ∞ with the output bias that maximises φ∞ (``bias="optimal"``): the dense regions of a
    perceptron whose threshold is chosen for them (issue 21; for 0/1 inputs this is where the threshold's
    O(1) part goes at leading order, whatever the threshold).  The secant in b on the derived
    ``dPhi_db`` = ∂φ∞/∂b of :func:`numerics.problems.optimal_bias.optimal_bias_point`, started at the
    equilibrium optimum (binary, α = 0.5, f_out = 0.1, d = 0.01: |dφ∞/db| < 2e-10 for b in [−1.6, −1.1],
    S_I on the α = 0 curve: the first b is accepted)."""

    def solve_at(b, start, jac):
        return solve_large_y(states, alpha, d, init=start, jacobian=jac, **{**kw, "bias": b})

    return optimal_bias_point(solve_at, f_out=kw["f_out"], init=init, jacobian=jacobian, derivative="dPhi_db",
                              start_b=partial(equilibrium_bias, states, alpha, kw["kappa"], kw["f_out"]), what="phi")


def _unsolved(problem: LargeYProblem, why: str) -> LocalEntropyPoint:
    """A point with no saddle (not converged, S_I NaN) and the reason in its note."""
    return LocalEntropyPoint(d=problem.d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=math.inf,
                             note=f"y → ∞ equations: no solution ({why})")


def _polished(problem: LargeYProblem, p: LocalEntropyPoint, opts: dict) -> LocalEntropyPoint:
    """A point converged with raw residuals, taken through Newton on the scaled residuals from there
    (a fresh finite-difference Jacobian, n + 1 sweeps): its Jacobian is then that of the scaled
    residuals, which continuation (Newton steps of a path in d, warm starts of a curve) uses; a
    raw Jacobian there made every first Newton step of a path fail.  If Newton fails, ``p`` without
    a Jacobian."""
    q = _fresh_newton(problem, p.saddle.params, 4, opts["tol_residual"], p)
    if q is not p and q.converged:
        q.note = p.note
        return q
    p.jacobian = None
    return p


def _anchor_solve(problem: LargeYProblem, opts: dict, budget_s: float) -> Optional[LocalEntropyPoint]:
    """A cold solve at an anchor distance within ``budget_s``: raw residuals first (about twice as
    fast there: excitatory(3), α = 0.55, d = 0.06 in 55 sweeps against 140), then the scaled
    iterator capped at :data:`ANCHOR_MAXITER` sweeps; None if both ran out of time.  Two-valued sets
    try the scaled iterator first, on :data:`SCALED_FIRST_S` (binary, α = 0.3, d = 0.06: the raw
    solve wandered for 17 work-seconds before it converged; the scaled one converges in under 1)."""
    t0 = CLOCK.now()
    if len(problem.states.array) == 2:
        p = problem.point(tol_residual=opts["tol_residual"], maxiter=ANCHOR_MAXITER,
                          newton_maxiter=opts["newton_maxiter"], budget_s=min(SCALED_FIRST_S, budget_s))
        if p is not None and p.converged:
            return p
        budget_s -= CLOCK.now() - t0
        t0 = CLOCK.now()
        if budget_s <= 0:
            return p
    p = problem.point(tol_residual=opts["tol_residual"], maxiter=RAW_MAXITER, scaled=False,
                      newton_maxiter=opts["newton_maxiter"], budget_s=budget_s)
    left = budget_s - (CLOCK.now() - t0)
    if p is not None and p.converged:
        return _polished(problem, p, opts)
    if left <= 0:
        return p
    return problem.point(tol_residual=opts["tol_residual"], maxiter=ANCHOR_MAXITER,
                         newton_maxiter=opts["newton_maxiter"], budget_s=left) or p


def _above_anchors(d: float) -> bool:
    """d above the largest anchor distance, where a cold call has :data:`HIGH_BUDGET_S` (past a
    branch's end it must fail fast)."""
    return d > ANCHOR_DS[0] * (1 + 1e-9)


def _solve_cold(problem: LargeYProblem, opts: dict, budget_s: float) -> LocalEntropyPoint:
    """A cold call of :func:`solve_large_y`: the memo's nearest point, or a stored one solved again
    (:func:`_revived`); else direct solves from the ball start on short clocks (:func:`_direct_solves`),
    else a cold solve at an anchor distance (:func:`_anchor_start`); then a path in d to the target
    (:func:`_path_to`).  Above the anchors the whole call has :data:`HIGH_BUDGET_S` and its own route
    (:func:`_solve_high`: past a branch's end it must fail fast).  Budgets are seconds
    of the work clock (:mod:`numerics.solver.work_clock`), so the route and the numbers do not depend
    on the machine's load."""
    from .large_y_path import MEMO

    key, d = problem.memo_key(), problem.d
    start, direct = MEMO.nearest(key, d), None
    stored = start is None and _revived(problem, opts)
    if stored:
        start = MEMO.nearest(key, d)
    if start is not None and abs(math.log(start.d / d)) < 1e-12:
        return copy.copy(start)
    if start is None:
        if _above_anchors(d):  # past a branch's end it must fail fast
            return _solve_high(problem, opts, min(budget_s, HIGH_BUDGET_S))
        t0 = CLOCK.now()
        inside = len(problem.states.array) > 2 and _anchor_inside(problem)  # (an equilibrium solve: once)
        top, skip = _top_anchor_first(problem, opts, budget_s, inside)
        if top is not None and top.converged:
            return top
        below, raw_tried = _from_below(problem, opts, budget_s, inside) if top is None else (None, False)
        if below is not None:
            return below
        p, direct = _direct_solves(problem, opts, budget_s - (CLOCK.now() - t0), False,
                                   kinds=(True,) if raw_tried else None)
        if p is not None:
            MEMO.add(key, p)
            return p
        start, fail = _anchor_start(problem, opts, budget_s - (CLOCK.now() - t0), False, direct, skip)
        if start is None:
            return top if top is not None else fail
        MEMO.add(key, start)
        budget_s -= CLOCK.now() - t0
        return _path_to(problem, start, opts, budget_s, direct)
    p = _from_memo(problem, start, opts, budget_s)
    if stored:
        p.note += (f"; the path started from the point at d = {start.d:g} kept on disk by an earlier process "
                   f"(numerics.problems.path_store), solved again here")
    return p


STORED_MAX_LOG_DISTANCE = 1.0  # a stored point farther than a factor e in d is not a start (the cold route is
# shorter: binary, α = 0.5, d = 0.4 from a point stored at d = 0.025 would climb the whole branch first)


def _revived(problem: LargeYProblem, opts: dict) -> bool:
    """The stored point (:mod:`numerics.problems.path_store`) of this problem nearest to its d, within
    :data:`STORED_MAX_LOG_DISTANCE` in log d, solved again at its own d by Newton with a fresh Jacobian
    and put into the memo; False if there is none or it does not converge."""
    from . import path_store
    from .large_y_path import MEMO

    got = path_store.nearest(problem.memo_key(), problem.d)
    if got is None or abs(math.log(got[0] / problem.d)) > STORED_MAX_LOG_DISTANCE:
        return False
    ds, params = got
    at = problem.at(ds)
    p = _fresh_newton(at, params, PATH_NEWTON_MAXITER, opts["tol_residual"], _unsolved(at, "a stored point"))
    if not p.converged:
        return False
    p.note += "; solved again from its values kept on disk by an earlier process (numerics.problems.path_store)"
    MEMO.add(problem.memo_key(), p)
    return True


def _solve_high(problem: LargeYProblem, opts: dict, budget_s: float) -> LocalEntropyPoint:
    """A cold call above the anchors (no memo point), within ``budget_s`` of the work clock: the set's
    first direct solve from the ball start (scaled residuals for two-valued sets, raw ones otherwise,
    :func:`_direct_solves`); then the walk from an anchor upwards (:func:`_anchor_start`, then a path in
    d that closes in on the end of the branch predicted by its slope, :func:`_end_ahead`); then, where
    the path stopped within :data:`NEAR_END_DIRECT` of d, the other direct solve on the time left, unless
    the first one found the distance constraint jumping through 0.  Near the end a direct solve may
    converge where the path stops short (symmetric(3), α = 0.6, d = 0.125: a path from 0.12 fails, the
    raw solve converges).  Past the end the walk names it: binary, α = 0.5, d = 0.4: 4.7 work-seconds,
    the largest converged d 0.2466 and the slope's zero at 0.2529 (before, both direct solves first and
    a path that failed short of the end: 9.5 work-seconds and an "end" at 0.2447); symmetric(3),
    α = 0.8, d = 0.3: 6.4 work-seconds, 0.1006 and 0.1039 (before 9.5, budget-bound at 0.0999)."""
    from .large_y_path import MEMO

    t0, key = CLOCK.now(), problem.memo_key()
    first = len(problem.states.array) == 2
    p, direct = _direct_solves(problem, opts, budget_s, True, kinds=(first,), cap=HIGH_FIRST_DIRECT_S)
    if p is not None:
        MEMO.add(key, p)
        return p
    jumped = direct is not None and direct.branch_end

    def other_direct():
        left = budget_s - (CLOCK.now() - t0)
        if left <= 1.0 or jumped:
            return None, None
        q, other = _direct_solves(problem, opts, 4 * left, True, kinds=(not first,))
        if q is not None:
            MEMO.add(key, q)
        return q, other

    start, anchor_fail = _anchor_start(problem, opts, budget_s - (CLOCK.now() - t0), True, direct)
    if start is None:
        q, _ = other_direct()
        return q if q is not None else anchor_fail
    MEMO.add(key, start)
    return _path_to(problem, start, opts, budget_s - (CLOCK.now() - t0), direct, fallback=other_direct)


def walk_to_branch_end(states: Union[str, StateSet], alpha: float, d_far: float, *, distance: str = "squared",
                       kappa: float = 0.0, tol_residual: float = 1e-7) -> LocalEntropyPoint:
    """The end of the y → ∞ branch from below: the cold point at the top anchor d = ANCHOR_DS[0] (0.06),
    then a path in d upwards towards ``d_far`` on :data:`UPWARD_BUDGET_S` of the work clock, with no
    direct solve at ``d_far``.  Where ``d_far`` lies past the end, the result is not converged and its
    ``largest_converged_d`` is the last d the path reached: within 1 % in log d of the end predicted by
    the slope's zero (:func:`_end_ahead`, also named in the note), or where the step fell below 0.01, or
    a lower bound where the budget ran out first (the note says which)."""
    states = parse_states(states)
    start = solve_large_y(states, alpha, ANCHOR_DS[0], distance=distance, kappa=kappa, tol_residual=tol_residual)
    if not start.converged or d_far <= start.d:
        return start
    problem = LargeYProblem(states, alpha, d_far, distance=distance, kappa=kappa)
    opts = {"tol_residual": tol_residual, "maxiter": 400, "newton_maxiter": 15}
    return _path_to(problem, start, opts, UPWARD_BUDGET_S, None)


def _from_memo(problem: LargeYProblem, start: LocalEntropyPoint, opts: dict, budget_s: float) -> LocalEntropyPoint:
    """A cold call that found a converged point of the same problem in the memo: a path in d from it;
    if that fails, the direct solves (:func:`_direct_solves`) within the time left.  Near the end of a
    branch the path upwards may fail where a direct solve converges: symmetric(3), α = 0.6, a path
    from d = 0.12 to 0.125 (slope 0.08, the end at 0.127) fails, the raw solve from the ball start
    converges in 1.3 s."""
    t0, high = CLOCK.now(), _above_anchors(problem.d)
    budget_s = min(budget_s, HIGH_BUDGET_S) if high else budget_s
    p = _path_to(problem, start, opts, budget_s, None)
    left = budget_s - (CLOCK.now() - t0)
    if p.converged or left <= 0.5:
        return p
    q, _ = _direct_solves(problem, opts, 4 * left, high)
    if q is None:
        return p
    from .large_y_path import MEMO

    MEMO.add(problem.memo_key(), q)
    return q


def _direct_solves(problem: LargeYProblem, opts: dict, budget_s: float, high: bool, kinds=None,
                   cap: float = math.inf):
    """Direct solves from the ball start on short clocks: the scaled iterator (binary synapses at
    d >= 0.02: 12-40 sweeps, under a second, where the raw one may wander for a minute) and the raw
    one (the former cold solve: symmetric(3), excitatory(3), symmetric(5), excitatory(4) in 1-3 s,
    about half the scaled one's time); two-valued sets try the scaled one first (and the raw one only
    on the short clock: it converged at commit 6674439 for binary synapses at d >= 0.02 only, where
    the scaled one is faster), and none below :data:`TWO_VALUED_DIRECT_D` (other sets:
    :data:`MULTI_VALUED_DIRECT_D`).  ``kinds``: which of them to try (True: scaled), in order (default
    both, the set's first one first); ``cap``: the longest clock of each.  Returns (the converged point or None, the raw solve's failure,
    else the scaled one's)."""
    scaled_first = len(problem.states.array) == 2
    raw = None
    if problem.d < (TWO_VALUED_DIRECT_D if scaled_first else MULTI_VALUED_DIRECT_D):
        return None, None
    for scaled in (kinds if kinds is not None else (True, False) if scaled_first else (False, True)):
        clock = SCALED_FIRST_S if scaled else (RAW_BUDGET_HIGH_S if high or scaled_first else RAW_BUDGET_S)
        p = problem.point(tol_residual=opts["tol_residual"], maxiter=RAW_MAXITER if not scaled else opts["maxiter"],
                          scaled=scaled, newton_maxiter=opts["newton_maxiter"], budget_s=min(clock, 0.25 * budget_s, cap))
        if p is not None and p.converged:
            p.note += f"; a direct solve with {'scaled' if scaled else 'raw'} residuals from the ball start"
            return (p if scaled else _polished(problem, p, opts)), raw
        raw = raw or p
    return None, raw


def _anchor_inside(problem: LargeYProblem) -> bool:
    """True when the top anchor (the first of :data:`ANCHOR_DS`, 0.06) lies inside the branch by a margin: the branch
    ends where S_I meets the equilibrium entropy s(α), and S_I never exceeds the α = 0 curve S_0(d)
    (:func:`numerics.problems.alpha_zero.alpha0_curve`), so the end lies above the d where S_0 = s(α);
    here S_0(:data:`TOP_FIRST_MARGIN` · 0.06) ≤ s(α).  Small loads (symmetric(8), α = 0.17: S_0 = s at
    d = 0.066), where a cold solve at d = 0.06 converges in 1-3 s and one at small d does not; at
    0.7 α_c (symmetric(8), α = 1.16: S_0 = s at d = 0.009) the end may lie below 0.06 and the
    anchor's solve fails there.  False where the equilibrium does not converge."""
    from .alpha_zero import alpha0_curve
    from .equilibrium import solve_equilibrium

    try:
        eq = solve_equilibrium(problem.states, problem.alpha, kappa=problem.kappa, f_out=problem.f_out,
                               bias=problem.b)
    except (ValueError, ArithmeticError):
        return False
    if not eq.converged:
        return False
    s0 = float(alpha0_curve(problem.states, [TOP_FIRST_MARGIN * ANCHOR_DS[0]], problem.distance)[0])
    return s0 <= eq.value


def _top_anchor_first(problem: LargeYProblem, opts: dict, budget_s: float, inside: bool):
    """A cold call below the anchors, for sets of more than two values where the top anchor lies inside
    the branch (``inside``: :func:`_anchor_inside`): the cold solve there on :data:`TOP_FIRST_S`, then a path in d
    on at most :data:`TOP_FIRST_PATH_SHARE` of the budget.  Returns (the point reached, or the path's
    failure, or None; the anchor distances tried, which the rest of the cold route skips).  At small
    loads the direct solves at small d and the near anchor failed on their whole clocks before this
    anchor converged (symmetric(3), α = 0.12, d = 0.005: 11 s of 16; symmetric(5), α = 0.15, d = 0.001:
    failed after 24 s).  The anchor's solve is the scaled iterator from the ball start."""
    from .large_y_path import MEMO

    if len(problem.states.array) <= 2 or problem.d >= ANCHOR_DS[0] or not inside:
        return None, ()
    t0 = CLOCK.now()
    # the scaled iterator: at these loads it converged in 17-67 sweeps where the raw one took up to 274
    # (excitatory(3), α = 0.074: 0.8 s against 3.4; symmetric(8), α = 0.17: 2.5 s against 5.7)
    start = problem.at(ANCHOR_DS[0]).point(tol_residual=opts["tol_residual"], maxiter=opts["maxiter"],
                                           newton_maxiter=opts["newton_maxiter"], budget_s=min(TOP_FIRST_S, budget_s))
    if start is None or not start.converged:
        return None, ()
    MEMO.add(problem.memo_key(), start)
    share = TOP_FIRST_PATH_SHARE * budget_s - (CLOCK.now() - t0)
    return _path_to(problem, start, opts, share, None), (ANCHOR_DS[0],)


def _from_below(problem: LargeYProblem, opts: dict, budget_s: float,
                inside: bool) -> Tuple[Optional[LocalEntropyPoint], bool]:
    """A cold call below the anchors, for sets of more than two values at loads where the top anchor
    may lie past the branch's end (not ``inside``: :func:`_anchor_inside`) and d ≥ 2 :data:`MULTI_VALUED_DIRECT_D`:
    the raw direct solve from the ball start at d, then at :data:`BELOW_FACTOR` · d, then at that fraction
    of it (:data:`BELOW_TRIES` times at most, down to :data:`MULTI_VALUED_DIRECT_D`), each on
    :data:`BELOW_BUDGET_S`, then a path in d up to d.  The
    branch's large-d end moves to smaller d as α grows and lies below the anchors 0.04-0.1 near α_U
    (symmetric(7), α = 0.9 α_c: d ≈ 0.0185), while below it a direct solve converges in 1-3 s.
    The path stops early once the end it predicts lies :data:`BELOW_STOP_BEYOND` in log d short of d.
    Returns (the point reached, or the path's failure where its slope had fallen towards 0 or where it
    stopped short of d past the end it predicted: the end of the branch, named in the note, the largest
    d reached in ``largest_converged_d``; else None: no start converged, or the path stopped inside the
    branch, and the rest of the cold route follows; whether the raw direct solve at d was tried)."""
    from .large_y_path import MEMO

    if len(problem.states.array) <= 2 or problem.d < 2 * MULTI_VALUED_DIRECT_D or inside:
        return None, False
    t0, start, key = CLOCK.now(), None, problem.memo_key()
    for k in range(BELOW_TRIES + 1):
        db = problem.d * BELOW_FACTOR**k
        if db < MULTI_VALUED_DIRECT_D or budget_s - (CLOCK.now() - t0) <= BELOW_BUDGET_S:
            return None, True
        start, _ = _direct_solves(problem.at(db), opts, 4 * BELOW_BUDGET_S, False, kinds=(False,), cap=BELOW_BUDGET_S)
        if start is not None:
            break
    if start is None:
        return None, True
    MEMO.add(key, start)
    if k == 0:
        return start, True
    p = _path_to(problem, start, opts, budget_s - (CLOCK.now() - t0), None, stop_beyond=BELOW_STOP_BEYOND)
    if p.converged:
        p.note += f"; the path started from a direct solve at d = {start.d:g} (below d: the load is high)"
        return p, True
    last = MEMO.nearest(key, problem.d)
    if last is not None and last.d > start.d and 0 < slope(last) <= NEAR_END_SLOPE * slope(start):
        return p, True
    path = [q for q in MEMO.points(key) if start.d <= q.d <= p.largest_converged_d]
    t_end = _end_ahead(path)
    if t_end is not None and math.log(problem.d) - t_end > BELOW_STOP_BEYOND:  # stopped short, past the end
        return p, True
    return None, True


def _anchor_start(problem: LargeYProblem, opts: dict, budget_s: float, high: bool, direct, skip=()):
    """A cold solve at an anchor distance (:data:`ANCHOR_DS`), below the anchors first at a near one
    on :data:`NEAR_BUDGET_S`: for sets of more than two values at :data:`NEAR_ANCHOR` · d (symmetric(3),
    α = 0.8: the raw solve converges at d = 0.005, not at 0.002, and a path from there is 5 steps where
    one from d = 0.06 takes 40), for two-valued sets at :data:`TWO_VALUED_NEAR_D`.
    Returns (the converged start, None) or (None, the failure to report)."""
    t0, d, tried, last = CLOCK.now(), problem.d, [], None
    if len(problem.states.array) > 2:
        near = [NEAR_ANCHOR * d] if NEAR_ANCHOR * d < ANCHOR_DS[-1] else []
    else:
        near = [TWO_VALUED_NEAR_D] if d < TWO_VALUED_NEAR_D else []
    for da in near + [a for a in ANCHOR_DS if a not in near and a not in skip]:
        left = budget_s - (CLOCK.now() - t0)
        if abs(da - d) <= 1e-9 * d or left <= 0:
            continue
        near_cap = NEAR_BUDGET_S if len(problem.states.array) > 2 else TWO_VALUED_NEAR_BUDGET_S
        cap = ANCHOR_BUDGET_S if high else near_cap if da in near else left
        last = _anchor_solve(problem.at(da), opts, min(left, cap)) or last
        tried.append(da)
        if last is not None and last.converged:
            return last, None
    if direct is not None:
        fail = direct
    elif last is not None:  # reported at the requested d, not at the anchor's
        fail = _unsolved(problem, f"the last anchor's solve, at d = {last.d:g}, failed: {last.message}")
    else:
        fail = _unsolved(problem, f"every solve ran out of its {budget_s:g} s")
    fail.note += (f"; no cold start converged (at d = {d:g} and at the anchor distances "
                  f"{', '.join(f'{x:g}' for x in tried)}): no path to follow")
    fail.largest_converged_d = math.nan
    return None, fail


# log δq at and above which a point below d on the same problem is the α = 0 one to double precision
# (δq ≥ e^230 ≈ 1e100: α|G_E| ~ α log δq / δq < 1e-97; binary, α = 0.1, d = 0.002: δq = 4e144, G_E =
# −8e-145, S_I equal to the α = 0 value to 1e-16).  Further down δq leaves the floating-point range
# (q̂1 ~ 1/δq² underflows near δq ~ 1e154: α = 0.1, d = 0.001 failed there)
ASYMPTOTIC_LOG_DQ = 230.0


class _Asymptotic(Exception):
    """Raised on a path in d downwards by a converged point with log δq ≥ :data:`ASYMPTOTIC_LOG_DQ`."""

    def __init__(self, point):
        super().__init__("delta q past the asymptotic threshold")
        self.point = point


def _is_asymptotic(p: LocalEntropyPoint) -> bool:
    dq = p.saddle.params.get("dq", math.nan) if p.saddle is not None else math.nan
    return bool(p.converged and dq > 0 and math.log(dq) >= ASYMPTOTIC_LOG_DQ)


def _asymptotic_point(problem: LargeYProblem, last: LocalEntropyPoint, tol_residual: float) -> LocalEntropyPoint:
    """The point at ``problem.d`` below a converged ``last`` whose δq is past e^230 (physics.md §3.2:
    δq grows like exp(c/d) as d → 0, and G_E, q̂1, δ̂ vanish like powers of 1/δq): the saddle point
    is the α = 0 one to double precision (:func:`_alpha0_point`: its S_I, order parameters, δq = ∞,
    q̂1 = δ̂ = 0), with α and the bound in its message.  Its residual is that of the α = 0 problem's
    own equation (the distance constraint); the y → ∞ equations at α > 0 are not evaluated there (δq
    leaves the floating-point range)."""
    ge = abs(last.saddle.parts.get("G_E", math.nan))
    preface = (f"alpha = {problem.alpha:g} > 0 in the limit delta q -> inf: the saddle point is the alpha = 0 one "
               f"to double precision; at d = {last.d:.6g} on this path delta q = {last.saddle.params['dq']:.3g} and "
               f"alpha |G_E| = {problem.alpha * ge:.3g}, and both fall further as d decreases (delta q ~ exp(c/d)); ")
    p = _alpha0_point(problem.states, problem.d, problem.distance, problem.kappa, tol_residual, problem.alpha, preface)
    p.note = ("y → ∞ equations (leading order in 1/y); Σ not given at this order; asymptotic: δq past "
              f"e^{ASYMPTOTIC_LOG_DQ:g} at d = {last.d:.6g}, so S_I is the α = 0 value (energetic term below 1e-97)")
    return p


def _end_ahead(points) -> Optional[float]:
    """The log d where the branch ends ahead of a path in d: the zero of the slope dS_I/dd (= Δ²Ŝ/2,
    which falls to 0+ at the end, linearly in d: binary, α = 0.5, 0.0543, 0.0403, 0.0263, 0.0192 at
    d = 0.245, 0.247, 0.249, 0.25; downwards at the upper edge of a gap above α_U, binary, α = 0.78:
    0.072, 0.036, 0.016, 0.0065 at d = 0.04, 0.038, 0.037, 0.0365), extrapolated along the secant in
    log d through the last two converged points (in the path's order); None while the slope does not
    fall along the path.  A path closes in on it
    (:func:`numerics.solver.continuation.continue_in_d`, ``ahead``) instead of failing past it and
    halving its step.  With Newton-only steps that failed short of the end and halved the step below
    0.01, the paths stopped early and named ends that were not: binary, α = 0.5, 0.244706 (the branch
    goes on to d ≈ 0.2527, where the slope reaches 0); symmetric(3), α = 0.8, 0.0999 after 14 steps,
    6.7 work-seconds."""
    pts = [(math.log(p.d), slope(p)) for p in points[-2:] if math.isfinite(slope(p))]
    if len(pts) < 2 or not 0 < pts[1][1] < pts[0][1]:
        return None
    t = secant_zero(pts[0][0], pts[0][1], pts[1][0], pts[1][1])
    return t if math.isfinite(t) else None


def _path_to(problem: LargeYProblem, start: LocalEntropyPoint, opts: dict, budget_s: float, direct,
             fallback: Optional[Callable] = None, stop_beyond: Optional[float] = None) -> LocalEntropyPoint:
    """A path in d (:func:`numerics.solver.continuation.continue_in_d`) from the converged
    ``start`` to the problem's d within ``budget_s`` (at most :data:`UPWARD_BUDGET_S` upwards, towards
    the end of a branch).  Where the path fails, ``fallback()`` (if given) is tried: it returns (a
    converged point or None, a failed solve at the problem's d or None).  A failure names the last d
    that converged on the path (from above: the end of the branch, ``largest_converged_d``) and is
    reported on ``direct`` (a failed solve at the problem's d) if there is one, else on a point with no
    saddle at the problem's d (the path's last failed solve lies at another d: its message is quoted).
    ``stop_beyond``: see :func:`numerics.solver.continuation.continue_in_d`."""
    from .large_y_path import MEMO

    key, d = problem.memo_key(), problem.d
    to_w, from_w = problem.path_coordinates()
    on_path = [start]
    multi = len(problem.states.array) > PATH_MULTI_ABOVE  # parabolas, the start chosen by residual, fresh Jacobians

    def converged_on_path(p):
        on_path.append(p)
        MEMO.add(key, p)
        if p.d > d and _is_asymptotic(p):
            raise _Asymptotic(p)

    full_failed = [0]

    def solve_at(dn, init, jac):
        # Newton from the predictor (enough for two-valued sets: they never take the full solve); where it
        # fails, the full solve from the same start (damped sweeps, Newton, hybr) within the time left: symmetric(3),
        # α = 0.8 needs it below d ≈ 0.007 (50-170 sweeps per step), where Newton alone stalls;
        # not after PATH_FULL_FAILURES of them failed (a fold: the path is about to stop)
        p = _newton_point(problem.at(dn), init, jac, PATH_NEWTON_MAXITER if dn < start.d else PATH_UP_NEWTON_MAXITER,
                          opts["tol_residual"], fresh_first=multi)
        left = path_end - CLOCK.now()
        short = abs(math.log(dn / on_path[-1].d)) <= PATH_FULL_BELOW
        if (p.converged or left <= 1.0 or dn > start.d or not short  # upwards (past a branch's end): Newton only
                or full_failed[0] >= PATH_FULL_FAILURES or len(problem.states.array) == 2):
            return p
        q = problem.at(dn).point(init, None, tol_residual=opts["tol_residual"], maxiter=PATH_FULL_MAXITER,
                                 newton_maxiter=opts["newton_maxiter"], budget_s=min(left, PATH_FULL_BUDGET_S),
                                 scaled=PATH_FULL_SCALED)
        if q is not None and q.converged:
            return q
        full_failed[0] += 1
        return p

    left = min(budget_s, UPWARD_BUDGET_S) if d > start.d else budget_s
    path_end = CLOCK.now() + max(left, 0.5)
    if d < start.d and _is_asymptotic(start):
        return _asymptotic_point(problem, start, opts["tol_residual"])
    try:
        res = continue_in_d(solve_at, start, d, budget_s=max(left, 0.5), now=CLOCK.now, log_step=PATH_FIRST_LOG_STEP,
                            ahead=_end_ahead,
                            on_converged=converged_on_path, to_w=to_w, from_w=from_w,
                            alt=_path_alternatives(problem),
                            choose=_start_chooser(problem) if multi else None, stop_beyond=stop_beyond)
    except _Asymptotic as past:
        return _asymptotic_point(problem, past.point, opts["tol_residual"])
    if res.reached:
        p = copy.copy(res.point)
        if res.steps:
            p.note += f"; reached by a path in d from the converged point at d = {start.d:g} ({res.steps} solves)"
        return p
    if fallback is not None and d <= NEAR_END_DIRECT * res.last_d:  # near the end a direct solve may converge
        q, other = fallback()
        if q is not None:
            return q
        direct = direct or other
    return _path_failure(problem, start, res, direct, _end_ahead(on_path))


def _path_alternatives(problem: LargeYProblem) -> list:
    """The other coordinates a path in d extrapolates in (:data:`PATH_ALT`): log δq in place of d·log δq,
    and, for sets of more than two values, log δq with the log of the distance's conjugate."""
    if not PATH_ALT:
        return []
    if len(problem.states.array) <= PATH_MULTI_ABOVE:
        return [problem.path_coordinates(scaled=False)]
    return [problem.path_coordinates(scaled=False), problem.path_coordinates(scaled=False, log_conjugate=True)]


def _start_chooser(problem: LargeYProblem) -> Callable:
    """``choose(d, candidates)`` for a path in d: the candidate start (parabolas and secants in the
    coordinates of :func:`_path_alternatives`) with the smallest scaled residual at d, evaluated in the
    order of :func:`numerics.solver.continuation.candidate_starts` (parabolas first) until one is below
    :data:`PATH_GOOD_START`.  The
    secant alone, in the coordinates that predicted the last step best, started Newton at residuals
    of 1-6 where a parabola was at 0.01-0.1 (symmetric(5), α = 0.2, d = 0.0026 … 0.00125; steps of 0.07-0.4
    in log d), and the steps failed."""
    P = problem.parametrisation()

    def choose(dn: float, cands: list) -> int:
        sp = problem.at(dn).saddle()
        sp._inner_active = False  # Newton's residual: every unknown together
        best, score = 0, math.inf
        for i, g in enumerate(cands):
            try:
                r = float(np.max(np.abs(sp._residual_u(np.asarray(P.to_u(g), dtype=float)))))
            except (ValueError, OverflowError, ZeroDivisionError):
                continue
            if r < score:
                best, score = i, r
            if score < PATH_GOOD_START:
                break
        return best

    return choose


def _path_failure(problem: LargeYProblem, start: LocalEntropyPoint, res, direct, t_end) -> LocalEntropyPoint:
    """The point a failed path in d reports (:func:`_path_to`): ``direct`` (a failed solve at the problem's
    d) if there is one, else a point with no saddle there, with a note naming the last d the path reached
    and, where the slope's zero ``t_end`` (log d, :func:`_end_ahead`) lies beyond it, that end."""
    d = problem.d
    if direct is not None:
        fail = copy.copy(direct)
    elif res.point.converged:  # the path stopped short of d, past the end it predicted (stop_beyond)
        fail = _unsolved(problem, "a path in d stopped short of it")
    else:
        fail = _unsolved(problem, f"the path's last solve, at d = {res.point.d:.6g}, failed: {res.point.message}")
    fail.largest_converged_d = res.last_d if d > start.d else math.nan
    head = (f"; no solution reached at d = {d:g}: a path in d from d = {start.d:g} "
            f"{'upwards converged up to' if d > start.d else 'downwards converged down to'} d = {res.last_d:.6g} "
            f"and no further ({res.reason})")
    if d > start.d:
        at = (f"; its slope dS_I/dd, extrapolated to 0 from the last two converged points, puts the end at "
              f"d ≈ {math.exp(t_end):.4g}") if t_end is not None and t_end > math.log(res.last_d) else ""
        fail.note += f"{head}: the end of the branch lies there (the largest d where it converged, {res.last_d:.6g}{at})"
    elif t_end is not None and t_end < math.log(res.last_d):
        fail.note += (f"{head}, where the slope dS_I/dd falls to 0 (extrapolated from the last two converged points: "
                      f"at d ≈ {math.exp(t_end):.4g}): the lower end of the branch, with a gap below it (alpha above "
                      f"alpha_U)")
    else:
        fail.note += f"{head}: below it lies a gap of the branch (alpha above alpha_U) or a failure of the solver"
    return fail


def large_y_curve(states, alpha: float, ds: Sequence[float], *, distance: str = "squared", kappa: float = 0.0,
                  sweep: str = "down", **kw) -> LocalEntropyCurve:
    """S_I(d) at y → ∞ by continuation in d (``sweep`` "down", or "up" from the smallest d), each point
    started from the secant predictor of :mod:`numerics.solver.continuation` (Newton only for sets of
    more than two values, :data:`NEWTON_FIRST_ABOVE`; else a full solve on a short clock,
    :data:`CURVE_WARM_BUDGET_S`), then, if that failed, as a cold call (a path in d from the nearest
    converged point of the memo).  A branch ends where its slope
    reaches 0+ (:mod:`theory.functionals.large_y`): past a point whose slope is below a tenth of the
    largest met, or past a failed point where the slope was falling, a point gets one Newton attempt
    and is reported as not converged if that fails.  A second branch beyond a gap is not found by
    this sweep: :func:`numerics.analyses.branches.large_y_branches` traces both.

    "down" with no ``init``: from the distance nearest :data:`CURVE_START_D` (a cheap cold call) down to
    the smallest, then from there up to the largest (:func:`_curve_start`); a cold first point near the
    end of the branch cost 6 s (binary, α = 0.5, 40 distances from 0.001 to 0.2447: 11.1 s before, 8.2 s;
    the points agree with the upward sweep's to 1e-15).  With ``init``: from the largest d down."""
    states = parse_states(states)
    ds = [float(d) for d in ds]
    for d in ds:
        check_distance(d, distance)
    if sweep not in ("down", "up"):
        raise ValueError(f"sweep must be 'up' or 'down', got {sweep!r}")
    order = list(np.argsort(ds))
    if sweep == "down":
        order = order[::-1]
    pts, init, jac = {}, kw.pop("init", None), kw.pop("jacobian", None)
    if kw.get("bias") == "optimal":
        return _optimal_bias_curve(states, alpha, ds, order, init, jac, distance, kappa, kw)
    run = partial(_curve_sweep, states, alpha, ds, pts, distance, kappa, kw)
    start = _curve_start(ds, order) if sweep == "down" and init is None else None
    if start is None:
        run(order, init, jac)
    else:
        # from the anchor's neighbourhood down, then up towards the end of the branch: a cold call near
        # the end costs 6 s (binary, α = 0.5, d = 0.2447: direct solves fail, then a path from the anchor)
        met = run(order[start:], None, None)
        p0 = pts[order[start]]
        if p0.converged:
            below = [pts[i] for i in order[start + 1:start + 2] if pts[i].converged]
            run(order[:start][::-1], p0.saddle.params, p0.jacobian, seed=below + [p0],
                slopes=[max(met), slope(p0)])
        else:
            run(order[:start][::-1], None, None)
    from . import path_store
    from .large_y_path import MEMO

    key = _curve_problem(states, alpha, ds[order[0]], distance, kappa, kw).memo_key() if ds else None
    if key is not None:
        path_store.save(key, MEMO.points(key))
    return LocalEntropyCurve.from_points([pts[i] for i in range(len(ds))], y=math.inf, alpha=float(alpha),
                                         states=states.name, reference="solution or free (equal at y → ∞)",
                                         distance=distance, kind="local-entropy (y → ∞ equations)")


#: a downward curve with no start given starts cold at its distance nearest this one (the first anchor,
#: where cold calls are cheap), sweeps down from there, then up to its largest d
CURVE_START_D = ANCHOR_DS[0]


def _curve_problem(states: StateSet, alpha: float, d: float, distance: str, kappa: float, kw: dict) -> LargeYProblem:
    """The problem at ``d`` of a curve whose solver options are ``kw`` (those of :func:`large_y_curve`)."""
    return LargeYProblem(states, alpha, d, distance=distance, kappa=kappa, outer=kw.get("outer"), shift=kw.get("shift"),
                         switches=kw.get("switches", True), bias=kw.get("bias", 0.0), f_out=kw.get("f_out", 0.5))


def _curve_start(ds: list, order: list) -> Optional[int]:
    """The place in ``order`` (descending d) of the distance nearest :data:`CURVE_START_D` in log d, or None
    when that is the largest d already (or there are fewer than three points): the plain downward sweep."""
    if len(order) < 3:
        return None
    k = min(range(len(order)), key=lambda j: abs(math.log(ds[order[j]] / CURVE_START_D)))
    return k if k > 0 else None


def _curve_sweep(states: StateSet, alpha: float, ds: list, pts: dict, distance: str, kappa: float, kw: dict,
                 order: list, init, jac, seed=(), slopes=()) -> list:
    """One sweep of :func:`large_y_curve` over ``order`` from (``init``, ``jac``), the points into ``pts``;
    ``seed``: converged points that prime the secant predictor; ``slopes``: the slopes met before (for
    :func:`near_branch_end`).  Returns the slopes met."""
    newton_first = len(states.array) > NEWTON_FIRST_ABOVE
    multi = len(states.array) > PATH_MULTI_ABOVE
    predictor = SecantPredictor(_param(distance))
    hist = []  # (log d, point) of the converged points in the sweep's order: the parabolas of multi-valued sets
    for q in seed:
        predictor.add(q.d, q.saddle.params)
        hist.append((math.log(q.d), q))
    slopes, ended, fresh_first = list(slopes), False, multi
    for i in order:
        guess = predictor.predict(ds[i]) or init
        if multi and len(hist) >= 3:
            guess = _chosen_start(_curve_problem(states, alpha, ds[i], distance, kappa, kw), hist, guess)
        # near the end of the branch (slope → 0+, below a tenth of the largest met), or past a failed
        # point where the slope was falling (the branch has ended; beyond lies a gap or the other
        # branch, which the opposite sweep finds): one Newton attempt, where a full solve spends
        # minutes before it reports non-convergence.  If it fails before the branch has ended, a cold
        # call (bounded: 9.5 s of the work clock above the anchors): symmetric(3), α = 0.6, d = 0.125
        # (slope 0.08, the end at 0.127) failed Newton from d = 0.12 and converges cold in 1.3 s
        near_end = jac is not None and bool(slopes) and (ended or near_branch_end(slopes[-1], slopes))
        warm = dict(kw) if guess is None or "budget_s" in kw else dict(kw, budget_s=CURVE_WARM_BUDGET_S)
        # a Newton attempt with the carried Jacobian, then with a fresh one (_fresh_warm); for sets of more
        # than two values the fresh one first, at every point (excitatory(3), α = 0.55 below d ≈ 0.007:
        # the carried Jacobian fails at almost every point, 0.5-1 s each; the 40-point curve to the
        # branch end took 1316 evaluations of the map when a failed fresh attempt handed the next points
        # back to the carried Jacobian, 1109 with the fresh one always first; symmetric(3), α = 0.8: 605, 545)
        newton = guess is not None and jac is not None and (near_end or newton_first)
        p, tried = None, newton and fresh_first
        if tried:
            p = _fresh_warm(states, alpha, ds[i], guess, None, distance, kappa, kw)
        if p is None:
            p = solve_large_y(states, alpha, ds[i], distance=distance, kappa=kappa, init=guess, jacobian=jac,
                              newton_only=near_end or newton_first, **warm)
            if not p.converged and newton and not tried:
                p = _fresh_warm(states, alpha, ds[i], guess, p, distance, kappa, kw)
                fresh_first = p.converged
        if not p.converged and init is not None and not ended:
            p2 = solve_large_y(states, alpha, ds[i], distance=distance, kappa=kappa, **kw)
            p = p2 if p2.converged else p
        if not p.converged and near_end:
            p.note += ("; beyond a failed point where the slope was falling: past the end of the branch" if ended
                       else "; the previous point's slope was near 0+: likely beyond the end of the branch")
        if not p.converged and len(slopes) >= 2 and slopes[-1] < slopes[-2]:
            ended = True
        pts[i] = p
        if p.converged:
            init, jac = p.saddle.params, p.jacobian
            predictor.add(ds[i], p.saddle.params)
            hist.append((math.log(ds[i]), p))
            slopes.append(slope(p))
    return slopes


def _chosen_start(problem: LargeYProblem, hist: list, secant: Optional[dict]) -> Optional[dict]:
    """A curve's start at ``problem.d`` for sets of more than two values: among the parabolas and secants
    through the last converged points ``hist`` in the path's coordinates (:func:`_path_alternatives`)
    and the curve's own ``secant`` (the solver's coordinates), the one :func:`_start_chooser` picks."""
    coords = [problem.path_coordinates()] + _path_alternatives(problem)
    t = math.log(problem.d)
    cands = candidate_starts(coords, hist, t, problem.d, 0, True) + ([secant] if secant is not None else [])
    return cands[_start_chooser(problem)(problem.d, cands)] if cands else secant


def _optimal_bias_curve(states: StateSet, alpha: float, ds: list, order: list, init, jac, distance: str,
                        kappa: float, kw: dict) -> LocalEntropyCurve:
    """:func:`large_y_curve` with ``bias="optimal"``: each point its own optimal bias
    (:func:`_with_optimal_bias`), warm from its neighbour (b included), a cold call where that fails."""
    pts = {}
    for i in order:
        p = solve_large_y(states, alpha, ds[i], distance=distance, kappa=kappa, init=init, jacobian=jac, **kw)
        if not p.converged and init is not None:
            p = solve_large_y(states, alpha, ds[i], distance=distance, kappa=kappa, **kw)
        pts[i] = p
        if p.converged:
            init, jac = p.saddle.params, p.jacobian
    return LocalEntropyCurve.from_points([pts[i] for i in range(len(ds))], y=math.inf, alpha=float(alpha),
                                         states=states.name, reference="solution or free (equal at y → ∞)",
                                         distance=distance, kind="local-entropy (y → ∞ equations, optimal bias)")


def _fresh_warm(states: StateSet, alpha: float, d: float, guess: dict, failed: LocalEntropyPoint, distance: str,
                kappa: float, kw: dict) -> Optional[LocalEntropyPoint]:
    """A curve's warm Newton attempt once more, with a fresh finite-difference Jacobian at the predictor
    (n + 1 sweeps, :func:`_fresh_newton`): the Jacobian carried along the curve goes stale where the
    unknowns run away (symmetric(3), α = 0.8, d = 0.0027 → 0.0025: Newton with the neighbour's Jacobian
    failed, with a fresh one it converged in 27 evaluations, where the cold call that followed took a
    path of five full solves, 12 s).  ``failed`` (which may be None) if it fails too."""
    problem = _curve_problem(states, alpha, d, distance, kappa, kw)
    p = _fresh_newton(problem, guess, PATH_NEWTON_MAXITER, kw.get("tol_residual", 1e-7),
                      failed or _unsolved(problem, "Newton from the predictor failed"))
    if p is not failed and p.converged:
        from .large_y_path import MEMO

        MEMO.add(problem.memo_key(), p)
        return p
    return failed


def slope(point: LocalEntropyPoint) -> float:
    """dS_I/dd at a y → ∞ point (the derived ``dS_dd``; NaN if the point has no saddle)."""
    if point.saddle is None or not point.converged:
        return math.nan
    return float(point.saddle.parts.get("dS_dd", math.nan))


def near_branch_end(s: float, seen: Sequence[float], fraction: float = 0.1) -> bool:
    """True when the slope s (of the last converged point) is below ``fraction`` of the largest slope
    ``seen`` along the curve: the branch's end (slope → 0+) is near, where a failed continuation
    step is taken as that end rather than retried with full solves (minutes, in vain)."""
    return math.isfinite(s) and bool(seen) and 0 <= s < fraction * max(seen)
