"""Above α_U the y → ∞ curve splits into a small-d and a large-d branch (numerics.analyses.branches): the
small-d branch outlives α_U, the curve drops across the gap, and the branch's end at fixed d moves
to larger α as d shrinks."""
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from numerics.analyses.branches import dense_region_limit, large_y_branches
from numerics.problems.local_entropy import binary_entropy


def test_binary_small_d_branch_reaches_d_001_up_to_alpha_0781():
    """Binary synapses: α_U (the gap opens, near d = 0.021) is 0.7550 in [0.7536, 0.7565]; the
    small-d branch still reaches d = 0.01 up to α = 0.7806, and it ends there because its slope
    reaches 0+ (not because the solver gave up earlier)."""
    r = dense_region_limit("binary", 0.01)
    assert r.success and r.branch == "small-d", r.message
    assert 0.7795 < r.alpha < 0.7815, r.message
    assert r.interval[0] <= r.alpha <= r.interval[1] and r.interval[1] - r.interval[0] <= 5e-4
    done = [row for row in r.path if row["converged"]]
    slopes = np.array([row["slope"] for row in done])
    assert slopes[0] > 1.0 and 0 < slopes[-1] < 0.02 * slopes[0], slopes
    # the slope falls along the continuation, and S_I at d = 0.01 stays below the ball entropy
    assert np.all(np.diff(slopes) < 0)
    assert all(row["S_I"] < binary_entropy(0.01) for row in done)


def test_binary_curve_above_alpha_u_drops_across_the_gap():
    """At α = 0.765 > α_U the sweep from large d stops near d = 0.03; the small-d branch, reached by
    continuation in α at d = 0.005, runs up to d ≈ 0.0135 (slope 0.04 at 0.013) and ends *above* the
    large-d branch's start (S_I 0.03596 at d = 0.013 against 0.03435 at 0.030), so S_I(d) is not
    monotone: it drops across the gap.  On this grid the sweep from large d converges at every d (from
    d = 0.03 it lands on the small-d branch at 0.013): the large-d branch ends where S_I stops
    falling with d, which once made the two branches look connected."""
    ds = [0.005, 0.007, 0.009, 0.011, 0.012, 0.013, 0.03, 0.04, 0.05, 0.06]
    b = large_y_branches("binary", 0.765, ds)
    assert not b.connected, b.message
    small, large = b.small, b.large
    assert small.converged[:6].all() and not large.converged[:6].any() and large.converged[6:].all()
    assert b.gap == (pytest.approx(0.013), pytest.approx(0.03))
    s_small, s_large = small.S_I[:6], large.S_I[6:]
    assert np.all(np.diff(s_small) > 0) and np.all(np.diff(s_large) > 0)
    assert s_small[-1] > s_large[0] + 1e-3, (s_small, s_large)
    assert np.all(s_small < binary_entropy(np.array(ds[:6])))
    # the small-d branch is near its end at d = 0.013: its slope has fallen to a few % of d = 0.005's
    from numerics.problems.large_y import slope

    assert 0 < slope(small.points[5]) < 0.05 * slope(small.points[0])
    m = b.merged()  # one curve for plots: the branches' values, and one point without value in the gap
    assert len(m.d) == len(ds) + 1 and 0.013 < m.d[6] < 0.03 and math.isnan(m.S_I[6]) and not m.converged[6]
    assert np.array_equal(m.S_I[:6], s_small) and np.array_equal(m.S_I[7:], s_large)


@pytest.mark.slow
def test_binary_small_d_branch_end_moves_to_smaller_d_as_alpha_grows(capsys):
    """d_end(α) decreases with α: d = 0.02 up to α = 0.7554, where the gap opens, i.e. inside the
    α_U interval of ``fewbits alpha-u`` (the dip of the slope sits near d = 0.021); d = 0.01 up to
    0.7806 (the fast test); d = 0.005 until S_I meets the equilibrium entropy s(α), near 0.811,
    below α_c = 0.8331."""
    from numerics.cli import main

    assert main(["alpha-u", "--states", "binary", "--radius", "0.02", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    r02 = out["radii"][0]
    assert r02["success"] and 0.7536 < r02["alpha"] < 0.7565, r02["message"]
    assert r02["branch"] == "small-d"
    r005 = dense_region_limit("binary", 0.005)
    assert r005.success and 0.809 < r005.alpha < 0.812, r005.message
    assert "equilibrium entropy" in r005.message
    last = [row for row in r005.path if row["converged"]][-1]
    assert last["slope"] > 1.0 and last["S_I"] < last["s_eq"] < last["S_I"] + 2e-3


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="d must"):
        dense_region_limit("binary", 1.5)
    with pytest.raises(ValueError, match="alpha_from"):
        dense_region_limit("binary", 0.01, alpha_from=-0.1)
    with pytest.raises(ValueError, match="xtol"):
        dense_region_limit("binary", 0.01, xtol=0)
    with pytest.raises(ValueError, match="alpha"):
        large_y_branches("binary", math.nan, [0.01])
    with pytest.raises(ValueError, match="ds"):
        large_y_branches("binary", 0.7, [])
    with pytest.raises(ValueError, match="at least two"):
        dense_region_limit("values:1", 0.01)


@pytest.mark.parametrize("argv, needle", [
    (["alpha-u", "--states", "binary", "--radius", "1.5"], "--radius"),
    (["alpha-u", "--table", "--radius", "0.01"], "--radius"),
    (["alpha-u", "--states", "binary", "--radius", "0.01", "--y", "20"], "--radius"),
])
def test_radius_bad_arguments_exit_2_with_one_line(argv, needle):
    r = subprocess.run([sys.executable, "-m", "numerics.cli", *argv], capture_output=True, text=True)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr


@pytest.mark.slow(40)
def test_continuation_in_alpha_does_not_take_a_lost_branch_for_its_end():
    """Excitatory(3), d = 0.005 (α_U = 0.6998): continued in α from 0.8 α_c with steps of 0.01 α_c, the
    warm solves failed at α = 0.6003 with the slope at 10.3, far from 0, and the radius was reported
    there.  Cold calls converge at that d up to α = 0.69 (slope 1.21): the continuation must carry on past
    0.62, with the slope falling, and every point below the ball bound of the α = 0 curve's slope."""
    from numerics.analyses.branches import _start, continue_in_alpha
    from numerics.problems.equilibrium import capacity
    from numerics.problems.large_y import slope

    ac = capacity("excitatory:3").alpha_c  # 0.74115; the failure needs the exact start 0.8 α_c
    a0 = 0.8 * ac
    start = _start("excitatory:3", a0, 0.005, "squared", 0.0)
    assert start.converged
    path, failed = continue_in_alpha("excitatory:3", 0.005, start, a0, 0.63, step=0.01 * ac, xtol=5e-4)
    alphas = [a for a, _ in path]
    assert alphas[-1] == pytest.approx(0.63) and math.isnan(failed), (alphas, failed)
    slopes = np.array([slope(p) for _, p in path])
    assert slopes[0] > 10 and 5 < slopes[-1] < slopes[0], slopes  # 8.6 at 0.62 (cold call)
