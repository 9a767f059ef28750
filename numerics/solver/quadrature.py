"""Gaussian averages: quadrature rules for ``E_z f(z)``, z a standard normal.

The rule used by the saddle-point solvers is a **composite Gauss–Legendre** rule on [−z_max, z_max]
(default z_max = 10, where the density is 7.7e-23), with panels split at caller-supplied break points.
Why not plain Gauss–Hermite: the energetic integrands ``log H((κ − √q z)/√(Q − q))`` turn into a
kink (a parabola on one side, flat on the other) at ``z₀ = κ/√q`` as ``q → Q``, and the entropic
ones ``log Σ_W exp(√q̂ z W − ½ A W²)`` into a piecewise-linear envelope with corners where two states
exchange dominance.  Gauss–Hermite converges only algebraically across such corners; a composite rule
with a panel edge at the corner converges exponentially on each smooth piece.  Default: 24 panels of
order 12 (288 nodes), which reproduces mpmath 30-digit averages to ~1e-13 on the test integrands
(tests/test_quadrature.py).

``log H(x)`` is computed as ``log_ndtr(−x)`` and ``G(x)/H(x)`` with ``erfcx`` (theory.compile).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Iterable, Tuple

import numpy as np
from scipy.special import expit

from theory.special import G_over_H, log_H  # re-exported: the stable special functions

__all__ = ["GaussianRule", "AdaptiveGaussian", "Maximiser", "gauss_legendre_panels", "gaussian_expectation", "log_H", "G_over_H"]

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


@lru_cache(maxsize=64)
def _legendre(order: int) -> Tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(order)
    return x, w


def gauss_legendre_panels(edges: Iterable[float], order: int) -> Tuple[np.ndarray, np.ndarray]:
    """Nodes and log-weights of ∫ φ(z) dz over [edges[0], edges[-1]], Gauss–Legendre on each panel.

    The weights include the standard normal density φ (so Σ w f(z) ≈ E_z f over the range).
    """
    e = np.unique(np.asarray(list(edges), dtype=float))
    if e.size < 2:
        raise ValueError("quadrature: need at least two panel edges")
    x0, w0 = _legendre(order)
    a, b = e[:-1, None], e[1:, None]
    half = 0.5 * (b - a)
    z = (a + b) / 2 + half * x0[None, :]
    logw = np.log(half * w0[None, :]) - 0.5 * z**2 - _LOG_SQRT_2PI
    return z.ravel(), logw.ravel()


@dataclass(frozen=True)
class GaussianRule:
    """Composite Gauss–Legendre rule for a standard normal variable.

    Parameters
    ----------
    panels : number of equal panels on [−z_max, z_max] before break points are added.
    order : Gauss–Legendre order on each panel.
    z_max : truncation of the Gaussian (the mass outside is erfc(z_max/√2) ≈ 1.5e-23 at 10).
    """

    panels: int = 24
    order: int = 12
    z_max: float = 10.0

    def __post_init__(self):
        if self.panels < 1 or self.order < 1 or not self.z_max > 0:
            raise ValueError(f"quadrature: panels, order and z_max must be positive, got {self}")

    def nodes(self, breaks: Iterable[float] = (), widths: Iterable[float] | None = None
              ) -> Tuple[np.ndarray, np.ndarray]:
        """(z, log w) with extra panel edges at ``breaks`` (those outside the range are ignored).

        ``widths`` (one per break) is the length scale on which the integrand turns at that break
        (e.g. √(Q−q)/√q for log H at its kink): where it is smaller than a base panel, panels are
        graded towards the break, with edges at ``t ± w·{1, 2, 4, 8}``, so that every smooth piece
        is resolved whatever the sharpness.
        """
        edges = list(np.linspace(-self.z_max, self.z_max, self.panels + 1))
        base = 2 * self.z_max / self.panels
        breaks = list(breaks)
        widths = list(widths) if widths is not None else [base] * len(breaks)
        for t, w in zip(breaks, widths):
            t, w = float(t), float(w)
            if not np.isfinite(t) or abs(t) >= self.z_max:
                continue
            edges.append(t)
            if np.isfinite(w) and 0 < w < base:
                for k in (1, 2, 4, 8):
                    if k * w < base:
                        edges += [t - k * w, t + k * w]
        e = np.unique(np.clip(edges, -self.z_max, self.z_max))
        e = e[np.concatenate(([True], np.diff(e) > 1e-12))]
        return gauss_legendre_panels(e, self.order)

    @property
    def size(self) -> int:
        return self.panels * self.order


def gaussian_expectation(f, rule: GaussianRule | None = None, breaks: Iterable[float] = (),
                         widths: Iterable[float] | None = None) -> float:
    """E_z f(z) for a vectorised f, by the composite rule (a convenience for users and tests)."""
    rule = rule or GaussianRule()
    z, logw = rule.nodes(breaks, widths)
    return float(np.sum(np.exp(logw) * f(z)))


@dataclass(frozen=True)
class AdaptiveGaussian:
    """Peak-following rule for ``∫Dv e^{E(v)} (...)`` when E makes the integrand sharply peaked.

    Inner integrals such as ``∫Du [Σ_W e^{...}]^y`` peak at |u| ~ y·√(q̂1 − q̂0), far in the
    Gaussian tail, with a width that shrinks as y grows, and the peak moves with the outer fields.
    The evaluator (theory.compile) first evaluates the log-integrand on a coarse uniform grid over
    [−half_width, half_width]; :meth:`refine` then finds, for every outer point separately, the
    window where the log-integrand is within ``cutoff`` of its maximum, to the first coarse point
    outside on each side; with two passes its ends slide on to the next coarse point as that one's
    value nears the cutoff (:meth:`_window`), so that the window moves continuously with the
    parameters (a window snapping from one coarse point to the next made the finite-y conjugates
    jump by up to 20 % at small d).

    Two passes (``scan_points`` > 0, the default): the log-integrand E is looked at again on
    ``scan_points`` Chebyshev–Lobatto points of the window (dense at its ends), and the ``panels`` Gauss–Legendre panels
    (``order`` nodes each) are laid so that each holds the same share of the monitor
    ρ = √|E''| + panels/(window length), E'' by second differences.  Panels thus crowd where the
    integrand turns fast: the reference's factor H((κ̃ − g̃ − βv)/σ̃) of the finite-y energetic
    term is a step of width σ̃/β ~ √d in v, which 16 equal panels on a window of length ~10 did not
    resolve (binary, α = 0.5, y = 3, d = 0.0083: P̂ 0.0266 against 0.0182285 with 64 × 8 equal panels;
    the default two passes, 24 × 8 nodes after 65 scan points, give 0.0182285).  The panel
    edges are continuous in E, hence in the parameters.  ``scan_points=0``: one pass, equal panels
    on the window.
    Everything is in log-sum-exp form, so no value under- or overflows.
    """

    half_width: float = 60.0
    coarse_points: int = 161
    panels: int = 24
    order: int = 8
    cutoff: float = 40.0
    scan_points: int = 65

    RAMP = 10.0  # nats below the cutoff over which a window end slides to the next coarse point

    @property
    def passes(self) -> int:
        return 2 if self.scan_points else 1

    @property
    def coarse(self) -> Tuple[np.ndarray, np.ndarray]:
        t = np.linspace(-self.half_width, self.half_width, self.coarse_points)
        dt = t[1] - t[0]
        return t, np.log(dt) - 0.5 * t**2 - _LOG_SQRT_2PI

    def _window(self, e: np.ndarray, axis: int) -> Tuple[np.ndarray, np.ndarray]:
        """(lo, hi) per outer point, the axis kept at length 1.  The window reaches the first coarse
        point outside the kept ones (E ≤ max E − cutoff): between it and the first kept point the
        integrand may still be large (a step that falls between two coarse points).  As the outside
        point's E rises to within ``RAMP`` nats of the cutoff the window's end slides on, linearly,
        to the next coarse point out, which it reaches when that point is kept: the ends move
        continuously with the parameters, and the mass they add or drop is below e^{−cutoff}.
        With one pass (``scan_points=0``) the ends do not slide: the windows are those of the
        one-pass rule before (binary, α = 0.6, d = 0.04, y = 3: S_I moved by 8e-15), except that a
        window reaching the grid's end stops there instead of one step beyond, where the Gaussian
        weight is e^{−1800}; with the slide, its 16 equal panels on the wider windows lost the
        binary α = 0.5, d = 0.1, y = 0.3 point."""
        t, _ = self.coarse
        dt = t[1] - t[0]
        n = t.size
        E = np.moveaxis(np.where(np.isfinite(e), e, -np.inf), axis, -1)
        level = E.max(axis=-1, keepdims=True) - self.cutoff
        keep = E > level
        first = np.argmax(keep, axis=-1)[..., None]
        last = (n - 1 - np.argmax(keep[..., ::-1], axis=-1))[..., None]

        def end(i_out, sign):  # the first coarse point outside (the grid's end if none), slid on
            i = np.clip(i_out, 0, n - 1)
            if not self.scan_points:  # one pass: no slide
                return t[i]
            slide = np.clip(1.0 - (level - np.take_along_axis(E, i, -1)) / self.RAMP, 0.0, 1.0)
            return t[i] + np.where(i == i_out, sign * dt * slide, 0.0)

        lo, hi = end(first - 1, -1), end(last + 1, 1)
        return np.moveaxis(lo, -1, axis), np.moveaxis(hi, -1, axis)

    def refine(self, e: np.ndarray, axis: int, nodes=None, stage: int = 0) -> Tuple[np.ndarray, np.ndarray]:
        if stage == 0:
            lo, hi = self._window(e, axis)
            if self.scan_points:
                fs = [1] * e.ndim
                fs[axis] = -1
                # Chebyshev–Lobatto points: dense at the window's ends, where a steep side falls
                # through the cutoff (the step of H((κ̃ − g̃ − βv)/σ̃) lies within 9σ̃/β of the end)
                frac = 0.5 * (1.0 - np.cos(np.pi * np.arange(self.scan_points) / (self.scan_points - 1)))
                x = lo + (hi - lo) * frac.reshape(fs)
                return x, -0.5 * x**2 - _LOG_SQRT_2PI
            edges = lo + (hi - lo) * (np.arange(self.panels + 1) / self.panels).reshape(
                [-1 if j == axis else 1 for j in range(e.ndim)])
            return self._legendre_on(edges, axis)
        return self._legendre_on(self._equidistributed_edges(e, nodes, axis), axis)

    def _equidistributed_edges(self, e: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
        """Panel edges on the scan grid x holding equal shares of ρ = √|E''| + panels/(hi − lo)."""
        full = np.broadcast_shapes(np.shape(x), np.shape(e))
        X = np.moveaxis(np.broadcast_to(x, full), axis, -1)
        E = np.moveaxis(np.broadcast_to(e, full), axis, -1)
        fill = np.min(np.where(np.isfinite(E), E, np.inf), axis=-1, keepdims=True)
        E = np.where(np.isfinite(E), E, np.where(np.isfinite(fill), fill, 0.0))  # a non-finite E: the row's floor
        h = np.diff(X, axis=-1)
        length = X[..., -1:] - X[..., 0:1]
        with np.errstate(all="ignore"):
            slope = np.diff(E, axis=-1) / h
            curv = 2 * np.abs(np.diff(slope, axis=-1)) / (h[..., 1:] + h[..., :-1])
        curv = np.nan_to_num(curv, nan=0.0, posinf=0.0)
        curv = np.concatenate([curv[..., :1], curv, curv[..., -1:]], axis=-1)
        # where E is below the cutoff (the window's one-step margin) the curvature does not count
        relevant = expit(E - (E.max(axis=-1, keepdims=True) - self.cutoff))
        rho = relevant * np.sqrt(curv) + self.panels / length
        mass = np.concatenate([np.zeros_like(rho[..., :1]),
                               np.cumsum(0.5 * (rho[..., 1:] + rho[..., :-1]) * h, axis=-1)], axis=-1)
        target = mass[..., -1:] * (np.arange(self.panels + 1) / self.panels)
        # invert the cumulative monitor (increasing) by linear interpolation, row by row
        j = np.clip(np.sum(mass[..., None, :] <= target[..., :, None], axis=-1) - 1, 0, X.shape[-1] - 2)
        m0, m1 = np.take_along_axis(mass, j, -1), np.take_along_axis(mass, j + 1, -1)
        x0, x1 = np.take_along_axis(X, j, -1), np.take_along_axis(X, j + 1, -1)
        with np.errstate(all="ignore"):
            w = np.clip(np.where(m1 > m0, (target - m0) / (m1 - m0), 0.0), 0.0, 1.0)
        edges = x0 + w * (x1 - x0)
        edges[..., 0], edges[..., -1] = X[..., 0], X[..., -1]
        return np.moveaxis(edges, -1, axis)

    def _legendre_on(self, edges: np.ndarray, axis: int) -> Tuple[np.ndarray, np.ndarray]:
        """Gauss–Legendre nodes (``order`` per panel) and Gaussian log-weights on the panel edges
        given along ``axis``."""
        x0, w0 = _legendre(self.order)
        Ed = np.moveaxis(edges, axis, -1)
        a, b = Ed[..., :-1, None], Ed[..., 1:, None]
        half = 0.5 * (b - a)
        x = ((a + b) / 2 + half * x0).reshape(Ed.shape[:-1] + (-1,))
        with np.errstate(divide="ignore"):
            logw = (np.log(half * w0)).reshape(x.shape) - 0.5 * x**2 - _LOG_SQRT_2PI
        return np.moveaxis(x, -1, axis), np.moveaxis(logw, -1, axis)


@dataclass(frozen=True)
class Maximiser:
    """Nodes for a *maximised* variable: with them ``LogSum(E, x)`` is max_x E and ``Avg(f, E, x)``
    is f at the argmax (one node of weight 1 per outer point), as the y → ∞ functionals need
    (:mod:`theory.functionals.large_y`).

    Discrete (``values`` given): the exact argmax over the values.  Continuous: the argmax on a
    uniform grid of ``coarse_points`` over [−half_width, half_width], then ``passes − 1`` refinements,
    each on a ``stencil``-point grid around the previous vertex: the best stencil point and its two
    neighbours give a parabola whose vertex is the new estimate.  The next stencil is 8× narrower
    where the vertex lay within the bracket and 2× wider where it did not (the stencil then walks to
    the maximum).  The value is E at the final vertex, second order in the vertex error.

    Accuracy: maxima of skewed objectives (a flat parabola meeting the steep side of log H, as in
    the y → ∞ energetic term at small d, where δq ~ 100) are where a three-point stencil converges
    slowly; with the five-point stencil and seven passes the argmax is within ~3e-8 there (against
    a bounded Brent search), within ~1e-12 on smooth, symmetric maxima.  For a bimodal E the coarse
    grid picks the global maximum.
    """

    half_width: float = 16.0
    coarse_points: int = 129
    passes: int = 7
    stencil: int = 5
    values: Tuple[float, ...] | None = None

    def __post_init__(self):
        if self.values is not None:  # the exact argmax over the values: nothing to refine
            object.__setattr__(self, "passes", 1)
        elif self.stencil < 3 or self.stencil % 2 == 0 or self.coarse_points < 3 or self.passes < 1:
            raise ValueError(f"Maximiser: need an odd stencil >= 3, coarse_points >= 3, passes >= 1, got {self}")

    @cached_property
    def coarse(self) -> Tuple[np.ndarray, np.ndarray]:
        """(nodes, zero log-weights) of the first pass, made once per maximiser (read-only)."""
        x = (np.asarray(self.values, dtype=float) if self.values is not None
             else np.linspace(-self.half_width, self.half_width, self.coarse_points))
        w = np.zeros_like(x)
        x.flags.writeable = w.flags.writeable = False
        return x, w

    @cached_property
    def _offsets(self) -> np.ndarray:
        o = np.arange(self.stencil) - (self.stencil - 1) // 2
        o.flags.writeable = False
        return o

    @property
    def discrete(self) -> bool:
        """A maximum over the discrete ``values`` (the evaluator then uses :meth:`select`)."""
        return self.values is not None

    def select(self, e: np.ndarray, axis: int) -> np.ndarray:
        """For discrete ``values``: the index of the argmax of E along ``axis`` (NaN counts as −∞,
        the first of equal maxima), with that axis kept at length 1.  The evaluator
        (theory.compile) then reads ``LogSum`` and ``Avg`` at the argmax as a gather from their
        values at every node, so atoms inside them are evaluated once for all values, not again at
        the argmax."""
        if self.values is None:
            raise ValueError("Maximiser.select: only for discrete values")
        shape = [1] * e.ndim
        shape[axis] = -1
        x = self.coarse[0].reshape(shape)
        e = np.broadcast_to(np.where(np.isnan(e), -np.inf, e), np.broadcast_shapes(x.shape, e.shape))
        return np.expand_dims(np.argmax(e, axis=axis), axis)

    def refine(self, e: np.ndarray, axis: int, nodes=None, stage: int = 0):
        """One pass: the argmax (discrete), or the parabolic vertex and the next stencil around it.

        Every outer point is independent; the work is done on a (points × nodes) table with the
        maximised axis last (moved back on return), so its cost is a few numpy operations whatever
        the number of outer axes.  (The
        arrays are small, 30 to 30 000 entries, so the cost is the count of numpy calls: a plain
        reshape where every axis after the maximised one has length 1, one index array for the
        three gathers, NaN replaced only where there is one; the same operations on the values as
        the earlier form, bit for bit.)"""
        if nodes is None:
            shape = [1] * e.ndim
            shape[axis] = -1
            nodes = self.coarse[0].reshape(shape)
        eshape, nshape = e.shape, np.shape(nodes)
        full = eshape if eshape == nshape else np.broadcast_shapes(nshape, eshape)
        n = full[axis]
        table, back = _axis_last(full, axis)
        E = table(e)
        nan = np.isnan(E)
        if nan.any():  # NaN counts as −∞
            E = np.where(nan, -np.inf, E)
        P = E.shape[0]
        i = E.argmax(axis=1)
        if self.values is not None:
            grid = np.reshape(nodes, -1) if np.size(nodes) == n else None
            xs = grid.take(i) if grid is not None else table(nodes).reshape(-1).take(np.arange(0, P * n, n) + i)
            xs = back(xs[:, None], 1)
            return xs, np.zeros_like(xs)
        np.maximum(i, 1, out=i)  # (np.clip costs five times the two ufuncs here)
        np.minimum(i, n - 2, out=i)
        Ef = E.reshape(-1)
        bi = np.arange(0, P * n, n)
        bi += i  # the flat index of each row's argmax; its neighbours at ∓1
        e0, e1, e2 = Ef.take(bi - 1), Ef.take(bi), Ef.take(bi + 1)
        if np.size(nodes) == n:  # one grid for every outer point (the first pass)
            grid = np.reshape(nodes, -1)
            x0, x1, x2 = grid.take(i - 1), grid.take(i), grid.take(i + 1)
        else:
            Xf = table(nodes).reshape(-1)
            x0, x1, x2 = Xf.take(bi - 1), Xf.take(bi), Xf.take(bi + 1)
        h = 0.5 * (x2 - x0)
        curv = e0 - 2 * e1 + e2
        neg = curv < 0
        with np.errstate(all="ignore"):
            shift = np.where(neg & np.isfinite(curv), 0.5 * h * (e0 - e2) / curv, 0.0)
        shift[np.isnan(shift)] = 0.0  # (±inf is clipped to ±h below)
        inside = (np.abs(shift) <= h) & neg  # the parabola's vertex lies within the bracket
        xv = x1 + np.minimum(np.maximum(shift, -h), h)
        if stage + 1 >= self.passes:
            xv = back(xv[:, None], 1)
            return xv, np.zeros_like(xv)
        step = np.where(inside, h / 8, 2 * h)
        stencil = back(xv[:, None] + step[:, None] * self._offsets[None, :], self.stencil)
        return stencil, np.zeros_like(stencil)


def _axis_last(full: tuple, axis: int):
    """(table, back) for an array of shape ``full`` maximised along ``axis``: ``table`` gives the
    (points × nodes) view with that axis last, ``back`` turns (points × k) into ``full`` with k
    nodes along the axis.  Where every axis after ``axis`` has length 1 both are plain reshapes."""
    n, nd = full[axis], len(full)
    if all(full[j] == 1 for j in range(axis + 1, nd)):
        def table(a):
            return (a if a.shape == full else np.broadcast_to(a, full)).reshape(-1, n)

        def back(a, k):
            return a.reshape(full[:axis] + (k,) + full[axis + 1:])
        return table, back
    perm = tuple(j for j in range(nd) if j != axis) + (axis,)
    inv = tuple(range(axis)) + (nd - 1,) + tuple(range(axis, nd - 1))
    outer = tuple(full[j] for j in perm[:-1])

    def table(a):
        return np.broadcast_to(a, full).transpose(perm).reshape(-1, n)

    def back(a, k):
        return a.reshape(outer + (k,)).transpose(inv)
    return table, back
