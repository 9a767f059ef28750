"""Franz–Parisi with a reference margin κ̃, κ_max(α), the exact point at the typical distance, and the
break-up criteria α_LE, α_OGP (numerics.analyses.break_up)."""
import math
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.optimize import brentq

from numerics.analyses.break_up import DEFAULT_WINDOW, curve_margins, locate_events
from numerics.problems.equilibrium import solve_equilibrium
from numerics.problems.franz_parisi import kappa_max, solve_franz_parisi


@pytest.mark.parametrize("d", [0.05, 0.2])
def test_reference_margin_equal_to_kappa_is_the_one_margin_potential(d):
    one = solve_franz_parisi("binary", 0.5, d)
    two = solve_franz_parisi("binary", 0.5, d, reference_kappa=0.0)
    assert one.converged and two.converged
    assert abs(one.S_I - two.S_I) < 1e-10
    assert two.saddle.model["kappa_t"] == 0.0 and "kappa_t" not in one.saddle.model


def test_exact_point_at_the_typical_distance_is_the_maximum():
    # binary α = 0.5: d* = (1 − q)/2 = 0.33881, S_FP(d*) = s(α) = 0.31439 (physics.md §3)
    eq = solve_equilibrium("binary", 0.5)
    dstar = (1 - eq.params["q"]) / 2
    p = solve_franz_parisi("binary", 0.5, dstar, eq=eq)
    assert p.converged and "exact" in p.message
    assert p.S_I == pytest.approx(0.31439, abs=1e-5) and p.S_I == eq.value
    near = solve_franz_parisi("binary", 0.5, 0.3385, eq=eq)
    assert near.converged and eq.value - 1e-5 < near.S_I < eq.value


def test_kappa_max_is_the_root_of_the_entropy_with_a_finite_gap():
    k = kappa_max("binary", 0.78)
    assert k.converged and 0 <= k.eq.value < 1e-10
    assert 0.0 < k.kappa < 0.2
    assert k.eq.params["Q"] - k.eq.params["q"] > 0.3  # the RS gap stays finite at κ_max (binary)
    above = solve_equilibrium("binary", 0.78, kappa=k.kappa + 1e-6)
    assert above.value < 0


def test_kappa_max_above_capacity_and_bad_reference_kappa():
    assert not kappa_max("binary", 0.84).converged
    with pytest.raises(ValueError, match="reference_kappa"):
        solve_franz_parisi("binary", 0.84, 0.1, reference_kappa="max")
    with pytest.raises(ValueError, match="reference_kappa"):
        solve_franz_parisi("binary", 0.5, 0.1, reference_kappa="maximum")
    with pytest.raises(ValueError, match="reference_kappa"):
        solve_franz_parisi("binary", 0.5, 0.1, reference_kappa=-0.1)


@pytest.mark.slow
def test_maximum_with_two_margins_is_the_probes_entropy():
    # whatever the reference, the probes' count summed over d is e^{N s(α; κ)}: max_d S_FP = s(α; κ)
    s = solve_equilibrium("binary", 0.77).value
    vals = [solve_franz_parisi("binary", 0.77, d, reference_kappa="max").S_I for d in (0.22, 0.23, 0.24)]
    assert max(vals) <= s + 1e-6 and max(vals) == pytest.approx(s, abs=3e-4)


def _family(alpha, d):
    """A synthetic S(d; α): a rising curve with a dip near d = 0.012 that deepens linearly in α."""
    d = np.asarray(d, float)
    return 0.6 * d ** 0.5 - (alpha - 0.5) * 0.09 * np.exp(-((d - 0.012) / 0.006) ** 2) - 0.4 * d


def test_curve_margins_on_a_known_curve():
    ds = np.array(DEFAULT_WINDOW)
    m = curve_margins(ds, _family(0.5, ds))
    assert m["LE"] > 0 and m["OGP"] > 0 and m["note"] == ""
    m = curve_margins(ds, _family(1.2, ds))
    assert m["LE"] < 0 and 0.005 < m["d_LE"] < 0.012 and m["OGP"] < 0 and 0.008 < m["d_OGP"] < 0.02
    m = curve_margins(ds, -ds)  # isolated reference: negative from the origin, no gap
    assert math.isnan(m["OGP"]) and "origin" in m["note"]


def test_events_located_to_0002_and_ordered():
    ds = np.array(DEFAULT_WINDOW)

    def curve_at(a):
        S = _family(a, ds)
        return SimpleNamespace(d=ds, S_I=S, converged=np.ones(len(ds), bool), points=[])

    truth = {k: brentq(lambda a: curve_margins(ds, _family(a, ds))[k], 0.5, 2.0, xtol=1e-10) for k in ("LE", "OGP")}
    events, evals = locate_events(curve_at, (0.5, 2.0), xtol=0.002, scan_step=0.1)
    le, ogp = events["alpha_LE"], events["alpha_OGP"]
    assert le.converged and ogp.converged
    assert abs(le.alpha - truth["LE"]) <= 0.002 and abs(ogp.alpha - truth["OGP"]) <= 0.002
    assert le.interval[0] <= truth["LE"] <= le.interval[1] and ogp.interval[1] - ogp.interval[0] <= 0.002
    assert le.alpha <= ogp.alpha
    assert len(evals) < 30


def test_cli_rejects_a_bad_reference_kappa():
    r = subprocess.run([sys.executable, "-m", "numerics.cli", "franz-parisi", "--states", "binary", "--alpha", "0.5",
                        "--d", "0.1", "--reference-kappa", "-1"], capture_output=True, text=True)
    assert r.returncode == 2 and "--reference-kappa" in r.stderr
