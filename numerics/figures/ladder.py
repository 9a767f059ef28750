"""Part 6 of the main job: the y → ∞ equations against finite-y ladders (:mod:`numerics.analyses.ladder_check`,
two points per state set).  Computed with ``--ladder-check`` (about 30 minutes), else the points already
in the cache (``fewbits ladder-check`` fills it) → ``ladder_check.csv`` and a table in report.md; a point
that does not agree is a failure (exit status 1)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .job import Job
from .progress import step
from .units import Guard, optional

__all__ = ["LadderChecks", "ladder_part"]


@dataclass
class LadderChecks:
    """The checks found (computed or cached) and the number of check points (0: module not in this build)."""

    checks: list = field(default_factory=list)
    n_points: int = 0


def _compute_points(job: Job, points, check_point) -> None:
    """Compute every check point (cached, resumable; no unit time limit), a progress bar over them."""
    lc_guard = Guard(None, job.cache)
    with job.bar(len(points), "y -> inf vs finite-y ladders") as bar:
        for st, a, d in points:
            lc_guard(f"ladder check {st} α={a:g} d={d:g}", check_point, st, a, d, cache=job.cache)
            step(bar, f"{st} {a:g} {d:g}")
    job.guard.errors += lc_guard.errors


def ladder_part(job: Job, ladder_check: bool = False) -> LadderChecks:
    """The ladder checks in the cache (computed first with ``ladder_check``) → ladder_check.csv when there
    are any; points that do not agree are added to the failures."""
    if optional("numerics.analyses.ladder_check", "check_point") is None:
        return LadderChecks()
    from ..analyses.ladder_check import CHECK_POINTS, check_point

    if ladder_check:
        _compute_points(job, CHECK_POINTS, check_point)
    checks = [c for c in (check_point(st, a, d, cache=job.cache, compute_missing=False) for st, a, d in CHECK_POINTS)
              if c is not None]
    job.failures += [f"ladder check {c.states} α={c.alpha:g} d={c.d:g}: {c.message}" for c in checks if not c.agrees]
    if checks:
        job.csv("ladder_check.csv", [{"states": c.states, "alpha": c.alpha, "d": c.d, "S_inf": c.S_inf,
                                      **{f"S_y{y:g}": v for y, v in c.ladder.items()}, "ratio": c.ratio,
                                      "ratio_max": c.ratio_max, "agrees": c.agrees} for c in checks],
                "y -> inf equations (numerics.problems.large_y) against the finite-y ladder "
                "(numerics.analyses.ladder_check): ratio = (S_inf - S(15)) / (S(15) - S(10)); agrees: ladder "
                "converged and rising, S(15) < S_inf, ratio <= ratio_max")
    return LadderChecks(checks, len(CHECK_POINTS))
