"""Part 1 of the main job: the capacity table and figure.  α_c (root of s(α) = 0, replica symmetric,
κ = 0) for the mode's symmetric(L) and excitatory(L) sets, and α_U (:mod:`numerics.analyses.alpha_u`)
where it is computed or already cached → ``capacity.csv``, ``capacity_bits.{pdf,png}``; beside α_U the
radius curve α(d) (:mod:`numerics.analyses.radius`) → ``radius.csv``, ``radius_curve.{pdf,png}``."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .job import Job
from .progress import step
from .units import Guard, alpha_u_unit, capacity_table, optional, radius_unit

__all__ = ["Capacity", "capacity_part", "alpha_u_side_by_side"]


@dataclass
class Capacity:
    """``rows``: α_c rows of every set computed (the table's and the α_U sets'); ``table``: the same rows
    with the α_U columns (capacity.csv, the report); ``alpha_u``: α_U results by state-set name;
    ``radius``: the rows of radius.csv (:func:`radius_rows`)."""

    rows: list
    table: list
    alpha_u: dict
    radius: list = field(default_factory=list)


def alpha_c_rows(job: Job) -> list:
    """α_c of the mode's capacity sets (a progress bar), non-converged ones added to the failures."""
    sets = job.cfg["capacity_sets"]
    with job.bar(len(sets), "capacity") as bar:
        rows = capacity_table(sets, progress=lambda i, n, lab: step(bar, lab), cache=job.cache)
    job.failures += [f"α_c {r['states']}" for r in rows if not r["converged"]]
    return rows


def alpha_u_values(job: Job, au_sets: list, opt_in: bool) -> tuple:
    """α_U and the radius curve (:func:`radius_values`) by state-set name: computed for ``au_sets``
    (without the unit time limit when ``opt_in``, the ``--alpha-u`` table being long by design), plus
    whatever the cache holds for the other table sets."""
    from theory.states import parse_states

    from ..analyses.alpha_u import TABLE_SETS

    au = {}
    if optional("numerics.analyses.alpha_u", "alpha_u") is None:
        job.missing.append("α_U (numerics.analyses.alpha_u)")
        return au, {}
    au_guard = Guard(None, job.cache) if opt_in else job.guard
    failed = alpha_u_side_by_side(job, au_sets)
    label = {"alpha_u": "α_U", "radius": "radius curve"}
    au_guard.errors += [f"{label[w.split(' ', 1)[0]]} {w.split(' ', 1)[1]}: {err}" for w, err in failed.items()]
    with job.bar(len(au_sets), "alpha_U") as bar:
        for s in au_sets:
            if f"alpha_u {s}" in failed:
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
    radius = radius_values(job, job.cfg.get("radius_sets", []), failed, au_guard)
    if au_guard is not job.guard:
        job.guard.errors += au_guard.errors
    return au, radius


def alpha_u_side_by_side(job: Job, sets: list) -> dict:
    """α_U of the ``sets`` and the radius curve of ``cfg["radius_sets"]`` that the cache does not hold
    yet, computed side by side before the serial pass reads them back: one worker process per core
    (``cfg["alpha_u_workers"]``, default all cores; a Dask LocalCluster, :mod:`numerics.analyses.sweep`),
    the sets with the most values (the slowest) first.  Nothing when fewer than two units are missing or
    there is one core.  Returns {"alpha_u <set>" / "radius <set>": error} of the tasks that raised (the
    serial pass reports them instead of computing them again)."""
    import os

    from theory.states import parse_states

    from .units import _unit_task

    order = sorted(sets, key=lambda s: -len(parse_states(s).array))
    items = [("alpha_u", (s, str(job.cache)), {}) for s in order if alpha_u_unit(s, job.cache, compute_missing=False) is None]
    items += [("radius", (s, str(job.cache)), {}) for s in job.cfg.get("radius_sets", [])
              if radius_unit(s, job.cache, compute_missing=False) is None]
    workers = min(job.cfg.get("alpha_u_workers") or os.cpu_count() or 1, len(items))
    if workers < 2:
        return {}
    from ..analyses.sweep import map_tasks, open_client

    needs = [("numerics.problems.equilibrium", "derived", ()),
             ("numerics.problems.large_y", "derived_large_y", ("squared",))]
    failed = {}
    with open_client("local", workers) as client, job.bar(len(items), f"alpha_U ({workers} processes)") as bar:
        for i, (_, err) in map_tasks(_unit_task, items, client, warm=needs, label="paper-alpha-u"):
            what = f"{items[i][0]} {items[i][1][0]}"
            if err:
                failed[what] = err
            step(bar, what)
    return failed


