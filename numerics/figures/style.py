"""Publication style for fewbits figures.

* Widths: :data:`SINGLE` (3.4 in, one journal column) and :data:`DOUBLE` (7.0 in, full page width).
* Fonts: DejaVu Serif text with matching mathtext (no LaTeX needed), 8 pt body, 7 pt legends/ticks.
* Colours: the Okabe–Ito colour-blind-safe palette (:data:`PALETTE`), in a fixed order.
* Axis labels: the symbols of physics.md (:data:`LABELS`): α, α_c, α_U, d, S_I, Σ, s(α), log₂ L.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot state, no ``show``), with
constrained layout so that labels are never clipped.  Use :func:`new_figure` to make one.
"""
from __future__ import annotations

import contextlib

import matplotlib
from matplotlib.figure import Figure

__all__ = ["SINGLE", "DOUBLE", "PALETTE", "LABELS", "RC", "color", "new_figure", "style_context",
           "MARKERS"]

SINGLE = 3.4  # inches
DOUBLE = 7.0  # inches

# Okabe & Ito (2008), "Color Universal Design": black first, then the seven colours
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
# the order used for data series (yellow is last: weak on white)
SERIES = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]

LABELS = {
    "alpha": r"$\alpha$",
    "alpha_c": r"$\alpha_c$",
    "alpha_U": r"$\alpha_U$",
    "d": r"distance $d$",
    "S_I": r"local entropy $S_I(d)$",
    "Sigma": r"external entropy $\Sigma(d)$",
    "s": r"entropy $s(\alpha)$",
    "bits": r"bits per synapse $\log_2 L$",
    "capacity": r"$\alpha_c$, $\alpha_U$",
    "y": r"$y$",
}

RC = {
    "font.family": "serif",
    "font.serif": ["DejaVu Serif"],
    "mathtext.fontset": "dejavuserif",
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "legend.fontsize": 6.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.1,
    "lines.markersize": 3.5,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "legend.frameon": False,
    "legend.handlelength": 1.6,
    "errorbar.capsize": 1.5,
    "savefig.dpi": 300,
    "pdf.fonttype": 42,  # embed TrueType: editable text in the PDF
    "axes.prop_cycle": matplotlib.cycler(color=SERIES),
}


def color(i: int) -> str:
    """The i-th series colour (cycling through the Okabe–Ito palette)."""
    return SERIES[i % len(SERIES)]


@contextlib.contextmanager
def style_context():
    """Apply :data:`RC` for the duration of a block (figures drawn and saved inside keep it)."""
    with matplotlib.rc_context(RC):
        yield


def new_figure(width: str | float = "single", aspect: float = 0.75, ncols: int = 1, nrows: int = 1,
               **subplot_kw):
    """A constrained-layout :class:`Figure` with a grid of axes; returns ``(fig, axes_list)``.

    ``width``: ``"single"`` (3.4 in), ``"double"`` (7.0 in) or inches; the height is
    ``aspect * width / ncols * nrows`` (each panel keeps the same aspect ratio).
    Call inside :func:`style_context` so the fonts apply at creation time.
    """
    w = {"single": SINGLE, "double": DOUBLE}.get(width, width)
    w = float(w)
    h = aspect * w / ncols * nrows
    fig = Figure(figsize=(w, h), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, [ax for row in axes for ax in row]
