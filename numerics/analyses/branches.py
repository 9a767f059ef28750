"""The y → ∞ curve above α_U: its two branches, and how far the small-d branch reaches.

Above α_U (:mod:`numerics.analyses.alpha_u`) the y → ∞ curve S_I(d) is no longer one branch.  The dip of
the slope dS_I/dd = Δ²Ŝ/2 has touched 0 and opened a *gap* in d where the saddle-point equations
have no solution with Ŝ > 0.  Two branches remain:

* the **small-d branch**, from d → 0 (where S_I hugs the α = 0 ball) up to an end d_end(α) where its
  slope reaches 0+;
* the **large-d branch**, from a start d_start(α) (slope 0+ again) up to where S_I saturates at the
  equilibrium entropy.

The small-d branch ends *higher* than the large-d branch starts, so the curve drops across the gap:
binary synapses at α = 0.765 (α_U = 0.7555), small-d branch S_I = 0.03596 at d = 0.013 (slope 0.04),
large-d branch S_I = 0.03435 at d = 0.030 (slope 0.002).  Continuation in d from above (what the α_U
criterion does) never sees the small-d branch; a cold solve at small d does not find it either.
It is reached by continuation in α at fixed small d from a load where the curve is still connected,
then in d upwards: :func:`large_y_branches`.

d_end(α) moves to smaller d as α grows, so dense regions of a given radius outlive α_U:
:func:`dense_region_limit` (α-continuation at fixed d until the slope there reaches 0+) gives the
largest load at which the small-d branch still reaches distance d.  Binary synapses (α_U = 0.7550
in [0.7536, 0.7565], α_c = 0.8331):

    d        0.02    0.015   0.0125  0.01    0.0075  0.005
    α        0.7554  0.7611  0.7685  0.7807  0.8003  0.8108 (S_I meets s(α))

For d above the dip of the slope the continuation in α follows the large-d branch instead, whose
start passes d (binary, d = 0.03: α = 0.7652); the result says so (``branch``) and is not a
success.  Symmetric(3) (α_U = 1.0851, dip near d = 0.008): the small-d branch reaches d = 0.006 up
to α = 1.0892, d = 0.004 up to 1.1058.

At d = 0.005 the branch ends not by its slope but where its S_I reaches the equilibrium entropy
s(α): beyond, more solutions would lie within d of the reference than exist at all.  The source
papers' α_U ≈ 0.77 for binary synapses lies inside this table (d ≈ 0.012), above the α where the gap
opens (0.7554, d ≈ 0.021, which is α_U by the criterion of :mod:`numerics.analyses.alpha_u`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from theory.states import parse_states

from ..solver.continuation import SecantPredictor, secant_zero
from ..problems.results import LocalEntropyCurve, LocalEntropyPoint, check_distance

__all__ = ["DenseRegionLimit", "Branches", "dense_region_limit", "large_y_branches", "continue_in_alpha"]


def _check_alpha(name: str, a) -> float:
    if not (isinstance(a, (int, float, np.floating, np.integer)) and math.isfinite(a) and a > 0):
        raise ValueError(f"{name} must be a positive load, got {a!r}")
    return float(a)


def _start(states, alpha_from: float, d: float, distance: str, kappa: float) -> LocalEntropyPoint:
    """The y → ∞ point at (alpha_from, d), by continuation in d from the α_U window's top down to d
    (alpha_from must lie below α_U, where the curve is connected from d → 0)."""
    from .alpha_u import dense_regions_exist, window_for

    ds = [x for x in window_for(states) if x > d * (1 + 1e-9)] + [d]
    _, curve = dense_regions_exist(states, alpha_from, ds=ds, distance=distance, kappa=kappa)
    return curve.points[0]  # the points are in increasing d: the first is d


def continue_in_alpha(states, d: float, start: LocalEntropyPoint, alpha_from: float, alpha_to: float, *,
                      step: float, xtol: float, distance: str = "squared", kappa: float = 0.0,
                      progress: Optional[Callable] = None,
                      accept: Optional[Callable] = None) -> Tuple[List[Tuple[float, LocalEntropyPoint]], float]:
    """Continuation of a converged y → ∞ point ``start`` at (alpha_from, d) in α at fixed d, up to
    ``alpha_to``.  Each step is predicted by the secant in α of :mod:`numerics.solver.continuation`, then
    solved by Newton (at most 30 iterations) and, if that fails while the slope is not yet near 0,
    by capped damped sweeps; a failed step is halved until it is shorter than ``xtol``.  Then, unless
    slope² extrapolated along its secant through the last two loads is ≤ 0 at the failed load (the fold
    lies inside the bracket: a real end), the failed load gets one cold call (``solve_large_y`` without a
    start); if it converges the continuation goes on from it, with full steps or half the way to the
    fold that slope² predicts, whichever is shorter.

    ``accept(α, point)``, if given, may reject a converged point (it then counts as a failure).

    Returns ([(α, point), …] of converged points, starting with ``start``; α_fail) where α_fail
    is the smallest α that failed (NaN when ``alpha_to`` was reached)."""
    from ..problems.large_y import _param, near_branch_end, slope, solve_large_y

    if not start.converged or start.saddle is None:
        raise ValueError("continue_in_alpha needs a converged start point")
    predictor = SecantPredictor(_param(distance), log=False)
    predictor.add(alpha_from, start.saddle.params)
    path = [(float(alpha_from), start)]
    slopes = [slope(start)]
    a, h, failed = float(alpha_from), float(step), math.nan
    cold_tried, rejected = set(), set()
    while a < alpha_to - 1e-12:
        if math.isfinite(failed):  # never retry a load that failed: bisect towards it
            if failed - a < xtol:
                if failed in cold_tried or failed in rejected or failed >= _fold_by_slope2(path, slopes):
                    break
                # the bracket is closed but the slope², extrapolated along its secant, is still positive
                # at the failed load: the continuation may have lost the branch rather than the branch
                # its end.  One cold call at the failed load (its own anchors and path in d) decides
                # (excitatory(3), d = 0.005: steps failed at α = 0.6003 with the slope at 10.3;
                # d = 0.0035: at α = 0.6958 with the slope at 0.98, while cold calls converge at 0.6965
                # and 0.698, slope 0.78 and 0.52).  Where the secant reaches 0 inside the bracket the
                # end is real and the cold call is not made: in a gap it fails on its whole clock
                # (binary, d = 0.0125, α = 0.76852: 34 s of the radius's 43 s)
                cold_tried.add(failed)
                p = solve_large_y(states, failed, d, distance=distance, kappa=kappa)
                if progress is not None:
                    progress(failed, p)
                if not (p.converged and (accept is None or accept(failed, p))):
                    break
                path.append((failed, p))
                predictor.add(failed, p.saddle.params)
                slopes.append(slope(p))
                # go on from it: full steps on a branch that was lost far from its end, half the way
                # to the fold that slope² predicts near a real end (excitatory(3), d = 0.01: the cold
                # call converged at 0.72818 with the slope at 0.022, and full steps from there cost 40 s
                # of failed solves)
                a, failed = failed, math.nan
                h = min(float(step), max(xtol, 0.5 * (_fold_by_slope2(path, slopes) - a)))
                continue
            h = min(h, 0.5 * (failed - a))
        target = min(a + h, alpha_to)
        prev = path[-1][1]
        guess = predictor.predict(target) or prev.saddle.params
        p = solve_large_y(states, target, d, distance=distance, kappa=kappa, init=guess, jacobian=prev.jacobian,
                          newton_only=True, newton_maxiter=30)
        if not p.converged and not near_branch_end(slopes[-1], slopes):
            p = solve_large_y(states, target, d, distance=distance, kappa=kappa, init=prev.saddle.params,
                              jacobian=prev.jacobian, maxiter=60)
        if progress is not None:
            progress(target, p)
        if p.converged and (accept is None or accept(target, p)):
            path.append((target, p))
            predictor.add(target, p.saddle.params)
            slopes.append(slope(p))
            a = target
            continue
        if p.converged:
            rejected.add(target)  # by ``accept``: a cold call would find the same point
        failed = target  # below any earlier failure: loads at or above it are never tried again
    return path, failed


def _fold_by_slope2(path, slopes) -> float:
    """The load where slope² reaches 0 along its secant through the last two converged loads: the fold
    where the branch ends (slope² is linear in α near a fold, where the slope goes like √(α* − α)).
    +inf when slope² is not falling or there is one load."""
    if len(path) < 2:
        return math.inf
    (a1, _), (a2, _) = path[-2:]
    g1, g2 = slopes[-2] ** 2, slopes[-1] ** 2
    return a2 + g2 * (a2 - a1) / (g1 - g2) if g1 > g2 else math.inf


@dataclass
class DenseRegionLimit:
    """The largest load ``alpha`` at which the y → ∞ small-d branch still reaches distance ``d``
    (bracket ``interval`` = [last α where it exists, first α where it does not]), with every step
    of the continuation in ``path`` (α, S_I, slope, converged, residual).  ``branch`` says which
    branch ended at d: "small-d" (the answer), or "large-d" when d lies above the dip of the slope
    (then ``success`` is False: ``alpha`` is where the large-d branch's start passes d)."""

    states: str
    d: float
    alpha: float
    interval: List[float]
    success: bool
    message: str
    criterion: str
    path: List[dict] = field(default_factory=list)
    branch: str = ""

    def as_dict(self) -> dict:
        return {"states": self.states, "d": self.d, "alpha": self.alpha, "interval": self.interval,
                "success": self.success, "message": self.message, "criterion": self.criterion,
                "branch": self.branch, "path": self.path}


CRITERION = ("y -> inf; the small-d branch continued in alpha at fixed d from alpha_from (below alpha_U, where "
             "the curve is connected from d -> 0); it ends where its slope dS_I/dd = Delta^2 Sh/2 reaches 0+; "
             "alpha = zero of the slope's secant in alpha, inside [last alpha converged, first alpha failed]")


def dense_region_limit(states, d: float, *, alpha_from: Optional[float] = None, step: Optional[float] = None,
                       xtol: float = 5e-4, distance: str = "squared", kappa: float = 0.0,
                       progress: Optional[Callable] = None) -> DenseRegionLimit:
    """The largest α at which the small-d branch of the y → ∞ curve reaches distance ``d``.

    Start at ``alpha_from`` (default 0.8 α_c, below α_U for every set of the α_U table) at distance d,
    continue in α at fixed d (:func:`continue_in_alpha`, steps ``step``, default 0.01 α_c, halved on
    failure down to ``xtol``).  The branch ends where the slope at d reaches 0+ (α: the zero of the
    slope's secant through the last two converged loads, kept inside the bracket), or where its S_I
    reaches the equilibrium entropy s(α) (every solution would lie within d of the reference; binary,
    d = 0.005: near α = 0.81; α: the zero of S_I − s by the secant through the bracket).  Continuation that
    reaches α_c without failing is reported as such (``success`` False: no end found below α_c).
    """
    from ..problems.equilibrium import capacity, solve_equilibrium
    from ..problems.large_y import slope

    states = parse_states(states)
    check_distance(d, distance)
    if not (isinstance(xtol, (int, float)) and xtol > 0):
        raise ValueError(f"xtol must be positive, got {xtol!r}")
    for name, v in (("alpha_from", alpha_from), ("step", step)):
        if v is not None:
            _check_alpha(name, v)
    ac = capacity(states, kappa=kappa).alpha_c
    a0 = _check_alpha("alpha_from", 0.8 * ac if alpha_from is None else alpha_from)
    h = _check_alpha("step", 0.01 * ac if step is None else step)
    start = _start(states, a0, float(d), distance, kappa)
    base = dict(states=states.name, d=float(d), criterion=CRITERION)
    if not start.converged:
        return DenseRegionLimit(alpha=math.nan, interval=[math.nan, math.nan], success=False,
                                message=f"no y -> inf solution at alpha_from = {a0:g}, d = {d:g} (continuation in d "
                                        f"from the alpha_U window failed; try a smaller alpha_from)", **base)
    entropy, above = {}, {}

    def s_eq(a):
        if a not in entropy:
            e = solve_equilibrium(states, a, kappa=kappa)
            entropy[a] = e.value if e.converged else math.nan
        return entropy[a]

    def accept(a, p):
        # S_I ≤ s(α): no more solutions lie within d of the reference than there are in all
        ok = not (p.S_I >= s_eq(a))
        if not ok:
            above[a] = p.S_I
        return ok

    path, failed = continue_in_alpha(states, float(d), start, a0, ac, step=h, xtol=xtol, distance=distance,
                                     kappa=kappa, progress=progress, accept=accept)
    return _limit_from_path(states, float(d), path, failed, s_eq, entropy, above, ac, xtol, distance, kappa, base)


def _limit_from_path(states, d, path, failed, s_eq, entropy, above, ac, xtol, distance, kappa, base):
    """The :class:`DenseRegionLimit` from a continuation in α at fixed d: the estimate of the end inside
    the bracket [last converged load, failed load] (the zero of S_I − s or of the slope by the secant)
    and the message saying which criterion ended the branch."""
    from ..problems.large_y import slope

    rows = [{"alpha": a, "S_I": p.S_I, "slope": slope(p), "s_eq": s_eq(a), "converged": True, "residual": p.residual}
            for a, p in path]
    if math.isfinite(failed):
        rows.append({"alpha": failed, "S_I": above.get(failed, math.nan), "slope": math.nan,
                     "s_eq": entropy.get(failed, math.nan), "converged": False, "residual": math.nan})
    lo = path[-1][0]
    if not math.isfinite(failed):
        return DenseRegionLimit(alpha=math.nan, interval=[lo, math.nan], success=False, path=rows,
                                message=f"the small-d branch still exists at alpha_c = {ac:.4f}: no end found", **base)
    zero = math.nan
    by_entropy = failed in above
    if by_entropy:  # the branch's S_I meets s(α): zero of S_I − s by the secant through the bracket
        g_lo, g_hi = rows[-2]["S_I"] - rows[-2]["s_eq"], rows[-1]["S_I"] - rows[-1]["s_eq"]
        if g_hi > g_lo:
            zero = secant_zero(lo, g_lo, failed, g_hi)
    elif len(path) >= 2:  # the slope at d reaches 0: its secant through the last two converged loads
        (a1, p1), (a2, p2) = path[-2:]
        if slope(p1) > slope(p2):
            zero = secant_zero(a2, slope(p2), a1, slope(p1))
    est = min(max(zero, lo), failed) if math.isfinite(zero) else 0.5 * (lo + failed)
    ok = failed - lo <= xtol
    branch = "small-d" if by_entropy else _which_branch(states, path, float(d), distance, kappa)
    how = (f"S_I reaches the equilibrium entropy s(alpha) there ({rows[-1]['S_I']:.5f} >= {rows[-1]['s_eq']:.5f} "
           f"at {failed:.5f}): beyond, more solutions than exist would lie within d" if by_entropy
           else f"slope {rows[len(path) - 1]['slope']:.3g} at {lo:.5f}")
    if branch == "small-d":
        msg = f"the small-d branch reaches d = {d:g} up to alpha = {est:.5f}"
    else:
        ok = False
        msg = (f"d = {d:g} lies above the dip of the slope: the branch followed is the large-d one, whose start "
               f"passes d at alpha = {est:.5f}; the small-d branch ends below d there")
    msg += f" (bracket [{lo:.5f}, {failed:.5f}]; {how})"
    if failed - lo > xtol:
        msg += f"; bracket wider than xtol = {xtol:g}"
    return DenseRegionLimit(alpha=est, interval=[lo, failed], success=ok, message=msg, path=rows, branch=branch,
                            **base)




def _side_of_dip(states, alpha: float, d: float, p, distance: str, kappa: float) -> str:
    """"small-d" when the slope dS_I/dd falls as d grows at (α, d) (d below the dip of the slope),
    "large-d" when it rises, "" when neither neighbour converges: Newton solves at d (1 ∓ 0.5 %) from the
    converged point ``p`` (with its Jacobian, then, where that fails, with a fresh finite-difference one:
    the Jacobian carried along a continuation in α is Broyden-updated and its last bits depend on
    rounding; symmetric(3), α = 1.1334, d = 0.015 × 1.005 failed with it, residual 0.005, after a change
    of the functional's summation order, and the lone neighbour at 0.995 d called the large-d branch
    small-d); when only one converges, the side it lies on."""
    from ..problems.large_y import _fresh_warm, slope, solve_large_y

    near = []
    for f in (0.995, 1.005):
        q = solve_large_y(states, alpha, d * f, distance=distance, kappa=kappa, init=p.saddle.params,
                          jacobian=p.jacobian, newton_only=True, newton_maxiter=30)
        if not q.converged:
            q = _fresh_warm(parse_states(states), alpha, d * f, p.saddle.params, q, distance, kappa, {}) or q
        near.append(slope(q) if q.converged else math.nan)
    lo, hi = near
    if math.isfinite(lo) and math.isfinite(hi):
        return "small-d" if hi < lo else "large-d"
    if math.isfinite(lo) or math.isfinite(hi):
        return "small-d" if math.isfinite(lo) else "large-d"
    return ""


def _which_branch(states, path, d: float, distance: str, kappa: float) -> str:
    """Which branch a continuation in α at fixed d followed to its end (slope → 0+): on the small-d
    branch the slope falls as d grows (towards its end), on the large-d branch it rises (from its
    start).  Measured at the last load of ``path`` whose slope is still at least 4 times the end's (and
    0.02): Newton solves at d (1 ∓ 0.5 %) from it; the sign of the slope's difference decides, or which
    of the two exists when only one does (the end point itself is a fold, where Newton from it fails
    on either side).  When neither converges: one solve at d (1 + 2 %) from the end point, which exists
    only on the large-d branch."""
    from ..problems.large_y import slope, solve_large_y

    s_end = slope(path[-1][1])
    a, p = next(((a, p) for a, p in reversed(path[:-1]) if slope(p) >= max(4 * s_end, 0.02)), path[-1])
    side = _side_of_dip(states, a, d, p, distance, kappa)
    if side:
        return side
    p = path[-1][1]
    q = solve_large_y(states, path[-1][0], d * 1.02, distance=distance, kappa=kappa, init=p.saddle.params,
                      jacobian=p.jacobian, newton_only=True, newton_maxiter=30)
    return "small-d" if not q.converged or slope(q) < slope(p) else "large-d"


@dataclass
class Branches:
    """The y → ∞ curve at one α as its branches: ``large`` (continuation in d from the largest d
    down) and ``small`` (from the smallest d up, started by continuation in α at fixed d from a
    load below α_U); ``small`` is None when the large-d sweep already reached every d."""

    alpha: float
    large: LocalEntropyCurve
    small: Optional[LocalEntropyCurve]
    message: str

    @property
    def connected(self) -> bool:
        return self.small is None

    @property
    def gap(self) -> Tuple[float, float]:
        """(largest d of the small-d branch, smallest d of the large-d branch) among the grid's points
        (NaN where a branch has no converged point)."""
        if self.small is None:
            return (math.nan, math.nan)
        sm = self.small.d[self.small.converged]
        lg = self.large.d[self.large.converged]
        return (float(sm.max()) if sm.size else math.nan, float(lg.min()) if lg.size else math.nan)

    def merged(self) -> LocalEntropyCurve:
        """One curve on the grid: at each d the larger S_I of the branches that converged there (the
        references of maximal local entropy); where neither converged, a point without value
        (S_I NaN, not converged) whose note says why.  When no grid point lies in the gap, one such
        point is added at its middle, so that plots draw the curve broken there."""
        if self.small is None:
            return self.large
        pts = []
        lo, hi = self.gap
        for ps, pl in zip(self.small.points, self.large.points):
            cands = [p for p in (ps, pl) if p.converged]
            if cands:
                pts.append(max(cands, key=lambda p: p.S_I))
                continue
            where = ("in the gap between the branches (no solution with Sh > 0)" if lo < ps.d < hi
                     else "neither branch converged here")
            pts.append(LocalEntropyPoint(d=ps.d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=math.inf,
                                         note=f"{where}; small-d branch: {ps.note}; large-d branch: {pl.note}"))
        if math.isfinite(lo) and math.isfinite(hi) and not any(lo < p.d < hi for p in pts):
            # no grid point in the gap: one without value at its middle, so that the curve is drawn broken
            mid = 0.5 * (lo + hi)
            pts.append(LocalEntropyPoint(d=mid, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=math.inf,
                                         note=f"in the gap between the branches (d = {lo:g} … {hi:g}; not a grid "
                                              "point: marks the break)"))
            pts.sort(key=lambda p: p.d)
        return LocalEntropyCurve.from_points(pts, y=math.inf, alpha=self.alpha, states=self.large.states,
                                             reference=self.large.reference, distance=self.large.distance,
                                             kind="local-entropy (y → ∞ equations), both branches")

    def as_dict(self) -> dict:
        return {"alpha": self.alpha, "message": self.message, "gap": list(self.gap),
                "large": self.large.as_dict(), "small": None if self.small is None else self.small.as_dict()}


def _large_branch_bottom(large: LocalEntropyCurve) -> float:
    """The smallest d of the large-d branch in a sweep from the largest d down: the run of converged
    points from the top along which S_I falls as d falls (on one branch the slope Δ²Ŝ/2 is > 0).  A
    point below the run's end, converged by a cold call, lies on the small-d branch: below the first
    failure (binary, α = 0.765: d = 0.004 below the gap), or where S_I rises as d falls — the sweep
    from d = 0.03 to 0.013 on a coarse grid converged there by a direct solve on the small-d branch
    (S_I 0.0360 against 0.0343), which made the two branches look connected."""
    top, last = math.inf, math.inf
    for i in np.argsort(large.d)[::-1]:
        if not large.converged[i] or large.S_I[i] > last:
            break
        top, last = float(large.d[i]), float(large.S_I[i])
    return top


def large_y_branches(states, alpha: float, ds: Sequence[float], *, alpha_from: Optional[float] = None,
                     step: Optional[float] = None, distance: str = "squared", kappa: float = 0.0) -> Branches:
    """Both branches of the y → ∞ curve on the grid ``ds`` at load ``alpha``.

    The large-d branch: :func:`numerics.problems.large_y.large_y_curve` swept down.  If it does not reach the
    smallest d, the small-d branch: continuation in α at d_min = min(ds) from ``alpha_from``
    (default 0.8 α_c) up to ``alpha`` (:func:`continue_in_alpha`), then ``large_y_curve`` swept up
    from there.  Points of each branch that do not converge (the gap, or beyond the branch's end)
    are reported as such, with the reason in their note."""
    from ..problems.equilibrium import capacity
    from ..problems.large_y import large_y_curve

    states = parse_states(states)
    alpha = _check_alpha("alpha", alpha)
    ds = [float(x) for x in ds]
    if not ds:
        raise ValueError("ds must hold at least one distance")
    for x in ds:
        check_distance(x, distance)
    large = large_y_curve(states, alpha, ds, distance=distance, kappa=kappa, sweep="down")
    top = _large_branch_bottom(large)
    if top <= min(ds):
        return Branches(alpha, large, None, "connected: the sweep from the largest d reached every d")
    ac = capacity(states, kappa=kappa).alpha_c
    a0 = _check_alpha("alpha_from", 0.8 * ac if alpha_from is None else alpha_from)
    d0 = min(ds)
    if a0 >= alpha:
        return Branches(alpha, large, None, f"alpha_from = {a0:g} is not below alpha = {alpha:g}: no small-d branch "
                                           "traced")
    start = _start(states, a0, d0, distance, kappa)
    if not start.converged:
        return Branches(alpha, large, None, f"no start for the small-d branch at alpha_from = {a0:g}, d = {d0:g}")
    path, failed = continue_in_alpha(states, d0, start, a0, alpha, step=_check_alpha(
        "step", 0.01 * ac if step is None else step), xtol=1e-4, distance=distance, kappa=kappa)
    a_end, p_end = path[-1]
    if abs(a_end - alpha) > 1e-12:
        return Branches(alpha, large, None, f"the small-d branch at d = {d0:g} ends below alpha = {alpha:g} (last "
                                           f"converged at {a_end:.5f}, failed at {failed:.5f})")
    if any(x < top and c for x, c in zip(large.d, large.converged)):
        large = LocalEntropyCurve.from_points(
            [p if p.d >= top else LocalEntropyPoint(d=p.d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=math.inf,
                                                    note=f"below the gap (the large-d branch ends at d = {top:g}): "
                                                         "the small-d branch")
             for p in large.points], y=math.inf, alpha=alpha, states=states.name, reference=large.reference,
            distance=distance, kind=large.kind)
    # the up sweep stops below the large-d branch's smallest converged d (past the small-d branch's
    # end each point is a failed Newton attempt, seconds apiece)
    below = [x for x in ds if x < top]
    part = large_y_curve(states, alpha, below, distance=distance, kappa=kappa, sweep="up",
                         init=p_end.saddle.params, jacobian=p_end.jacobian)
    got = dict(zip(below, part.points))
    pts = [got[x] if x in got else LocalEntropyPoint(
        d=x, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=math.inf,
        note=f"not computed: at or above d = {top:g}, where the large-d branch converged") for x in ds]
    small = LocalEntropyCurve.from_points(pts, y=math.inf, alpha=alpha, states=states.name, reference=part.reference,
                                          distance=distance, kind=part.kind)
    small.kind = "local-entropy (y → ∞ equations), small-d branch"
    large.kind = "local-entropy (y → ∞ equations), large-d branch"
    return Branches(alpha, large, small, "two branches: the small-d one reached by continuation in alpha at "
                                         f"d = {d0:g} from alpha = {a0:g}")
