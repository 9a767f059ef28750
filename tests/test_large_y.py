"""The y → ∞ equations (theory.functionals.large_y, numerics.large_y) against finite differences,
finite-y ladders and the small-d limit (physics.md §3.2)."""
import numpy as np
import pytest

from numerics.large_y import derived_large_y, solve_large_y
from numerics.local_entropy import binary_entropy, solve_local_entropy
from numerics.quadrature import GaussianRule, Maximiser
from theory.functionals.large_y import SYMBOLS_INF as Y
from theory.states import StateSet


@pytest.mark.parametrize("name", ["binary", "symmetric:3"])
def test_large_y_gradient_matches_finite_differences(name):
    """The derived stationarity equations are the gradient of φ∞ (envelope theorem for the maxima)."""
    st = StateSet.parse(name)
    D = derived_large_y("squared")
    nodes = {Y["z1"]: GaussianRule(16, 8).nodes(), Y["Wt"]: Maximiser(values=tuple(st.array)),
             Y["u"]: Maximiser(), Y["W"]: (st.array, st.log_prior), Y["v"]: Maximiser()}
    x = dict(Qt=0.8, Q=0.75, q1=0.5, dq=1.1, Ath=0.6, Qh=0.9, q1h=0.25, dh=0.3, Sh=0.7,
             alpha=0.5, kappa=0.1, d=0.1, Delta=st.spread)
    out = D.full(x, nodes)
    h = 1e-5
    for s in ("Qt", "Q", "q1", "dq", "Ath", "Qh", "q1h", "dh", "Sh"):
        up = D.full({**x, s: x[s] + h}, nodes, names=["phi"])["phi"]
        dn = D.full({**x, s: x[s] - h}, nodes, names=["phi"])["phi"]
        assert abs((up - dn) / (2 * h) - out[f"grad_{s}"]) < 2e-5, s


def test_large_y_rejects_bad_input():
    with pytest.raises(ValueError, match="d must"):
        solve_large_y("binary", 0.5, 1.2)
    with pytest.raises(ValueError, match="alpha"):
        solve_large_y("binary", -0.1, 0.1)


@pytest.mark.slow
def test_large_y_is_the_limit_of_the_finite_y_ladder_and_dense_regions_are_balls():
    """Binary, α = 0.5, reference a solution.

    * Along a ladder y = 3 … 40 at d = 0.1, S_I grows with y (yΦ is convex in y, so ∂_y S_I ≥ 0) and
      approaches the y → ∞ value from below as 1/y: S_I(40) ≤ S_I(∞) ≤ S_I(40) + 1.5 [S_I(40) − S_I(20)]
      (for S_I(y) = S∞ − b/y the right-hand side is S∞ + b/80).
    * The first rung is the reference point of physics.md §3.1.
    * At y → ∞ the dense regions are nearly complete balls: S_I ≥ 0.9 H₂(d) for d ≤ 0.02, and
      S_I ≤ H₂(d) (the α = 0 bound) everywhere.
    """
    prev, S = None, {}
    for y in (3.0, 4.5, 6.75, 10.0, 15.0, 20.0, 30.0, 40.0):
        kw = {"init": prev.saddle.params, "jacobian": prev.jacobian} if prev else {}
        prev = solve_local_entropy("binary", 0.5, 0.1, y, **kw)
        assert prev.converged, (y, prev.message)
        S[y] = prev.S_I
    ys = sorted(S)
    assert np.all(np.diff([S[y] for y in ys]) > 0), S
    assert abs(S[3.0] - 0.200881) < 1e-4
    inf = solve_large_y("binary", 0.5, 0.1)
    assert inf.converged, inf.message
    assert S[40.0] <= inf.S_I <= S[40.0] + 1.5 * (S[40.0] - S[20.0]), (inf.S_I, S)
    p = inf
    for d in (0.07, 0.05, 0.03, 0.02, 0.015, 0.01):
        p = solve_large_y("binary", 0.5, d, init=p.saddle.params, jacobian=p.jacobian)
        assert p.converged, (d, p.message)
        H = float(binary_entropy(d))
        assert p.S_I <= H, (d, p.S_I, H)
        if d <= 0.02:
            assert p.S_I >= 0.9 * H, (d, p.S_I, H)
