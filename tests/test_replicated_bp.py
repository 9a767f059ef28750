"""The replicated system by joint BP (numerics.simulate.replicated): closed forms at alpha = 0, the
factorisation at gamma = 0, S = (1/y) dF/dgamma at a fixed point, exact enumeration, the root in gamma,
contradictions and the command line."""
import json
import math

import numpy as np
import pytest
from scipy.special import logsumexp

from numerics.simulate.bp import PerceptronBP, run_bp
from numerics.simulate.enumeration import enumerate_solutions
from numerics.simulate.instances import generate, save_instance
from numerics.simulate.replicated import (ReplicatedBP, bethe_entropy, pattern_average, replica_classes,
                                          replicated_at_d, run_replicated)


def _run(inst, y, gamma, **kw):
    r = run_replicated(ReplicatedBP(inst, y, gamma), tol=1e-12, **kw)
    assert r.converged, r.message
    return r


@pytest.mark.parametrize("y", [1, 2, 3, 5])
def test_alpha0_binary_closed_form(y):
    """alpha = 0: (1/N) log Z = log 2 + y log 2 cosh gamma and S = tanh gamma, exactly."""
    inst = generate("binary", 31, 0.0, seed=0)
    for g in (0.0, 0.4, 1.3):
        r = _run(inst, y, g)
        assert r.F == pytest.approx(math.log(2) + y * math.log(2 * math.cosh(g)), abs=1e-12)
        assert r.S == pytest.approx(math.tanh(g), abs=1e-12)
        assert r.yPhi == pytest.approx(r.F - y * g * r.S, abs=1e-14)


@pytest.mark.parametrize("states, distance", [("symmetric:3", "squared"), ("excitatory:3", "squared"),
                                              ("symmetric:3", "hamming"), ("values:-1,0,2@1,2,1", "squared")])
def test_alpha0_multistate_closed_form(states, distance):
    """alpha = 0, L states: F = log sum_l pi_l (sum_k pi_k e^{gamma w_kl})^y with w = 1 - 2 dist, and S its
    derivative / y (computed here from the state values directly)."""
    inst = generate(states, 25, 0.0, seed=0)
    s, pi = inst.states.array, np.asarray(inst.states.prior, dtype=float)
    dist = ((s[:, None] - s[None, :]) ** 2 / (s.max() - s.min()) ** 2 if distance == "squared"
            else (s[:, None] != s[None, :]).astype(float))
    w = 1 - 2 * dist
    y, g = 3, 0.8
    zl = (pi[:, None] * np.exp(g * w)).sum(axis=0)  # over W for each W~ = s_l
    F = math.log((pi * zl ** y).sum())
    S = float((pi * zl ** y * ((pi[:, None] * w * np.exp(g * w)).sum(axis=0) / zl)).sum() / (pi * zl ** y).sum())
    r = run_replicated(ReplicatedBP(inst, y, g, distance=distance), tol=1e-12)
    assert r.converged
    assert r.F == pytest.approx(F, abs=1e-12)
    assert r.S == pytest.approx(S, abs=1e-12)


@pytest.mark.parametrize("states, alpha, kw", [("binary", 0.5, {}), ("symmetric:3", 0.6, {}),
                                               ("binary", 0.3, {"inputs": "01", "f": 0.3})])
def test_gamma0_factorises(states, alpha, kw):
    """gamma = 0: F(0, y) = log sum pi + y s_Bethe, s_Bethe the plain BP entropy by the same code at y = 1,
    to 1e-8 (the fixed point of the joint BP is the product of y single-replica ones: C = 0, g_o = 0)."""
    inst = generate(states, 21, alpha, seed=2, **kw)
    s_b, res = bethe_entropy(inst, tol=1e-12)
    assert res.converged, res.message
    for y in (2, 3):
        assert _run(inst, y, 0.0).F == pytest.approx(inst.states.log_measure + y * s_b, abs=1e-8)


def test_s_bethe_is_the_plain_bp_entropy():
    """At y = 1, gamma = 0 the relaxed (AMP) form agrees with the full central-limit BP of
    numerics.simulate.bp up to its O(1/N) difference (measured 3e-4 at N = 301, alpha = 0.5)."""
    inst = generate("binary", 301, 0.5, seed=3)
    s_b, _ = bethe_entropy(inst, tol=1e-12)
    full = run_bp(PerceptronBP(inst), tol=1e-10, max_iter=3000)
    assert full.converged
    assert abs(s_b - full.phi) < 2e-3


