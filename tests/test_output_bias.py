"""The output bias b and coding level f_out in the large-deviation theory (issue 21): Franz–Parisi,
finite y (y = 1 included) and y → ∞ with G_E = f_out G_E(κ − b) + (1 − f_out) G_E(κ + b)
(theory.functionals.large_deviation.biased_energetic).  Binary synapses, α = 0.5, κ = 0."""
import math

import numpy as np
import pytest

from numerics.problems.equilibrium import solve_equilibrium
from numerics.problems.franz_parisi import solve_franz_parisi
from numerics.problems.large_y import solve_large_y
from numerics.problems.local_entropy import binary_entropy, solve_local_entropy

ALPHA = 0.5


def _check(p):
    assert p.converged, p.message
    return p


@pytest.mark.parametrize("solve", [
    lambda **kw: solve_franz_parisi("binary", ALPHA, 0.1, **kw),
    lambda **kw: solve_large_y("binary", ALPHA, 0.1, **kw),
], ids=["franz_parisi", "large_y"])
def test_bias_keeps_the_label_symmetry_and_the_unbiased_limit(solve):
    """* (f_out, b) and (1 − f_out, −b) are the same perceptron with the labels flipped: equal S_I (to 1e-10;
      measured 3e-16 and 4e-17) — the two branches of the biased functional carry the right weights and
      shifts.
    * b = 1e-5 at f_out = ½ (the biased functional, the O(b²) shift ~1e-11) equals today's unbiased
      numbers to 1e-9 (measured 9e-12 and 1.2e-11).
    * a bias with f_out = 0.3 moves S_I by much more than that (0.3: −0.041 Franz–Parisi, −0.053 y → ∞)."""
    plain = _check(solve())
    tiny = _check(solve(bias=1e-5, f_out=0.5))
    assert abs(tiny.S_I - plain.S_I) < 1e-9
    one = _check(solve(bias=0.3, f_out=0.3))
    flipped = _check(solve(bias=-0.3, f_out=0.7))
    assert abs(one.S_I - flipped.S_I) < 1e-10
    assert one.S_I < plain.S_I - 0.03


def test_franz_parisi_with_the_optimal_bias_peaks_at_the_references_entropy():
    """f_out = 0.2, bias='optimal': the reference's b̃ maximises the equilibrium entropy (−0.78939, s = 0.425346,
    d* = (1 − q)/2 = 0.378394), the probes' b maximises S_FP at each d.  S_FP(d) near d* (±0.01, ±0.02,
    iterated, not the exact shortcut at d*) fitted by a cubic gives s at d* (to 1e-6) and a maximum within
    2e-4 of d*: the probes around a typical reference are its typical solutions there, and their optimal
    bias tends to b̃ (within 0.05 at ±0.02).  At d = 0.05 the probes' b (−0.80105; ±0.02 at the same
    reference lowers S_FP by 1.25e-4) gives more than b = b̃ around the same reference (0.125136 against
    0.125093; a number as ``bias`` moves the reference too, so it is not the comparison), and the
    y → ∞ local entropy at the reference's bias lies above S_FP and below the α = 0 curve H₂(d)."""
    eq = solve_equilibrium("binary", ALPHA, f_out=0.2, bias="optimal")
    assert eq.converged
    s, d_star, b = eq.value, (1 - eq.params["q"]) / 2, eq.params["b"]
    assert abs(b + 0.78939) < 1e-4 and abs(s - 0.425346) < 1e-5
    xs = np.array([-0.02, -0.01, 0.01, 0.02])
    ys = []
    for x in xs:
        p = _check(solve_franz_parisi("binary", ALPHA, d_star + x, f_out=0.2, bias="optimal"))
        assert p.S_I < s and abs(p.Sigma - s) < 1e-12 and p.saddle.model["b_t"] == b
        assert abs(p.saddle.params["b"] - b) < 0.05 and abs(p.saddle.parts["dS_db"]) < 1e-9
        ys.append(p.S_I)
    assert abs(np.polyval(np.polyfit(xs, ys, 3), 0.0) - s) < 1e-6
    c = np.polyfit(xs, ys, 2)
    assert c[0] < 0 and abs(-c[1] / (2 * c[0])) < 2e-4
    fp = _check(solve_franz_parisi("binary", ALPHA, 0.05, f_out=0.2, bias=b))
    best = _check(solve_franz_parisi("binary", ALPHA, 0.05, f_out=0.2, bias="optimal"))
    b_probes = best.saddle.params["b"]
    assert abs(b_probes + 0.80105) < 1e-3 and best.S_I > fp.S_I + 2e-5
    inf = _check(solve_large_y("binary", ALPHA, 0.05, f_out=0.2, bias=b))
    assert best.S_I + 0.03 < inf.S_I < binary_entropy(0.05)


