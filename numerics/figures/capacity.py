"""Part 1 of the main job: the capacity table and figure.  α_c (root of s(α) = 0, replica symmetric,
κ = 0) for the mode's symmetric(L) and excitatory(L) sets, and α_U (:mod:`numerics.analyses.alpha_u`)
where it is computed or already cached → ``capacity.csv``, ``capacity_bits.{pdf,png}``."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .job import Job
from .progress import step
from .units import Guard, alpha_u_unit, capacity_table, optional

__all__ = ["Capacity", "capacity_part", "alpha_u_side_by_side"]


@dataclass
class Capacity:
    """``rows``: α_c rows of every set computed (the table's and the α_U sets'); ``table``: the same rows
    with the α_U columns (capacity.csv, the report); ``alpha_u``: α_U results by state-set name."""

    rows: list
    table: list
    alpha_u: dict


def alpha_c_rows(job: Job) -> list:
    """α_c of the mode's capacity sets (a progress bar), non-converged ones added to the failures."""
    sets = job.cfg["capacity_sets"]
    with job.bar(len(sets), "capacity") as bar:
        rows = capacity_table(sets, progress=lambda i, n, lab: step(bar, lab), cache=job.cache)
    job.failures += [f"α_c {r['states']}" for r in rows if not r["converged"]]
    return rows


def alpha_u_values(job: Job, au_sets: list, opt_in: bool) -> dict:
    """α_U by state-set name: computed for ``au_sets`` (without the unit time limit when ``opt_in``, the
    ``--alpha-u`` table being long by design), plus whatever the cache holds for the other table sets."""
    from theory.states import parse_states

    from ..analyses.alpha_u import TABLE_SETS

    au = {}
    if optional("numerics.analyses.alpha_u", "alpha_u") is None:
        job.missing.append("α_U (numerics.analyses.alpha_u)")
        return au
    au_guard = Guard(None, job.cache) if opt_in else job.guard
    failed = alpha_u_side_by_side(job, au_sets)
    au_guard.errors += [f"α_U {s}: {err}" for s, err in failed.items()]
    with job.bar(len(au_sets), "alpha_U") as bar:
        for s in au_sets:
            if s in failed:
                step(bar, s)
                continue
            v = au_guard(f"α_U {s}", alpha_u_unit, s, job.cache)
            if v is not None:
                au[parse_states(s).name] = v
            step(bar, s)
    for s in TABLE_SETS:  # α_U already in the cache (an earlier `--alpha-u` run) is used too
        name = parse_states(s).name
        if name not in au:
            v = alpha_u_unit(s, job.cache, compute_missing=False)
            if v is not None:
                au[name] = v
    job.failures += [f"α_U {k}" for k, v in au.items() if not v["converged"]]
    if au_guard is not job.guard:
        job.guard.errors += au_guard.errors
    return au


def alpha_u_side_by_side(job: Job, sets: list) -> dict:
    """α_U of the ``sets`` that the cache does not hold yet, computed side by side before the serial pass
    reads them back: one worker process per core (``cfg["alpha_u_workers"]``, default all cores; a Dask
    LocalCluster, :mod:`numerics.analyses.sweep`), the sets with the most values (the slowest) first.
    Nothing when fewer than two sets are missing or there is one core.  Returns {set: error} of the sets
    whose task raised (the serial pass reports them instead of computing them again)."""
    import os

    from theory.states import parse_states

    from .units import _unit_task

    todo = [s for s in sets if alpha_u_unit(s, job.cache, compute_missing=False) is None]
    workers = min(job.cfg.get("alpha_u_workers") or os.cpu_count() or 1, len(todo))
    if workers < 2:
        return {}
    from ..analyses.sweep import map_tasks, open_client

    todo.sort(key=lambda s: -len(parse_states(s).array))
    items = [("alpha_u", (s, str(job.cache)), {}) for s in todo]
    needs = [("numerics.problems.equilibrium", "derived", ()),
             ("numerics.problems.large_y", "derived_large_y", ("squared",))]
    failed = {}
    with open_client("local", workers) as client, job.bar(len(items), f"alpha_U ({workers} processes)") as bar:
        for i, (_, err) in map_tasks(_unit_task, items, client, warm=needs, label="paper-alpha-u"):
            if err:
                failed[todo[i]] = err
            step(bar, todo[i])
    return failed


def _alpha_u_columns(row: dict, au: dict) -> dict:
    """The α_U columns of one capacity row (NaN / empty when α_U is not known for its set)."""
    from theory.states import parse_states

    u = au.get(row["states"])
    if u is None:  # the same set under another name (binary = symmetric:2)
        S_r = parse_states(row["states"])
        u = next((v for k, v in au.items() if parse_states(k) == S_r), None)
    return {"alpha_U": u["alpha_U"] if u else math.nan,
            "alpha_U_lo": u["interval"][0] if u else math.nan,
            "alpha_U_hi": u["interval"][1] if u else math.nan,
            "alpha_U_y": u["y"] if u else math.nan,
            "alpha_U_converged": u["converged"] if u else "",
            "alpha_U_upper_bound": bool(u.get("upper_bound", False)) if u else "",
            "alpha_U_lower_bound": bool(u.get("lower_bound", False)) if u else ""}


def capacity_part(job: Job, alpha_u: bool = False) -> Capacity:
    """α_c and α_U → capacity.csv and the capacity_bits figure.  With ``alpha_u`` the α_U of every set of
    :data:`numerics.analyses.alpha_u.TABLE_SETS` is computed (opt-in: minutes per set)."""
    from theory.states import parse_states

    from ..analyses.alpha_u import TABLE_SETS
    from . import plots

    rows = alpha_c_rows(job)
    au_sets = list(TABLE_SETS) if alpha_u else job.cfg["alpha_u_sets"]
    au = alpha_u_values(job, au_sets, alpha_u)
    known = [parse_states(r["states"]) for r in rows]
    extra = [parse_states(s).name for s in au_sets if parse_states(s) not in known]
    if extra:
        rows += capacity_table(extra, cache=job.cache)
    table = [{**r, **_alpha_u_columns(r, au)} for r in rows]
    job.csv("capacity.csv", table, "alpha_c: root of s(alpha)=0 (RS); alpha_U: numerics.analyses.alpha_u "
            "(empty when not computed); bits = log2 L")
    job.save(plots.capacity_bits_figure(table), "capacity_bits")
    return Capacity(rows, table, au)