@pytest.mark.parametrize("states, N, kw, y, g", [("binary", 21, {}, 3, 0.7), ("symmetric:3", 21, {}, 2, 1.1),
                                                 ("excitatory:3", 31, {}, 3, 0.9),
                                                 ("binary", 41, {"inputs": "01", "f": 0.3}, 2, 0.6)])
def test_S_is_the_derivative_of_F(states, N, kw, y, g):
    """S = (1/y) dF/dgamma at a fixed point (the Bethe F is stationary in the messages): central finite
    difference with h = 1e-4 (error ~ h^2 F''' ~ 1e-8; measured |S - FD| ~ 1e-9), asserted to 1e-5."""
    inst = generate(states, N, 0.4, seed=1, **kw)
    bp = ReplicatedBP(inst, y, g)
    out = {}
    for gg in (g - 1e-4, g + 1e-4, g):
        bp.gamma = gg
        out[gg] = run_replicated(bp, tol=1e-13, max_iter=5000)
        assert out[gg].converged, out[gg].message
    fd = (out[g + 1e-4].F - out[g - 1e-4].F) / 2e-4 / y
    assert abs(out[g].S - fd) < 1e-5


def _exact_transform(codes, N, gamma):
    """f(W~) = sum_{W in sol} prod_i e^{gamma (W_i W~_i - 1)} for all 2^N binary references and df/dgamma,
    by the product-kernel transform (one 2 x 2 kernel [[1, e], [e, 1]], e = e^{-2 gamma}, per axis)."""
    e = math.exp(-2.0 * gamma)
    f = np.zeros(2 ** N)
    f[codes] = 1.0
    df = np.zeros_like(f)
    for ax in range(N):
        f3, d3 = f.reshape(2 ** ax, 2, -1), df.reshape(2 ** ax, 2, -1)
        a0, a1, b0, b1 = f3[:, 0], f3[:, 1], d3[:, 0], d3[:, 1]  # views, updated in place
        ta, tb = a0.copy(), b0.copy()
        b0 += e * (b1 - 2.0 * a1)  # d/dgamma (a0 + e a1), de/dgamma = -2 e
        b1 += e * (tb - 2.0 * ta)
        a0 += e * a1
        a1 += e * ta
    return f, df


def _exact_F_S(f, df, N, gamma, y):
    """F = (1/N) log sum_W~ (e^{gamma N} f)^y and S = (1/y) dF/dgamma (analytic)."""
    ok = f > 0
    lw = y * np.log(f[ok])
    lz = logsumexp(lw)
    dlz = float(np.sum(np.exp(lw - lz) * y * df[ok] / f[ok]))
    return (lz + y * N * gamma) / N, (dlz + y * N) / (y * N)


def test_exact_transform_at_alpha0():
    """The enumeration reference itself: with every configuration a solution it gives the closed form."""
    N, g, y = 10, 0.7, 3
    F, S = _exact_F_S(*_exact_transform(np.arange(2 ** N), N, g), N, g, y)
    assert F == pytest.approx(math.log(2) + y * math.log(2 * math.cosh(g)), abs=1e-12)
    assert S == pytest.approx(math.tanh(g), abs=1e-12)


@pytest.mark.slow
def test_against_exact_enumeration():
    """Bethe F(gamma, y) and S against exact Z(gamma, y) = sum_W~ (sum_{W in sol} e^{gamma W.W~})^y, binary,
    N = 21, alpha = 0.3 and 0.4, 3 instances each, y = 2, 3, gamma = 0.5, 1.0 (24 points).

    BP is not exact at N = 21: the Gaussian (central-limit) pattern messages are exact only as N -> inf,
    an O(1/N) error (1/N = 0.048) of instance-dependent sign.  Measured beforehand (12 instances per alpha,
    N = 13, 17, 21): mean |F - F_exact| 0.011-0.025 (0.012 / 0.011 at N = 21, alpha = 0.3 / 0.4), largest
    0.03 at N = 21; mean |S - S_exact| 0.004-0.006 at N = 21 (N = 19 is worse: mean 0.012 / 0.023, max
    0.086).  Asserted: mean |dF| < 0.02, mean |dS| < 0.01, max |dF| < 0.05, and BP far better than the
    alpha = 0 value (which ignores the patterns, off by ~0.4)."""
    dF, dS, d0 = [], [], []
    for alpha in (0.3, 0.4):
        for seed in range(3):
            inst = generate("binary", 21, alpha, seed=seed)
            res = enumerate_solutions(inst)
            assert res.n_solutions > 0
            for g in (0.5, 1.0):
                f, df = _exact_transform(res.codes, 21, g)
                for y in (2, 3):
                    F, S = _exact_F_S(f, df, 21, g, y)
                    r = _run(inst, y, g)
                    dF.append(r.F - F)
                    dS.append(r.S - S)
                    d0.append(math.log(2) + y * math.log(2 * math.cosh(g)) - F)
    dF, dS = np.abs(dF), np.abs(dS)
    print(f"N=21: mean |dF| {dF.mean():.4f} (max {dF.max():.4f}), mean |dS| {dS.mean():.4f}; "
          f"alpha=0 value off by {np.mean(d0):.3f}")
    assert dF.mean() < 0.02 and dS.mean() < 0.01 and dF.max() < 0.05
    assert dF.mean() < 0.1 * np.mean(d0)


