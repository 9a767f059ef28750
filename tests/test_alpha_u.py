"""α_U on the y → ∞ curves (numerics.analyses.alpha_u): the window criterion, its margin, and where binary
synapses break up, against α_c."""
import math

import numpy as np
import pytest

from numerics.analyses.alpha_u import dense_regions_exist, window_margin
from numerics.problems.local_entropy import LocalEntropyPoint


def _points(ds, slopes, S0=0.05):
    """Converged finite-y-style points whose finite-difference slopes are the given ones, starting
    at S_I(ds[0]) = S0."""
    S = S0 + np.concatenate([[0.0], np.cumsum(np.asarray(slopes) * np.diff(ds))])
    pts = []
    for d, s in zip(ds, S):
        p = LocalEntropyPoint(d=float(d), S_I=float(s), Sigma=math.nan, phi=float(s), y=20.0, status=True)
        pts.append(p)
    return pts


def test_window_margin_is_the_depth_of_the_dip():
    """The margin is the smallest local minimum of the slope, not the falling end at the largest d
    (the end of the branch); a point that did not converge makes it −inf."""
    ds = np.linspace(0.01, 0.06, 11)
    mids = 0.5 * (ds[1:] + ds[:-1])
    dip = 0.3 + 40 * (mids - 0.025) ** 2 - 8 * np.clip(mids - 0.045, 0, None)  # dip at 0.025, falls at the end
    m = window_margin(_points(ds, dip))
    assert abs(m - 0.3) < 1e-3, m
    falling = 1.0 - 10 * mids  # no dip: the slope falls monotonically with d
    assert abs(window_margin(_points(ds, falling)) - falling[-1]) < 1e-12
    pts = _points(ds, dip)
    pts[3] = LocalEntropyPoint(d=pts[3].d, S_I=math.nan, Sigma=math.nan, phi=math.nan, y=20.0, status=False)
    assert window_margin(pts) == -math.inf
    # the curve starts at S_I(0) = 0: increasing from there needs S_I(d_min) > 0 (the chord
    # S_I(d_min)/d_min bounds the margin), e.g. excitatory(3) near 0.98 alpha_c
    assert abs(window_margin(_points(ds, falling, S0=0.002)) - 0.2) < 1e-12
    assert window_margin(_points(ds, falling, S0=-0.001)) == pytest.approx(-0.1)


@pytest.mark.slow
def test_binary_dense_regions_break_up_between_0745_and_076_below_alpha_c():
    """Binary, y → ∞, default window d = 0.004 … 0.06: the slope's dip (near d = 0.025) stays
    positive at α = 0.745 and the small-d part of the curve has detached at α = 0.76, so
    α_U ∈ [0.745, 0.76] (the full search gives 0.7550, interval [0.7536, 0.7565]), below
    α_c = 0.83308.  The issue expected [0.76, 0.79] (0.77 in physics.md).  Above α_U the small-d
    branch survives (tests/test_branches.py): it reaches d = 0.015 up to α = 0.761 and d = 0.01 up
    to 0.781, so the papers' 0.77 is where dense regions of radius d ≈ 0.012 disappear, not where
    the gap in the curve opens."""
    from numerics.problems.equilibrium import capacity

    ok, low = dense_regions_exist("binary", 0.745)
    assert ok and 0 < low.margin < 0.2, low.margin
    top = low.points[int(np.argmax(low.d))]
    assert np.all(np.diff(low.S_I) > 0) and np.all(low.S_I <= -low.d * np.log(low.d) - (1 - low.d) * np.log1p(-low.d))
    holds, high = dense_regions_exist("binary", 0.76, init=top.saddle.params, jacobian=top.jacobian)
    assert not holds, (high.margin, high.S_I)
    assert 0.76 < capacity("binary").alpha_c


@pytest.mark.slow
def test_the_sweep_follows_the_dip_below_the_window():
    """Binary, y → ∞, on a window that starts above the slope's dip (d = 0.03 … 0.06; the dip is
    near d = 0.022).  At α = 0.75 the sweep goes on down (d = 0.024, 0.0192) until the slope rises
    again: the criterion holds with a margin within 0.02 of the one on the full default window
    (0.070; the extension's steps are coarser), where without the extension it would be the slope at
    d = 0.03 (0.149).  With a floor above the dip the result is flagged as an upper bound.  At
    α = 0.76 (above α_U = 0.755) the sweep below the window meets the branch's end at d = 0.024 and
    the criterion fails, as it does on the full window."""
    W = (0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06)
    ok, full = dense_regions_exist("binary", 0.75)
    assert ok and full.extended == [] and 0.06 < full.margin < 0.08, full.margin
    ok, ext = dense_regions_exist("binary", 0.75, ds=W)
    assert ok and ext.extended == [0.024, 0.0192] and not ext.unresolved
    assert abs(ext.margin - full.margin) < 0.02, (ext.margin, full.margin)
    ok, off = dense_regions_exist("binary", 0.75, ds=W, floor=None)
    assert ok and off.extended == [] and off.margin > 2 * full.margin
    ok, short = dense_regions_exist("binary", 0.75, ds=W, floor=0.026)
    assert ok and short.extended == [0.026] and "upper bound" in short.unresolved
    ok, above = dense_regions_exist("binary", 0.76, ds=W)
    assert not ok and above.margin == -math.inf and above.extended == [0.024]


