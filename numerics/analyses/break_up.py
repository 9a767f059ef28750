"""The break-up of dense regions by the field's two criteria, α_LE and α_OGP, beside α_U.

For a local-entropy curve S(d) around a reference (Franz–Parisi, y → 0, with the reference at its own
margin κ̃, :mod:`numerics.problems.franz_parisi`; or fewbits' finite-y curve S_I(d, y)):

* **α_LE** (local entropy): the smallest α at which S(d) stops being monotonic at small d: its slope
  dS/dd develops a new zero at small d, i.e. a dip of the slope on the small-d window touches 0.
  *Margin* m_LE(α) = the smallest slope on the window (finite differences between neighbouring grid
  points, the minimum refined by a parabola through its neighbours); the event is m_LE ≤ 0 and its
  distance is where the slope is smallest.
* **α_OGP** (overlap gap): the smallest α at which S(d) becomes negative on a range of d that does not
  contain the origin.  *Margin* m_OGP(α) = the smallest S on the window (parabola-refined), taken only
  when S > 0 at the window's smallest d (else the negative range reaches the origin: an isolated
  reference, not a gap, and the evaluation says so).  The event is m_OGP ≤ 0, at the d of that minimum.

Since S(0) = 0 and S increases from there on a monotone curve, a negative S further out needs a
decrease first: α_LE ≤ α_OGP on every curve.

Window: d from 0.002 to 0.1 (14 points) (:data:`DEFAULT_WINDOW`), below the typical distance of the solutions
around the reference (binary, α ≈ 0.7–0.8: d* ≈ 0.23), where S is maximal and its slope vanishes
anyway; a window whose top lies past the maximum is an error of the caller, reported in the message.
Below d = 0.002 the probes around a maximum-margin reference are nearly free (q̂1 − R̂²/P̂ falls below the
quadrature's rounding, :func:`numerics.problems.franz_parisi._clamp_q1h`) and the solves there converge
slowly or not at all (binary, α = 0.7081, d = 0.001, 0.0015: the curve's points stalled for minutes);
from 0.002 a binary curve takes ~7 s.  The binary dip that decides α_LE lies at d ≈ 0.004–0.005.

Search: each α gives both margins (one curve); the events are bracketed by an upward scan from
``bracket[0]`` and then located by the secant zero of the margins (bisection when the secant leaves the
bracket) until the bracket [lo, hi] is shorter than ``xtol`` (default 0.002): lo is the largest α where
the criterion does not hold, hi the smallest where it does; α = the secant zero inside [lo, hi].

At y → ∞ the slope dip touching 0 *is* α_U (the gap opening, :mod:`numerics.analyses.alpha_u`), and the
y → ∞ curve has no negative S_I (both branches lie above 0, the small-d one near the α = 0 ball), so
there α_LE = α_U and α_OGP is not defined by negativity; the radius curve
(:func:`numerics.analyses.branches.dense_region_limit`) says how far the small-d branch reaches beyond.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from theory.states import parse_states

__all__ = ["DEFAULT_WINDOW", "CRITERIA", "BreakUpEvent", "curve_margins", "locate_events", "break_up",
           "break_up_table", "TABLE_SETS"]

DEFAULT_WINDOW = (0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.012, 0.015, 0.02, 0.03, 0.04,
                  0.06, 0.1)
CRITERIA = {
    "alpha_LE": "the local entropy S(d) stops being monotonic at small d: its slope dS/dd develops a new "
                "zero on the window (smallest slope <= 0)",
    "alpha_OGP": "the local entropy S(d) becomes negative on a range of d not containing the origin "
                 "(S > 0 at the window's smallest d, smallest S on the window <= 0): an overlap gap",
}
TABLE_SETS = ("binary", "symmetric:3")


def _vertex(x, f, i) -> Tuple[float, float]:
    """(x, f) at the vertex of the parabola through points i−1, i, i+1 (the point itself at an end)."""
    if i == 0 or i == len(x) - 1:
        return float(x[i]), float(f[i])
    a, b, c = x[i - 1:i + 2]
    fa, fb, fc = f[i - 1:i + 2]
    den = (b - a) * (fb - fc) - (b - c) * (fb - fa)
    if den == 0:
        return float(b), float(fb)
    xv = b - 0.5 * ((b - a) ** 2 * (fb - fc) - (b - c) ** 2 * (fb - fa)) / den
    if not (a <= xv <= c):
        return float(b), float(fb)
    # value of the Lagrange parabola at xv
    fv = (fa * (xv - b) * (xv - c) / ((a - b) * (a - c)) + fb * (xv - a) * (xv - c) / ((b - a) * (b - c))
          + fc * (xv - a) * (xv - b) / ((c - a) * (c - b)))
    return float(xv), float(fv)


def curve_margins(d: Sequence[float], S: Sequence[float]) -> Dict[str, float]:
    """Both margins of one converged curve (d increasing): ``LE`` (smallest slope), ``d_LE`` (where),
    ``OGP`` (smallest S, NaN when S ≤ 0 already at the smallest d), ``d_OGP``, ``S_first`` and a
    ``note`` (empty, or why a margin is not defined)."""
    d, S = np.asarray(d, float), np.asarray(S, float)
    if len(d) < 3 or np.any(np.diff(d) <= 0) or not np.all(np.isfinite(S)):
        raise ValueError("curve_margins needs >= 3 finite points in increasing d")
    mid, slope = 0.5 * (d[1:] + d[:-1]), np.diff(S) / np.diff(d)
    i = int(np.argmin(slope))
    d_le, m_le = _vertex(mid, slope, i)
    note = ""
    if i == len(slope) - 1 and m_le < 0:
        note = "the slope is smallest, and negative, at the window's top: the maximum of S lies inside the window"
    j = int(np.argmin(S))
    d_ogp, m_ogp = _vertex(d, S, j)
    if S[0] <= 0:
        m_ogp, d_ogp = math.nan, math.nan
        note = note or (f"S <= 0 already at the window's smallest d = {d[0]:g} (S = {S[0]:.3g}): the reference "
                        "is isolated at this resolution, the negative range reaches the origin")
    return {"LE": m_le, "d_LE": d_le, "OGP": m_ogp, "d_OGP": d_ogp, "S_first": float(S[0]), "note": note}


@dataclass
class BreakUpEvent:
    """One criterion located in α: ``alpha`` inside ``interval`` = [lo, hi] (lo: the criterion does not
    hold, hi: it does), ``d`` where it happens (at hi), the criterion in words, diagnostics."""

    name: str
    alpha: float
    interval: Tuple[float, float]
    d: float
    criterion: str
    converged: bool
    message: str

    def as_dict(self) -> dict:
        return {"name": self.name, "alpha": self.alpha, "interval": list(self.interval), "d": self.d,
                "criterion": self.criterion, "converged": self.converged, "message": self.message}


@dataclass
class _Evaluation:
    alpha: float
    margins: Optional[dict]
    converged: bool
    message: str
    curve: object = field(default=None, repr=False)

    def holds(self, key: str) -> Optional[bool]:
        """True when the event has happened at this α, False when not, None when undecided."""
        if not self.converged:
            return None
        m = self.margins[key]
        if key == "OGP" and math.isnan(m):
            return True if self.margins["S_first"] <= 0 else None
        return bool(m <= 0)


def _evaluate(curve_at: Callable, alpha: float) -> _Evaluation:
    curve = curve_at(alpha)
    ok = bool(np.all(curve.converged))
    if not ok:
        bad = [f"{p.d:g}" for p in curve.points if not p.converged]
        return _Evaluation(alpha, None, False, f"not converged at d = {', '.join(bad)}", curve)
    m = curve_margins(curve.d, curve.S_I)
    return _Evaluation(alpha, m, True, m["note"] or "converged", curve)


def _secant(e_lo: _Evaluation, e_hi: _Evaluation, key: str) -> float:
    lo, hi = e_lo.alpha, e_hi.alpha
    if e_lo.margins and e_hi.margins:
        m_lo, m_hi = e_lo.margins[key], e_hi.margins[key]
        if math.isfinite(m_lo) and math.isfinite(m_hi) and m_lo > 0 >= m_hi and m_lo != m_hi:
            return lo + (hi - lo) * m_lo / (m_lo - m_hi)
    return 0.5 * (lo + hi)


def locate_events(curve_at: Callable, bracket: Tuple[float, float], *, xtol: float = 0.002, scan_step: float = 0.01,
                  progress: Optional[Callable] = None) -> Tuple[Dict[str, BreakUpEvent], List[_Evaluation]]:
    """α_LE and α_OGP from ``curve_at(α)`` (a converged :class:`LocalEntropyCurve` on the window).

    Upward scan from ``bracket[0]`` in steps ``scan_step`` until both events hold (or ``bracket[1]``),
    then per event a secant/bisection search on its [lo, hi] to width ``xtol``."""
    evals: Dict[float, _Evaluation] = {}

    def at(a):
        a = round(float(a), 6)
        if a not in evals:
            evals[a] = _evaluate(curve_at, a)
            if progress:
                progress(evals[a])
        return evals[a]

    a = bracket[0]
    while a <= bracket[1] + 1e-12:
        e = at(a)
        if e.holds("LE") and e.holds("OGP"):
            break
        a += scan_step
    out = {}
    for key, name in (("LE", "alpha_LE"), ("OGP", "alpha_OGP")):
        out[name] = _bisect(at, evals, key, name, xtol)
    return out, [evals[k] for k in sorted(evals)]


def _bisect(at, evals, key, name, xtol) -> BreakUpEvent:
    def bracket():
        done = [evals[k] for k in sorted(evals)]
        held = [e for e in done if e.holds(key)]
        if not held:
            return None, None
        hi = held[0]
        below = [e for e in done if e.alpha < hi.alpha and e.holds(key) is False]
        return (below[-1] if below else None), hi

    for _ in range(40):
        lo, hi = bracket()
        if lo is None or hi is None:
            break
        if hi.alpha - lo.alpha <= xtol:
            break
        a = _secant(lo, hi, key)
        w = hi.alpha - lo.alpha
        a = min(max(a, lo.alpha + 0.1 * w), hi.alpha - 0.1 * w)  # lean to the middle: the bracket closes
        e = at(a)
        if e.holds(key) is None:
            return BreakUpEvent(name, math.nan, (lo.alpha, hi.alpha), math.nan, CRITERIA[name], False,
                                f"undecided at alpha={a:.5f}: {e.message}")
    lo, hi = bracket()
    if hi is None:
        return BreakUpEvent(name, math.nan, (math.nan, math.nan), math.nan, CRITERIA[name], False,
                            "the criterion never held on the scanned range")
    if lo is None:
        return BreakUpEvent(name, math.nan, (math.nan, hi.alpha), math.nan, CRITERIA[name], False,
                            f"the criterion already holds at the scan's start alpha={hi.alpha:.5f}")
    d = hi.margins["d_" + key] if hi.margins else math.nan
    ok = hi.alpha - lo.alpha <= xtol * (1 + 1e-9)
    return BreakUpEvent(name, _secant(lo, hi, key), (lo.alpha, hi.alpha), d, CRITERIA[name], ok,
                        "converged" if ok else f"bracket [{lo.alpha:.5f}, {hi.alpha:.5f}] wider than xtol={xtol:g}")


def break_up(states, *, reference_kappa="max", y: float = 0.0, kappa: float = 0.0,
             bracket: Optional[Tuple[float, float]] = None, ds: Sequence[float] = DEFAULT_WINDOW,
             xtol: float = 0.002, scan_step: float = 0.01, progress: Optional[Callable] = None) -> dict:
    """α_LE and α_OGP of one state set, on the Franz–Parisi curve around references of margin
    ``reference_kappa`` (y = 0: the probes at margin ``kappa``) or on fewbits' finite-y curve (y > 0,
    reference a solution).  Returns a dict with both events, the evaluations (α, margins, diagnostics)
    and the criteria in words.  ``bracket`` defaults to [0.85, 0.999] α_c (y = 0) for the scan."""
    from ..problems.equilibrium import capacity

    st = parse_states(states)
    ds = tuple(sorted(float(x) for x in ds))
    if bracket is None:
        ac = capacity(st, kappa=kappa).alpha_c
        bracket = (round(0.85 * ac, 4), round(0.999 * ac, 4))
    curve_at = _curve_function(st, y, reference_kappa, kappa, ds)
    events, evals = locate_events(curve_at, bracket, xtol=xtol, scan_step=scan_step, progress=progress)
    return {"states": st.name, "y": y, "reference_kappa": reference_kappa if y == 0 else None, "kappa": kappa,
            "window": list(ds), "bracket": list(bracket), "xtol": xtol,
            **{k: v.as_dict() for k, v in events.items()},
            "evaluations": [{"alpha": e.alpha, "converged": e.converged, "message": e.message,
                             **({k: e.margins[k] for k in ("LE", "d_LE", "OGP", "d_OGP", "S_first")}
                                if e.margins else {})} for e in evals]}


def _curve_function(st, y, reference_kappa, kappa, ds):
    if y == 0:
        from ..problems.franz_parisi import franz_parisi_curve

        from ..solver.quadrature import GaussianRule

        # maximum-margin references make the probes' integrands sharp (binary, α = 0.65, d = 0.035:
        # the default 24/16-panel rules stall at residual 4e-8, 48 panels converge to 9e-11); the rule
        # is the outer z1's and the entropic u's, the energetic v has its peak-following rule
        rule = GaussianRule(48, 8)
        return lambda a: franz_parisi_curve(st, a, ds, kappa=kappa, reference_kappa=reference_kappa,
                                            outer=rule, inner=rule)
    if not (math.isfinite(y) and y > 0):
        raise ValueError(f"y must be 0 (Franz-Parisi) or a finite y > 0 here (y -> inf: alpha_U), got {y!r}")
    from ..problems.local_entropy import local_entropy_curve

    return lambda a: local_entropy_curve(st, a, y, ds, kappa=kappa)


def break_up_table(state_sets: Sequence[str] = TABLE_SETS, *, cache=None, compute_missing: bool = True,
                   progress=None) -> List[dict]:
    """One row per state set: α_LE, α_OGP (max-margin references, y → 0), α_U (y → ∞, cached) and the
    radius curve where known, α_c.  Rows are cached in ``cache`` (``numerics.storage.cache``)."""
    from ..storage.cache import cached, load
    from ..problems.equilibrium import capacity
    from .alpha_u import cached_alpha_u
    from .radius import cached_radius_curve

    rows = []
    for name in state_sets:
        key = {"kind": "break_up", "states": parse_states(name).name, "reference_kappa": "max", "y": 0.0,
               "window": list(DEFAULT_WINDOW), "xtol": 0.002, "version": 1}
        if compute_missing:
            fp = cached(cache, key, lambda: break_up(name, progress=progress))
        else:
            fp = load(cache, key)[1] if cache is not None else None
        au = cached_alpha_u(name, cache, compute_missing=False)
        rows.append({"states": parse_states(name).name, "alpha_c": capacity(name).alpha_c,
                     "franz_parisi_max_margin": fp, "alpha_U": au,
                     "radius": radius_summary(cached_radius_curve(name, cache, compute_missing=False)
                                              if cache is not None else None)})
    return rows


def radius_summary(rows) -> Optional[List[dict]]:
    """The radius curve's rows (:func:`numerics.analyses.radius.radius_curve`) without their messages:
    ``d``, ``alpha`` (NaN unless ``status`` is "radius"), ``interval``, ``status``; None stays None."""
    if rows is None:
        return None
    return [{"d": r["d"], "alpha": r["alpha"] if r["status"] == "radius" else math.nan,
             "interval": r["interval"], "status": r["status"]} for r in rows]
