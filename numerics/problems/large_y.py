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

import math
from functools import lru_cache
from typing import Optional, Sequence, Union

import numpy as np
import sympy as sp
from scipy.special import expit, logit

from theory.derive import derive
from theory.compile import CompiledSet
from theory.functionals.large_y import SYMBOLS_INF, large_y, reference_objective
from theory.states import StateSet, parse_states

from .equilibrium import check_model
from .results import LocalEntropyCurve, LocalEntropyPoint, check_distance
from ..solver.continuation import SecantPredictor
from ..solver.quadrature import GaussianRule, Maximiser
from ..solver.saddle import Parametrisation, SaddleProblem

__all__ = ["derived_large_y", "solve_large_y", "large_y_curve", "slope", "near_branch_end",
           "reference_switches"]

_z1, _Wt, _u, _W, _v = (SYMBOLS_INF[n] for n in ("z1", "Wt", "u", "W", "v"))


@lru_cache(maxsize=None)
def derived_large_y(distance: str = "squared"):
    """Derived and compiled y → ∞ equations (a few seconds, once per process), with the slope
    ``dS_dd`` = ∂φ∞/∂d at fixed unknowns, which at the saddle point is dS_I/dd (envelope theorem;
    for the squared distance it is Δ²Ŝ/2, so S_I grows with d exactly where Ŝ > 0)."""
    F = large_y(distance)
    return derive(F, extra={"dS_dd": sp.diff(F.value, SYMBOLS_INF["d"])})


@lru_cache(maxsize=None)
def _compiled_objective(distance: str) -> CompiledSet:
    """The reference's objective and its z-derivative (differentiated by sympy, as the equations)."""
    f = reference_objective(distance)
    return CompiledSet({"f": f, "fz": sp.diff(f, _z1)}, bound=(_z1, _Wt, _u, _W))


