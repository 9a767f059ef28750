"""Exhaustive enumeration against a plain brute-force loop; distances; sampling; densest solution."""
import itertools
import math
import time

import numpy as np
import pytest

from numerics.simulate.enumeration import (densest_by_neighbours, densest_solution, distance_histogram,
                                           enumerate_solutions, sample_solutions)
from numerics.simulate.instances import generate


def _brute(inst, reference=None, kind="squared"):
    """All solutions by itertools.product and a direct evaluation of the inequality."""
    S = inst.states
    sols = []
    X = inst.patterns.astype(float)
    for W in itertools.product(S.values, repeat=inst.N):
        W = np.array(W)
        h = X @ W
        if inst.input_model == "pm1":
            st = inst.labels * (h / math.sqrt(inst.N) + inst.bias)
        else:
            st = inst.labels * (h - inst.threshold) / math.sqrt(inst.N * inst.f * (1 - inst.f))
        if np.all(st > inst.kappa + 1e-12):
            sols.append(W)
    sols = np.array(sols).reshape(-1, inst.N)
    if reference is None:
        return sols, None
    if kind == "squared":
        d = ((sols - reference) ** 2).sum(axis=1) / S.spread ** 2
    else:
        d = (sols != reference).sum(axis=1).astype(float)
    vals, cnt = np.unique(np.round(d / inst.N, 9), return_counts=True)
    return sols, dict(zip(vals, cnt))


@pytest.mark.parametrize("states, N, alpha, inputs, kappa", [
    ("binary", 11, 0.6, "pm1", 0.0),
    ("binary", 10, 0.5, "pm1", 0.3),
    ("symmetric:3", 7, 0.7, "pm1", 0.0),
    ("excitatory:3", 7, 0.5, "pm1", 0.0),
    ("symmetric:3", 7, 0.6, "01", 0.0),
    ("excitatory:3", 8, 0.5, "01", 0.1),
    ("values:-1,0.5,2", 6, 0.6, "01", 0.0),
])
def test_counts_match_brute_force(states, N, alpha, inputs, kappa):
    for seed in range(3):
        inst = generate(states, N, alpha, seed=seed, inputs=inputs, f=0.3, kappa=kappa)
        sols, _ = _brute(inst)
        res = enumerate_solutions(inst)
        assert res.n_solutions == len(sols)
        got = res.solutions(inst.states)
        assert np.array_equal(got[np.lexsort(got.T[::-1])], sols[np.lexsort(sols.T[::-1])])
        if len(sols):
            ref = sols[seed % len(sols)]
            for kind in ("squared", "hamming"):
                _, hist = _brute(inst, ref, kind)
                r2 = enumerate_solutions(inst, reference=ref, distance=kind)
                got_h = {round(d, 9): c for d, c in zip(r2.distances, r2.counts) if c}
                assert got_h == hist
                assert r2.counts.sum() == res.n_solutions
                assert int(r2.totals.sum()) == inst.states.L ** N


def test_totals_are_combinatorial():
    """alpha = 0 totals around a binary reference are binomial coefficients."""
    inst = generate("binary", 12, 0.0, seed=0)
    ref = np.ones(12)
    res = enumerate_solutions(inst, reference=ref)
    assert res.n_solutions == 2 ** 12
    assert list(res.counts) == [math.comb(12, k) for k in range(13)]
    assert list(res.totals) == list(res.counts)


def test_speed_binary_24_and_three_states_14():
    t = time.perf_counter()
    r = enumerate_solutions(generate("binary", 24, 0.6, seed=0))
    t_bin = time.perf_counter() - t
    t = time.perf_counter()
    r3 = enumerate_solutions(generate("symmetric:3", 14, 0.6, seed=0))
    t_3 = time.perf_counter() - t
    assert r.n_solutions >= 0 and r3.n_solutions >= 0
    assert t_bin < 60 and t_3 < 60


def test_sampling_is_uniform_and_seeded():
    inst = generate("binary", 13, 0.4, seed=1)
    res = enumerate_solutions(inst)
    a = sample_solutions(res, inst.states, 4000, seed=5)
    b = sample_solutions(res, inst.states, 4000, seed=5)
    assert np.array_equal(a, b)
    assert all(inst.is_solution(w) for w in a[:50])
    # each solution drawn ~ 4000 / n times: chi-square within 5 sigma
    codes = ((a > 0).astype(int) * (2 ** np.arange(12, -1, -1))).sum(axis=1)
    _, cnt = np.unique(codes, return_counts=True)
    n = res.n_solutions
    counts = np.zeros(n)
    counts[: cnt.size] = cnt
    chi2 = ((counts - 4000 / n) ** 2 / (4000 / n)).sum()
    assert abs(chi2 - (n - 1)) < 5 * math.sqrt(2 * (n - 1))


def test_densest_solution_has_most_neighbours():
    inst = generate("binary", 15, 0.5, seed=2)
    res = enumerate_solutions(inst)
    sols = res.solutions(inst.states)
    dens = densest_solution(sols, inst.states)
    assert inst.is_solution(dens.W)
    # brute force: number of solutions at Hamming distance <= 1
    nb = [(np.sum(sols != w, axis=1) <= 1).sum() for w in sols]
    assert dens.n_within == max(nb) and dens.n_within >= dens.mean_within
    # its histogram at small distance dominates that of a typical solution on average
    _, c_dense, _ = distance_histogram(sols, dens.W, inst.states)
    assert c_dense[1] == max(nb) - 1


def test_bias_counts_match_brute_force():
    for seed in range(3):
        inst = generate("binary", 10, 0.6, seed=seed, bias=0.35, f_out=0.7)
        sols, _ = _brute(inst)
        assert enumerate_solutions(inst).n_solutions == len(sols)


@pytest.mark.parametrize("states, kind", [("binary", "squared"), ("symmetric:3", "squared"),
                                          ("symmetric:3", "hamming")])
def test_fast_densest_agrees_with_quadratic_search(states, kind):
    inst = generate(states, 9 if states != "binary" else 15, 0.5, seed=3)
    res = enumerate_solutions(inst)
    slow = densest_solution(res.solutions(inst.states), inst.states, distance=kind)
    fast = densest_by_neighbours(res, inst.states, distance=kind)
    assert fast.n_within == slow.n_within and fast.radius == pytest.approx(slow.radius)
    assert fast.mean_within == pytest.approx(slow.mean_within)
