"""Figure functions: computed data in, a matplotlib :class:`~matplotlib.figure.Figure` out.

No computation happens here (no solver is called) and nothing is shown: the caller saves the figure
(:func:`save_figure`) or displays it.  Inputs are plain arrays, dicts, or the result objects of
:mod:`numerics` (any object with the named attributes works: fields are read by attribute, then by key).

Conventions, the same in every figure:

* theory curves are lines; a point whose saddle point did **not** converge is never drawn on the line:
  it is drawn as a hollow marker of the same colour (and the line is broken there);
* simulation data are filled markers with error bars (mean ± standard error over instances);
* symbols and axis labels are those of physics.md (:data:`numerics.figures.style.LABELS`).

Figures: :func:`local_entropy_figure`, :func:`capacity_bits_figure`, :func:`external_entropy_figure`,
:func:`entropy_figure`, :func:`dense_regions_figure`.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from .style import LABELS, MARKERS, color, new_figure, style_context

__all__ = ["local_entropy_figure", "capacity_bits_figure", "external_entropy_figure", "entropy_figure",
           "dense_regions_figure", "save_figure", "field"]

HOLLOW = dict(markerfacecolor="white", markeredgewidth=0.8, linestyle="none")


def field(obj, name, default=None):
    """``obj.name``, else ``obj[name]``, else ``default``."""
    if obj is None:
        return default
    if hasattr(obj, name):
        return getattr(obj, name)
    if isinstance(obj, dict):
        return obj.get(name, default)
    return default


def _arr(x, n=None, fill=np.nan):
    if x is None:
        return np.full(n, fill) if n is not None else None
    a = np.asarray(x, dtype=float)
    if a.ndim == 0 and n is not None:
        a = np.full(n, float(a))
    return a


def _conv(obj, n):
    c = field(obj, "converged", None)
    if c is None:
        return np.ones(n, dtype=bool)
    c = np.asarray(c, dtype=bool)
    if c.ndim == 0:
        c = np.full(n, bool(c))
    return c


def _y_label(y) -> str:
    if y is None:
        return ""
    y = float(y)
    if math.isinf(y):
        return r"$y\to\infty$"
    return f"$y={y:g}$"


def _theory_line(ax, x, yv, conv, col, label, ls="-", lw=None):
    """A theory curve: converged points joined by a line, others as hollow markers.

    Returns ``(n_not_converged, n_without_value)``: non-converged points without a finite value cannot
    be drawn and are counted so the figure can say they were omitted."""
    x = np.asarray(x, float)
    yv = np.asarray(yv, float)
    finite = np.isfinite(x) & np.isfinite(yv)
    good = conv & finite
    ygood = np.where(good, yv, np.nan)
    order = np.argsort(x)
    kw = {"lw": lw} if lw else {}
    ax.plot(x[order], ygood[order], ls=ls, color=col, label=label, **kw)
    bad = (~conv) & finite
    if bad.any():
        ax.plot(x[bad], yv[bad], marker="o", color=col, **HOLLOW)
    return _Count(int((~conv).sum()), int(((~conv) & ~finite).sum()))


class _Count(tuple):
    """(not converged, without value) that adds up with ``+=`` starting from 0."""

    def __new__(cls, a=0, b=0):
        return super().__new__(cls, (a, b))

    def __add__(self, other):
        if isinstance(other, int):
            other = (other, 0)
        return _Count(self[0] + other[0], self[1] + other[1])

    __radd__ = __add__


def _conv_note(c) -> list:
    if not c or c[0] == 0:
        return []
    msg = f"not converged (hollow): {c[0]} theory points"
    if c[1]:
        msg += f", {c[1]} without a value (omitted)"
    return [msg]


def _emptiest_corner(ax):
    """(x, y, ha, va) in axes coordinates of the panel corner crossed by the fewest plotted points
    and line segments (lower right on a tie): where a note hides no data."""
    import matplotlib.lines as mlines

    ax.autoscale_view()
    to_axes = ax.transData + ax.transAxes.inverted()
    pts = []
    for ln in ax.get_children():
        if isinstance(ln, mlines.Line2D):
            xy = np.asarray(ln.get_xydata(), float)
            xy = xy[np.all(np.isfinite(xy), axis=1)]
            if len(xy) > 1:  # sample the segments too, so a line crossing a corner counts
                t = np.linspace(0, 1, 8)[:, None, None]
                xy = (xy[:-1][None] * (1 - t) + xy[1:][None] * t).reshape(-1, 2)
            if len(xy):
                pts.append(to_axes.transform(xy))
    pts = np.concatenate(pts) if pts else np.zeros((0, 2))
    corners = [(0.98, 0.02, "right", "bottom"), (0.02, 0.98, "left", "top"), (0.98, 0.98, "right", "top"),
               (0.02, 0.02, "left", "bottom")]

    def crowd(c):
        x, y, ha, va = c
        inx = (pts[:, 0] > 0.5) if ha == "right" else (pts[:, 0] < 0.5)
        iny = (pts[:, 1] < 0.25) if va == "bottom" else (pts[:, 1] > 0.75)
        return int(np.sum(inx & iny))

    return min(corners, key=crowd)  # min keeps the first (lower right) on a tie


def _note(ax, lines):
    """Notes in the panel's emptiest corner (lower right unless data lie there), wrapped to about
    half the panel's width so that a long note does not run over the axis labels."""
    if lines:
        import textwrap

        fontsize = 6
        panel_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
        # characters per line: half the panel, at ~0.57 of the font size per character (0.88 = 0.5/0.57)
        width = max(20, int(panel_pt / fontsize * 0.88))
        text = "\n".join(w for line in lines for w in textwrap.wrap(line, width))
        x, y, ha, va = _emptiest_corner(ax)
        ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=fontsize, color="0.3")


