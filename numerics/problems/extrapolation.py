"""The y → ∞ local entropy by extrapolation of finite-y saddle points: the check of the y → ∞ equations.

physics.md §3.2 accepts the y → ∞ equations (:mod:`numerics.problems.large_y`) only where they agree with
the finite-y solutions extrapolated in y; this module provides that extrapolation.  The finite-y
equations, in the domain-keeping parametrisation of :mod:`numerics.problems.local_entropy` with Newton–Broyden
continuation, converge up to y ≈ 40 for binary synapses.  S_I(y) is then extrapolated to y → ∞ with two
three-parameter models, fitted by least squares to the ladder of y values:

    model "1/y":       S_I(y) = a + b/y + c/y²
    model "1/sqrt(y)": S_I(y) = a + b/√y + c/y

and the model with the smaller rms residual is reported (both values are kept in the point's note,
their difference is the extrapolation uncertainty), among those whose limit is not below the
largest-y value (S_I is non-decreasing in y because yΦ is convex in y).

What the finite-y solutions show (binary, α = 0.5, d = 0.1, reference a solution, y = 3 … 40):
at large y the approach is in powers of 1/y, not 1/√y.  y(Q̃ − P), y(S − R) and y(q1 − q0) tend
to constants (≈ 2.65, 1.66, 1.10), as do y(q̂1 − q̂0) (≈ 0.295), Q̂̃/y (≈ 0.56) and yR̂ (≈ 0.41),
while P̂ turns negative near y ≈ 12 and tends to ≈ −0.04; the early decay of 1 − P looks like
y^(−1/2) only below y ≈ 10.  S_I = 0.22559, 0.22986, 0.23163, 0.23300, 0.23350 at y = 10, 15, 20,
30, 40 (Σ = 0.131 … −0.0007: Σ crosses zero near y = 40), and the 1/y fits of ladders from
y ≥ 10 agree on 0.2344–0.2348.  Hence the default ladder (15, 20, 30, 40).  Σ is reported at the largest y of the ladder,
together with the largest y at which Σ ≥ 0 (where Σ < 0 the RS answer at that y is unphysical).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from theory.states import parse_states

from ..solver.continuation import SecantPredictor
from .local_entropy import LocalEntropyCurve, LocalEntropyPoint, _param, check_distance, solve_local_entropy

__all__ = ["Extrapolation", "check_against_ladder", "extrapolate", "y_ladder", "solve_local_entropy_inf", "local_entropy_curve_inf",
           "DEFAULT_YS", "check_ladder_ys"]

DEFAULT_YS = (15.0, 20.0, 30.0, 40.0)


def check_ladder_ys(ys, name: str = "ys") -> List[float]:
    """The y values of a ladder to extrapolate from: at least three, increasing, > 0 (ValueError
    naming ``name`` otherwise).  Returns them as floats."""
    ys = [float(y) for y in ys]
    if len(ys) < 3 or ys[0] <= 0 or any(b <= a for a, b in zip(ys, ys[1:])):
        raise ValueError(f"{name} needs at least three increasing values > 0, got {ys}")
    return ys


@dataclass
class Extrapolation:
    value: float
    model: str
    fits: Dict[str, tuple]  # model -> (value, rms residual)
    spread: float           # |difference between the two models' values|

    def describe(self) -> str:
        parts = [f"{m}: {v:.6f} (rms {r:.1e})" for m, (v, r) in self.fits.items()]
        return f"extrapolated with {self.model}; " + "; ".join(parts)


def extrapolate(ys: Sequence[float], values: Sequence[float], increasing: bool = True) -> Extrapolation:
    """Fit both models to (y, value) and keep the better; needs at least three points.

    With ``increasing`` (S_I, which cannot decrease with y) a model whose limit lies below the value
    at the largest y is rejected.  Of the admissible models the one with the clearly smaller rms
    residual is kept when there are at least four points; otherwise "1/y", the scaling the
    finite-y solutions show at large y (see the module docstring)."""
    ys = np.asarray(ys, dtype=float)
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & np.isfinite(ys)
    ys, v = ys[ok], v[ok]
    if ys.size < 3:
        raise ValueError(f"extrapolation needs at least three finite values, got {ys.size}")
    models = {"1/y": np.stack([np.ones_like(ys), 1 / ys, 1 / ys**2], 1),
              "1/sqrt(y)": np.stack([np.ones_like(ys), 1 / np.sqrt(ys), 1 / ys], 1)}
    fits = {}
    for name, X in models.items():
        coef, *_ = np.linalg.lstsq(X, v, rcond=None)
        rms = float(np.sqrt(np.mean((X @ coef - v) ** 2)))
        fits[name] = (float(coef[0]), rms)
    vals = [f[0] for f in fits.values()]
    # S_I(y) is non-decreasing (yΦ is convex in y), so a limit below the largest-y value is a bad fit
    top = float(v[np.argmax(ys)])
    admissible = [m for m in fits if not increasing or fits[m][0] >= top - 1e-9] or list(fits)
    if len(admissible) == 2 and ys.size >= 4 and max(f[1] for f in fits.values()) > 2 * min(f[1] for f in fits.values()) + 1e-12:
        best = min(admissible, key=lambda m: fits[m][1])  # enough points to tell the models apart
    else:
        best = "1/y" if "1/y" in admissible else admissible[0]  # the large-y scaling observed (module doc)
    return Extrapolation(fits[best][0], best, fits, float(abs(vals[0] - vals[1])))


def y_ladder(states, alpha, d, ys=DEFAULT_YS, *, start: Optional[List[LocalEntropyPoint]] = None,
             refine: int = 2, **kw) -> List[LocalEntropyPoint]:
    """Finite-y solutions at each y of the ladder (increasing), each warm-started from the one below
    (or from ``start[i]``, the solution at the same y for a neighbouring d, with its Jacobian).

    A rung is started from the secant prediction in log y through the last two converged rungs (in
    the solver's coordinates, :class:`~numerics.solver.continuation.SecantPredictor`), else from the rung
    below.  If it fails, it is retried from the rung below without its Jacobian, and then reached
    through intermediate rungs at geometric midpoints √(y₀ y), halving up to ``refine`` times
    (their values are not part of the ladder; the rung's note lists them).  A rung that still
    fails is reported as not converged; the next rung starts from the last converged one."""
    states = parse_states(states)
    ys = [float(y) for y in ys]
    if any(b <= a for a, b in zip(ys, ys[1:])):
        raise ValueError(f"ys must increase, got {ys}")
    if refine < 0:
        raise ValueError(f"refine must be >= 0, got {refine}")
    predictor = SecantPredictor(_param(kw.get("distance", "squared"), d, states.spread,
                                       kw.get("decoupling", "heat_kernel")))
    last = {"y": None, "init": None, "jac": None}

    def accept(y, p):
        last.update(y=y, init=p.saddle.params, jac=p.jacobian)
        predictor.add(y, p.saddle.params)

    def attempt(y, seed=None):
        if seed is not None:
            init, jac = seed.saddle.params, seed.jacobian
        else:
            init, jac = predictor.predict(y) or last["init"], last["jac"]  # no prediction from < 2 rungs
        if init is not None and jac is not None and "newton_only" not in kw:
            # Newton alone from the prediction first: a few evaluations where the secant is good; the
            # full solve from it spent 123 iterations (31 s) failing at y = 40 (binary, α = 0.5, d = 0.1)
            p = solve_local_entropy(states, alpha, d, y, init=init, jacobian=jac, newton_only=True, **kw)
            if p.converged:
                return p
            init, jac = (last["init"], None) if last["init"] is not None else (init, jac)
        p = solve_local_entropy(states, alpha, d, y, init=init, jacobian=jac, **kw)
        if not p.converged and last["init"] is not None:
            p2 = solve_local_entropy(states, alpha, d, y, init=last["init"], **kw)
            p = p2 if p2.converged else p
        return p

    def reach(y, depth, via, seed=None):
        p = attempt(y, seed)
        if p.converged or depth == 0 or last["y"] is None:
            return p
        mid = math.sqrt(last["y"] * y)
        pm = reach(mid, depth - 1, via)
        if not pm.converged:
            return p
        via.append(mid)
        accept(mid, pm)
        return reach(y, depth - 1, via)

    out = []
    for i, y in enumerate(ys):
        seed = start[i] if start is not None and start[i] is not None and start[i].converged else None
        via: List[float] = []
        p = reach(y, refine, via, seed)
        if via and p.converged:
            p.note += "; reached through intermediate rungs y = " + ", ".join(f"{v:.4g}" for v in via)
        out.append(p)
        if p.converged:
            accept(y, p)
    return out


def _combine(d, ladder, ys) -> LocalEntropyPoint:
    conv = [p.converged for p in ladder]
    S = [p.S_I if p.converged else math.nan for p in ladder]
    Sig = [p.Sigma if p.converged else math.nan for p in ladder]
    note_y = ", ".join(f"y={y:g}: S_I={s:.6f}, Σ={g:.5f}" for y, s, g in zip(ys, S, Sig))
    pos = [y for y, g in zip(ys, Sig) if math.isfinite(g) and g >= 0]
    y_phys = max(pos) if pos else math.nan
    last = ladder[-1]
    if sum(conv) >= 3:
        ex = extrapolate([y for y, c in zip(ys, conv) if c], [s for s, c in zip(S, conv) if c])
        note = f"{ex.describe()}; largest y with Σ ≥ 0: {y_phys:g}; finite y: {note_y}"
        pt = LocalEntropyPoint(d=d, S_I=ex.value, Sigma=Sig[-1], phi=math.nan, y=math.inf, saddle=last.saddle,
                               note=note, status=all(conv))
        pt.extrapolation = ex
        pt.ladder = ladder
        return pt
    pt = LocalEntropyPoint(d=d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=math.inf, saddle=last.saddle,
                           note=f"fewer than three converged y values ({note_y})", status=False)
    pt.ladder = ladder
    return pt


def solve_local_entropy_inf(states, alpha, d, *, ys=DEFAULT_YS, **kw) -> LocalEntropyPoint:
    """S_I at y → ∞ by extrapolation of the finite-y ladder ``ys`` (see module docstring).

    ``converged`` is true only when every y of the ladder converged; the point's note gives the
    fit, both models' values, and the finite-y values.
    """
    states = parse_states(states)
    check_distance(d, kw.get("distance", "squared"))
    return _combine(d, y_ladder(states, alpha, d, ys, **kw), ys)


def local_entropy_curve_inf(states, alpha, ds, *, ys=DEFAULT_YS, reference="solution", distance="squared",
                            kappa=0.0, f_out=0.5, **kw) -> LocalEntropyCurve:
    """The extrapolated y → ∞ curve: continuation in d from the largest d down, at every y."""
    states = parse_states(states)
    ds = [float(d) for d in ds]
    order = list(np.argsort(ds))[::-1]
    pts = {}
    prev = None
    for i in order:
        ladder = y_ladder(states, alpha, ds[i], ys, start=prev, reference=reference, distance=distance,
                          kappa=kappa, f_out=f_out, **kw)
        pts[i] = _combine(ds[i], ladder, ys)
        prev = ladder
    return LocalEntropyCurve.from_points([pts[i] for i in range(len(ds))], y=math.inf, alpha=float(alpha),
                                         states=states.name, reference=reference, distance=distance,
                                         kind="local-entropy (y→∞ extrapolated)")


def check_against_ladder(point: LocalEntropyPoint, states, alpha: float, *, ys=None, tol: float = 2e-3,
                         ladder=None, **kw):
    """Compare a y → ∞ point with the extrapolated finite-y ladder at the same (α, d).

    The ladder is solved at ``ys`` (default ``DEFAULT_YS`` = 15, 20, 30, 40), or given
    as ``ladder``: finite-y points at the point's d, each with its ``y`` (then nothing is solved and
    ``ys`` is ignored).  Returns (agrees, extrapolation point): |S_I(∞) − extrapolated| ≤ ``tol`` and
    S_I(∞) not below the largest-y value (S_I cannot decrease with y)."""
    if ladder is not None:
        ladder = sorted(ladder, key=lambda p: p.y)
        if len(ladder) < 3 or any(abs(p.d - point.d) > 1e-12 or not math.isfinite(p.y) for p in ladder):
            raise ValueError("ladder must hold at least three finite-y points at the point's d")
        ex = _combine(point.d, ladder, [p.y for p in ladder])
    else:
        ex = solve_local_entropy_inf(states, alpha, point.d, ys=ys or DEFAULT_YS, **kw)
    top = max((p.S_I for p in getattr(ex, "ladder", []) if p.converged), default=math.nan)
    ok = bool(ex.converged and abs(ex.S_I - point.S_I) <= tol and point.S_I >= top - 1e-6)
    return ok, ex
