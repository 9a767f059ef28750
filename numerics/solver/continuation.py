"""Predictor for continuation along a curve: a secant step in the solver's own coordinates.

Neighbouring saddle points along a curve in d (or α) are warm starts for each other.  Starting the
corrector (Newton) from the *previous* solution fails where the unknowns move fast, e.g. δq of the
y → ∞ equations, which grows like a pole as d → 0 at α = 0.5 (9.9, 13, 18.5, 29.6, 58 at d = 0.02,
0.0175, 0.015, 0.0125, 0.01).  The secant predictor extrapolates linearly from the last two
solutions, in the unconstrained coordinates u of the solver's
:class:`~numerics.solver.saddle.Parametrisation` (logs, logits) against t = log d:

    u(t) ≈ u₂ + (t − t₂)/(t₂ − t₁) · (u₂ − u₁)

With it the binary α = 0.5 curve goes from d = 0.08 to 0.01 in 13 Newton-only steps; from the
previous point alone, steps below d = 0.02 needed the full solver (about 30 s each).

:func:`continue_in_d` walks from a converged point to a requested d with that predictor, the step
halved on failure and grown on success: the cold calls of the y → ∞ equations below their anchors
(:mod:`numerics.problems.large_y`) and of the finite-y ones at small d
(:func:`numerics.problems.local_entropy.solve_local_entropy`) use it.

:func:`secant_stationary` finds the zero of a derivative g(x) = ∂Φ/∂x by secant steps, each a solve warm
from the last: the optimal bias of the Franz–Parisi probes and of the y → ∞ measure.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import numpy as np

__all__ = ["SecantPredictor", "secant_zero", "SecantStationary", "secant_stationary", "PathResult", "candidate_starts",
           "continue_in_d"]


class SecantPredictor:
    """Collects (t, u) of converged points; ``predict(t)`` extrapolates from the last two.

    ``log=True`` (default) uses log t as the curve parameter (natural for distances, which are
    refined geometrically towards 0); ``log=False`` uses t itself (e.g. α)."""

    def __init__(self, param, log: bool = True, max_ratio: float = 2.0):
        self.param = param
        self.log = log
        self.max_ratio = max_ratio
        self.history: List[Tuple[float, np.ndarray]] = []

    def _t(self, t: float) -> float:
        return math.log(t) if self.log else float(t)

    def add(self, t: float, params: dict) -> None:
        self.history.append((self._t(t), np.asarray(self.param.to_u(params), dtype=float)))

    def predict(self, t: float) -> Optional[dict]:
        """The extrapolated parameters at t, or None with fewer than two points (or when the step
        is more than ``max_ratio`` times the last one: a secant is not trusted that far)."""
        if len(self.history) < 2:
            return None
        (t1, u1), (t2, u2) = self.history[-2:]
        if t2 == t1:
            return None
        s = (self._t(t) - t2) / (t2 - t1)
        if not (math.isfinite(s) and abs(s) <= self.max_ratio):
            return None
        try:
            return self.param.from_u(u2 + s * (u2 - u1))
        except (ValueError, OverflowError):
            return None


def secant_zero(t0: float, m0: float, t1: float, m1: float) -> float:
    """The zero of the line through (t0, m0) and (t1, m1): t0 + (t1 − t0) m0/(m0 − m1).

    NaN when it is undefined (a non-finite value, or m0 = m1).  Used to place the next evaluation of
    a margin that changes sign (α_U's criterion, the end of a branch in α)."""
    if not (math.isfinite(m0) and math.isfinite(m1)) or m0 == m1:
        return math.nan
    return t0 + (t1 - t0) * m0 / (m0 - m1)


@dataclass
class SecantStationary:
    """The end of :func:`secant_stationary`: ``x`` and ``g`` of the last evaluation, its ``result``,
    ``prev`` = (x, g) of the evaluation before it (None after one), ``evaluations`` made, and
    ``status``: "found" (|g| < tol), "failed" (the evaluation failed: g is None), "not finite" (g is
    NaN or infinite) or "maxiter"."""

    x: float
    g: Optional[float]
    result: object
    prev: Optional[Tuple[float, float]]
    evaluations: int
    status: str


def secant_stationary(evaluate: Callable, x0: float, *, tol: float, maxiter: int, first=None,
                      first_step: float = 0.05, max_step: float = 0.5) -> SecantStationary:
    """A zero of g by secant steps from ``x0``: ``evaluate(x)`` returns (g(x), result), g None where the
    evaluation failed.  ``first`` = (g(x0), result) when x0 is already evaluated.  The first step is
    ``first_step`` uphill (towards a maximum of Φ when g = ∂Φ/∂x; also where two g coincide), each next
    one the secant zero (:func:`secant_zero`) through the last two, capped at ``max_step``."""
    x, prev = x0, None
    g, result = first if first is not None else evaluate(x0)
    n = 1  # evaluations made or given, each checked; at most maxiter
    while True:
        if g is None:
            return SecantStationary(x, g, result, prev, n, "failed")
        if not math.isfinite(g):
            return SecantStationary(x, g, result, prev, n, "not finite")
        if abs(g) < tol:
            return SecantStationary(x, g, result, prev, n, "found")
        if n >= maxiter:
            return SecantStationary(x, g, result, prev, n, "maxiter")
        if prev is None or g == prev[1]:
            step = first_step if g > 0 else -first_step
        else:
            step = max(min(secant_zero(prev[0], prev[1], x, g) - x, max_step), -max_step)
        prev = (x, g)
        x = x + step
        g, result = evaluate(x)
        n += 1


@dataclass
class PathResult:
    """The end of a path in d: ``point`` (the solve at the target, converged or the last failure),
    ``last_d`` (the last d that converged on the way; the start's d if none), ``steps`` (solves
    tried), ``reached`` (the target converged), ``reason`` (why it stopped, in words)."""

    point: object
    last_d: float
    last_point: object
    steps: int
    reached: bool
    reason: str = ""
    path: List[float] = field(default_factory=list)


def _secant(coords, hist, t_new: float, d_new: float):
    """The secant through the last two points of ``hist`` in the coordinates (to_w, from_w), at
    log d = t_new; None where the map fails."""
    to_w, from_w = coords
    (ta, pa), (tb, pb) = hist[-2], hist[-1]
    try:
        wa, wb = np.asarray(to_w(pa.saddle.params, pa.d)), np.asarray(to_w(pb.saddle.params, pb.d))
        return from_w(wb + (t_new - tb) / (tb - ta) * (wb - wa), d_new)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None


def _quadratic(coords, hist, t_new: float, d_new: float):
    """The parabola through the last three points of ``hist`` in the coordinates (to_w, from_w), at
    log d = t_new (Lagrange's form); None where the map fails."""
    to_w, from_w = coords
    ts = [t for t, _ in hist[-3:]]
    try:
        ws = [np.asarray(to_w(p.saddle.params, p.d), dtype=float) for _, p in hist[-3:]]
        w = sum(ws[i] * math.prod((t_new - ts[j]) / (ts[i] - ts[j]) for j in range(3) if j != i) for i in range(3))
        return from_w(w, d_new)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None


def candidate_starts(coords, hist, t_new: float, d_new: float, best: int, quadratic: bool) -> list:
    """The candidate starts of a step: with ``quadratic`` and three points the parabola in each
    coordinate system (the one whose secant predicted the last step best first), then the secant in
    each; None entries dropped."""
    if len(hist) < 2:
        return []
    order = [best] + [i for i in range(len(coords)) if i != best]
    out = [_quadratic(coords[i], hist, t_new, d_new) for i in order] if quadratic and len(hist) >= 3 else []
    out += [_secant(coords[i], hist, t_new, d_new) for i in order]
    return [g for g in out if g is not None]


def _step_start(coords, hist, guesses: list, t_new: float, d_new: float, best: int, choose):
    """The start of a step of :func:`continue_in_d`: with ``choose``, its pick among
    :func:`candidate_starts`; else the secant (``guesses``, one per coordinate system) that predicted the
    last step best, or any other; the last point where there is none."""
    if choose is not None and coords:
        cands = candidate_starts(coords, hist, t_new, d_new, best, True)
        if cands:
            return cands[choose(d_new, cands)]
    elif guesses:
        if guesses[best] is not None:
            return guesses[best]
        return next((g for g in guesses if g is not None), hist[-1][1].saddle.params)
    return hist[-1][1].saddle.params


def _toward_end(t_end, t_cur, rem, step, direction, approach, min_log_step):
    """(step, capped, reason) of :func:`continue_in_d` where the end ``t_end`` (log d, or None) lies
    between the last point and the target (``rem`` away): at most ``approach`` of the way to it, and a
    reason to stop once it is nearer than ``min_log_step``."""
    if t_end is None or not 0 < direction * (t_end - t_cur) < rem:
        return step, False, ""
    if abs(t_end - t_cur) < min_log_step:
        return step, False, (f"the branch ends at d ≈ {math.exp(t_end):.6g}, less than {min_log_step:g} in log d "
                             f"beyond the last converged point")
    return min(step, approach * abs(t_end - t_cur)), approach * abs(t_end - t_cur) < step, ""


def _short_of_target(stop_beyond: Optional[float], t_end: Optional[float], seen_end: Optional[float],
                     beyond: float) -> str:
    """The reason for :func:`continue_in_d` to stop short of its target, or "": two predictions of the
    end in a row (log d) agree to a tenth of ``stop_beyond`` and the target lies ``beyond`` = more than
    ``stop_beyond`` past the latest (the target is past the end: closing in on it would only name the
    end more precisely)."""
    if stop_beyond is None or t_end is None or seen_end is None:
        return ""
    if abs(t_end - seen_end) <= 0.1 * stop_beyond and beyond > stop_beyond:
        return (f"the branch ends at d ≈ {math.exp(t_end):.6g} (the last two predictions agree), more than "
                f"{stop_beyond:g} in log d short of the target")
    return ""


def continue_in_d(solve_at: Callable, start, d_to: float, *, log_step: float = 0.5, max_log_step: float = 0.8,
                  min_log_step: float = 0.01, grow: float = 1.3, budget_s: float = 8.0, max_steps: int = 60,
                  now: Callable = time.perf_counter,
                  on_converged: Optional[Callable] = None, to_w: Optional[Callable] = None,
                  from_w: Optional[Callable] = None, alt=None,
                  ahead: Optional[Callable] = None, approach: float = 0.6,
                  choose: Optional[Callable] = None, stop_beyond: Optional[float] = None) -> PathResult:
    """Walk from the converged ``start`` (a LocalEntropyPoint) to ``d_to`` in steps of log d.

    ``solve_at(d, init, jacobian)`` is a capped Newton solve from ``init``.  The predictor is the
    secant through the last two converged points in (log d, w), where ``to_w(params, d)`` and
    ``from_w(w, d)`` map the unknowns to coordinates that vary slowly with log d (for the y → ∞
    equations: the solver's u with d·log δq in place of log δq, since log δq grows like c/d); without
    them, the last point.  The first step is ``log_step`` in log d; a failed step is halved, a
    converged one grows by ``grow`` (at most ``max_log_step``, never past the target; the whole rest when
    it is at most 1.2 steps, so that no sliver of a step is left at the end); the walk stops when
    a step falls below ``min_log_step``, after ``max_steps`` solves or ``budget_s`` seconds of the
    clock ``now`` (wall time by default; the y → ∞ solver passes its work clock,
    :mod:`numerics.solver.work_clock`).
    ``on_converged(point)`` is called for every converged point (the memo).  ``alt``: other coordinates,
    a pair (to_w, from_w) or a list of them; after each converged step the secants are compared with the
    solution (in the first coordinates) and the best one predicts the next step (y → ∞: d·log δq fits
    binary synapses, log δq the sets where δq grows like a power of 1/d).  ``choose(d, candidates)``
    picks the start among :func:`candidate_starts` instead (:func:`_step_start`).
    ``ahead(points)``: the log d where the branch is predicted to end, from the converged points so far
    (oldest first), or None; where that end lies between the last point and the target, a step goes at
    most ``approach`` of the way to it, and the walk stops once it is nearer than ``min_log_step`` (the
    steps close in on the end geometrically instead of failing past it and halving); ``stop_beyond``:
    the walk stops short of a target past the end (:func:`_short_of_target`)."""
    t0 = now()
    t_to = math.log(d_to)
    hist = [(math.log(start.d), start)]
    h = log_step
    steps, last_fail, reason = 0, None, ""
    direction = 1.0 if t_to > hist[-1][0] else -1.0
    alts = [] if alt is None else list(alt) if isinstance(alt, list) else [alt]
    coords, best = [(to_w, from_w)] + alts, 0
    seen_end = None  # the end predicted at the last step (stop_beyond)
    while True:
        t_cur, cur = hist[-1]
        if abs(t_to - t_cur) < 1e-12:
            return PathResult(cur, cur.d, cur, steps, True, "", [math.exp(t) for t, _ in hist])
        if steps >= max_steps or now() - t0 > budget_s:
            reason = (f"stopped after {steps} steps / {now() - t0:.1f} s "
                      f"(budget {max_steps} steps, {budget_s:.3g} s)")
            break
        if h < min_log_step:
            reason = f"the step in log d fell below {min_log_step:g} (every shorter step failed)"
            break
        rem = abs(t_to - t_cur)
        step = rem if rem <= 1.2 * h else h  # no sliver of a last step
        t_end = ahead([p for _, p in hist]) if ahead is not None else None
        step, capped, reason = _toward_end(t_end, t_cur, rem, step, direction, approach, min_log_step)
        reason = reason or _short_of_target(stop_beyond, t_end, seen_end, direction * (t_to - (t_end or 0.0)))
        if reason:
            break
        seen_end = t_end
        t_new = t_cur + direction * step
        d_new = math.exp(t_new) if abs(t_new - t_to) > 1e-12 else d_to
        guesses = [_secant(c, hist, t_new, d_new) for c in coords] if to_w is not None and len(hist) >= 2 else []
        guess = _step_start(coords if to_w is not None else [], hist, guesses, t_new, d_new, best, choose)
        p = solve_at(d_new, guess, cur.jacobian)
        steps += 1
        if p.converged:
            if len(guesses) > 1:
                w = np.asarray(to_w(p.saddle.params, d_new), dtype=float)
                err = [float(np.max(np.abs(np.asarray(to_w(g, d_new), dtype=float) - w))) if g is not None
                       else math.inf for g in guesses]
                best = int(np.argmin(err))
            hist.append((t_new, p))
            if on_converged is not None:
                on_converged(p)
            h = min(grow * h, max_log_step)
        else:
            last_fail = p
            h = 0.5 * (step if capped else h)
    cur = hist[-1][1]
    return PathResult(last_fail if last_fail is not None else cur, cur.d, cur, steps, False, reason,
                      [math.exp(t) for t, _ in hist])