# --------------------------------------------------------------------------------------------------
def local_entropy_figure(panels, width="auto"):
    """Local entropy S_I versus distance d, one panel per state set.

    ``panels``: a list of dicts with keys

    - ``title``: the state set (str);
    - ``theory``: curves (each with ``d``, ``S_I``, ``converged``, ``alpha``, ``y``), e.g. the y → ∞
      (or largest-y) curves for several α, from :func:`numerics.problems.local_entropy.local_entropy_curve`;
    - ``alpha0``: the α = 0 upper curve, as ``(d, S)`` or an object with ``d`` and ``S_I``/``S``;
    - ``franz_parisi``: a curve or a list of curves (``d``, ``S_I``, ``converged``, ``alpha``);
    - ``simulations``: a list of dicts ``{label, d, S, S_err[, d_err]}`` (means ± standard errors over
      instances);
    - ``notes``: lines of text written in the panel (e.g. what is not available, what was omitted).

    Non-converged theory points are drawn as hollow markers and counted in the panel's note.
    """
    n = max(1, len(panels))
    if width == "auto":
        width = "single" if n == 1 else "double"
    with style_context():
        n_leg = max(len(field(p, "theory", []) or []) + len(field(p, "simulations", []) or [])
                    + (field(p, "alpha0") is not None) + (field(p, "franz_parisi") is not None) for p in panels)
        # room below each panel for a one-column legend (about 0.16 in per entry)
        h_axes = (7.0 if n > 1 else 3.4) / n * 0.8
        aspect = (h_axes + 0.6 + 0.16 * n_leg) / ((7.0 if n > 1 else 3.4) / n)
        fig, axes = new_figure(width, aspect=aspect, ncols=n)
        # simulation colours come after the theory colours, the same in every panel
        n_theory = max((len(field(p, "theory", []) or []) for p in panels), default=0)
        for ax, panel in zip(axes, panels):
            notes = list(field(panel, "notes", []) or [])
            hollow = 0
            a0 = field(panel, "alpha0")
            if a0 is not None:
                if isinstance(a0, (tuple, list)) and len(a0) == 2:
                    d0, s0 = a0
                else:
                    d0 = field(a0, "d")
                    s0 = field(a0, "S_I", field(a0, "S"))
                d0, s0 = np.asarray(d0, float), np.asarray(s0, float)
                ax.plot(d0, s0, ls=":", color="0.2", lw=0.9, label=r"$\alpha=0$")
            for i, c in enumerate(field(panel, "theory", []) or []):
                d = _arr(field(c, "d"))
                S = _arr(field(c, "S_I"))
                lab = rf"{_y_label(field(c, 'y'))}, $\alpha={float(field(c, 'alpha')):g}$"
                hollow += _theory_line(ax, d, S, _conv(c, len(d)), color(i), lab)
            fps = field(panel, "franz_parisi")
            if fps is not None and not isinstance(fps, (list, tuple)):
                fps = [fps]
            for j, c in enumerate(fps or []):
                d = _arr(field(c, "d"))
                S = _arr(field(c, "S_I"))
                lab = rf"Franz–Parisi, $\alpha={float(field(c, 'alpha')):g}$"
                hollow += _theory_line(ax, d, S, _conv(c, len(d)), "0.45", lab, ls="--")
            for k, sim in enumerate(field(panel, "simulations", []) or []):
                d = _arr(field(sim, "d"))
                S = _arr(field(sim, "S"))
                ax.errorbar(d, S, yerr=_arr(field(sim, "S_err")), xerr=_arr(field(sim, "d_err")),
                            fmt=MARKERS[k % len(MARKERS)], color=color(n_theory + k),
                            ms=3.2, elinewidth=0.7, label=field(sim, "label", f"simulation {k + 1}"))
            notes += _conv_note(hollow)
            _note(ax, notes)
            ax.set_title(str(field(panel, "title", "")))
            ax.set_xlabel(LABELS["d"])
            ax.set_ylabel(LABELS["S_I"])
            ax.set_xlim(left=0)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=1, borderaxespad=0.0)
    return fig


