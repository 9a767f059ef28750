"""The derived saddle-point equations are the derivatives of the one compiled free entropy."""
import numpy as np
import pytest
import sympy as sp

from numerics.problems.equilibrium import derived
from numerics.solver.quadrature import GaussianRule, G_over_H
from theory.functionals.equilibrium import SYMBOLS
from theory.states import StateSet
from theory.symbolic import Avg, gauss

Z, W = SYMBOLS["z"], SYMBOLS["W"]
STATE_SETS = ["binary", "symmetric:3", "excitatory:4", "values:-1,0,0.5,2@1,3,2,0.5"]


def _point(states):
    p = np.exp(states.log_prior - np.logaddexp.reduce(states.log_prior))
    m2 = float(p @ states.array**2)
    return {"Q": 0.9 * m2, "q": 0.37 * m2, "A": 0.41, "qhat": 0.83, "alpha": 0.61,
            "kappa": 0.2, "b": 0.13, "f_out": 0.4}


@pytest.mark.parametrize("name", STATE_SETS)
def test_gradient_matches_finite_differences(name):
    states = StateSet.parse(name)
    D = derived()
    nodes = {Z: GaussianRule().nodes(), W: (states.array, states.log_prior)}
    x = _point(states)
    out = D.full(x, nodes)
    h = 1e-5
    for s in ("Q", "q", "A", "qhat", "b"):
        up = D.full({**x, s: x[s] + h}, nodes, names=["phi"])["phi"]
        dn = D.full({**x, s: x[s] - h}, nodes, names=["phi"])["phi"]
        fd = (up - dn) / (2 * h)
        assert abs(out[f"grad_{s}"] - fd) < 1e-7, (s, out[f"grad_{s}"], fd)


def test_entropic_step_has_the_familiar_form():
    """Integration by parts turns ∂_q̂ E_z log Z into E⟨W²⟩ − E⟨W⟩²: Q = E⟨W²⟩, q = E⟨W⟩²."""
    D = derived()
    Q, q = SYMBOLS["Q"], SYMBOLS["q"]
    E = -SYMBOLS["A"] * W**2 / 2 + sp.sqrt(SYMBOLS["qhat"]) * Z * W
    assert sp.simplify(D.order_update[Q] - gauss(Avg(W**2, E, W), Z)) == 0
    assert sp.simplify(D.order_update[q] - gauss(Avg(W, E, W) ** 2, Z)) == 0


def test_energetic_step_reduces_to_known_formula():
    """κ = b = 0, f_out = ½: q̂ = α E_z[(G/H)²(−√q z/√(Q−q))]/(Q − q), the Gardner result."""
    D = derived()
    Q, q, alpha = 1.0, 0.45, 0.7
    nodes = {Z: GaussianRule().nodes(), W: (np.array([-1.0, 1.0]), np.zeros(2))}
    out = D.energetic({"Q": Q, "q": q, "alpha": alpha, "kappa": 0.0, "b": 0.0, "f_out": 0.5}, nodes)
    z, lw = nodes[Z]
    ref = alpha * np.sum(np.exp(lw) * G_over_H(-np.sqrt(q) * z / np.sqrt(Q - q)) ** 2) / (Q - q)
    assert abs(out["new_qhat"] - ref) < 1e-12


def test_no_function_in_theory_is_over_80_lines():
    """The project's standard (issue 18): every function of theory/ fits in 80 lines."""
    import ast
    from pathlib import Path

    long = []
    for path in sorted((Path(__file__).resolve().parents[1] / "theory").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80:
                long.append(f"{path.name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, long
