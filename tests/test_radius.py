"""The radius curve α(d) (numerics.analyses.radius): the largest load at which the y → ∞ small-d branch
still reaches distance d.  It falls towards α_U as d rises to where the gap opens, and the literature's
binary α_U ≈ 0.77 lies on it near d ≈ 0.012."""
import math

import pytest

from numerics.analyses.radius import cached_radius_curve, check_order, radius_curve


@pytest.mark.slow
def test_binary_radius_curve_falls_to_alpha_u_and_passes_077_near_d_0012(tmp_path):
    """Binary, α_U = 0.7550 [0.7536, 0.7565] with the gap opening near d = 0.021: at d = 0.0125 and 0.01
    the radius load brackets the literature's 0.77 (0.7685 and 0.7807), both above α_U's bracket; every
    bracket is at most 5e-4 wide.  (At d = 0.02 it is 0.7554, within 0.0005 of α_U: `fewbits alpha-u
    --states binary --radius 0.02`.)  The curve is cached: a second call with compute_missing=False
    reads the same rows back."""
    ds = (0.0125, 0.01)
    assert cached_radius_curve("binary", tmp_path, ds=ds, compute_missing=False) is None
    rows = cached_radius_curve("binary", tmp_path, ds=ds)
    assert [r["status"] for r in rows] == ["radius"] * 2, [r["message"] for r in rows]
    a = [r["alpha"] for r in rows]
    assert 0.7565 < a[0] < 0.77 < a[1] < 0.785, a
    assert all(r["interval"][1] - r["interval"][0] <= 5e-4 for r in rows)
    assert cached_radius_curve("binary", tmp_path, ds=ds, compute_missing=False) == rows


@pytest.mark.slow
def test_above_the_dip_the_radius_curve_is_not_defined():
    """Excitatory(3): α_U = 0.6998 with the gap opening near d = 0.005.  At d = 0.02 the branch continued
    in α from 0.85 α_c is the large-d one and reaches α_c without an end: the row says "above the dip",
    not a radius, and not a solver failure."""
    (r,) = radius_curve("excitatory:3", (0.02,))
    assert r["status"] == "above the dip", r["message"]
    assert math.isnan(r["alpha"]) or r["branch"] == "large-d"


@pytest.mark.slow
def test_symmetric3_end_of_the_large_d_branch_above_the_dip_is_named_so():
    """Symmetric(3): the slope's dip lies near d ≈ 0.009, so at d = 0.015 the branch continued in α from
    0.85 α_c is the large-d one; its start passes d at α = 1.1371 (slope 0.06 at 0.995 d, 0.09 at 1.005 d
    from the load 1.1334: the slope rises with d).  Newton at 1.005 d with the Jacobian carried along the
    continuation failed after a change of summation order in the functional (residual 0.005), and the
    lone neighbour called the branch small-d: a radius row above the dip, which marked the main job's
    d = 0.015, 0.0075 and 0.005 inconsistent.  Decided with a fresh Jacobian, it is "above the dip"."""
    (r,) = radius_curve("symmetric:3", (0.015,))
    assert r["status"] == "above the dip" and r["branch"] == "large-d", r["message"]
    assert 1.1365 < r["interval"][0] < 1.1375, r["interval"]


def _row(d, alpha, status="radius", w=5e-4):
    return {"d": d, "alpha": alpha, "interval": [alpha - w / 2, alpha + w / 2], "status": status, "message": ""}


def test_rows_that_break_the_order_of_the_curve_are_marked():
    """α(d) falls as d grows (a smaller dense region survives a larger load), and distances above the dip
    lie above the curve.  Binary's measured curve passes; a row whose α lies below that of a larger d
    (a lost branch ended early), or a curve row above a distance marked "above the dip", does not."""
    good = [_row(0.02, 0.7554), _row(0.015, 0.7611), _row(0.0125, 0.7685), _row(0.01, 0.7807),
            _row(0.0075, 0.8003), _row(0.005, 0.8108)]
    assert [r["status"] for r in check_order(good)] == ["radius"] * 6
    bad = check_order([_row(0.01, 0.5485), _row(0.0075, 0.5455), _row(0.005, 0.5600)])
    assert [r["status"] for r in bad] == ["radius", "inconsistent", "radius"]
    mixed = check_order([_row(0.02, math.nan, "above the dip"), _row(0.015, 0.80), _row(0.0125, 0.81, "above the dip"),
                         _row(0.01, 0.82)])
    assert [r["status"] for r in mixed] == ["above the dip", "inconsistent", "above the dip", "radius"]
