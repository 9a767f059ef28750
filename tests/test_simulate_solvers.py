"""Solvers: every returned solution is re-checked by a plain evaluation of the storage inequality."""
import math

import numpy as np
import pytest

from numerics.simulate.instances import generate
from numerics.simulate.solvers import SOLVERS, solve


def _plain_check(inst, W):
    """Independent check: loop over patterns, the inequality written out from the issue text."""
    assert np.all(np.isin(W, inst.states.array))
    for mu in range(inst.M):
        h = float(np.dot(inst.patterns[mu].astype(float), W))
        if inst.input_model == "pm1":
            st = inst.labels[mu] * (h / math.sqrt(inst.N) + inst.bias)
        else:
            st = inst.labels[mu] * (h - inst.threshold) / math.sqrt(inst.N * inst.f * (1 - inst.f))
        if not st > inst.kappa:
            return False
    return True


@pytest.mark.parametrize("algorithm", sorted(SOLVERS))
def test_each_solver_binary_easy(algorithm):
    N = 61 if algorithm == "edmc" else 101
    inst = generate("binary", N, 0.3, seed=1)
    r = solve(inst, algorithm, seed=0, max_time=20)
    assert r.solved, r.message
    assert _plain_check(inst, r.W)
    assert r.errors == 0 and r.iterations >= 1


@pytest.mark.parametrize("states, inputs, alpha", [
    ("symmetric:3", "pm1", 0.5),
    ("excitatory:3", "pm1", 0.3),
    ("excitatory:3", "01", 0.3),
    ("values:-1,0,2@1,3,1", "pm1", 0.3),
])
@pytest.mark.parametrize("algorithm", ["rbp", "cpr"])
def test_multistate_solvers(states, inputs, alpha, algorithm):
    inst = generate(states, 201, alpha, seed=2, inputs=inputs, f=0.3)
    r = solve(inst, algorithm, seed=0, max_time=20)
    assert r.solved, r.message
    assert _plain_check(inst, r.W)


def test_kappa_positive():
    inst = generate("symmetric:3", 201, 0.3, seed=3, kappa=0.3)
    r = solve(inst, "rbp", seed=0, max_time=20)
    assert r.solved and _plain_check(inst, r.W)


@pytest.mark.parametrize("algorithm", ["rbp", "cpr", "sa"])
def test_same_seed_same_result(algorithm):
    inst = generate("binary", 101, 0.4, seed=5)
    a = solve(inst, algorithm, seed=3, max_iter=50)
    b = solve(inst, algorithm, seed=3, max_iter=50)
    assert np.array_equal(a.W, b.W) and a.iterations == b.iterations


def test_failure_reports_errors():
    inst = generate("binary", 51, 3.0, seed=0)  # far above capacity
    r = solve(inst, "rbp", seed=0, max_iter=20)
    assert not r.solved and r.errors == inst.n_errors(r.W) > 0 and "errors left" in r.message


def test_unknown_algorithm():
    with pytest.raises(ValueError, match="algorithm"):
        solve(generate("binary", 11, 0.3, seed=0), "magic")


@pytest.mark.slow
def test_rbp_binary_alpha07_N1001():
    """The issue's goal: reinforced BP stores binary alpha = 0.7 at N = 1001 within a minute."""
    inst = generate("binary", 1001, 0.7, seed=0)
    r = solve(inst, "rbp", seed=0, max_time=60)
    assert r.solved and _plain_check(inst, r.W)


@pytest.mark.parametrize("algorithm, N", [("rbp", 201), ("fbp", 201), ("cpr", 201), ("edmc", 101)])
def test_solvers_beyond_the_easy_regime(algorithm, N):
    """alpha = 0.5-0.55: a random configuration or the first BP sweep does not solve these."""
    inst = generate("binary", N, 0.55 if N > 101 else 0.5, seed=0)
    r = solve(inst, algorithm, seed=0, max_time=30)
    assert r.solved and _plain_check(inst, r.W) and r.iterations > 1


def test_benchmark_runs_and_prints_table(capsys):
    from benchmarks.solvers import main as bench

    assert bench(["--quick", "--N", "51", "--solvers", "rbp,cpr", "--states", "binary", "--budget", "20"]) == 0
    out = capsys.readouterr().out
    assert "| binary | rbp | 0.5 |" in out and "| binary | cpr | 0.7 |" in out
