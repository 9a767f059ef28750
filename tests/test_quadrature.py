"""Gaussian averages against mpmath at 30 digits, and the stable special functions."""
import math

import mpmath as mp
import numpy as np
import pytest

from numerics.solver.quadrature import G_over_H, GaussianRule, gaussian_expectation, log_H

mp.mp.dps = 30


def _mp_gauss(f):
    return mp.quad(lambda z: f(z) * mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi), [-mp.inf, 0, mp.inf])


def _mp_logH(x):
    return mp.log(mp.erfc(x / mp.sqrt(2)) / 2)


def test_energetic_average_matches_mpmath_30_digits():
    # E_z log H((κ − √q z)/√(Q − q)) at a load where the integrand is steep (q/Q = 0.9)
    kappa, q, Q = 0.3, 0.9, 1.0
    ref = _mp_gauss(lambda z: _mp_logH((kappa - mp.sqrt(q) * z) / mp.sqrt(Q - q)))
    f = lambda z: log_H((kappa - math.sqrt(q) * z) / math.sqrt(Q - q))
    z0, w = kappa / math.sqrt(q), math.sqrt((Q - q) / q)
    val = gaussian_expectation(f, GaussianRule(), breaks=[z0], widths=[w])
    assert abs(val - float(ref)) < 1e-12 * abs(float(ref))


def test_entropic_average_matches_mpmath():
    # E_z log Σ_W exp(√q̂ z W − ½ A W²) over symmetric(3)
    qh, A = 3.7, 1.3
    vals = [-1, 0, 1]
    ref = _mp_gauss(lambda z: mp.log(sum(mp.exp(mp.sqrt(qh) * z * w - A * w * w / 2) for w in vals)))
    f = lambda z: np.log(sum(np.exp(np.sqrt(qh) * z * w - A * w * w / 2) for w in vals))
    assert abs(gaussian_expectation(f) - float(ref)) < 1e-12


@pytest.mark.parametrize("x", [-40.0, -5.0, -1.0, 0.0, 0.5, 3.0, 26.0, 40.0, 1e3])
def test_log_H_and_G_over_H_are_stable(x):
    assert math.isclose(float(log_H(x)), float(_mp_logH(mp.mpf(x))), rel_tol=1e-12, abs_tol=1e-300)
    ref = mp.npdf(x) / (mp.erfc(mp.mpf(x) / mp.sqrt(2)) / 2)
    assert math.isclose(float(G_over_H(x)), float(ref), rel_tol=1e-12, abs_tol=1e-300)


def test_rule_integrates_moments_exactly():
    z, lw = GaussianRule().nodes()
    w = np.exp(lw)
    for k, m in [(0, 1.0), (2, 1.0), (4, 3.0), (6, 15.0)]:
        assert abs(np.sum(w * z**k) - m) < 1e-13 * max(m, 1)


def test_bad_rule_is_rejected():
    with pytest.raises(ValueError, match="quadrature"):
        GaussianRule(panels=0)


def _maximise(M, E, z):
    """Run the Maximiser's passes on E(v, z) (z a column of outer points), as theory.compile does."""
    x = M.coarse[0][None, :]
    xs, _ = M.refine(E(x, z), 1)
    for stage in range(1, M.passes):
        xs, _ = M.refine(E(xs, z), 1, nodes=xs, stage=stage)
    return xs[:, 0]