# --------------------------------------------------------------------------------------------------
def _family(name: str) -> str:
    name = str(name)
    if name.startswith("symmetric") or name == "binary":
        return "symmetric"
    if name.startswith("excitatory"):
        return "excitatory"
    return "other"


CONTINUOUS_LIMIT = {"symmetric": 2.0, "excitatory": 1.0}


def capacity_bits_figure(rows, width="single", continuous=True):
    """α_c and α_U versus bits per synapse (log₂ L) for symmetric and excitatory state sets.

    ``rows``: dicts (or objects) with ``states`` (name), ``bits``, ``alpha_c``, optional ``converged``
    (of α_c), ``alpha_U`` (missing/None/NaN where not computed), ``alpha_U_converged`` and the bound
    flags ``alpha_U_upper_bound``, ``alpha_U_lower_bound`` (True: hollow).  The
    continuous-weight limits at κ = 0 (α_c = 2 symmetric, 1 sign-constrained) are drawn as horizontal
    lines when ``continuous``.  Non-converged values are hollow markers.  Where some α_U is known, a
    panel above shows α_U/α_c.
    """
    has_u = any(math.isfinite(_num(field(r, "alpha_U"))) for r in rows)
    with style_context():
        if has_u:  # a panel above with α_U/α_c: how close to capacity the dense regions survive
            fig, (ax,) = new_figure(width, aspect=1.1)  # the main panel stays the figure's first axes
            grid = ax.get_subplotspec().subgridspec(2, 1, height_ratios=[1, 1.6])
            ax.set_subplotspec(grid[1])
            ratio = fig.add_subplot(grid[0], sharex=ax)
            ratio.tick_params(labelbottom=False)
        else:
            fig, (ax,) = new_figure(width, aspect=0.78)
        fams = {}
        for r in rows:
            fams.setdefault(_family(field(r, "states")), []).append(r)
        for i, fam in enumerate(f for f in ("symmetric", "excitatory", "other") if f in fams):
            rs = sorted(fams[fam], key=lambda r: float(field(r, "bits")))
            col = color(i)
            b = np.array([float(field(r, "bits")) for r in rs])
            ac = np.array([_num(field(r, "alpha_c")) for r in rs])
            cc = np.array([bool(field(r, "converged", True)) for r in rs])
            short = fam[:3] + "."
            ax.plot(b, np.where(cc, ac, np.nan), "-o", color=col, label=rf"$\alpha_c$, {short}")
            if (~cc).any():
                ax.plot(b[~cc], ac[~cc], marker="o", color=col, **HOLLOW)
            au = np.array([_num(field(r, "alpha_U")) for r in rs])
            if np.isfinite(au).any():
                # a bound (alpha_U_upper_bound / _lower_bound) is drawn hollow, like a value not converged
                cu = np.array([bool(field(r, "alpha_U_converged", True))
                               and field(r, "alpha_U_upper_bound", False) is not True
                               and field(r, "alpha_U_lower_bound", False) is not True for r in rs])
                ok = np.isfinite(au) & cu
                has = np.isfinite(au)  # join the α_U that exist; a non-converged one breaks the line
                ax.plot(b[has], np.where(ok, au, np.nan)[has], "--s", color=col, label=rf"$\alpha_U$, {short}")
                bad = np.isfinite(au) & ~cu
                if bad.any():
                    ax.plot(b[bad], au[bad], marker="s", color=col, **HOLLOW)
                ratio.plot(b[has], np.where(ok, au / ac, np.nan)[has], "--s", color=col, label=short)
                if bad.any():
                    ratio.plot(b[bad], (au / ac)[bad], marker="s", color=col, **HOLLOW)
            if continuous and fam in CONTINUOUS_LIMIT:
                ax.axhline(CONTINUOUS_LIMIT[fam], color=col, ls=":", lw=0.9,
                           label=rf"continuous {short}")
        ax.set_xlabel(LABELS["bits"])
        ax.set_ylabel(LABELS["capacity"] if has_u else LABELS["alpha_c"])
        ax.set_ylim(0, 2.25)
        ax.set_xlim(left=0.8)
        ax.legend(loc="lower right", ncols=2, columnspacing=1.0)
        if has_u:
            ratio.set_ylabel(r"$\alpha_U/\alpha_c$")
            ratio.set_ylim(0.85, 1.0)
            ratio.axhline(1.0, color="0.6", lw=0.6)
    return fig