def test_root_in_gamma_hits_the_target_distance():
    inst = generate("binary", 121, 0.5, seed=4)
    bp = ReplicatedBP(inst, 3)
    r = replicated_at_d(bp, 0.1)
    assert r.converged, r.message
    assert abs(r.d - 0.1) < 1e-8 and r.root_residual == pytest.approx(r.d - 0.1)
    assert r.yPhi == pytest.approx(r.F - 3 * r.gamma * (1 - 2 * r.d), abs=1e-12)
    # yPhi(d) is the Legendre transform: larger d, larger yPhi (more configurations), below F(alpha=0)
    r2 = replicated_at_d(bp, 0.2)
    assert r2.yPhi > r.yPhi and r2.gamma < r.gamma
    with pytest.raises(ValueError, match="--d"):
        replicated_at_d(bp, 0.7)
    with pytest.raises(ValueError, match="--d"):
        replicated_at_d(bp, 0.0)


def test_no_solution_is_a_contradiction_not_a_number():
    """Far above capacity (binary, alpha = 3, N = 31) the fixed point violates patterns with certainty: the
    result says so (converged False, contradiction True) and F is NaN, not a huge negative number."""
    inst = generate("binary", 31, 3.0, seed=0)
    r = run_replicated(ReplicatedBP(inst, 2, 0.5))
    assert not r.converged and math.isnan(r.F) and math.isnan(r.yPhi)
    assert r.contradiction and "contradiction" in r.message


def test_classes_and_quadrature():
    """Class multiplicities sum to L^y per reference value; the pattern average at C = 0 is H(theta/s)^y."""
    from theory.states import StateSet

    c = replica_classes(StateSet.parse("symmetric:3"), 4)
    assert c.ref.size == 3 * 15
    assert np.exp(logsumexp(c.base)) == pytest.approx(3 * 3 ** 4)
    with pytest.raises(ValueError, match="y"):
        replica_classes(StateSet.parse("binary"), 0)
    from scipy.special import log_ndtr

    lz, e1, go, _ = pattern_average(np.array([0.3, -1.0]), np.array([0.5, 0.5]), np.zeros(2), 3)
    assert lz == pytest.approx(3 * log_ndtr(-np.array([0.3, -1.0]) / math.sqrt(0.5)), abs=1e-12)
    assert np.all(go == 0)


def test_cli(tmp_path, capsys):
    from numerics.cli import main

    path = tmp_path / "inst.npz"
    save_instance(generate("binary", 101, 0.4, seed=0), path)
    assert main(["replicated-bp", str(path), "--y", "2", "--gamma", "0", "0.5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    p0, p1 = out["points"]
    assert out["converged"] and p0["gamma"] == 0 and p1["gamma"] == 0.5
    assert p0["yPhi_minus_y_s_bethe"] == pytest.approx(math.log(2), abs=1e-8)
    assert p1["d"] < 0.5 and p1["F"] > p0["F"]
    assert main(["replicated-bp", str(path), "--y", "0", "--gamma", "1"]) == 2
    assert "--y" in capsys.readouterr().err
    assert main(["replicated-bp", str(path), "--y", "2"]) == 2
    assert "--gamma" in capsys.readouterr().err
    assert main(["replicated-bp", str(path), "--y", "2", "--d", "0.9"]) == 2
    assert "--d" in capsys.readouterr().err