def test_maximiser_finds_skewed_maxima():
    """The y → ∞ energetic objective at small d (δq ≈ 105, Q − q1 = 0.04): a flat parabola meeting
    the steep side of log H.  The argmax agrees with a bounded Brent search to 1e-7, and with the
    old three-point stencil (five passes) it did not (errors ~2e-2, which moved δq by 40%)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_ndtr

    from numerics.solver.quadrature import Maximiser

    q1, dq = 0.9604, 105.1
    s = np.sqrt(1 - q1)

    def E(v, z):
        return -v**2 / (2 * dq) + log_ndtr((np.sqrt(q1) * z + v) / s)

    z = np.linspace(-3, 3, 61)[:, None]
    exact = np.array([minimize_scalar(lambda v: -E(v, t), bounds=(-60, 60), method="bounded",
                                      options={"xatol": 1e-13}).x for t in z[:, 0]])
    assert np.max(np.abs(_maximise(Maximiser(), E, z) - exact)) < 1e-7
    assert np.max(np.abs(_maximise(Maximiser(passes=5, stencil=3), E, z) - exact)) > 1e-3
    # a discrete maximiser is exact and needs a single pass
    D = Maximiser(values=(-1.0, 0.0, 2.0))
    assert D.passes == 1
    xs, _ = D.refine(-(D.coarse[0][None, :] - z) ** 2, 1)
    assert np.all(xs[:, 0] == np.array([-1.0, 0.0, 2.0])[np.argmin(np.abs(np.array([-1.0, 0.0, 2.0])[None, :] - z), 1)])
    with pytest.raises(ValueError, match="stencil"):
        Maximiser(stencil=4)


def test_maximiser_passes_are_pointwise_on_any_axis_and_select_is_the_discrete_argmax():
    """The passes work outer point by outer point: on a 4-axis array maximised along an inner axis
    they give, bit for bit, what each point's own one-dimensional slice gives; ``select`` is the
    index at which the discrete refine reads its value."""
    from numerics.solver.quadrature import Maximiser

    rng = np.random.default_rng(0)
    M = Maximiser()
    c = rng.normal(size=(6, 2, 1, 3)) * 4
    a = rng.uniform(0.2, 3, size=(6, 1, 1, 3))

    def E(x):
        return -a * (x - c) ** 2 + np.log1p(np.exp(x))  # skewed, maxima off the grid

    x, _ = M.refine(E(M.coarse[0].reshape(1, 1, -1, 1)), 2)
    for stage in range(1, M.passes):
        x, _ = M.refine(E(x), 2, nodes=x, stage=stage)
    for i, j, k in np.ndindex(6, 2, 3):
        def E1(v):
            return -a[i, 0, 0, k] * (v - c[i, j, 0, k]) ** 2 + np.log1p(np.exp(v))
        x1, _ = M.refine(E1(M.coarse[0][None, :]), 1)
        for stage in range(1, M.passes):
            x1, _ = M.refine(E1(x1), 1, nodes=x1, stage=stage)
        assert x1.shape == (1, 1) and x1[0, 0] == x[i, j, 0, k]
    D = Maximiser(values=(-1.0, 0.0, 0.5, 1.0))
    e = rng.normal(size=(5, 4, 3))
    e[0, 1, 0] = np.nan
    idx = D.select(e, 1)
    xs, _ = D.refine(e, 1)
    assert idx.shape == (5, 1, 3) and D.discrete and not M.discrete
    assert np.array_equal(np.take(np.array(D.values), idx), xs)


def test_log_sum_exp_over_short_axes_is_numpys_reduction_bit_for_bit():
    """theory.compile reduces over a set of synaptic values (< 8 entries) slice by slice; the values
    are those of numpy's own max and sum, on every axis and memory layout, with −inf and NaN."""
    from theory.compile import _logsumexp

    rng = np.random.default_rng(1)
    for shape in [(9, 5, 7, 5, 1), (4, 3, 2), (6, 2), (3, 9, 4)]:
        for axis in range(len(shape)):
            e = rng.normal(size=shape) * 30
            e.flat[::7] = -np.inf
            e.flat[3] = np.nan
            for arr in (e, np.asfortranarray(e)):
                with np.errstate(all="ignore"):
                    m = np.max(arr, axis=axis, keepdims=True)
                    m = np.where(np.isfinite(m), m, 0.0)
                    ref = m + np.log(np.sum(np.exp(arr - m), axis=axis, keepdims=True))
                    assert np.array_equal(_logsumexp(arr, axis), ref, equal_nan=True), (shape, axis)


def _adaptive_average(rule, logf, f=lambda v: 1.0):
    """E_v e^{logf(v)} f(v) / normalisation-free, by the passes of an AdaptiveGaussian (as the
    evaluator in theory.compile runs them): the coarse look, the window, the scan and its panels."""
    from scipy.special import logsumexp

    x, lw = rule.coarse
    e = logf(x) + lw
    x, lw = rule.refine(e, 0)
    for stage in range(1, rule.passes):
        x, lw = rule.refine(logf(x) + lw, 0, nodes=x, stage=stage)
    return float(np.exp(logsumexp(logf(x) + lw, b=f(x))))


@pytest.mark.parametrize("sigma", [0.05, 0.01])
def test_adaptive_rule_resolves_a_step_and_moves_continuously(sigma):
    """The finite-y energetic term's inner integral ∫Dv H((a − βv)/σ) H((κ − √q v)/√(1 − q))³ has a
    step of width σ/β in v (σ ~ √d at small d).  Gaussian identity for the first factor alone:
    E_v H((a − βv)/σ) = H(a/√(σ² + β²)).  The two-pass rule (panels where |E''| is large) meets it
    to 1e-9; the one-pass rule of 16 equal panels misses by > 1e-5.  As a moves, the value moves
    smoothly: no jump when the window's ends pass a coarse point (a snapping window made the
    finite-y conjugates jump by 20 % at small d)."""
    from numerics.solver.quadrature import AdaptiveGaussian

    beta = 0.77
    exact = lambda a: float(mp.ncdf(-a / mp.sqrt(sigma**2 + beta**2)))  # noqa: E731
    two, one = AdaptiveGaussian(), AdaptiveGaussian(panels=16, order=6, scan_points=0)
    logf = lambda a: (lambda v: log_H((a - beta * v) / sigma))  # noqa: E731
    for a in (-0.3, 0.1, 0.8):
        assert abs(_adaptive_average(two, logf(a)) - exact(a)) < 1e-9, a
    assert max(abs(_adaptive_average(one, logf(a)) - exact(a)) for a in (-0.3, 0.1, 0.8)) > 1e-5
    # the full integrand, with the probes' factor, as a sweeps the window's lower end over two coarse
    # steps: within 1e-8 of a rule four times finer at every a (measured ≤ 3.4e-9; a window that
    # snapped between coarse points showed up as jumps of the value there)
    q = 0.6
    log_full = lambda a: (lambda v: log_H((a - beta * v) / sigma)  # noqa: E731
                          + 3 * log_H((0.0 - math.sqrt(q) * v) / math.sqrt(1 - q)))
    fine = AdaptiveGaussian(panels=96, scan_points=257)
    err = [abs(_adaptive_average(two, log_full(a)) - _adaptive_average(fine, log_full(a)))
           for a in np.linspace(0.2, 1.7, 61)]
    assert max(err) < 1e-8, max(err)