def radius_values(job: Job, sets: list, failed: dict, guard: Guard) -> dict:
    """The radius curve by state-set name for ``sets`` (``cfg["radius_sets"]``; computed unless cached,
    under ``guard``), plus the curves the cache holds for the other table sets; the rows whose status is
    "failed" or "inconsistent" are added to the failures."""
    from theory.states import parse_states

    from ..analyses.alpha_u import TABLE_SETS

    radius = {}
    if optional("numerics.analyses.radius", "radius_curve") is None:
        job.missing.append("the radius curve (numerics.analyses.radius)")
        return radius
    with job.bar(len(sets), "radius curve") as bar:
        for s in sets:
            v = None if f"radius {s}" in failed else guard(f"radius curve {s}", radius_unit, s, job.cache)
            if v is not None:
                radius[parse_states(s).name] = v
            step(bar, s)
    for s in TABLE_SETS:
        name = parse_states(s).name
        if name not in radius:
            v = radius_unit(s, job.cache, compute_missing=False)
            if v is not None:
                radius[name] = v
    job.failures += [f"radius curve {k} d = {r['d']:g}: {r['status']}" for k, v in radius.items() for r in v
                     if r["status"] in ("failed", "inconsistent")]
    return radius


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
    au_sets = list(dict.fromkeys(list(job.cfg["alpha_u_sets"]) + (list(TABLE_SETS) if alpha_u else [])))
    au, radius = alpha_u_values(job, au_sets, alpha_u)
    known = [parse_states(r["states"]) for r in rows]
    extra = [parse_states(s).name for s in au_sets if parse_states(s) not in known]
    if extra:
        rows += capacity_table(extra, cache=job.cache)
    table = [{**r, **_alpha_u_columns(r, au)} for r in rows]
    job.csv("capacity.csv", table, "alpha_c: root of s(alpha)=0 (RS); alpha_U: numerics.analyses.alpha_u "
            "(empty when not computed); bits = log2 L")
    job.save(plots.capacity_bits_figure(table), "capacity_bits")
    rrows = radius_rows(table, radius)
    if rrows:
        job.csv("radius.csv", rrows, "the radius curve: alpha = the largest load at which the y -> inf small-d "
                "branch reaches distance d (numerics.analyses.radius; status 'above the dip': d lies above the "
                "dip of the slope, where the curve is not defined); alpha_U: the gap opening")
        job.save(plots.radius_figure(rrows), "radius_curve")
    return Capacity(rows, table, au, radius=rrows)


def radius_rows(table: list, radius: dict) -> list:
    """The rows of radius.csv: one per (state set, d), with the set's α_c and α_U beside α(d)."""
    from theory.states import parse_states

    out = []
    for name, rows in radius.items():
        S = parse_states(name)  # the same set may have another name in the table (binary = symmetric:2)
        t = next((r for r in table if r["states"] == name), None) or \
            next((r for r in table if parse_states(r["states"]) == S), {})
        for r in rows:
            out.append({"states": name, "bits": t.get("bits", math.nan), "alpha_c": t.get("alpha_c", math.nan),
                        "alpha_U": t.get("alpha_U", math.nan), "d": r["d"],
                        "alpha": r["alpha"] if r["status"] == "radius" else math.nan,
                        "alpha_lo": r["interval"][0], "alpha_hi": r["interval"][1], "status": r["status"],
                        "message": r["message"]})
    return out