@pytest.mark.slow(70)
def test_finite_y_with_a_bias_counts_pairs_at_y_one_and_keeps_the_label_symmetry():
    """b = 0.3, f_out = 0.3 (s(α; b, f_out) = 0.227245 at α = 0.5):
    * y = 1 (two stages), reference a solution, at d* − 1e-5 (d* = (1 − q)/2 of the biased equilibrium):
      Φ = 2 s, S_I = Σ = s (to 1e-6; measured 2.4e-10);
    * y = 3, d = 0.1: (f_out, b) ↔ (1 − f_out, −b) gives the same S_I and Σ (to 1e-9; measured 4e-14), and
      S_FP < S_I(y = 3) < S_I(y → ∞) at the same bias (0.1235, 0.1572, 0.1811)."""
    eq = solve_equilibrium("binary", ALPHA, f_out=0.3, bias=0.3)
    s, d_star = eq.value, (1 - eq.params["q"]) / 2
    pair = _check(solve_local_entropy("binary", ALPHA, d_star - 1e-5, 1.0, f_out=0.3, bias=0.3))
    assert abs(pair.phi - 2 * s) < 1e-6 and abs(pair.S_I - s) < 1e-6 and abs(pair.Sigma - s) < 1e-6
    y3 = _check(solve_local_entropy("binary", ALPHA, 0.1, 3.0, f_out=0.3, bias=0.3))
    y3f = _check(solve_local_entropy("binary", ALPHA, 0.1, 3.0, f_out=0.7, bias=-0.3, init=y3.saddle.params))
    assert abs(y3.S_I - y3f.S_I) < 1e-9 and abs(y3.Sigma - y3f.Sigma) < 1e-9
    fp = _check(solve_franz_parisi("binary", ALPHA, 0.1, f_out=0.3, bias=0.3))
    inf = _check(solve_large_y("binary", ALPHA, 0.1, f_out=0.3, bias=0.3))
    assert fp.S_I + 0.01 < y3.S_I < inf.S_I - 0.01


@pytest.mark.slow(60)
def test_optimal_bias_at_finite_y_lies_between_the_equilibrium_and_the_y_inf_optimum():
    """bias='optimal' at y = 3 (binary, α = 0.5, f_out = 0.1, d = 0.1): one b for the reference and its
    replicas, the one that maximises Φ(d, y) (∂(yΦ)/∂b = 0 to 1e-8).  b = −1.3643 lies between the
    equilibrium optimum −1.2333 (the y → 0 end) and the y → ∞ one −1.5236 (measured); Φ at b ± 0.02 lies
    lower (by 2.4e-5 either side: a maximum, Φ'' ≈ −0.12)."""
    p = _check(solve_local_entropy("binary", ALPHA, 0.1, 3.0, f_out=0.1, bias="optimal"))
    b = p.saddle.params["b"]
    assert abs(p.saddle.parts["dyPhi_db"]) < 1e-8 and "optimal bias" in p.note
    b_eq = solve_equilibrium("binary", ALPHA, f_out=0.1, bias="optimal").params["b"]
    b_inf = _check(solve_large_y("binary", ALPHA, 0.1, f_out=0.1, bias="optimal")).saddle.params["b"]
    assert b_inf + 0.05 < b < b_eq - 0.05, (b_inf, b, b_eq)
    for db in (-0.02, 0.02):
        side = _check(solve_local_entropy("binary", ALPHA, 0.1, 3.0, f_out=0.1, bias=b + db, init=p.saddle.params,
                                          jacobian=p.jacobian))
        assert 1e-5 < p.phi - side.phi < 1e-4, (db, p.phi - side.phi)


def test_bias_options_that_the_theory_does_not_cover_say_so():
    """A bias with a reference margin of its own is refused with the argument named; f_out outside (0, 1)
    and a NaN bias are named."""
    with pytest.raises(ValueError, match="bias"):
        solve_franz_parisi("binary", ALPHA, 0.1, bias=0.2, reference_kappa="max")
    with pytest.raises(ValueError, match="f_out"):
        solve_large_y("binary", ALPHA, 0.1, bias=0.2, f_out=1.0)
    with pytest.raises(ValueError, match="bias"):
        solve_large_y("binary", ALPHA, 0.1, bias=float("nan"))


