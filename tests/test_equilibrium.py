"""Equilibrium entropy and capacity against the known values of physics.md §2."""
import math

import numpy as np
import pytest

from numerics.problems.equilibrium import capacity, entropy_curve, solve_equilibrium
from theory.states import StateSet


@pytest.mark.parametrize("alpha, s_ref, q_ref", [(0.5, 0.31439, 0.32239), (0.8, 0.03531, 0.53794)])
def test_binary_entropy_and_overlap(alpha, s_ref, q_ref):
    r = solve_equilibrium("binary", alpha)
    assert r.converged and r.residual < 1e-8
    assert abs(r.value - s_ref) < 1e-4 * 0.6  # the reference values carry 5 decimals
    assert abs(r.params["q"] - q_ref) < 1e-4 * 0.6
    assert r.params["Q"] == pytest.approx(1.0, abs=1e-12)


def test_binary_capacity_krauth_mezard():
    c = capacity("binary")
    assert c.converged and abs(c.entropy) < 1e-8
    assert abs(c.alpha_c - 0.8331) < 1e-3
    # and not the naive q -> Q point 4/π
    assert c.alpha_c < 4 / math.pi - 0.4


@pytest.mark.parametrize("name", ["binary", "symmetric:3", "excitatory:3", "values:-1,0,1@1,2,1"])
def test_small_alpha_limit(name):
    S = StateSet.parse(name)
    r0 = solve_equilibrium(S, 0.0)
    assert r0.converged and r0.value == pytest.approx(S.log_measure, abs=1e-12)
    r = solve_equilibrium(S, 1e-3)
    assert r.value == pytest.approx(S.log_measure, abs=2e-3)
    if name == "binary":
        # q ≈ (2α/π) Q at small α
        assert r.params["q"] == pytest.approx(2e-3 / math.pi, rel=2e-3)


def test_entropy_below_annealed_bound_and_decreasing():
    for name in ["binary", "symmetric:3", "excitatory:4"]:
        S = StateSet.parse(name)
        alphas = np.linspace(0.05, 0.7, 6)
        curve = entropy_curve(S, alphas)
        s = np.array([r.value for r in curve])
        assert all(r.converged for r in curve)
        assert np.all(np.diff(s) < 0)
        assert np.all(s <= S.log_measure - alphas * math.log(2) + 1e-12)
        # ds/dα from the saddle point (envelope theorem) matches the curve's slope
        mid = solve_equilibrium(S, 0.4)
        h = 1e-4
        fd = (solve_equilibrium(S, 0.4 + h).value - solve_equilibrium(S, 0.4 - h).value) / (2 * h)
        assert mid.parts["G_E"] == pytest.approx(fd, abs=1e-6)


def test_symmetric_capacity_grows_below_bounds():
    ac = []
    for L in range(2, 10):
        c = capacity(f"symmetric:{L}")
        assert c.converged
        assert c.alpha_c < 2.0 and c.alpha_c < math.log2(L)
        ac.append(c.alpha_c)
    assert np.all(np.diff(ac) > 0)
    assert ac[0] == pytest.approx(0.8331, abs=1e-3)  # symmetric:2 is binary


def test_excitatory_capacity():
    c2 = capacity("excitatory:2")
    assert c2.converged and abs(c2.alpha_c - 0.59) < 0.005
    ac = [capacity(f"excitatory:{L}").alpha_c for L in range(2, 7)]
    assert np.all(np.diff(ac) > 0) and ac[-1] < 1.0
    # increments shrink: approaching the continuous sign-constrained limit from below
    assert np.all(np.diff(np.diff(ac)) < 0)


def test_scale_invariance_at_kappa_zero():
    """At κ = 0 only the shape of S matters, not its scale."""
    a = capacity("values:-1,0,1")
    b = capacity("values:-3,0,3")
    assert a.alpha_c == pytest.approx(b.alpha_c, abs=1e-7)


def test_optimal_bias_is_zero_for_balanced_outputs_and_helps_otherwise():
    r = solve_equilibrium("binary", 0.5, bias="optimal")
    assert r.converged and abs(r.params["b"]) < 1e-8
    biased = solve_equilibrium("binary", 0.5, f_out=0.3, bias="optimal")
    plain = solve_equilibrium("binary", 0.5, f_out=0.3, bias=0.0)
    assert biased.converged and plain.converged
    assert abs(biased.gradient["b"]) < 1e-8 and biased.params["b"] < 0
    # b is extremised: s at the optimal bias exceeds s at b = 0 (a maximum in b)
    assert biased.value > plain.value


def test_unphysical_load_is_reported_not_hidden():
    r = solve_equilibrium("binary", 2.0)
    assert not r.converged and "not converged" in r.message


@pytest.mark.parametrize("kw, needle", [
    (dict(alpha=-0.1), "alpha"), (dict(alpha=float("nan")), "alpha"),
    (dict(alpha=0.5, kappa=-1.0), "kappa"), (dict(alpha=0.5, f_out=1.0), "f_out"),
    (dict(alpha=0.5, bias="best"), "bias"),
])
def test_bad_model_arguments(kw, needle):
    with pytest.raises(ValueError, match=needle):
        solve_equilibrium("binary", **kw)
