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
from functools import lru_cache
from typing import Iterable, Tuple

import numpy as np

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
    [−half_width, half_width]; :meth:`refine` then keeps, for every outer point separately, the
    interval where the log-integrand is within ``cutoff`` of its maximum (plus one coarse step on
    each side) and lays a composite Gauss–Legendre rule (``panels`` × ``order``) on it.  Everything
    is in log-sum-exp form, so no value under- or overflows.
    """

    half_width: float = 60.0
    coarse_points: int = 161
    panels: int = 16
    order: int = 6
    cutoff: float = 40.0

    @property
    def coarse(self) -> Tuple[np.ndarray, np.ndarray]:
        t = np.linspace(-self.half_width, self.half_width, self.coarse_points)
        dt = t[1] - t[0]
        return t, np.log(dt) - 0.5 * t**2 - _LOG_SQRT_2PI

    def refine(self, e: np.ndarray, axis: int) -> Tuple[np.ndarray, np.ndarray]:
        t, _ = self.coarse
        dt = t[1] - t[0]
        shape = [1] * e.ndim
        shape[axis] = -1
        tt = t.reshape(shape)
        keep = e > e.max(axis=axis, keepdims=True) - self.cutoff
        lo = np.where(keep, tt, np.inf).min(axis=axis, keepdims=True) - dt
        hi = np.where(keep, tt, -np.inf).max(axis=axis, keepdims=True) + dt
        x0, w0 = _legendre(self.order)
        k = np.arange(self.panels)
        # node positions in [0, 1]: panel k, Legendre node j
        frac = ((k[:, None] + 0.5 * (x0[None, :] + 1.0)) / self.panels).ravel()
        wfrac = np.tile(0.5 * w0 / self.panels, self.panels)
        fs = [1] * e.ndim
        fs[axis] = -1
        x = lo + (hi - lo) * frac.reshape(fs)
        logw = np.log(hi - lo) + np.log(wfrac).reshape(fs) - 0.5 * x**2 - _LOG_SQRT_2PI
        return x, logw


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

    @property
    def coarse(self) -> Tuple[np.ndarray, np.ndarray]:
        x = (np.asarray(self.values, dtype=float) if self.values is not None
             else np.linspace(-self.half_width, self.half_width, self.coarse_points))
        return x, np.zeros_like(x)

    @property
    def _offsets(self) -> np.ndarray:
        return np.arange(self.stencil) - (self.stencil - 1) // 2

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
        the number of outer axes."""
        if nodes is None:
            shape = [1] * e.ndim
            shape[axis] = -1
            nodes = self.coarse[0].reshape(shape)
        full = np.broadcast_shapes(np.shape(nodes), e.shape)
        n = full[axis]
        nd = len(full)
        perm = tuple(j for j in range(nd) if j != axis) + (axis,)
        inv = tuple(range(axis)) + (nd - 1,) + tuple(range(axis, nd - 1))
        outer = tuple(full[j] for j in perm[:-1])

        def table(a):  # (points, n), the maximised axis last
            return np.broadcast_to(a, full).transpose(perm).reshape(-1, n)

        def back(a, k):  # (points, k) -> the full shape with k nodes along the axis
            return a.reshape(outer + (k,)).transpose(inv)

        E = table(np.where(np.isnan(e), -np.inf, e))
        base = np.arange(E.shape[0]) * n
        Ef = E.reshape(-1)
        i = np.argmax(E, axis=1)
        if np.size(nodes) == n:  # one grid for every outer point (the first pass)
            grid = np.reshape(nodes, -1)
            at = grid.take
        else:
            Xf = table(nodes).reshape(-1)
            at = lambda j: Xf.take(base + j)  # noqa: E731
        if self.values is not None:
            xs = back(at(i)[:, None], 1)
            return xs, np.zeros_like(xs)
        i = np.minimum(np.maximum(i, 1), n - 2)
        e0, e1, e2 = Ef.take(base + (i - 1)), Ef.take(base + i), Ef.take(base + (i + 1))
        x0, x1, x2 = at(i - 1), at(i), at(i + 1)
        h = 0.5 * (x2 - x0)
        curv = e0 - 2 * e1 + e2
        with np.errstate(all="ignore"):
            shift = np.where((curv < 0) & np.isfinite(curv), 0.5 * h * (e0 - e2) / curv, 0.0)
        shift = np.where(np.isnan(shift), 0.0, shift)  # (±inf is clipped to ±h below)
        inside = (np.abs(shift) <= h) & (curv < 0)  # the parabola's vertex lies within the bracket
        xv = x1 + np.minimum(np.maximum(shift, -h), h)
        if stage + 1 >= self.passes:
            xv = back(xv[:, None], 1)
            return xv, np.zeros_like(xv)
        step = np.where(inside, h / 8, 2 * h)
        stencil = back(xv[:, None] + step[:, None] * self._offsets[None, :], self.stencil)
        return stencil, np.zeros_like(stencil)