def test_optimal_bias_at_large_y_maximises_the_local_entropy():
    """bias='optimal' at y → ∞ (binary, α = 0.5, f_out = 0.1, d = 0.05): the secant on dφ∞/db stops at
    b* = −1.5348 (the equilibrium optimum is −1.2333: the dense regions want another threshold), where
    S_I exceeds S_I at b* ± 0.01 (by ~1.4e-7 either side: a maximum) and at the equilibrium's b; at
    f_out = ½ the optimum is b = 0 (φ∞ even in b), the unbiased value."""
    p = _check(solve_large_y("binary", ALPHA, 0.05, bias="optimal", f_out=0.1))
    b = p.saddle.params["b"]
    assert abs(b + 1.5348) < 2e-3 and abs(p.saddle.parts["dPhi_db"]) < 1e-8
    for db in (-0.01, 0.01):
        side = _check(solve_large_y("binary", ALPHA, 0.05, bias=b + db, f_out=0.1))
        assert 2e-8 < p.S_I - side.S_I < 1e-6
    b_eq = solve_equilibrium("binary", ALPHA, f_out=0.1, bias="optimal").params["b"]
    assert p.S_I > _check(solve_large_y("binary", ALPHA, 0.05, bias=b_eq, f_out=0.1)).S_I + 1e-6
    half = _check(solve_large_y("binary", ALPHA, 0.05, bias="optimal"))
    assert half.saddle.params["b"] == 0.0 and half.S_I == _check(solve_large_y("binary", ALPHA, 0.05)).S_I


def test_zero_one_inputs_map_onto_the_optimal_bias_theory():
    """0/1 inputs of coding level f with the optimal threshold (numerics.problems.inputs): the ±1 theory with
    κ/√(f(1 − f)) and the optimal bias; at κ = 0 f drops out (excitatory:3, f_out = 0.1: α_c = 1.47747 for
    every f, the same as bias='optimal'); at κ = 0.2, f = 0.3 the margin becomes 0.2/√0.21 = 0.43644.
    Bad combinations name the argument: no f, f outside (0, 1), a fixed bias, f with ±1 inputs."""
    from numerics.problems.equilibrium import capacity
    from numerics.problems.inputs import input_model, zero_one_inputs

    a = [capacity("excitatory:3", f_out=0.1, **zero_one_inputs(f)).alpha_c for f in (0.1, 0.5)]
    assert a[0] == a[1] == capacity("excitatory:3", f_out=0.1, bias="optimal").alpha_c
    assert abs(a[0] - 1.47747) < 1e-5
    m = input_model("01", 0.3, 0.2)
    assert m["bias"] == "optimal" and abs(m["kappa"] - 0.2 / math.sqrt(0.21)) < 1e-15
    assert input_model("pm1", None, 0.2, 0.1) == {"kappa": 0.2, "bias": 0.1}
    for kw, needle in ((dict(inputs="01"), "f"), (dict(inputs="01", f=1.0), "f"), (dict(inputs="01", f=0.2, bias=0.3), "bias"),
                       (dict(inputs="pm1", f=0.2), "f"), (dict(inputs="+-1"), "inputs")):
        with pytest.raises(ValueError, match=needle):
            input_model(**kw)


def test_cold_equilibrium_with_the_optimal_bias_near_capacity_converges():
    """excitatory:3, f_out = 0.1, bias='optimal', α = 1.3 (α_c = 1.4775): the direct cold solve from b = 0 fails
    (the optimal b is −0.49); the solver continues in α from α/4 and returns the same point as a curve
    continued by the user (entropy_curve: to 1e-10 in s and b).  This start is what the optimal-bias
    searches at y → ∞ begin from (α_U of the biological model read the failure as a break-up before)."""
    r = solve_equilibrium("excitatory:3", 1.3, f_out=0.1, bias="optimal")
    assert r.converged, r.message
    from numerics.problems.equilibrium import entropy_curve
    ref = entropy_curve("excitatory:3", [0.5, 0.9, 1.1, 1.3], f_out=0.1, bias="optimal")[-1]
    assert abs(r.value - ref.value) < 1e-10 and abs(r.params["b"] - ref.params["b"]) < 1e-8
    assert abs(r.params["b"] + 0.49224) < 1e-4