def test_alpha_u_is_an_upper_bound_when_the_dip_was_not_resolved_at_the_lower_end():
    from numerics.analyses.alpha_u import _Search
    from theory.states import StateSet

    search = _Search(StateSet.parse("binary"), math.inf, (0.004, 0.06), None, {})
    search.evals = [{"alpha": 0.74, "holds": True}, {"alpha": 0.75, "holds": True, "unresolved": "dip below"},
                    {"alpha": 0.76, "holds": False}]
    search.margins = {0.74: 0.2, 0.75: 0.1, 0.76: -math.inf}
    r = search.result(0.75, 0.76, True, "bracket")
    assert r.upper_bound and "upper bound" in r.message and r.as_dict()["upper_bound"]
    assert not search.result(0.74, 0.75, True, "bracket").upper_bound
    assert "followed below the window down to d = 0.001" in search.crit


@pytest.mark.slow
def test_symmetric3_dense_regions_break_up_below_d_001_between_1082_and_1088():
    """Symmetric(3), y → ∞: the slope's dip sits below d = 0.01 (the breakup is at smaller d than
    for binary, near d = 0.009), so the window must reach down to d = 0.005.  At α = 1.0827 the
    dip is positive; at α = 1.0875 the small-d part has detached (no solution below the dip), while
    every slope on d ≥ 0.01 is still positive: a window starting at 0.01 would miss the breakup
    (unless the sweep follows the dip below it, dense_regions_exist's default).
    The full search (fewbits alpha-u --states symmetric:3) gives α_U = 1.085, below α_c = 1.1745."""
    from numerics.problems.equilibrium import capacity
    from numerics.problems.large_y import slope

    ds = [0.005, 0.006, 0.007, 0.008, 0.009, 0.01, 0.015, 0.02, 0.025]
    ok, low = dense_regions_exist("symmetric:3", 1.0827, ds=ds)
    assert ok and 0 < low.margin, low.margin
    top = low.points[int(np.argmax(low.d))]
    holds, high = dense_regions_exist("symmetric:3", 1.0875, ds=ds, init=top.saddle.params, jacobian=top.jacobian)
    assert not holds
    above = [p for p in high.points if p.converged and p.d >= 0.01]
    assert len(above) == 4 and all(slope(p) > 0 for p in above)
    assert not all(p.converged for p in high.points if p.d < 0.01)
    assert 1.0875 < capacity("symmetric:3").alpha_c


@pytest.mark.slow(80)
def test_the_main_job_computes_alpha_u_side_by_side_and_reads_the_rows_back(tmp_path):
    """The main job's α_U part (numerics.figures.capacity.alpha_u_side_by_side): the sets missing from
    the cache run in two worker processes; binary's row is the README's α_U = 0.7550 [0.7536, 0.7565]
    (within its bracket of width ≤ 0.005, below α_c), symmetric(3)'s lies in its known bracket (README:
    1.0851 [1.0827, 1.0875], α_c = 1.1745).  The rows are stored in the cache folder, where the main job
    (``fewbits paper``) and ``fewbits alpha-u --table`` find them without computing.  (That a worker
    process gives this process's numbers bit for bit, the solver's budgets running on the work clock, is
    test_large_y's loaded-machine route and test_sweep's two-worker tables: a serial α_U search here
    again cost the suite ~30 s.)"""
    from types import SimpleNamespace

    from numerics.analyses.alpha_u import alpha_u_table
    from numerics.figures.capacity import alpha_u_side_by_side
    from numerics.figures.paper import alpha_u_unit

    job = SimpleNamespace(cache=tmp_path, cfg={"alpha_u_workers": 2}, bar=lambda n, desc: _NoBar())
    assert alpha_u_side_by_side(job, ["binary", "symmetric:3"]) == {}
    side = {s: alpha_u_unit(s, job.cache, compute_missing=False) for s in ("binary", "symmetric:3")}
    assert all(v is not None and v["converged"] for v in side.values()), side
    b = side["binary"]
    lo, hi = b["interval"]
    assert hi - lo <= 0.005 and lo <= b["alpha_U"] <= hi, b
    assert 0.7525 < b["alpha_U"] < 0.7575
    assert 1.0827 - 0.003 < side["symmetric:3"]["alpha_U"] < 1.0875 + 0.003
    assert alpha_u_unit("binary", None, compute_missing=False) is None
    # the table command reads the same rows from the cache instead of searching again
    (row,) = alpha_u_table(["binary"], cache=tmp_path)
    assert row["alpha_U"] == b["alpha_U"] and list(row["interval"]) == [lo, hi] and hi < row["alpha_c"]


