"""The inner one-dimensional root of a free conjugate's equation, with jump detection.

A free conjugate t (Ŝ of the squared distance, λ of the Hamming distance) is fixed by its own
stationarity equation g(t) = 0 at fixed order parameters (physics.md §3.1: "Ŝ solves
∂_Ŝ G_S = y S_ov"); :meth:`numerics.solver.saddle.SaddleProblem.sweep` solves it inside every sweep so
that the fixed-point map is a function of the order parameters alone.  :func:`inner_root` does so:

1. bounded **secant** steps from the current value t0,
   ``t ← t + clip(−g(t) (t − t_prev) / (g(t) − g(t_prev)), −(1 + |t|), 1 + |t|)``, at most 12;
2. **Brent's method** (scipy's brentq) on the first sign change among the points seen;
   every stage stops at the first t with |g(t)| < :data:`ROOT_G` (1e-11, the noise of g there);
3. else an **expanding search** for a bracket, t0 ± s with s = 0.5 (1 + |t0|), ×1.6 per round
   (30 rounds), each direction dropped once g leaves the domain, moves away from 0 or saturates.

**Jump**: where g has no root it may *jump* through 0 instead of crossing it (at y → ∞ the overlap
jumps at Ŝ = 0, where the reference's best value turns degenerate: the end of a branch).  A
bracket [t₁, t₂] with g(t₁) > 0 > g(t₂) counts as a jump once |t₁ − t₂| ≤ 1e-9 (1 + |t|) while
min(|g(t₁)|, |g(t₂)|) > 1e-6, or once |t₁ − t₂| ≤ 1e-6 (1 + |t|) while min |g| > 1e-3 (either way a
slope above 1e3 (1 + |t|)⁻¹, which the distance constraints here do not have); the search then
stops at the end where |g| is smaller and reports the jump.

The functions here know nothing of the functional: g is any callable float → float, evaluated in
the same order as before this module was split out of ``saddle.py``, except that a bracket holding
t = 0 is first split there (:func:`brent_with_jump`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
from scipy import optimize

__all__ = ["InnerRoot", "inner_root", "inner_roots_hybr", "is_jump", "nearer_zero",
           "JUMP_WIDTH", "JUMP_SIZE"]

JUMP_WIDTH = 1e-9  # a jump's bracket is at most JUMP_WIDTH (1 + |t|) wide ...
JUMP_SIZE = 1e-6   # ... with |g| above JUMP_SIZE at both of its ends; or (a large jump, found ten
COARSE = 1e3       # bisections earlier) COARSE times as wide with |g| COARSE times larger: the same slope
# |g| below this is a root: the evaluations' own noise near a root is ~1e-11 (binary, y → ∞, α = 0.5,
# d = 0.025: g at t within 1e-10 of the root scattered over ±2e-11 with no trend), where Brent with
# xtol 1e-13 spent 6-14 more evaluations bisecting the noise (20 in all per root; with this stop 6-8).
# The distance constraints are judged in units of Δ²d/2 ≥ 5e-4 (d ≥ 0.001): 1e-11 is 2e-8 there.
ROOT_G = 1e-11

Scalar = Callable[[float], float]


@dataclass(frozen=True)
class InnerRoot:
    """The outcome of :func:`inner_root`: ``t`` is the root, or the start t0 when none was found,
    or (``jump`` true) the end of the jump's ``bracket`` (t₁, t₂) where |g| is smaller."""

    t: float
    jump: bool = False
    bracket: Tuple[float, float] = (math.nan, math.nan)


class _Root(Exception):
    """Raised inside brentq at a t where |g| < :data:`ROOT_G` (a root to the evaluations' noise)."""

    def __init__(self, t):
        super().__init__(t)
        self.t = t


class _Jump(Exception):
    """Raised inside brentq when g jumps through 0 instead of crossing it (no root)."""

    def __init__(self, t, bracket):
        super().__init__(t)
        self.t, self.bracket = t, bracket


