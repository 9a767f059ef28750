"""Sweeps: any theory quantity over a grid of parameters, as a tidy table, on one machine or a cluster.

    sweep("local_entropy", states=["binary", "symmetric:3"], alpha=[0.5, 0.6], d=[0.02, 0.05, 0.1],
          y=[3.0, math.inf], scheduler="local", cache="figures/.cache", out="le_table")

Quantities (:data:`~numerics.analyses.sweep.grid.QUANTITIES`) and the axes each depends on:

==================  =======================================  ============================================
``entropy``         states, alpha, kappa, f_out              s(α) = RS equilibrium entropy (nats/synapse)
``capacity``        states, kappa, f_out                     α_c, root of s(α) = 0
``franz_parisi``    states, alpha, d, kappa, f_out           S_FP(d) around typical solutions (y → 0)
``local_entropy``   states, alpha, d, y, kappa, f_out,       S_I, Σ, Φ at finite y; y = inf: S_I and the
                    reference                                exact slope dS_I/dd of the y → ∞ equations
``alpha_u``         states, y                                α_U (y = inf: the main job's cached default)
``radius``          states, d, kappa                         the largest α at which dense regions reach d
==================  =======================================  ============================================

Conventions as in :mod:`numerics`: squared distance d = mean (W − W̃)²/Δ², Δ = max S − min S; entropies
in nats per synapse, counting measure; κ the stability, f_out = P(σ = +1).  Axes not given take their
defaults (κ = 0, f_out = 0.5, reference ``solution``, y = inf for α_U).

The table has one row per point, in the order of the grid's product (states outermost, then α, d, y,
κ, f_out, reference), with columns ``quantity``, the quantity's axes, its values and the diagnostics
``converged``, ``residual``, ``iterations``, ``message`` (a point that did not converge says so in
``converged`` and ``message``; its values are NaN, never a stale number).

Work: points that differ only along the chain axis (d, or α for the entropy) form a *chunk*, one task,
solved in order so that neighbours seed each other (:mod:`~numerics.analyses.sweep.points`); each point
is cached as it is done, so an interrupted sweep resumes where it stopped.  Tasks run on
``scheduler`` (:mod:`~numerics.analyses.sweep.execute`): ``"local"`` (a Dask LocalCluster, one worker
process per core), an address of an existing Dask scheduler, or ``"none"`` (this process).  A task
computes the same numbers on any worker, so the table does not depend on the scheduler, bit for bit.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional

from .execute import check_scheduler, map_tasks, open_client, run_all
from .grid import AXES, QUANTITIES, Grid, columns, make_grid
from .points import derivations, run_chunk

__all__ = ["sweep", "SweepResult", "make_grid", "QUANTITIES", "AXES", "map_tasks", "open_client", "run_all",
           "check_scheduler"]


@dataclass
class SweepResult:
    """The table (``rows`` with ``columns``), the files written, and timings: ``chunk_seconds[k]`` the
    seconds of chunk k's points (near 0 for points read from the cache), ``wall`` the sweep's wall
    time, ``chunk_sizes`` the points per chunk (the task graph: chunks are independent)."""

    quantity: str
    rows: List[dict]
    columns: List[str]
    files: list = field(default_factory=list)
    chunk_seconds: List[List[float]] = field(default_factory=list)
    wall: float = math.nan
    scheduler: str = "none"

    @property
    def failed(self) -> List[dict]:
        """The rows that did not converge."""
        return [r for r in self.rows if not r["converged"]]

    @property
    def converged(self) -> bool:
        return not self.failed


def _bar(total: int, progress, stream):
    from tqdm import tqdm

    show = progress if progress is not None else bool(getattr(stream, "isatty", lambda: False)())
    return tqdm(total=total, desc="sweep", unit="point", file=stream, disable=not show, mininterval=0.2)


def sweep(quantity: str, *, states=None, alpha=None, d=None, y=None, kappa=None, f_out=None, reference=None,
          scheduler="local", workers: Optional[int] = None, client=None, cache=None, out=None,
          progress=None, stream=None, on_chunk: Optional[Callable] = None) -> SweepResult:
    """Tabulate ``quantity`` over the product of the given axes (module docstring).

    Every value is checked before any work (a ValueError names the axis and the value).  ``cache``: a
    folder for the per-point cache (None: no cache, nothing resumes).  ``out``: write the table to
    ``out.csv`` (and ``out.parquet`` with pyarrow).  ``scheduler``: ``"local"`` (default), ``"none"``
    or a Dask scheduler address; ``workers``: worker processes of the local cluster (default one per
    core); ``client``: an open :class:`distributed.Client` to use instead.  (The local cluster starts
    worker processes: in a script, call this under ``if __name__ == "__main__":``.)  ``progress``: a bar over the
    points on ``stream`` (default stderr; None: when it is a terminal).  ``on_chunk(k, records)`` is
    called as each chunk's results arrive.
    """
    grid = make_grid(quantity, states=states, alpha=alpha, d=d, y=y, kappa=kappa, f_out=f_out,
                     reference=reference)
    scheduler = check_scheduler(scheduler) if client is None else "client"
    if cache is not None:
        from pathlib import Path

        Path(cache).mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if client is not None:
        result = _run(grid, client, cache, progress, stream, on_chunk)
    else:
        with open_client(scheduler, workers) as cl:
            result = _run(grid, cl, cache, progress, stream, on_chunk)
    result.wall, result.scheduler = time.perf_counter() - t0, scheduler
    if out is not None:
        from ... import __version__
        from .table import write_table

        comment = (f"fewbits {__version__} sweep: {QUANTITIES[quantity].doc}; squared distance; "
                   f"{len(result.rows)} points, {len(result.failed)} not converged")
        result.files = write_table(result.rows, result.columns, out, comment)
    return result


def _run(grid: Grid, client, cache, progress, stream, on_chunk) -> SweepResult:
    """The chunks of ``grid`` as tasks on ``client`` (None: in this process), gathered into the table."""
    q = grid.quantity
    chunks = grid.chunks()
    rows: List[Optional[dict]] = [None] * len(grid.points)
    seconds: List[List[float]] = [[] for _ in chunks]
    stream = stream if stream is not None else sys.stderr
    items = [(q.name, c, None if cache is None else str(cache)) for c in chunks]
    with _bar(len(grid.points), progress, stream) as bar:
        for _, (k, records, secs) in map_tasks(run_chunk, items, client, warm=derivations(q.name, grid.values),
                                               label=f"sweep-{q.name}"):
            for i, rec in zip(chunks[k].rows, records):
                rows[i] = {"quantity": q.name, **grid.points[i], **rec}
            seconds[k] = secs
            bar.update(len(records))
            if on_chunk is not None:
                on_chunk(k, records)
    return SweepResult(q.name, rows, list(columns(q)), chunk_seconds=seconds)
