"""Relaxed BP (AMP form) around a reference (numerics.simulate.relaxed_bp): its exact limit, its
variational identity, and its agreement with the full BP to O(1/N)."""
import numpy as np
import pytest

from numerics.simulate import bp, instances, solvers
from numerics.simulate.relaxed_bp import RelaxedBP, relaxed_local_entropy_sweep, run_relaxed
from theory.states import parse_states


def _h2(d):
    return -d * np.log(d) - (1 - d) * np.log(1 - d)


def test_alpha_zero_is_the_binary_entropy_of_the_distance():
    """No patterns: the measure factorises over the synapses, and F(d) = H2(d) exactly (binary,
    squared distance = the fraction of flipped synapses), d = 1 / (1 + e^gamma)."""
    inst = instances.generate(parse_states("binary"), N=101, alpha=0.0, seed=1)
    res = relaxed_local_entropy_sweep(inst, np.ones(101), gammas=[0.5, 2.0, 5.0])
    for r in res:
        assert r.converged
        assert abs(r.d - 1 / (1 + np.exp(r.gamma))) < 1e-12
        assert abs(r.F - _h2(r.d)) < 1e-12


@pytest.fixture(scope="module")
def solved():
    inst = instances.generate(parse_states("binary"), N=401, alpha=0.5, seed=7)
    sol = solvers.solve(inst, "rbp", seed=0, max_time=60.0)
    assert sol.solved
    return inst, sol.W


def test_the_free_entropy_is_variational_in_the_coupling(solved):
    """At a fixed point d phi / d gamma = -N d (phi stationary in the messages): a central difference
    with h = 1e-4, messages converged to 1e-12, against d to 1e-8 (measured 1.3e-10)."""
    inst, W = solved
    phis = []
    for g in (1.0 - 1e-4, 1.0 + 1e-4, 1.0):
        r = RelaxedBP(inst, W, gamma=g)
        res = run_relaxed(r, tol=1e-12, max_iter=5000)
        assert res.converged, res.message
        phis.append(res.phi)
    slope = (phis[1] - phis[0]) / 2e-4
    assert abs(slope + res.d) < 1e-8, (slope, res.d)


def test_relaxed_and_full_bp_agree_to_order_one_over_n(solved):
    """The relaxed and the full BP share their fixed point to leading order in N: around a reinforced-BP
    solution (binary, N = 401, alpha = 0.5) F agrees to 1.5e-3 and d to 1e-3 at every coupling, below
    1/N (measured: 2e-4 to 6.6e-4 in F, 6e-5 to 3e-4 in d; at N = 1005, alpha = 0.6, 8e-5 to 5e-4 in F);
    in single precision the relaxed F moves by < 1e-7 (measured 5e-9)."""
    inst, W = solved
    gammas = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0]
    rel = relaxed_local_entropy_sweep(inst, W, gammas=gammas)
    full = bp.local_entropy_sweep(inst, W, gammas=gammas)
    single = relaxed_local_entropy_sweep(inst, W, gammas=gammas, dtype=np.float32)
    for a, b, c in zip(rel, full, single):
        assert a.converged and b.converged and c.converged
        assert abs(a.F - b.F) < 1.5e-3 and abs(a.d - b.d) < 1e-3, (a.gamma, a.F, b.F, a.d, b.d)
        assert abs(a.F - c.F) < 1e-7, (a.F, c.F)
    assert rel[0].F > rel[-1].F > 0  # F falls as the coupling pulls the measure onto the reference


def test_zero_one_inputs_are_refused_with_the_reason():
    inst = instances.generate(parse_states("binary"), N=51, alpha=0.3, seed=1, inputs="01", f=0.3)
    with pytest.raises(ValueError, match="inputs"):
        RelaxedBP(inst, np.ones(51))


def test_reinforced_relaxed_bp_solves_below_alpha_u():
    """Reinforced BP on the relaxed form finds solutions of binary instances at alpha = 0.6 and 0.7 (below
    alpha_U = 0.755, where the dense regions it is drawn to exist), N = 1005, and of symmetric(3) at 0.6;
    the solutions are checked on the instance (no pattern violated)."""
    for states, alpha in (("binary", 0.6), ("binary", 0.7), ("symmetric:3", 0.6)):
        inst = instances.generate(parse_states(states), N=1005, alpha=alpha, seed=1000)
        sol = solvers.solve(inst, "rbp", form="relaxed", max_time=60.0)
        assert sol.solved and inst.n_errors(sol.W) == 0, (states, alpha, sol.message)
    with pytest.raises(ValueError, match="form"):
        solvers.solve(inst, "rbp", form="amp")