def reference_switches(states: StateSet, vals: dict, distance: str = "squared", shift: Optional[Maximiser] = None,
                       z_max: float = 8.0, grid: int = 65, xtol: float = 1e-12) -> np.ndarray:
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
    split in two (a → b → c within one grid step)."""
    C = _compiled_objective(distance)
    wt = np.asarray(states.array, dtype=float)
    nodes = {_Wt: (wt, np.zeros_like(wt)), _u: shift or Maximiser(), _W: (states.array, states.log_prior)}

    def f(z, deriv=True):
        z = np.atleast_1d(np.asarray(z, dtype=float))
        out = C(vals, {**nodes, _z1: (z, np.zeros_like(z))}, names=["f", "fz"] if deriv else ["f"])
        shape = (z.size, wt.size)
        return (np.broadcast_to(np.asarray(out["f"], float).reshape(-1, wt.size), shape),
                np.broadcast_to(np.asarray(out["fz"], float).reshape(-1, wt.size), shape) if deriv else None)

    zg = np.linspace(-z_max, z_max, grid)
    F, _ = f(zg, deriv=False)
    if not np.all(np.isfinite(F)):
        return np.empty(0)
    k = np.argmax(F, axis=1)
    j = np.nonzero(k[:-1] != k[1:])[0]
    work = [(zg[i], zg[i + 1], k[i], k[i + 1], F[i, k[i]] - F[i, k[i + 1]], F[i + 1, k[i]] - F[i + 1, k[i + 1]])
            for i in j]
    found = []
    # a switch exactly at a grid point (z = 0 for symmetric sets, by symmetry): the start below is
    # that point and g vanishes there, so Newton would stop at once; decided from the grid's row
    # (the same values), without evaluating it again
    rest = []
    for i, (lo, hi, a, c, glo, ghi) in zip(j, work):
        with np.errstate(all="ignore"):
            t = (lo * ghi - hi * glo) / (ghi - glo) if glo != ghi else 0.5 * (lo + hi)
        row = i if glo == 0 and t == lo else i + 1 if ghi == 0 and t == hi else None
        if row is not None and (np.argmax(F[row]) in (a, c) or F[row].max() - max(F[row, a], F[row, c]) < 1e-12):
            found.append(float(t))
        else:
            rest.append((lo, hi, a, c, glo, ghi))
    work = rest
    for _ in range(4):  # rounds of splitting (a → b → c within one bracket)
        if not work:
            break
        lo, hi, a, c, glo, ghi = (np.array(col) for col in zip(*work))
        a, c = a.astype(int), c.astype(int)
        r = np.arange(len(work))
        with np.errstate(all="ignore"):
            t = np.where(glo != ghi, (lo * ghi - hi * glo) / (ghi - glo), 0.5 * (lo + hi))
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
    return np.array(sorted(found))


def _nodes(states: StateSet, outer: GaussianRule, shift: Maximiser, distance: str = "squared",
           switches: bool = True):
    """Nodes of every bound variable.  The outer rule gets

    * panel edges graded towards z₀ = κ/√q1 on the scale √((Q − q1)/q1) (G_E: for z > z₀ the
      argument of log H falls on that scale while the shift v stays ~0; at small d, Q − q1 → 0 and
      the plain rule's error in Q̂, δ̂ reached 1e-6 for excitatory(3) at d = 0.01), whenever q1, Q
      are known;
    * in the steps that integrate G_S, a panel edge at each switch of the reference's best value
      (:func:`reference_switches`)."""
    w = (states.array, states.log_prior)
    ref = Maximiser(values=tuple(float(s) for s in states.array))

    def nodes(vals, step):
        breaks, widths = [], []
        Q, q1 = vals.get("Q"), vals.get("q1")
        if Q is not None and q1 is not None and 0 < q1 < Q:
            breaks.append(vals.get("kappa", 0.0) / math.sqrt(q1))
            widths.append(math.sqrt((Q - q1) / q1))
        if switches and step != "energetic":
            t = reference_switches(states, vals, distance, shift, z_max=min(8.0, outer.z_max))
            breaks += list(t)
            widths += [math.inf] * len(t)
        return {_z1: outer.nodes(breaks, widths), _Wt: ref, _u: shift, _W: w, _v: shift}

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


def solve_large_y(states: Union[str, StateSet], alpha: float, d: float, *, distance: str = "squared",
                  kappa: float = 0.0, init: Optional[dict] = None, jacobian=None,
                  outer: Optional[GaussianRule] = None, shift: Optional[Maximiser] = None,
                  tol_residual: float = 1e-7, maxiter: int = 400, newton_only: bool = False,
                  newton_maxiter: int = 15, switches: bool = True) -> LocalEntropyPoint:
    """S_I at y → ∞ (φ∞ at its saddle point) with diagnostics; ``Sigma`` is NaN (not given at this
    order).  ``init`` (a neighbour's ``saddle.params``) and ``jacobian`` warm-start the solver;
    ``newton_only`` makes a warm start a cheap attempt (Newton from the neighbour, at most
    ``newton_maxiter`` iterations, nothing else); ``maxiter`` caps the damped sweeps of a full solve; ``switches=False`` leaves out the panel
    edges at the switches of W̃ (:func:`reference_switches`), to measure what they change."""
    states = parse_states(states)
    check_model(alpha, kappa, 0.5, 0.0)
    check_distance(d, distance)
    D = derived_large_y(distance)
    model = {"alpha": float(alpha), "kappa": float(kappa), "d": float(d), "Delta": states.spread}
    problem = SaddleProblem(D, _nodes(states, outer or GaussianRule(24, 8), shift or Maximiser(), distance, switches),
                            _param(distance), model, inner_roots=True)
    x0 = dict(init) if init else _initial(states, d, distance)
    res = problem.solve(x0, tol_residual=tol_residual, maxiter=maxiter, jacobian=jacobian, newton_first=True,
                        newton_only=newton_only and init is not None and jacobian is not None,
                        newton_maxiter=newton_maxiter)
    note = "y → ∞ equations (leading order in 1/y); Σ not given at this order"
    if not res.converged and problem.stopped_at_jump:
        # the damped sweeps were pinned where the distance constraint jumps through 0 (Ŝ = 0 or
        # λ = 0: the reference's best value turns degenerate), which is where a branch ends
        note += "; no root of the distance constraint (its conjugate → 0): likely beyond the end of the branch"
    return LocalEntropyPoint(d=float(d), S_I=res.value, Sigma=math.nan, phi=res.value, y=math.inf,
                             saddle=res, note=note, jacobian=problem.jacobian,
                             branch_end=bool(not res.converged and problem.stopped_at_jump))


def large_y_curve(states, alpha: float, ds: Sequence[float], *, distance: str = "squared", kappa: float = 0.0,
                  sweep: str = "down", **kw) -> LocalEntropyCurve:
    """S_I(d) at y → ∞ by continuation in d (``sweep`` "down" from the largest d, or "up"), each point
    started from the secant predictor of :mod:`numerics.solver.continuation`.  A branch ends where its slope
    reaches 0+ (:mod:`theory.functionals.large_y`): past a point whose slope is below a tenth of the
    largest met, or past a failed point where the slope was falling, a point gets one Newton attempt
    and is reported as not converged if that fails.  A second branch beyond a gap is not found by
    this sweep: :func:`numerics.analyses.branches.large_y_branches` traces both."""
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
    predictor = SecantPredictor(_param(distance))
    slopes, ended = [], False
    for i in order:
        guess = predictor.predict(ds[i]) or init
        # near the end of the branch (slope → 0+, below a tenth of the largest met), or past a failed
        # point where the slope was falling (the branch has ended; beyond lies a gap or the other
        # branch, which the opposite sweep finds): one Newton attempt only; a full solve there
        # spends minutes before it reports non-convergence
        near_end = jac is not None and bool(slopes) and (ended or near_branch_end(slopes[-1], slopes))
        p = solve_large_y(states, alpha, ds[i], distance=distance, kappa=kappa, init=guess, jacobian=jac,
                          newton_only=near_end, **kw)
        if not p.converged and init is not None and not near_end:
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
            slopes.append(slope(p))
    return LocalEntropyCurve.from_points([pts[i] for i in range(len(ds))], y=math.inf, alpha=float(alpha),
                                         states=states.name, reference="solution or free (equal at y → ∞)",
                                         distance=distance, kind="local-entropy (y → ∞ equations)")


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
