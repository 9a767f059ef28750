"""α_U: the load at which the dense regions of solutions break up (physics.md §3).

What the y → ∞ curves look like.  At y → ∞ the slope of S_I(d) is exact at every point: by the
envelope theorem dS_I/dd = ∂φ∞/∂d at the saddle point, which is Δ²Ŝ/2 for the squared distance
(``numerics.problems.large_y.slope``).  A branch of solutions exists only where Ŝ > 0: as Ŝ → 0+ the maximum
over the reference's values turns degenerate and the overlap jumps (theory.functionals.large_y), so
the branch *ends* where its slope reaches 0.  Below α_U the slope is positive from d → 0 (where
S_I ≈ the α = 0 ball entropy) up to the largest d of the branch, with a dip at small d (binary,
α = 0.75: Ŝ falls from 0.20 at d = 0.06 to 0.043 at d ≈ 0.02 and rises again to 0.46 at d = 0.01).
At α_U the dip touches 0 and the small-d part of the curve detaches: above it, continuation from
larger d stops where Ŝ → 0+ (binary, α = 0.7637: Ŝ = 0.0017 at d = 0.0294, no solution at 0.025).
The small-d part does not vanish there: it is a second branch, from d → 0 up to an end that moves
to smaller d as α grows, and it ends above the large-d branch's start, so the curve drops across
the gap (:mod:`numerics.analyses.branches`; binary: it still reaches d = 0.01 up to α = 0.7807).  α_U here
is where the gap opens, anywhere in the window.

Criterion (stated in every result).  At load α, compute S_I(d) on the small-distance window ``ds``
by continuation from the largest d down (default :func:`window_for`: 18 points, d = 0.004, 0.0045,
0.005 … 0.009 in steps of 0.001 and 0.01 … 0.06 in steps of 0.005; from d = 0.0025 for sets whose
smallest move has (δ/Δ)² ≤ 1/9).  The dense regions exist at α when every point converges and the
*margin* is positive: the depth of the slope's dip, i.e. its smallest local minimum over the window
(refined by a parabola through the neighbouring points, so that it does not depend on the grid to
first order; without a dip, the slope at the largest d), and at most the chord S_I(d_min)/d_min from
d = 0, where S_I = 0 (the reference alone): the curve increases on small d only if S_I(d_min) > 0,
i.e. if solutions lie at distance d_min from the reference at all.

Where the dip sits depends on the state set: near d = 0.025 for binary (α = 0.74: slope 0.218
there, rising to 5.4 at d = 0.003), below d = 0.01 for symmetric(3) (α = 1.09: the slope falls to
0.019 at d = 0.009) and excitatory(3) (α = 0.69: minimum 1.21 at d = 0.005; α = 0.70: 0.049 at
d = 0.005); on a window that stopped at d = 0.01 those two sets looked monotone well past their
breakup.  The dip moves to smaller d with the smallest step δ between states, roughly as (δ/Δ)²:
symmetric(5) (δ/Δ = 1/4) at α = 1.36 has its minimum 7.43 at d = 0.0035, at α = 1.40 the slope
falls to 0.28 at d = 0.003.  Below d ≈ 0.004 the solves lose accuracy at some loads (excitatory(2)
at 0.8 α_c: max |∂Φ/∂u| 5e-8 at d = 0.0035, not converged at 0.003; excitatory(5) at 0.8 α_c: not
converged at 0.002), which sets the window's floor.  A dip below d_min shows as the slope at d_min
falling towards 0.  Then (y → ∞) the sweep goes on below the window, d ← 0.8 d down to
``EXTEND_FLOOR`` = 0.001, until the slope rises again: near α_U, where this matters, those small-d
solves converge (excitatory(4) at α = 0.773: d = 0.002, 0.0016, slope minimum 0.41 at d = 0.002),
while at the scan's start (0.8 α_c) a fixed window reaching d = 0.0015 failed.  A point there that
does not converge is the branch's end when the solve saw the distance constraint's conjugate jump
through 0, or the slope had fallen below a tenth of its largest value; otherwise the dip is
*unresolved* and an α_U whose lower end had such an evaluation is reported as an upper bound
(``AlphaUResult.upper_bound``).

The falling slope towards the branch's largest d is not a dip; if the window's top lies beyond the
branch, up to half of the window is given up from the top (reported per point), so that the lower
half, where the dip shows, is always evaluated.  α_U is the smallest α where the margin is ≤ 0 or a
point of the window does not exist.

Undecided.  A branch also ends at large d, where S_I saturates (at the equilibrium entropy s(α),
slope → 0+), and that end moves to smaller d as α grows (symmetric(7) near α_U: d ≈ 0.01).  When no
point of the window converges (the end lies below the window's top half, or every start failed) the
window cannot tell a breakup from that end: the evaluation is *undecided* and :func:`alpha_u` stops
with ``converged=False`` and a message saying so, never with an α_U that is an artefact of the
window.  (On a window that stopped at d = 0.01, excitatory(3) ran into this near 0.9 α_c: its dip,
near d = 0.005, was out of sight.)

At finite y (e.g. y = 20; slower, and S_I grows with y) the slope is the finite difference of S_I
between neighbouring window points.

Search.  An upward scan in α from ``bracket[0]`` (default 0.88 α_c, and where the criterion fails there the
bracket [0.8 α_c, 0.88 α_c]; when the window cannot decide there,
once from :data:`LOWER_START` times it), each α warm-started from the nearest α already solved (every
window point from the same d at the two nearest α, extrapolated in α), with steps guided by the margins (linear extrapolation of margin(α) to
zero, capped at ``(bracket[1] − bracket[0]) / steps``), until the criterion fails; then a bracketing
search on [lo, hi] that places each test at the zero of the margins' secant (when both ends have a
margin), leaned by 0.4 ``xtol`` towards the middle so that the bracket closes in a few steps, and
bisects otherwise.  The result reports the final interval [lo, hi] (lo: largest α where the
criterion held, hi: smallest where it failed), every evaluation, and α_U = the secant zero inside
[lo, hi] when both margins are known (else the midpoint).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from theory.states import parse_states

from ..solver.continuation import secant_zero
from ..problems.local_entropy import LocalEntropyCurve, LocalEntropyPoint, solve_local_entropy

__all__ = ["AlphaUResult", "dense_regions_exist", "window_margin", "alpha_u", "alpha_u_table", "TABLE_SETS",
           "cached_alpha_u", "alpha_u_cache_key",
           "DEFAULT_WINDOW", "FINE_WINDOW", "window_for"]

# d = 0.004, 0.0045, 0.005, 0.006, …, 0.009 and 0.01, 0.015, …, 0.06: the dip sits near d = 0.025 for
# binary but below 0.01 for symmetric(3) (d ≈ 0.009 at α = 1.09) and excitatory(3) (≈ 0.005 at 0.70)
DEFAULT_WINDOW = tuple(np.round(np.r_[0.004, 0.0045, np.arange(0.005, 0.0095, 0.001), np.linspace(0.01, 0.06, 11)],
                                4))
DEFAULT_Y = math.inf
START_FRACTION = 0.88  # the default scan starts at this fraction of α_c (α_U/α_c is 0.906 for binary synapses and
# 0.92-0.96 for the other sets of the α_U table; from 0.8 α_c the scan spent 3-5 of its 8-10 evaluations, the
# costliest ones, far below α_U, where the margin says nothing about where it vanishes) ...
FALLBACK_FRACTION = 0.8  # ... and, where the criterion already fails there, at this one (_Search.run)
TOP_FRACTION = 0.995  # the scan's top (excitatory(3) still holds at 0.98 α_c)
LOWER_START = 0.85  # the scan's start × this when the window cannot decide there (_Search.run)
FULL_SOLVE_BUDGET_S = 10.0  # work-clock seconds of the last full solve of a window point (y → ∞)
EXTEND_FLOOR = 0.001  # dense_regions_exist: how far below the window the sweep may follow a dip
# sets whose smallest step δ between states has (δ/Δ)² ≤ 1/9 (equispaced, L ≥ 4) have their dip near
# d = 0.003 or below: their window reaches down to d = 0.0025 (d = 0.002 fails to converge at some
# loads, excitatory(5) at 0.8 α_c; with d = 0.0015, 0.002 added, excitatory(4) fails the criterion
# already at the scan's start, 0.8 α_c = 0.6484, although near α_U the curve converges down to
# d = 0.001 and resolves the dip, α = 0.77: slope 1.45 at d = 0.0025, 1.54 at 0.002).  Below the
# window the sweep follows a dip where it needs to (dense_regions_exist, EXTEND_FLOOR): excitatory(4),
# (5) and symmetric(7) resolve theirs at d = 0.002, ≈ 0.001 and ≈ 0.001 near α_U
FINE_WINDOW = (0.0025, 0.003, 0.0035) + DEFAULT_WINDOW


def window_for(states) -> tuple:
    """The default window of the α_U criterion for a state set: :data:`DEFAULT_WINDOW`, or
    :data:`FINE_WINDOW` when the smallest step δ between its values has (δ/Δ)² ≤ 1/9 + 1e-9."""
    return FINE_WINDOW if parse_states(states).step_distance <= 1 / 9 + 1e-9 else DEFAULT_WINDOW


# the α_U table's sets, each also checked against finite-y ladders (numerics.analyses.ladder_check); the
# other sets of the capacity table are computed one by one (fewbits alpha-u --states S)
TABLE_SETS = ("binary", "symmetric:3", "symmetric:5", "symmetric:7",
              "excitatory:2", "excitatory:3", "excitatory:4", "excitatory:5")


@dataclass
class AlphaUResult:
    """``alpha_U`` with its bracket ``interval`` = [lo, hi]; ``converged`` is True when the bracket
    is shorter than the requested tolerance.  ``evaluations`` lists every α tested (holds, margin,
    the window curve)."""

    states: str
    alpha_U: float
    interval: List[float]
    y: float
    converged: bool
    message: str
    criterion: str
    evaluations: List[dict] = field(default_factory=list)
    upper_bound: bool = False  # the dip lay below what converged at the bracket's lower end
    lower_bound: bool = False  # no window point converged at the bracket's upper end (the criterion undecided)

    @property
    def success(self):
        return self.converged

    def as_dict(self):
        return {"states": self.states, "alpha_U": self.alpha_U, "interval": self.interval, "y": self.y,
                "converged": self.converged, "upper_bound": self.upper_bound, "lower_bound": self.lower_bound,
                "message": self.message,
                "criterion": self.criterion, "evaluations": self.evaluations}


def _slopes(points: Sequence[LocalEntropyPoint]) -> Tuple[np.ndarray, np.ndarray]:
    """(d, dS_I/dd) of the converged points, d increasing: exact slopes where the points carry them
    (y → ∞), else finite differences between neighbours (at their midpoints)."""
    from ..problems.large_y import slope

    pts = sorted((p for p in points if p.converged), key=lambda p: p.d)
    exact = [slope(p) if math.isinf(p.y) else math.nan for p in pts]
    if pts and all(math.isfinite(s) for s in exact):
        return np.array([p.d for p in pts]), np.array(exact)
    d = np.array([p.d for p in pts])
    s = np.array([p.S_I for p in pts])
    if len(d) < 2:
        return np.array([]), np.array([])
    return 0.5 * (d[1:] + d[:-1]), np.diff(s) / np.diff(d)


def _vertex_min(x, f, i):
    """The vertex value of the parabola through points i−1, i, i+1 when it is a minimum between them."""
    (x0, x1, x2), (f0, f1, f2) = x[i - 1:i + 2], f[i - 1:i + 2]
    den = (x0 - x1) * (x0 - x2) * (x1 - x2)
    A = (x2 * (f1 - f0) + x1 * (f0 - f2) + x0 * (f2 - f1)) / den
    B = (x2**2 * (f0 - f1) + x1**2 * (f2 - f0) + x0**2 * (f1 - f2)) / den
    if A > 0:
        xv = -B / (2 * A)
        if x0 <= xv <= x2:
            C = f1 - A * x1**2 - B * x1
            return float(min(f1, A * xv**2 + B * xv + C))
    return float(f1)


def window_margin(points: Sequence[LocalEntropyPoint]) -> float:
    """The depth of the dip of dS_I/dd on the window: the smallest *local minimum* of the slope
    (interior points, and the smallest d when the slope rises from there), refined by a parabola
    through its neighbours.  The largest-d end is not a dip: there the slope falls towards the end of
    the branch (Ŝ → 0+ at the largest d where the y → ∞ solution exists), which is not the small-d
    breakup.  Without a dip (the slope falls monotonically with d) the margin is the slope at the
    largest d.  The curve starts at S_I(0) = 0, so the margin is also at most the chord
    S_I(d_min)/d_min (:func:`_chord`): where S_I(d_min) ≤ 0 the curve does not increase from d = 0.
    −inf when a point did not converge (the curve stops existing there)."""
    if any(not p.converged for p in points):
        return -math.inf
    d, s = _slopes(points)
    if s.size == 0:
        return math.nan
    chord = _chord(points)
    if s.size == 1:
        return min(float(s[0]), chord)
    mins = [0] if s[0] <= s[1] else []
    mins += [i for i in range(1, s.size - 1) if s[i] <= s[i - 1] and s[i] <= s[i + 1]]
    if not mins:
        return min(float(s[-1]), chord)
    return min(chord, min(_vertex_min(d, s, i) if 0 < i < s.size - 1 else float(s[i]) for i in mins))


def _chord(points: Sequence[LocalEntropyPoint]) -> float:
    """S_I(d_min)/d_min at the smallest converged d: the mean slope from d = 0, where S_I = 0 (the
    reference alone).  It is ≤ 0 when no solutions lie at distance d_min from the reference
    (S_I ≤ 0): the curve does not increase from d = 0 and the dense region is empty there."""
    pts = [p for p in points if p.converged]
    if not pts:
        return math.nan
    p = min(pts, key=lambda p: p.d)
    return float(p.S_I / p.d)


class _WindowSweep:
    """The continuation behind :func:`dense_regions_exist` at one α: the solver of a point (y → ∞ or
    finite y), the secant predictor (y → ∞) and the slopes met so far."""

    def __init__(self, states, alpha: float, y: float, kw: dict, max_halvings: int, warm=None):
        self.states, self.alpha, self.y, self.max_halvings = states, alpha, y, max_halvings
        self.predictor, self.slopes_seen, self.kw = None, [], kw
        self.warm = warm or {}  # d -> (params, jacobian) predicted from neighbouring α (y → ∞ only)
        if y == math.inf:  # the y → ∞ equations (numerics.problems.large_y)
            from ..solver.continuation import SecantPredictor
            from ..problems.large_y import PATH_NEWTON_TOL, _param, near_branch_end, slope, solve_large_y
            self._path_tol = PATH_NEWTON_TOL
            self.kw = {k: v for k, v in kw.items() if k != "reference"}
            self.predictor = SecantPredictor(_param(self.kw.get("distance", "squared")))
            self._large_y = (solve_large_y, near_branch_end, slope)

    def solve(self, d, quick=False, **w):
        if self.predictor is None:  # finite y: every attempt is a full solve
            return solve_local_entropy(self.states, self.alpha, d, self.y, **w, **self.kw)
        # quick: a capped Newton from the predictor; full (last resort): capped damped sweeps,
        # since near a fold of the branch (where the slope reaches 0) nothing converges anyway
        # quick: Newton's target is the verdict's 1e-7 (PATH_NEWTON_TOL, as on a path in d): the slopes
        # enter the margin, which locates α_U to 1e-3, and below 1e-7 Newton meets the residuals'
        # noise floor and stalls (symmetric(4): 20-60 evaluations per point with the target 1e-8)
        extra = {"newton_maxiter": 15, "newton_tol": self._path_tol} if quick else {"maxiter": 40}
        return self._large_y[0](self.states, self.alpha, d, newton_only=quick, **extra, **w, **self.kw)

    def slope(self, p) -> float:
        return self._large_y[2](p) if self.predictor is not None else math.nan

    def near_end(self, p) -> bool:
        """Near the branch's end (numerics.problems.large_y.near_branch_end): no last full solve."""
        return self.predictor is not None and self._large_y[1](self.slope(p), self.slopes_seen)

    def falling(self) -> bool:
        """The slope fell from the last point but one to the last (y → ∞, sweeping down in d): the
        sweep is going down into a dip of the slope."""
        s = self.slopes_seen
        return len(s) >= 2 and math.isfinite(s[-1]) and math.isfinite(s[-2]) and s[-1] < s[-2]

    def add(self, d, p) -> None:
        if self.predictor is not None:
            self.predictor.add(d, p.saddle.params)
            self.slopes_seen.append(self.slope(p))

    def reach(self, d_from, p_from, d_to, level, in_window=False):
        """Continuation from (d_from, p_from) to d_to: a Newton step from the predictor (or the
        neighbour); if it fails, two half steps (recursively, ``max_halvings`` deep, one level near
        the branch's end); if everything fails, one full solve (not near the end; on the window,
        ``in_window``, not where the slope falls into a dip either: there any failure fails the
        criterion, while below the window the full solve also tells the branch's end, where the
        distance constraint jumps, from a failed solve)."""
        if level == 0 and self._warm_key(d_to) is not None:
            # the same d at neighbouring α (predicted in α): Newton from there is a few sweeps
            init, jac = self.warm[self._warm_key(d_to)]
            p = self.solve(d_to, quick=True, init=init, jacobian=jac if jac is not None else p_from.jacobian)
            if p.converged:
                return p
        guess = (self.predictor.predict(d_to) if self.predictor is not None else None) or p_from.saddle.params
        p = self.solve(d_to, quick=True, init=guess, jacobian=p_from.jacobian)
        if not p.converged and guess is not p_from.saddle.params:
            p = self.solve(d_to, quick=True, init=p_from.saddle.params, jacobian=p_from.jacobian)
        if p.converged:
            return p
        if level < (1 if self.near_end(p_from) else self.max_halvings):  # near the branch's end: one halving
            mid = 0.5 * (d_from + d_to)
            pm = self.reach(d_from, p_from, mid, level + 1)
            if pm.converged:
                p2 = self.reach(mid, pm, d_to, level + 1)
                if p2.converged:
                    return p2
        if level == 0 and self.y == math.inf and not self.near_end(p_from) and not (in_window and self.falling()):
            # a last full solve (at finite y the first attempt already was one), on a bounded clock:
            # symmetric(7) at α = 1.547, d = 0.00128 (inside the gap) spent 90 s failing without one.
            # None where the slope falls into a dip (:meth:`falling`): there the failure is the gap
            # opening, and the full solve failed on its whole clock (excitatory(3), α = 0.7032, d = 0.006:
            # 362 evaluations, 23 s of the evaluation's 40)
            return self.solve(d_to, init=p_from.saddle.params, jacobian=p_from.jacobian,
                              budget_s=FULL_SOLVE_BUDGET_S)
        return p

    def _warm_key(self, d):
        """The key of ``warm`` at d (window distances are rounded: matched to 1e-9 relative), or None."""
        if self.predictor is None:
            return None
        return next((k for k in self.warm if abs(k - d) <= 1e-9 * d), None)

    def top(self, d, init, jacobian, known_top, last_chance):
        """The window's first point (see :func:`dense_regions_exist`, "The window's top")."""
        above_known = known_top is not None and d > known_top * (1 + 1e-9) and not last_chance
        if above_known and self.predictor is not None:
            # y → ∞: the branch's large-d end moves to smaller d as α grows, and at a smaller α it did
            # not reach d: no attempt (each cost 70-280 evaluations of the map, symmetric(4))
            return LocalEntropyPoint(d=d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=float(self.y),
                                     note="not attempted"), above_known
        same_d = bool(init) and self._warm_key(d) is not None
        if same_d:
            init, jac = self.warm[self._warm_key(d)]
            jacobian = jac if jac is not None else jacobian
        if not init:
            # a cold call, on the short clock of a point past a branch's end: a failed one names the
            # largest d its path reached (the window then starts below it, :meth:`window`)
            return self.solve(d, **self._cold_budget()), above_known
        p = self.solve(d, quick=True, init=init, jacobian=jacobian)
        if not p.converged and not above_known and self.predictor is not None and not (same_d and not last_chance):
            # (a Newton attempt from the same d at a neighbouring α that fails is taken as the end having
            # moved below d, the top given up; the full solve only as the last chance)
            # y → ∞: the quick attempt was Newton only; at finite y it already was a full solve
            p = self.solve(d, init=init, jacobian=jacobian)
        if not p.converged and last_chance:
            p = self.solve(d)
        return p, above_known

    def start_inside(self, ds):
        """A first evaluation (no warm start, y → ∞): a cold solve at the largest d of the window's
        lower half, then Newton steps up the window (the continuation of :meth:`reach`, without its
        last full solve) until the branch ends.  Returns (init, jacobian, known_top, warm) for the
        sweep down — the largest d reached and the points met as warm starts — or four Nones/{} when
        the cold solve failed.  Cold tops above the branch's end fail only after their whole budget
        (symmetric(7), α = 0.8 α_c = 1.2922: no solution at d ≥ 0.03, each cold call gave up after 40 s,
        while d = 0.015 converges cold in 4 s)."""
        mid = ds[len(ds) // 2]
        p = self.solve(mid)
        if not p.converged:
            return None, None, None, {}
        up = sorted(d for d in ds if d > mid)
        pts, slopes, prev = [p], [self.slope(p)], p
        predictor = self.predictor.__class__(self.predictor.param)
        predictor.add(mid, p.saddle.params)
        for d in up:
            guess = predictor.predict(d) or prev.saddle.params
            q = self.solve(d, quick=True, init=guess, jacobian=prev.jacobian)
            if not q.converged and not self._large_y[1](slopes[-1], slopes):
                mid_d = 0.5 * (prev.d + d)  # one halving (not near the end)
                qm = self.solve(mid_d, quick=True, init=prev.saddle.params, jacobian=prev.jacobian)
                if qm.converged:
                    q = self.solve(d, quick=True, init=qm.saddle.params, jacobian=qm.jacobian)
            if not q.converged:
                break
            pts.append(q)
            slopes.append(self.slope(q))
            predictor.add(d, q.saddle.params)
            prev = q
        warm = {float(q.d): (q.saddle.params, q.jacobian) for q in pts}
        return prev.saddle.params, prev.jacobian, prev.d, warm

    def _cold_budget(self) -> dict:
        """The work-clock budget of a cold y → ∞ top: that of a point above the anchors
        (:data:`numerics.problems.large_y.HIGH_BUDGET_S`), not the 30 s of a cold call below them."""
        if self.predictor is None:
            return {}
        from ..problems.large_y import HIGH_BUDGET_S
        return {"budget_s": HIGH_BUDGET_S}

    def window(self, ds, init, jacobian, known_top):
        """Sweep the window from the largest d down; returns (points, points given up at the top).
        A cold top that fails naming the largest d its path upwards reached (the branch's end lies
        there: ``largest_converged_d``) gives up every window point above that d at once (symmetric(4),
        α = 1.22: the end near d = 0.0406; four cold tops at d = 0.06 … 0.045 took 88 of the
        evaluation's 130 s before)."""
        points, prev, negative, beyond = [], None, [], []
        end_below = math.inf
        for d in ds:
            if prev is None and d > end_below * (1 + 1e-9) and len(beyond) < len(ds) // 2:
                beyond.append(LocalEntropyPoint(
                    d=d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=float(self.y),
                    note=f"not solved: above the largest d ({end_below:.6g}) that a cold path upwards reached"))
                continue
            if prev is None:
                last_chance = len(beyond) >= len(ds) // 2
                p, above_known = self.top(d, init, jacobian, known_top, last_chance)
                if not p.converged and not last_chance:
                    # no solution at the top of the window: beyond the branch's largest d (or a failed
                    # start); the window starts at the next d (at most half of it is given up)
                    end_below = min(end_below, float(getattr(p, "largest_converged_d", math.nan)) if
                                    math.isfinite(getattr(p, "largest_converged_d", math.nan)) else math.inf)
                    why = ("no solution from a Newton attempt: above the largest d of the branch at a "
                           f"smaller alpha (d = {known_top:g}), which moves to smaller d as alpha grows"
                           if above_known else "no solution: above the largest d of the branch, or a failed start")
                    # the window's d (a failed cold call reports the last d its path tried)
                    beyond.append(LocalEntropyPoint(d=d, S_I=math.nan, Sigma=math.nan, phi=math.nan,
                                                    y=float(self.y), saddle=p.saddle, status=False,
                                                    note=f"{why} ({p.note})"))
                    continue
            else:
                p = self.reach(prev.d, prev, d, 0, in_window=True)
            points.append(p)
            if not p.converged:
                break
            self.add(d, p)
            s = self.slope(p) if self.predictor is not None else (
                (prev.S_I - p.S_I) / (prev.d - d) if prev is not None else math.nan)
            if math.isfinite(s) and s <= 0:
                negative.append(s)
            elif negative:  # the slope is rising again after a negative stretch: its minimum is passed
                break
            prev = p
        return points, beyond

    def below(self, points, floor):
        """Follow the slope's dip below the window, d ← 0.8 d down to ``floor`` (y → ∞ only); appends to
        ``points`` and returns (unresolved message, extended distances)."""
        prev, extended = points[-1], []  # the smallest d of the window
        while True:
            _, s_s = _slopes(points)
            if s_s.size < 2 or s_s[0] > s_s[1]:
                return "", extended  # the slope rises again towards small d: the dip is inside
            if prev.d <= floor * (1 + 1e-9):
                return (f"the slope still falls at the floor d = {prev.d:g} (the dip lies lower): "
                        f"an alpha_U found with this evaluation is an upper bound"), extended
            d_next = max(round(0.8 * prev.d, 6), floor)
            p = self.reach(prev.d, prev, d_next, 0)
            if not p.converged:
                if self.near_end(prev) or p.branch_end:
                    p.note = (p.note + "; " if p.note else "") + "below the window: the branch ends here"
                    points.append(p)
                    extended.append(d_next)
                    return "", extended
                return (f"below the window the solve at d = {d_next:g} did not converge, with the slope "
                        f"still falling: the dip lies below d = {prev.d:g} (an alpha_U found with this "
                        f"evaluation is an upper bound)"), extended
            points.append(p)
            extended.append(d_next)
            self.add(d_next, p)
            prev = p


def _window_curve(states, alpha, y, ds, computed, beyond, kw, unresolved, extended):
    """The window's :class:`LocalEntropyCurve` (points not computed filled in), its margin and flags."""
    points = beyond + computed
    for d in ds[len(points):]:
        points.append(LocalEntropyPoint(d=d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=float(y),
                                        note="not computed: the criterion already failed at larger d"))
    points.reverse()
    curve = LocalEntropyCurve.from_points(points, y=float(y), alpha=float(alpha), states=states.name,
                                          reference=kw.get("reference", "solution"),
                                          distance=kw.get("distance", "squared"))
    curve.margin = window_margin(computed)
    curve.undecided = ""
    curve.unresolved = unresolved
    curve.extended = extended
    if not any(p.converged for p in computed):
        # nothing converged on the window: the branch's end (where S_I saturates, slope → 0+) lies
        # below the top half of the window, or every start failed.  Neither is the small-d breakup
        # the criterion looks for (a dip of the slope), so the window cannot decide at this α
        first = computed[0].d if computed else min(ds)
        curve.undecided = (f"no point of the window converged down to d = {first:g} at alpha = {alpha:g}: the "
                           f"branch ends (or every start failed) within the window's top, which the "
                           f"window criterion cannot decide")
    return curve


def dense_regions_exist(states, alpha: float, *, y: float = DEFAULT_Y, ds: Optional[Sequence[float]] = None,
                        init: Optional[dict] = None, jacobian=None, known_top: Optional[float] = None,
                        max_halvings: int = 3, floor: float = EXTEND_FLOOR, warm: Optional[dict] = None, **kw):
    """(holds, curve): the criterion of the module docstring at one α, on the window ``ds``
    (default :func:`window_for` the state set); ``curve.margin`` is the window margin
    (:func:`window_margin`).

    The window is swept from the largest d down; each point starts from the secant predictor of
    :mod:`numerics.solver.continuation` (y → ∞) or from its neighbour (finite y).  ``init``/``jacobian``
    warm-start the largest d, e.g. from the same d at a neighbouring α.  A point that fails is
    retried through up to ``max_halvings`` levels of intermediate distances.  The sweep stops at the
    first point that does not converge; a negative slope does not stop it before the slope has
    passed its minimum (so that the margin is the minimum, not the first negative value).

    The window's top.  With no warm start (y → ∞), a cold solve at the largest d of the window's lower
    half and Newton steps up the window find the largest d of the branch on it
    (:meth:`_WindowSweep.start_inside`); the sweep down then starts there.  Otherwise (finite y, or
    that cold solve failed) the first point is a full cold solve.  With one, it is a
    Newton attempt from ``init``, then a full solve from ``init``; a cold solve only as the last
    chance (when no more of the top may be given up).  ``known_top`` is the largest d where the
    branch converged at a nearby *smaller* α: the branch's large-d end moves to smaller d as α
    grows, so a window point above ``known_top`` gets the Newton attempt only (a failed full solve
    beyond the end costs minutes; excitatory(3) near 0.9 α_c: 164 s per point).  Up to half of the
    window (``len(ds) // 2`` points) may be given up from the top, so that the lower half, where
    the dip shows, is always evaluated.

    ``warm`` (y → ∞): {d: (params, jacobian)}, guesses at this α for window distances, e.g. the
    same d at neighbouring α extrapolated in α (:class:`_Search` passes them).  A point with one
    is first a Newton attempt from it (a few sweeps: the solution moves little with α), then the
    continuation in d as without it; the criterion and the points it accepts are the same.

    Below the window (y → ∞ only).  When the whole window converged and the slope's smallest value
    is at its smallest d (the dip lies lower), the sweep goes on down, d ← 0.8 d, to ``floor``, until
    the slope rises again (the dip is then inside) or the floor is reached; those points join the
    curve and the margin (``curve.extended`` lists their d).  A point there that does not converge
    where the slope has fallen below a tenth of its largest value
    (:func:`numerics.problems.large_y.near_branch_end`), or where the solve found the distance constraint's
    conjugate jumping through 0 with no root, is the branch's end: the criterion fails.  Elsewhere
    it is taken as a failed solve, the extension stops, and ``curve.unresolved`` says that the dip
    lies below the smallest converged d (an α_U found with it is an upper bound); so does reaching
    the floor with the slope still falling.  ``floor=None`` turns the extension off.
    """
    states = parse_states(states)
    ds = sorted((float(d) for d in (window_for(states) if ds is None else ds)), reverse=True)
    sweep = _WindowSweep(states, alpha, y, kw, max_halvings, warm)
    if sweep.predictor is not None and not init and len(ds) > 2:
        init, jacobian, top, up = sweep.start_inside(ds)
        if init is not None:
            known_top = top if known_top is None else min(known_top, top)
            sweep.warm = {**up, **sweep.warm}
    points, beyond = sweep.window(ds, init, jacobian, known_top)
    unresolved, extended = "", []
    window_done = bool(points) and all(p.converged for p in points) and len(points) + len(beyond) == len(ds)
    if sweep.predictor is not None and window_done and floor is not None:
        unresolved, extended = sweep.below(points, floor)
    ds = ds + extended
    curve = _window_curve(states, alpha, y, ds, list(points), beyond, sweep.kw, unresolved, extended)
    ok = bool(points and all(p.converged for p in points) and len(points) + len(beyond) == len(ds)
              and curve.margin > 0)
    return ok, curve


def alpha_u(states, *, y: float = DEFAULT_Y, ds: Optional[Sequence[float]] = None,
            bracket: Optional[Sequence[float]] = None, steps: int = 6, xtol: float = 0.005,
            progress=None, **kw) -> AlphaUResult:
    """α_U by an upward scan in α and a bracketing search (criterion and search: module docstring).

    ``bracket`` = (start, top): the scan starts at start (default :data:`START_FRACTION` = 0.88 α_c; where
    the criterion fails there, the search goes on between :data:`FALLBACK_FRACTION` = 0.8 α_c and it)
    and never goes above top (default :data:`TOP_FRACTION` = 0.995 α_c: excitatory(3) still holds at
    0.98 α_c).
    ``progress(alpha, holds, margin)`` is called after every evaluation.
    """
    states = parse_states(states)
    if not (isinstance(xtol, (int, float)) and xtol > 0):
        raise ValueError(f"xtol must be positive, got {xtol!r}")
    if ds is None:
        ds = window_for(states)
    fallback = None
    if bracket is None:
        from ..problems.equilibrium import capacity

        ac = capacity(states, **{k: kw[k] for k in ("kappa", "f_out", "bias") if k in kw}).alpha_c
        bracket = (round(START_FRACTION * ac, 6), round(TOP_FRACTION * ac, 6))
        fallback = round(FALLBACK_FRACTION * ac, 6)
    lo, top = float(bracket[0]), float(bracket[1])
    if not 0 < lo < top:
        raise ValueError(f"bracket must satisfy 0 < lo < hi, got {bracket!r}")
    search = _Search(states, y, ds, progress, kw)
    try:
        return search.run(lo, top, steps, xtol, fallback)
    except _Undecided as exc:
        held = [e["alpha"] for e in search.evals if e["holds"]]
        return search.result(max(held) if held else math.nan, math.nan, False, f"undecided: {exc}",
                             estimate=math.nan)


class _Undecided(Exception):
    """The window criterion cannot decide at this α (see dense_regions_exist)."""


class _Search:
    """The state of one α_U search: every evaluation, the margins, and the converged points at the
    largest d of each α (warm starts for the next α, and the known top of the branch)."""

    def __init__(self, states, y, ds, progress, kw):
        self.states, self.y, self.ds, self.progress, self.kw = states, y, ds, progress, kw
        fl = kw.get("floor", EXTEND_FLOOR)
        self.crit = (f"S_I(d) at y={y:g} converges and increases strictly (dS_I/dd > 0, "
                     f"{'exact slopes' if math.isinf(y) else 'finite differences'}) on d in "
                     f"[{min(ds):g}, {max(ds):g}] ({len(ds)} points)"
                     + (f", followed below the window down to d = {fl:g} while the slope falls"
                        if math.isinf(y) and fl is not None and fl < min(ds) else ""))
        self.evals: List[dict] = []
        self.starts = {}  # α -> converged point at the largest d
        self.solved = {}  # α -> {d: converged point} (y → ∞: warm starts in α, :meth:`warm_at`)
        self.margins = {}
        self.undecided_at = set()  # α of the scan where the window decided nothing (test_or_undecided)

    def warm_at(self, a: float) -> dict:
        """{d: (params, jacobian)} at α = a from the points solved at the two nearest α: the secant in
        α through them where both have the d (capped at twice their spacing), else the nearest one."""
        if not math.isinf(self.y) or not self.solved:
            return {}
        from ..problems.large_y import _param
        from ..solver.continuation import SecantPredictor

        near = sorted(self.solved, key=lambda b: abs(b - a))[:2]
        warm = {}
        for d, p in self.solved[near[0]].items():
            guess = None
            if len(near) == 2 and d in self.solved[near[1]]:
                pred = SecantPredictor(_param(self.kw.get("distance", "squared")), log=False)
                pred.add(near[1], self.solved[near[1]][d].saddle.params)
                pred.add(near[0], p.saddle.params)
                guess = pred.predict(a)
            warm[d] = (guess or p.saddle.params, p.jacobian)
        return warm

    def test(self, a: float) -> bool:
        """Does the criterion hold at α = a?  Raises _Undecided when the window cannot tell."""
        warm = {}
        if self.starts:
            near = min(self.starts, key=lambda b: abs(b - a))
            below = [b for b in self.starts if b <= a]
            warm = {"init": self.starts[near].saddle.params, "jacobian": self.starts[near].jacobian,
                    "known_top": self.starts[max(below)].d if below else None}
        ok, curve = dense_regions_exist(self.states, a, y=self.y, ds=self.ds, warm=self.warm_at(a), **warm,
                                        **self.kw)
        entry = {"alpha": a, "holds": ok, "margin": curve.margin, "d": curve.d.tolist(),
                 "S_I": curve.S_I.tolist(), "converged": curve.converged.tolist(),
                 "below_window": list(curve.extended)}
        if curve.unresolved:
            entry["unresolved"] = curve.unresolved
        if curve.undecided:
            entry.update(holds=None, margin=math.nan, note=curve.undecided)
        self.evals.append(entry)
        if self.progress is not None:
            self.progress(a, entry["holds"], entry["margin"])
        if curve.undecided:
            raise _Undecided(curve.undecided)
        done = [p for p in curve.points if p.converged]
        if done:  # the largest d that converged: a warm start for the next α, and its known top
            self.starts[a] = max(done, key=lambda p: p.d)
            self.solved[a] = {float(p.d): p for p in done if p.saddle is not None}
        self.margins[a] = curve.margin
        return ok

    def test_or_undecided(self, a: float) -> bool:
        """:meth:`test` inside the scan, after the criterion held at a smaller α: an evaluation where no
        window point converged counts as the upper side of the bracket, remembered in ``undecided_at``
        (α_U found with it is then a lower bound: the dense regions broke up there, or the solver
        lost them; excitatory(7) at α = 0.880 after 0.861 held)."""
        try:
            return self.test(a)
        except _Undecided:
            self.undecided_at.add(a)
            return False

    def result(self, lo, hi, ok, message, estimate=None) -> AlphaUResult:
        """The result on [lo, hi]: α_U at the margins' secant zero inside it, else the midpoint."""
        if estimate is None:
            estimate = secant_zero(lo, self.margins.get(lo, math.nan), hi, self.margins.get(hi, math.nan))
            if not (math.isfinite(estimate) and lo <= estimate <= hi):
                estimate = 0.5 * (lo + hi)
        bound = any(e.get("unresolved") for e in self.evals if e["alpha"] == lo and e["holds"])
        if bound:
            message += (f"; upper bound: at alpha={lo:g} the slope's dip lay below the smallest d that converged, "
                        f"so the criterion may already fail there")
        low = hi in self.undecided_at
        if low:
            message += (f"; lower bound: at alpha={hi:g} no point of the window converged (the dense regions broke "
                        f"up, or the solver lost the branch), so the criterion is not shown to fail there")
        return AlphaUResult(self.states.name, estimate, [lo, hi], self.y, ok, message, self.crit, self.evals,
                            upper_bound=bound, lower_bound=low)

    def run(self, lo: float, top: float, steps: int, xtol: float, fallback: Optional[float] = None) -> AlphaUResult:
        """The upward scan from lo (steps guided by the margins, at most (top − lo)/steps), then the
        bracketing search on [lo, hi] (module docstring).  Where the criterion fails at lo and a
        ``fallback`` < lo is given, the bracketing search runs on [fallback, lo] instead."""
        margins = self.margins
        try:
            first = self.test(lo)
        except _Undecided:
            # no window point converged at the scan's start: for the finest sets the branch there ends
            # below the window's middle and cold solves fail (symmetric(14) at 0.8 α_c: d = 0.01 has no
            # root, 0.005 and 0.0025 no cold start), while at 0.85 of it the branch reaches d = 0.02 and
            # the window decides (margin 3.39).  Start there once; the scan then climbs with warm starts
            lo = round(LOWER_START * lo, 6)
            first = self.test(lo)
        hi, prev = None, None
        if not first and fallback is not None and fallback < lo:
            hi, lo = lo, fallback
            first = self.test_or_undecided(lo)
        if not first:
            return self.result(math.nan, lo, False, f"the criterion already fails at the lower end alpha={lo:g}",
                               estimate=math.nan)
        max_step = (top - lo) / steps
        while hi is None:
            a = lo + max_step
            if prev is not None:  # margin-guided step: aim just past the extrapolated zero
                z = secant_zero(prev, margins[prev], lo, margins[lo])
                if math.isfinite(z) and z > lo:
                    a = min(a, max(z + 0.4 * xtol, lo + xtol))
            a = min(a, top)
            if a <= lo:
                break
            if self.test_or_undecided(a):
                prev, lo = lo, a
            else:
                hi = a
        if hi is None:
            return self.result(lo, math.nan, False, f"the criterion still holds at the upper end alpha={lo:g}",
                               estimate=math.nan)
        last_side, streak = None, 0
        while hi - lo > xtol:
            w, mid = hi - lo, 0.5 * (lo + hi)
            z = secant_zero(lo, margins.get(lo, math.nan), hi, margins.get(hi, math.nan))
            if math.isfinite(z) and streak < 2:
                a = z + math.copysign(0.4 * xtol, mid - z)
                a = min(max(a, lo + 0.05 * w), hi - 0.05 * w)
            else:  # no usable margins, or one side keeps moving (regula falsi stalling): bisect
                a, streak = mid, 0
            side = "lo" if self.test_or_undecided(a) else "hi"
            if side == "lo":
                lo = a
            else:
                hi = a
            streak = streak + 1 if side == last_side else 0
            last_side = side
        return self.result(lo, hi, True, f"bracket shorter than {xtol:g} after {len(self.evals)} evaluations")


CACHE_CRITERION = ("converged, slope dip > 0 and S_I(d_min) > 0, top 0.995 alpha_c; "
                   f"dip followed below the window to d = {EXTEND_FLOOR:g}")


def alpha_u_cache_key(states) -> dict:
    """The on-disk cache key (:mod:`numerics.storage.cache`) of α_U at the defaults (y → ∞, the window of
    :func:`window_for`, xtol 0.005, the scan from 0.88 α_c (0.8 where it fails there) to 0.995 α_c); shared by ``fewbits alpha-u --table
    --cache`` and ``fewbits paper``, so a table computed once is drawn by the main job."""
    S = parse_states(states)
    return {"kind": "alpha_u", "states": S.name, "y": DEFAULT_Y, "window": [float(d) for d in window_for(S)],
            "xtol": 0.005, "criterion": CACHE_CRITERION, "outer_rule": "edges at W~ switches and log H turn",
            "scan": [START_FRACTION, FALLBACK_FRACTION, TOP_FRACTION]}


def cached_alpha_u(states, cache=None, *, compute_missing: bool = True, progress=None) -> Optional[dict]:
    """α_U at the defaults as a dict (``alpha_U``, ``interval``, ``y``, ``converged``, ``message``),
    read from the cache folder ``cache`` when it holds it, else computed (and stored there).  With
    ``compute_missing=False`` only a cached result is returned (None when there is none)."""
    from ..storage.cache import cached, load

    key = alpha_u_cache_key(states)
    if not compute_missing:
        return load(cache, key)[1] if cache is not None else None

    def compute():
        r = alpha_u(states, y=DEFAULT_Y, ds=key["window"], xtol=0.005, progress=progress)
        f = lambda v: float(v) if v is not None else math.nan  # noqa: E731
        return {"alpha_U": f(r.alpha_U), "interval": [f(r.interval[0]), f(r.interval[1])], "y": f(r.y),
                "converged": bool(r.converged), "upper_bound": bool(r.upper_bound),
                "lower_bound": bool(r.lower_bound), "message": str(r.message)}

    return cached(cache, key, compute)


def alpha_u_table(state_sets: Sequence[str] = TABLE_SETS, *, y: float = DEFAULT_Y, cache=None, progress=None,
                  scheduler=None, workers=None, **kw) -> List[dict]:
    """α_U and α_c side by side, with bits = log2 L.  With a ``cache`` folder (y → ∞ and default
    settings only) each row is read from / stored in it (:func:`cached_alpha_u`).  ``scheduler``: None
    (this process, ``progress(alpha, holds, margin)`` after every evaluation), or ``"local"`` / a Dask
    address / ``"none"``: one task per set (:mod:`numerics.analyses.sweep`; ``progress`` is then not called)."""
    if scheduler is None:
        return [_table_row(name, y, cache, progress, kw) for name in state_sets]
    from .sweep import run_all

    warm = [("numerics.problems.equilibrium", "derived", ()), ("numerics.problems.large_y", "derived_large_y", ("squared",))]
    return run_all(_table_row, [(name, y, None if cache is None else str(cache), None, kw) for name in state_sets],
                   scheduler, workers, warm=warm, label="alpha-u-table")


def _table_row(name, y, cache, progress, kw) -> dict:
    """One row of :func:`alpha_u_table` (a task of its own on a cluster)."""
    from ..problems.equilibrium import capacity
    from ..problems.large_y_path import MEMO

    MEMO.clear()  # the row does not depend on what this process solved before
    S = parse_states(name)
    c = capacity(S)
    if cache is not None and y == DEFAULT_Y and not kw:
        r = cached_alpha_u(S, cache, progress=progress)
    else:
        r = alpha_u(S, y=y, progress=progress, **kw).as_dict()
    return {"states": S.name, "L": S.L, "bits": S.bits, "alpha_U": r["alpha_U"], "interval": r["interval"],
            "alpha_c": c.alpha_c, "y": r["y"], "converged": bool(r["converged"] and c.converged),
            "upper_bound": bool(r.get("upper_bound", False)), "lower_bound": bool(r.get("lower_bound", False)),
            "message": r["message"]}
