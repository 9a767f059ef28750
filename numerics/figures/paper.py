"""``fewbits paper``: the main job, computing the paper's tables and figures into a folder.

    fewbits paper [--out DIR] [--quick] [--cache DIR] [--no-sim] [--alpha-u] [--ladder-check]
                  [--unit-timeout S] [--progress]

What it computes (the parameters of each part are in :data:`CONFIG`, one entry for ``--quick`` and one
for the full run; each part is a function of its own module, :func:`run_paper` calls them in order):

1. **capacity**: α_c (root of s(α) = 0) for symmetric(L) and excitatory(L) sets, and α_U where
   :mod:`numerics.analyses.alpha_u` exists (full mode: ten sets, computed side by side, one worker
   process per core; ``--alpha-u``: the eight sets of the α_U table) → ``capacity.csv``, ``capacity_bits.{pdf,png}`` (α_c and
   α_U versus bits, and α_U/α_c below);
1b. **biological model** (:mod:`numerics.figures.biological`): α_c, α_U and α_U/α_c of sign-constrained
   synapses {0, …, L−1}, L = 2…8, with 0/1 inputs and the optimal threshold, f_out = ½ and 0.1 (α_U at
   f_out = 0.1 with ``--alpha-u`` or from the cache) → ``capacity_bio.csv``, ``capacity_bio.{pdf,png}``;
2. **entropy**: s(α) on a grid up to past α_c for a few sets → ``entropy.csv``, ``entropy.{pdf,png}``;
3. **local entropy** (theory): the y → ∞ curves S_I(d) (:mod:`numerics.problems.large_y`, each panel on its own
   d grid below the end of the y → ∞ branch), the Franz–Parisi curve and the α = 0 curve, per state
   set; finite-y curves (full mode: y = 3 and 10) for the external entropy Σ(d), which is not given at
   y → ∞ → ``local_entropy_theory.csv``, ``external_entropy.csv``, ``local_entropy.{pdf,png}``,
   ``external_entropy.{pdf,png}`` (the last two only when finite-y curves were computed);
3b. **dense regions** (:mod:`numerics.figures.dense_regions`): y → ∞ curves from d = 0.002 to just below
   the end of the branch at three loads per set (binary α = 0.5, 0.6, 0.7; full mode also symmetric(3)
   and excitatory(3) at the same fractions of α_c), with the α = 0 curve and S_I/S_0 → 1 as d → 0
   and the Franz–Parisi curve at the middle load → ``dense_regions.csv``, ``dense_regions.{pdf,png}`` and
   a table in ``report.md``;
4. **simulations** (modest N): BP local entropy around reinforced-BP solutions, exhaustive enumeration
   around typical (uniformly drawn) and densest solutions, and the equilibrium entropy log(#solutions)/N
   → ``local_entropy_sim.csv``, ``enumeration_entropy.csv``; plotted with the theory;
4b. **BP around found solutions by size** (:mod:`numerics.figures.finite_size`): reinforced BP and the BP
   local entropy on the relaxed form at N = 1005, 2005, 4005 (binary and symmetric(3), α = 0.6), minus the
   y → ∞ curve, fitted by c + b/N → ``bp_finite_size.csv`` and a table in ``report.md``;
5. ``comparison.csv`` and ``report.md``: the α_c/α_U table and, for every theory-versus-simulation
   comparison, N, the number of instances, mean |ΔS| and how many points lie within 2 standard errors;
6. the y → ∞ equations against finite-y ladders (:mod:`numerics.analyses.ladder_check`, two points per state
   set): computed with ``--ladder-check`` (about 30 minutes), else the points already in the cache
   (``fewbits ladder-check`` fills it) → ``ladder_check.csv`` and a table in ``report.md``; a point that
   does not agree counts as a failure (exit status 1).

Every expensive unit (one α_c, one entropy curve, one local-entropy curve, one α_U, one simulated
instance) is cached on disk separately (:mod:`numerics.storage.cache`, default ``DIR/.cache``), keyed by all its
parameters and the package version: a second run is fast and an interrupted run resumes.  Every file is
written atomically; Ctrl-C leaves what was written intact.  Theory modules that are not importable in
this build are reported as "not available in this build" (their figures omit them).  A theory unit
that takes longer than ``--unit-timeout`` seconds (default 300 quick, 420 full: ``unit_timeout`` in
:data:`CONFIG`) is stopped, reported as an error and remembered (so a rerun with the same limit skips
it at once; a larger limit retries it).

Simulation seeds: instance ``i`` (i = 0, 1, …) of a part uses ``seed = SEED0 + i`` for
:func:`numerics.simulate.instances.generate`, the solver seed ``i`` and the typical-solution draw seed
``i``.  Simulation means are over instances; error bars are standard errors (std/√n, ddof = 1).

Exit status: 0 when every theory quantity it writes converged; 1 when some did not (listed in
report.md, drawn hollow in the figures).  Simulation points whose BP did not converge, or instances the
solver did not solve, are excluded from the means and counted in the report; they do not change the
exit status.

Modules: :mod:`~numerics.figures.config` (CONFIG, SEED0), :mod:`~numerics.figures.units` (the cached
units and the guard), :mod:`~numerics.figures.capacity` (1), :mod:`~numerics.figures.entropy` (2),
:mod:`~numerics.figures.local_entropy` (3 and the local-entropy figure), :mod:`~numerics.figures.simulations`
(4), :mod:`~numerics.figures.comparison` and :mod:`~numerics.figures.report` (5),
:mod:`~numerics.figures.ladder` (6); :mod:`~numerics.figures.progress` draws the progress bars (tqdm, on
stderr when it is a terminal, or when asked with ``--progress`` / ``progress=True``).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .compare import aggregate_bp, aggregate_enum, compare, compare_between  # noqa: F401  (public API)
from .config import CONFIG, EXCITATORY, NOT_AVAILABLE, SEED0, SYMMETRIC  # noqa: F401
from .output import read_csv, write_atomic  # noqa: F401
from .units import (UnitTimeout, alpha0_unit, alpha_u_unit, bp_instance_unit, capacity_table,  # noqa: F401
                    entropy_curve_unit, entropy_grid, enum_instance_unit, franz_parisi_unit, local_entropy_unit)

__all__ = ["capacity_table", "write_atomic", "read_csv", "CONFIG", "run_paper", "SEED0", "compare",
           "compare_between", "alpha_u_unit"]


def _job(out, quick, cache, stream, unit_timeout, progress):
    """The :class:`~numerics.figures.job.Job` of one run (creates the output folder)."""
    from .. import __version__
    from .job import Job
    from .progress import show_progress
    from .units import Guard

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache) if cache is not None else out / ".cache"
    mode = "quick" if quick else "full"
    cfg = CONFIG[mode]
    stream = stream if stream is not None else sys.stderr
    return Job(out=out, cache=cache, cfg=cfg, quick=quick,
               guard=Guard(unit_timeout if unit_timeout is not None else cfg["unit_timeout"], cache),
               meta=f"fewbits {__version__}; mode {mode}; kappa=0, f_out=0.5, bias=0, counting measure",
               stream=stream, progress=show_progress(progress, stream))


def run_paper(out, quick=False, cache=None, simulate=True, stream=None, unit_timeout=None,
              alpha_u=False, ladder_check=False, progress=None, scheduler=None, workers=None) -> int:
    """The main job (module docstring) into the folder ``out``; returns the exit status (0: every theory
    quantity written converged, 1: some did not, listed in report.md).

    ``cache``: cache folder (default ``out/.cache``); ``simulate``: run the simulations; ``unit_timeout``:
    seconds per theory unit (default ``CONFIG[mode]["unit_timeout"]``, 0 = none); ``alpha_u`` /
    ``ladder_check``: the opt-in α_U table and ladder checks; ``stream``: where progress bars go (default
    stderr); ``progress``: True shows them, False hides them, None shows them when ``stream`` is a terminal;
    ``scheduler``: None (every unit in this process, in order), or ``"local"`` / a Dask address / ``"none"``:
    the units are first computed as tasks into the cache (:func:`~numerics.figures.units.prefetch_units`,
    ``workers`` for the local cluster), then the parts read them back."""
    from .biological import biological_part
    from .capacity import capacity_part
    from .comparison import comparison_part
    from .dense_regions import dense_regions_part
    from .entropy import entropy_part
    from .finite_size import bp_finite_size_part
    from .ladder import ladder_part
    from .local_entropy import local_entropy_figure_part, theory_part
    from .report import write_report
    from .simulations import simulations_part

    job = _job(out, quick, cache, stream, unit_timeout, progress)
    if scheduler is not None:
        from .units import prefetch_units

        prefetch_units(job, scheduler, workers, alpha_u, ladder_check, simulate)
    cap = capacity_part(job, alpha_u)
    job.sections += biological_part(job, cap.table, compute_alpha_u=alpha_u)
    entropy_part(job, cap.rows)
    th = theory_part(job)
    job.sections += dense_regions_part(job, cap.rows)
    sims = simulations_part(job) if simulate else None
    if sims is not None:
        comparison_part(job, th, sims)
        job.sections += bp_finite_size_part(job)
    local_entropy_figure_part(job, th, sims)
    lc = ladder_part(job, ladder_check)
    write_report(job, cap, th, sims, lc)
    print(f"wrote {len(job.written) + 1} files into {job.out} ({time.time() - job.t_start:.1f} s)"
          + (f"; {len(job.failures)} theory quantities not converged" if job.failures else ""), flush=True)
    return 1 if job.failures else 0