def nearer_zero(t1: float, g1: float, t2: float, g2: float) -> float:
    """The end of a bracket where |g| is smaller (t₁ on a tie)."""
    return t1 if abs(g1) <= abs(g2) else t2


def is_jump(g1: float, g2: float) -> bool:
    """g(t₁), g(t₂) at a jump's bracket still make one: both finite, |g| > 1e-6, opposite signs."""
    return all(math.isfinite(v) and abs(v) > JUMP_SIZE for v in (g1, g2)) and g1 * g2 < 0


def brent_with_jump(g: Scalar, ta: float, ga: float, tb: float, gb: float, xtol: float) -> InnerRoot:
    """brentq on the sign change [ta, tb] (ga = g(ta), gb = g(tb) known), stopped as soon as the
    bracket it holds is a jump (module docstring): then the end nearer to 0 is returned with
    ``jump`` set.  Without that stop brentq needed ~50 evaluations of g to shrink the bracket to
    1e-13 around a jump.  It stops as well at the first t with |g(t)| < :data:`ROOT_G` (a root).  A bracket
    holding t = 0 is first split at ±JUMP_WIDTH/2: the y → ∞ distance constraint jumps through 0 at
    Ŝ = 0 (the reference's best value turns degenerate), which the two evaluations there then show at
    once, where bisecting a bracket of width ~1 down to 1e-9 took ~30 (binary, α = 0.6, d = 0.3: a
    failed cold call spent 80 evaluations of g in Brent)."""
    g_at = {ta: ga, tb: gb}
    ends = {math.copysign(1.0, g_at[t]): (t, g_at[t]) for t in (ta, tb)}  # the bracket's two sides

    def gj(t):
        v = g_at[t] if t in g_at else g(t)
        if abs(v) < ROOT_G:
            raise _Root(t)
        if math.isfinite(v):
            ends[math.copysign(1.0, v)] = (t, v)
            (t1, g1), (t2, g2) = ends[1.0], ends[-1.0]
            width, size = abs(t1 - t2) / (1 + abs(t)), min(abs(g1), abs(g2))
            if (width <= JUMP_WIDTH and size > JUMP_SIZE) or (width <= COARSE * JUMP_WIDTH
                                                              and size > COARSE * JUMP_SIZE):
                raise _Jump(nearer_zero(t1, g1, t2, g2), (t1, t2))
        return v

    try:
        if ta < 0 < tb:  # the y → ∞ constraint jumps at Ŝ = 0: look there first (two evaluations)
            w = 0.5 * JUMP_WIDTH
            g_lo, g_hi = gj(-w), gj(w)
            if g_lo * g_hi < 0:
                ta, tb = -w, w
            elif g_at[ta] * g_lo < 0:
                tb = -w
            else:
                ta = w
        return InnerRoot(float(optimize.brentq(gj, ta, tb, xtol=xtol)))
    except _Root as root:
        return InnerRoot(float(root.t))
    except _Jump as jump:
        return InnerRoot(jump.t, True, jump.bracket)


def root_in(g: Scalar, pts: Sequence[Tuple[float, float]]) -> Optional[InnerRoot]:
    """Brent (:func:`brent_with_jump`, xtol = 1e-13 (1 + |ta|)) on the first adjacent pair of the
    evaluated points (t, g(t)), sorted by t, whose g have opposite signs; None if there is none."""
    pts = sorted(p for p in pts if math.isfinite(p[1]))
    for (ta, ga), (tb, gb) in zip(pts, pts[1:]):
        if ga * gb < 0:
            return brent_with_jump(g, ta, ga, tb, gb, 1e-13 * (1 + abs(ta)))
    return None