def radius_figure(rows, width="single"):
    """The radius curve α(d)/α_c against d (:mod:`numerics.analyses.radius`), one colour per state set, with
    α_U/α_c (the gap opening) as a dotted line of the same colour.  ``rows``: the rows of radius.csv
    (``states``, ``d``, ``alpha``, ``alpha_c``, ``alpha_U``, ``status``); only rows of status "radius" are
    points of the curve (above the dip of the slope it is not defined)."""
    with style_context():
        fig, (ax,) = new_figure(width, aspect=0.78)
        names = list(dict.fromkeys(str(field(r, "states")) for r in rows))
        for i, name in enumerate(names):
            rs = sorted((r for r in rows if field(r, "states") == name and field(r, "status") == "radius"),
                        key=lambda r: float(field(r, "d")))
            ac = _num(field(next(r for r in rows if field(r, "states") == name), "alpha_c"))
            au = _num(field(next(r for r in rows if field(r, "states") == name), "alpha_U"))
            col = color(i)
            if rs:
                ax.plot([float(field(r, "d")) for r in rs], [_num(field(r, "alpha")) / ac for r in rs], "-o",
                        color=col, label=name)
            if math.isfinite(au):
                ax.axhline(au / ac, color=col, ls=":", lw=0.9)
        ax.set_xlabel(LABELS["d"])
        ax.set_ylabel(r"$\alpha(d)/\alpha_c$ (dotted: $\alpha_U/\alpha_c$)")
        ax.legend(loc="upper right", fontsize="small")
    return fig


