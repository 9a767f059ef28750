"""The saddle-point iterator's Newton–Broyden stage (numerics.solver.saddle) on residuals with a known root."""
import math

import numpy as np

from numerics.solver.saddle import SaddleProblem


def _bare(residual):
    """A SaddleProblem whose residual in the solver's coordinates is ``residual`` (no functional)."""
    p = SaddleProblem.__new__(SaddleProblem)
    p._residual_u = residual
    return p


def test_newton_finds_a_root_and_gives_up_when_it_crawls():
    """Newton–Broyden converges quadratically on a smooth residual (root of u² − 2 and u1 + u0 = 0);
    on r(u) = sign(u)|u|^0.1 (root 0, where r' blows up) every backtracked step cuts |r| by only
    ~19 %: with ``stall`` = 4 it rebuilds the Jacobian once, then gives up after 4 more such steps and
    says so (the solver then hands over to hybr), instead of crawling through all its iterations."""
    smooth = _bare(lambda u: np.array([u[0] ** 2 - 2.0, u[1] + u[0]]))
    msgs = []
    u, nr, _, evals, ok = smooth._newton(np.array([1.0, 0.0]), None, 1e-12, 60, msgs, stall=4)
    assert ok and abs(u[0] - math.sqrt(2)) < 1e-12 and abs(u[1] + math.sqrt(2)) < 1e-12 and evals < 30, (u, evals)

    crawl = _bare(lambda u: np.sign(u) * np.abs(u) ** 0.1)
    msgs = []
    *_, ev_stall, ok = crawl._newton(np.array([1.0]), None, 1e-12, 60, msgs, stall=4)
    assert not ok and any("stalled" in m for m in msgs), msgs
    msgs_free = []
    *_, ev_free, ok_free = crawl._newton(np.array([1.0]), None, 1e-12, 60, msgs_free)
    assert not ok_free and not any("stalled" in m for m in msgs_free)
    assert ev_stall < ev_free / 3, (ev_stall, ev_free)