def secant_search(g: Scalar, t0: float, g0: float) -> Tuple[Optional[float], List[Tuple[float, float]]]:
    """Up to 12 secant steps from t0, the first to t0 + 1e-3 (1 + |t0|), each clipped to at most
    1 + |t| (an unbounded secant step on the flat part of g, where the distance constraint cannot
    be met at this x, went to |Ŝ| ~ 1e16).  Returns (root, points seen): the root is t with
    |g(t)| < :data:`ROOT_G`, or |g(t)| < 1e-10 after a step below 1e-13 (1 + |t|); None when the steps leave
    the domain, bracket the root (Brent takes over) or find g saturated."""
    seen = [(t0, g0)]
    ta, ga, tb = t0, g0, t0 + 1e-3 * (1 + abs(t0))
    for _ in range(12):
        gb = g(tb)
        seen.append((tb, gb))
        if math.isfinite(gb) and (abs(gb) < ROOT_G or (abs(tb - ta) < 1e-13 * (1 + abs(tb)) and abs(gb) < 1e-10)):
            return float(tb), seen
        if not math.isfinite(gb) or ga * gb < 0 or abs(gb - ga) <= 1e-9 * abs(gb):
            break  # left the domain, bracketed the root, or g saturated (no root this way)
        cap = 1 + abs(tb)
        step = min(max(-gb * (tb - ta) / (gb - ga), -cap), cap)
        ta, ga, tb = tb, gb, tb + step
    return None, seen


def expand_bracket(g: Scalar, t0: float, g0: float) -> Optional[InnerRoot]:
    """Brackets a root by expanding around t0 in each direction, t0 ± s, s = 0.5 (1 + |t0|) growing
    ×1.6 per round (30 rounds), while g moves towards 0 and is not saturated (g is monotone in
    practice: the distance grows as Ŝ falls); Brent (xtol = 1e-13 (1 + |t0|)) on the first sign
    change.  None when no bracket is found."""
    step, last, dirs = 0.5 * (1 + abs(t0)), {1: g0, -1: g0}, [1, -1]
    for _ in range(30):
        for sgn in list(dirs):
            t1 = t0 + sgn * step
            g1 = g(t1)
            if math.isfinite(g1) and g0 * g1 < 0:
                lo, hi = (t0, g0), (t1, g1)
                (ta, ga), (tb, gb) = (lo, hi) if t0 <= t1 else (hi, lo)
                return brent_with_jump(g, ta, ga, tb, gb, 1e-13 * (1 + abs(t0)))
            if (not math.isfinite(g1) or abs(g1) >= abs(last[sgn])
                    or abs(g1 - last[sgn]) <= 1e-9 * abs(g1)):
                dirs.remove(sgn)  # leaving the domain, moving away from 0, or saturated
            last[sgn] = g1
        if not dirs:
            break
        step *= 1.6
    return None


def inner_root(g: Scalar, t0: float) -> InnerRoot:
    """A root of the scalar equation g(t) = 0 near t0: secant steps, Brent on a sign change, else an
    expanding search for a bracket (module docstring).  Returns ``InnerRoot(t0)`` when |g(t0)| is
    below :data:`ROOT_G` (t0 is a root already: the damped sweeps start each inner root from the
    previous one) or not finite, or when no root is found (the damped sweeps then move the order parameters), and
    the end of a jump's bracket with ``jump`` set where g jumps through 0."""
    t0 = float(t0)
    g0 = g(t0)
    if not math.isfinite(g0) or abs(g0) < ROOT_G:
        return InnerRoot(t0)
    root, seen = secant_search(g, t0, g0)
    if root is not None:
        return InnerRoot(root)
    found = root_in(g, seen)
    if found is None:
        found = expand_bracket(g, t0, g0)
    return found if found is not None else InnerRoot(t0)


def inner_roots_hybr(F: Callable[[np.ndarray], Sequence[float]], t0: Sequence[float]) -> np.ndarray:
    """Several free conjugates at once: MINPACK hybr (scipy.optimize.root) on F(t) = 0 from t0;
    returns the final t as a vector (converged or not: the outer solver judges the residual)."""
    return optimize.root(F, t0, method="hybr").x
