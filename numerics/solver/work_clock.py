"""A deterministic clock for solver budgets: it advances by the work done, not by wall time.

A cold solve that tries several routes on short budgets ("this solve for 1.5 s, then that one")
would, on a wall clock, take a different route on a loaded machine than on an idle one and return
different bits (a Dask worker sharing a core with another; the test suite on two cores).  Here each
sweep of the iterator (one evaluation of the saddle-point map, also inside Newton's finite
differences, and each step of an inner root) advances the clock by that sweep's *estimated* cost on an idle reference core, a fixed
function of the problem's size (:func:`sweep_cost`).  Budgets keep their meaning — seconds of one
idle core — but the same call takes the same route, and gives the same numbers, everywhere.

The clock is per thread (two solves in two threads do not spend each other's budget).
"""
from __future__ import annotations

import threading

__all__ = ["WorkClock", "CLOCK", "sweep_cost"]


class WorkClock:
    """``now()`` — the work done in this thread so far (reference seconds); ``tick(cost)`` adds one
    sweep's cost.  A budget is a deadline ``now() + budget`` compared with ``now()`` later."""

    def __init__(self) -> None:
        self._local = threading.local()

    def now(self) -> float:
        return getattr(self._local, "t", 0.0)

    def tick(self, cost: float) -> None:
        self._local.t = self.now() + float(cost)


CLOCK = WorkClock()

# the cost of one evaluation of the y → ∞ map on an idle core (see sweep_cost)
SWEEP_BASE_S = 0.0015
SWEEP_PER_STATE_S = 0.0030


def sweep_cost(n_states: int) -> float:
    """Seconds of one idle core per evaluation of the y → ∞ saddle-point map for a set of
    ``n_states`` values: ``SWEEP_BASE_S + SWEEP_PER_STATE_S · n_states``, a linear fit of the median
    evaluation time in cold solves at d = 0.05 (binary 7.5 ms, symmetric(3) 11.0, excitatory(4) 13.6,
    symmetric(5) 14.8, symmetric(7) 22.4 on the 2-core development machine; the evaluations are
    98 % of a solve's time)."""
    return SWEEP_BASE_S + SWEEP_PER_STATE_S * int(n_states)