def capacity_bio_figure(rows, width="single"):
    """The biological model (``numerics.figures.biological``): α_c (circles, solid) and α_U (squares, dashed)
    of excitatory:L with 0/1 inputs and the optimal threshold versus bits, one colour per output coding
    level f_out; the sign-constrained continuous limit at f_out = ½ (α_c = 1) dotted.  ``rows``: dicts with
    ``bits``, ``f_out``, ``alpha_c``, ``alpha_U`` (NaN where not computed)."""
    with style_context():
        fig, (ax,) = new_figure(width, aspect=0.78)
        for i, f in enumerate(sorted({float(field(r, "f_out")) for r in rows}, reverse=True)):
            rs = sorted((r for r in rows if float(field(r, "f_out")) == f), key=lambda r: float(field(r, "bits")))
            b = np.array([float(field(r, "bits")) for r in rs])
            col = color(i)
            ax.plot(b, [_num(field(r, "alpha_c")) for r in rs], "-o", color=col, label=rf"$\alpha_c$, $f_{{out}}$ = {f:g}")
            au = np.array([_num(field(r, "alpha_U")) for r in rs])
            if np.isfinite(au).any():
                has = np.isfinite(au)
                ax.plot(b[has], au[has], "--s", color=col, label=rf"$\alpha_U$, $f_{{out}}$ = {f:g}")
        ax.axhline(1.0, color="0.5", ls=":", lw=0.9, label=r"continuous, $f_{out}$ = 1/2")
        ax.set_xlabel(LABELS["bits"])
        ax.set_ylabel(r"$\alpha$ (0/1 inputs, optimal threshold)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right", fontsize="small")
    return fig


def _num(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


# --------------------------------------------------------------------------------------------------
def _curve_panel(ax, curves, key, legend_loc, prefix_states, notes=()):
    """Theory curves of ``key`` (Σ or S_I) against d on one axis, non-converged points hollow.

    One colour per (state set, α); within it one line style per y: y → ∞ solid, the finite y from the
    smallest up dashed, dash-dotted, dotted (solid first when the group has no y → ∞ curve)."""
    hollow = 0
    several_sets = len({str(field(x, "states")) for x in curves}) > 1
    groups = []
    for c in curves:
        g = (str(field(c, "states")), float(field(c, "alpha")))
        if g not in groups:
            groups.append(g)
    by_y = len(groups) < len(curves)  # several y for one (states, α): colour by group, style by y
    has_inf = any(math.isinf(_num(field(c, "y"))) for c in curves)
    for i, c in enumerate(curves):
        d = _arr(field(c, "d"))
        values = _arr(field(c, key), len(d))
        lab = rf"{_y_label(field(c, 'y'))}, $\alpha={float(field(c, 'alpha')):g}$"
        st = field(c, "states")
        if prefix_states and st is not None and several_sets:
            lab = f"{st}, " + lab
        col = color(groups.index((str(st), float(field(c, "alpha"))))) if by_y else color(i)
        ls = _y_style(c, curves, has_inf)
        hollow += _theory_line(ax, d, values, _conv(c, len(d)), col, lab, ls=ls)
    ax.set_xlabel(LABELS["d"])
    ax.set_ylabel(LABELS[key])
    ax.set_xlim(left=0)
    _note(ax, list(notes) + _conv_note(hollow))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc=legend_loc)


_FINITE_Y_STYLES = ("--", "-.", ":", (0, (3, 1, 1, 1, 1, 1)))