class _NoBar:
    """A progress bar that draws nothing (the job's bars are tqdm bars)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1):
        pass

    def set_postfix_str(self, *a, **kw):
        pass


@pytest.mark.slow
def test_a_first_evaluation_decides_when_the_branch_ends_inside_the_window():
    """symmetric(7) at the scan's start, 0.8 α_c = 1.2922: the y → ∞ branch ends between d = 0.025 and
    0.03, so the window's top half (d = 0.03 … 0.06) has no solution and cold solves there fail only
    after their whole budget.  The first evaluation starts inside the window instead (a cold solve at
    the largest d of its lower half, Newton steps up to the branch's end) and decides: the dense
    regions exist (the slope's dip, margin ≈ 1.10, is positive), the points above the end are given up,
    every point below converged.  Before, every cold top above the end spent its whole budget (about
    40 s each; the whole search took 911 s on one core, now about 210 s: 1.5455, interval
    [1.5439, 1.5472], α_c = 1.6153)."""
    ok, curve = dense_regions_exist("symmetric:7", 1.292197)
    assert ok and not curve.undecided, curve.undecided
    assert 0.5 < curve.margin < 2.0, curve.margin
    conv = curve.converged.astype(bool)
    assert conv[curve.d <= 0.025].all() and not conv[curve.d >= 0.03].any()
    assert np.all(np.diff(curve.S_I[conv]) > 0)


def test_an_undecided_window_inside_the_scan_makes_alpha_u_a_lower_bound(monkeypatch):
    """The search's logic on a stand-in window (no solves): the criterion holds with margin 0.5 − α up
    to α = 0.5 and above it no window point converges (undecided: the break-up, or the solver losing
    the branch, as for excitatory(7) at α = 0.880 after 0.861 held).  The scan brackets the change to
    xtol, counts the undecided end as the upper side and marks α_U a lower bound; an undecided first
    evaluation is retried once from 0.85 of the start."""
    from types import SimpleNamespace

    import numerics.analyses.alpha_u as A

    calls = []

    def window(states, a, **kw):
        calls.append(a)
        ds = np.array([0.01, 0.02])
        undecided = "no point of the window converged" if a > 0.5 or a > 0.299 and len(calls) == 1 else ""
        conv = np.array([not undecided] * 2)
        curve = SimpleNamespace(margin=math.nan if undecided else 0.5 - a, d=ds, S_I=np.array([0.1, 0.2]),
                                converged=conv, extended=[], unresolved="", undecided=undecided, points=[])
        return (not undecided), curve

    monkeypatch.setattr(A, "dense_regions_exist", window)
    r = A.alpha_u("binary", bracket=(0.3, 0.9), xtol=0.005)
    assert calls[0] == 0.3 and calls[1] == pytest.approx(0.255)  # the retry from 0.85 of the start
    lo, hi = r.interval
    assert r.converged and r.lower_bound and not r.upper_bound
    assert lo <= 0.5 < hi and hi - lo <= 0.005 and lo <= r.alpha_U <= hi
    assert "lower bound" in r.message


@pytest.mark.parametrize("true_fraction", [0.84, 0.93])
def test_the_default_scan_starts_at_088_alpha_c_and_falls_back_to_08(monkeypatch, true_fraction):
    """The search's logic on a stand-in window (no solves), the criterion holding with margin
    α_true − α: the default scan's first evaluation is at 0.88 α_c; where α_U lies above it the scan
    climbs from there, where it lies below (α_true = 0.84 α_c) the bracket is [0.8 α_c, 0.88 α_c] and
    the search closes on α_true to xtol either way (the secant of a linear margin lands on it)."""
    from types import SimpleNamespace

    import numerics.analyses.alpha_u as A
    from numerics.problems.equilibrium import capacity

    ac = capacity("binary").alpha_c
    true = true_fraction * ac
    calls = []

    def window(states, a, **kw):
        calls.append(a)
        curve = SimpleNamespace(margin=true - a, d=np.array([0.01, 0.02]), S_I=np.array([0.1, 0.2]),
                                converged=np.array([True, True]), extended=[], unresolved="", undecided="",
                                points=[])
        return true - a > 0, curve

    monkeypatch.setattr(A, "dense_regions_exist", window)
    r = A.alpha_u("binary", xtol=0.005)
    assert calls[0] == pytest.approx(A.START_FRACTION * ac, abs=1e-6)
    if true_fraction < A.START_FRACTION:
        assert calls[1] == pytest.approx(A.FALLBACK_FRACTION * ac, abs=1e-6)
    else:
        assert min(calls) == calls[0]
    lo, hi = r.interval
    assert r.converged and lo <= true <= hi and hi - lo <= 0.005 and abs(r.alpha_U - true) < 1e-9
