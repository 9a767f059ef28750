"""The public Python API (numerics/__init__.py) and the one problem protocol (numerics/problems/protocol.py)."""
import math
import subprocess
import sys

import pytest

import numerics
from numerics.problems.equilibrium import EquilibriumProblem
from numerics.problems.franz_parisi import FranzParisiProblem
from numerics.problems.local_entropy import FiniteYProblem
from numerics.problems.protocol import Problem
from theory.states import parse_states


def test_every_public_name_resolves():
    for name in numerics.__all__:
        assert getattr(numerics, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        numerics.nope  # noqa: B018


def test_import_numerics_is_light():
    # the API is loaded on first use: importing the package does not pull in sympy or scipy
    code = "import sys, numerics; print('sympy' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_api_reproduces_the_binary_regression_values():
    # physics.md §2: binary, κ = 0, α = 0.5 → s = 0.31439, q = 0.32239
    r = numerics.solve_equilibrium("binary", 0.5)
    assert r.converged and abs(r.value - 0.31439) < 5e-6 and abs(r.params["q"] - 0.32239) < 5e-6
    assert abs(numerics.capacity("binary").alpha_c - 0.8331) < 5e-4
    assert numerics.binary_entropy(0.1) == pytest.approx(-0.1 * math.log(0.1) - 0.9 * math.log(0.9), rel=1e-14)


def test_problems_satisfy_the_protocol():
    b = parse_states("binary")
    probs = [EquilibriumProblem(b, 0.5), FranzParisiProblem(b, 0.5, 0.1), FiniteYProblem(b, 0.5, 0.1, 3.0)]
    for p in probs:
        assert isinstance(p, Problem), p.name
        x0 = p.start()
        u = p.parametrisation().to_u(x0)
        assert set(p.parametrisation().names) <= set(p.parametrisation().from_u(u))
    with pytest.raises(ValueError, match="anchor must be one of franz_parisi, alpha0"):
        probs[2].start("nowhere")


def test_franz_parisi_through_the_protocol_peaks_at_the_entropy_at_the_typical_distance():
    # physics.md §3: the maximum of S_FP is at d* = (1 − q)/2, where it equals s(α) (α = 0.5: 0.33881, 0.31439)
    b = parse_states("binary")
    values = {}
    for d in (0.33, 0.3385, 0.342):
        prob = FranzParisiProblem(b, 0.5, d)
        res, _ = prob.solve()
        assert res.converged, res.message
        values[d] = prob.observables(res)
    s = values[0.3385]["s_eq"]
    assert abs(s - 0.31439) < 5e-6
    assert abs(values[0.3385]["S_I"] - s) < 1e-6  # 5e-4 from d*: S_FP − s is second order there
    assert values[0.33]["S_I"] < s - 1e-4 and values[0.342]["S_I"] < s - 1e-5


def test_hamming_distance_equals_squared_for_binary_synapses():
    # for ±1 weights the squared distance (W − W̃)²/4 is the Hamming indicator: the two must agree
    for d in (0.05, 0.3):
        h = numerics.solve_franz_parisi("binary", 0.5, d, distance="hamming")
        s = numerics.solve_franz_parisi("binary", 0.5, d)
        assert h.converged and s.converged, (h.message, s.message)
        assert abs(h.S_I - s.S_I) < 1e-9