def _y_style(c, curves, has_inf: bool):
    """The line style of curve ``c`` among ``curves``: solid at y → ∞; a finite y takes the style of its
    rank among the finite y of its own (state set, α) group (solid first when no curve is at y → ∞)."""
    y = _num(field(c, "y"))
    if math.isinf(y):
        return "-"
    key = (str(field(c, "states")), float(field(c, "alpha")))
    ys = sorted({_num(field(x, "y")) for x in curves if (str(field(x, "states")), float(field(x, "alpha"))) == key
                 and not math.isinf(_num(field(x, "y")))})
    styles = _FINITE_Y_STYLES if has_inf else ("-",) + _FINITE_Y_STYLES
    return styles[min(ys.index(y), len(styles) - 1)]


def _has_values(c, key) -> bool:
    v = field(c, key)
    return v is not None and bool(np.isfinite(np.asarray(v, dtype=float)).any())


def external_entropy_figure(curves, finite_y=None, width="auto"):
    """External entropy Σ(d) of the references (left); optionally S_I(d) curves (right).

    ``curves``: curves with ``d``, ``Sigma``, ``converged``, ``alpha``, ``y`` — finite-y curves: Σ is
    not given at y → ∞ (NaN there), and a curve without any finite Σ is left out of the left panel
    (a note says so); NaN values of Σ elsewhere break the line.  ``finite_y``: curves with ``d``,
    ``S_I``, ``converged``, ``alpha``, ``y`` for the right panel, e.g. the finite-y curves with the
    y → ∞ curve of the same set (solid; the finite-y ones dashed).  Σ < 0 is where the RS answer is
    unphysical: the Σ = 0 line is drawn.
    """
    two = bool(finite_y)
    if width == "auto":
        width = "double" if two else "single"
    curves = list(curves or [])
    with_sigma = [c for c in curves if _has_values(c, "Sigma")]
    without = [c for c in curves if not _has_values(c, "Sigma")]
    notes = []
    if without:
        n = len(without)
        notes.append(f"{n} curve{'s' if n > 1 else ''} without Σ omitted "
                     + ("(y → ∞: Σ not given)" if all(math.isinf(_num(field(c, "y"))) for c in without)
                        else "(no value)"))
    with style_context():
        fig, axes = new_figure(width, aspect=0.8, ncols=2 if two else 1)
        ax = axes[0]
        ax.axhline(0.0, color="0.6", lw=0.6)
        _curve_panel(ax, with_sigma, "Sigma", "best", prefix_states=True, notes=notes)
        if two:
            _curve_panel(axes[1], list(finite_y), "S_I", "best", prefix_states=True)
    return fig


# --------------------------------------------------------------------------------------------------
def entropy_figure(curves, width="single"):
    """Equilibrium entropy s(α) versus α for several state sets, with α_c (s = 0) marked.

    ``curves``: dicts (or objects) with ``states`` (label), ``alpha`` (array), ``s`` (array),
    optional ``converged`` (array) and ``alpha_c`` (float, marked by a star on s = 0 and a thin vertical
    line).
    """
    with style_context():
        fig, (ax,) = new_figure(width, aspect=0.78)
        ax.axhline(0.0, color="0.6", lw=0.6)
        hollow = 0
        for i, c in enumerate(curves):
            a = _arr(field(c, "alpha"))
            s = _arr(field(c, "s"))
            col = color(i)
            hollow += _theory_line(ax, a, s, _conv(c, len(a)), col, str(field(c, "states")))
            ac = _num(field(c, "alpha_c"))
            if math.isfinite(ac):
                ax.plot([ac], [0.0], marker="*", ms=7, color=col, linestyle="none", zorder=5)
                ax.axvline(ac, color=col, lw=0.5, ls=":")
        ax.plot([], [], marker="*", color="0.3", linestyle="none", ms=6, label=r"$\alpha_c$: $s(\alpha_c)=0$")
        ax.set_xlabel(LABELS["alpha"])
        ax.set_ylabel(LABELS["s"])
        ax.set_xlim(left=0)
        _note(ax, _conv_note(hollow))
        ax.legend(loc="upper right")
    return fig


# --------------------------------------------------------------------------------------------------
def dense_regions_figure(panels, width="double"):
    """The dense regions at small d: one column per state set, y → ∞ curves at several loads.

    Top row: S_I(d) on a logarithmic d axis with the α = 0 curve S_0(d) (black, dashed: the local
    entropy without patterns, an upper bound).  Bottom row: S_I(d)/S_0(d), which tends to 1 as d → 0
    below α_U (the references sit in regions as dense as the whole space of configurations at that
    scale).  ``panels``: dicts with ``states``, ``alpha0`` ({d, S_I}) and ``curves`` (each with
    ``alpha``, ``d``, ``S_I``, ``converged``, optional ``branch_end``), optional ``franz_parisi`` (a curve
    with ``alpha``, ``d``, ``S_I``: dotted, in the colour of its load); non-converged points hollow.
    """
    panels = list(panels)
    with style_context():
        fig, axes = new_figure(width, aspect=0.62 * max(len(panels), 1) / 2, ncols=max(len(panels), 1), nrows=2)
        for j, p in enumerate(panels):
            top, bottom = axes[j], axes[len(panels) + j]
            a0 = field(p, "alpha0") or {}
            d0, s0 = _arr(field(a0, "d", [])), _arr(field(a0, "S_I", []))
            if len(d0):
                top.plot(d0, s0, color="k", ls="--", lw=0.9, label=r"$\alpha=0$")
            hollow = 0
            for i, c in enumerate(field(p, "curves") or []):
                d = _arr(field(c, "d"))
                S = _arr(field(c, "S_I"), len(d))
                conv = _conv(c, len(d))
                lab = rf"$\alpha={float(field(c, 'alpha')):g}$"
                hollow += _theory_line(top, d, S, conv, color(i), lab)
                if len(d0):
                    ref = np.interp(np.log(d), np.log(d0), s0, left=np.nan, right=np.nan)
                    _theory_line(bottom, d, S / ref, conv, color(i), lab)
            fp = field(p, "franz_parisi")
            if fp:  # typical references (y → 0), at one of the loads: isolated, S_FP < 0 at small d
                d = _arr(field(fp, "d"))
                S = _arr(field(fp, "S_I"), len(d))
                curves = list(field(p, "curves") or [])
                k = next((i for i, c in enumerate(curves) if float(field(c, "alpha")) == float(field(fp, "alpha"))), 0)
                lab = rf"Franz–Parisi, $\alpha={float(field(fp, 'alpha')):g}$"
                top.plot(d, S, color=color(k), ls=":", lw=1.1, label=lab)
                if len(d0):
                    ref = np.interp(np.log(d), np.log(d0), s0, left=np.nan, right=np.nan)
                    bottom.plot(d, S / ref, color=color(k), ls=":", lw=1.1)
                top.axhline(0.0, color="0.6", lw=0.6)
            top.set_xscale("log")
            bottom.set_xscale("log")
            bottom.axhline(1.0, color="0.6", lw=0.6)
            top.set_title(str(field(p, "states")))
            top.set_ylabel(LABELS["S_I"])
            bottom.set_ylabel(r"$S_I(d)\,/\,S_I^{\alpha=0}(d)$")
            bottom.set_xlabel(LABELS["d"])
            _note(top, _conv_note(hollow))
            top.legend(loc="upper left")
    return fig


# --------------------------------------------------------------------------------------------------
def save_figure(fig, path_stem) -> list:
    """Write ``<stem>.pdf`` (vector) and ``<stem>.png`` (300 dpi), each atomically; returns the paths."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    with style_context():
        for ext, kw in (("pdf", {}), ("png", {"dpi": 300})):
            path = stem.with_name(stem.name + "." + ext)
            tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.{ext}")
            try:
                fig.savefig(tmp, format=ext, **kw)
                os.replace(tmp, path)
            finally:
                if tmp.exists():
                    tmp.unlink()
            out.append(path)
    return out
