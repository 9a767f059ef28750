"""Part of the main job: the dense regions at small d → ``dense_regions.csv``, ``dense_regions.{pdf,png}``
and a table in the report.

For each state set of ``cfg["dense_regions"]["sets"]``, at loads that are the same fractions of its α_c
(binary: α = 0.5, 0.6, 0.7), the y → ∞ curve S_I(d) from d = ``d_min`` (0.002) to just below the end of
its branch (:func:`numerics.figures.units.dense_curve_unit`), with the α = 0 curve S_0(d).  Below α_U
the ratio S_I/S_0 tends to 1 as d → 0: the references sit in regions that are, at that scale, as dense
as the whole space of configurations (physics.md §3.2).  Squared distance, nats per synapse.
"""
from __future__ import annotations

import math

import numpy as np

from .job import Job
from .progress import step
from .units import alpha0_unit, alpha_c_by_name, dense_curve_unit, fp_distances, franz_parisi_unit, story_alphas

__all__ = ["dense_regions_part", "story_alphas"]


def _rows(name: str, alpha_c: float, c: dict) -> list:
    """The rows of dense_regions.csv for one curve."""
    return [{"states": name, "alpha": c["alpha"], "alpha_over_alpha_c": c["alpha"] / alpha_c, "curve": "y_inf",
             "d": c["d"][k],
             "S_I": c["S_I"][k], "S_alpha0": c["S_alpha0"][k], "dS_dd": (c.get("slope") or [math.nan] * len(c["d"]))[k],
             "branch_end": c["branch_end"], "converged": c["converged"][k], "residual": c["residual"][k]}
            for k in range(len(c["d"]))]


def _summary(name: str, alpha_c: float, c: dict) -> str:
    """One line of the report's table: the set, the load, the end of the branch, S_I and S_0 at d_min."""
    ok = sum(bool(x) for x in c["converged"])
    return (f"| {name} | {c['alpha']:g} | {c['alpha'] / alpha_c:.2f} | {c['branch_end']:.4g} | {c['d'][0]:g} | "
            f"{c['S_I'][0]:.6g} | {c['S_alpha0'][0]:.6g} | {c['S_I'][0] / c['S_alpha0'][0]:.4f} | "
            f"{ok}/{len(c['d'])} |")


def _franz_parisi(job: Job, name: str, alphas: list, cfg: dict, rows: list, alpha_c: float):
    """The Franz–Parisi curve (y → 0: the reference a typical solution) at the middle load, on
    ``cfg["fp_points"]`` distances from d_min to 0.3 (log-spaced): isolated typical solutions, S_FP < 0
    at small d, against the dense references of the y → ∞ curves.  Its rows join ``rows`` (curve
    "franz_parisi"); non-converged points are failures.  None when not computed."""
    n = cfg.get("fp_points", 0)
    if not n:
        return None
    a = alphas[len(alphas) // 2]
    ds = fp_distances(cfg)
    c = job.guard(f"dense regions {name} α={a:g} Franz–Parisi", franz_parisi_unit, name, a, ds, job.cache)
    if c is None:
        return None
    c["alpha"] = a
    s0 = alpha0_unit(name, c["d"])["S_I"]
    rows += [{"states": name, "alpha": a, "alpha_over_alpha_c": a / alpha_c, "curve": "franz_parisi",
              "d": c["d"][k], "S_I": c["S_I"][k], "S_alpha0": s0[k], "dS_dd": math.nan, "branch_end": math.nan,
              "converged": c["converged"][k], "residual": c["residual"][k]} for k in range(len(c["d"]))]
    job.failures += [f"dense regions {name} α={a:g} Franz–Parisi d={d:g}"
                     for d, ok in zip(c["d"], c["converged"]) if not ok]
    return c


def dense_regions_part(job: Job, capacity_rows: list) -> list:
    """The curves of ``cfg["dense_regions"]`` → dense_regions.csv, the figure, and the report's lines
    (returned); non-converged points are added to the failures.  Nothing when the mode has none."""
    from theory.states import parse_states

    from . import plots

    cfg = job.cfg.get("dense_regions")
    if not cfg:
        return []
    by_name = alpha_c_by_name(capacity_rows, cfg["sets"], job.cache)
    ac = {s: by_name[parse_states(s).name] for s in cfg["sets"]}
    panels, rows = [], []
    lines = ["## Dense regions at small d (y → ∞)", "",
             "S_I(d) from d = d_min up to 0.97 of the end of the branch (a lower bound: the largest d a path "
             "upwards reached), at the same fractions of α_c for each set; S_0 is the α = 0 curve. Below α_U, "
             "S_I/S_0 → 1 as d → 0 (`dense_regions.csv`, `dense_regions.pdf`).", "",
             "| states | α | α/α_c | branch end | d_min | S_I(d_min) | S_0(d_min) | S_I/S_0 | converged |",
             "|---|---|---|---|---|---|---|---|---|"]
    alphas = {s: story_alphas(ac[s], cfg["fractions"]) for s in cfg["sets"]}
    with job.bar(sum(len(a) for a in alphas.values()), "dense regions (y → ∞)") as bar:
        for s in cfg["sets"]:
            name = parse_states(s).name
            curves = []
            for a in alphas[s]:
                c = job.guard(f"dense regions {name} α={a:g}", dense_curve_unit, name, a, cfg["d_min"],
                              cfg["points"], job.cache)
                step(bar, f"{name} α={a:g}")
                if c is None:
                    continue
                c["S_alpha0"] = alpha0_unit(name, c["d"])["S_I"]
                curves.append(c)
                rows += _rows(name, ac[s], c)
                lines.append(_summary(name, ac[s], c))
                job.failures += [f"dense regions {name} α={a:g} y → ∞ d={d:g}"
                                 for d, ok in zip(c["d"], c["converged"]) if not ok]
            a0 = alpha0_unit(name, np.geomspace(cfg["d_min"], 0.3, 80))
            fp = _franz_parisi(job, name, alphas[s], cfg, rows, ac[s])
            panels.append({"states": name, "alpha0": a0, "curves": curves, "franz_parisi": fp})
    job.csv("dense_regions.csv", rows,
            "local entropy S_I(d) (nats/synapse) at small d, squared distance: curve y_inf (the dense references, "
            "y -> inf) and franz_parisi (y -> 0: a typical solution as the reference, at the middle load); "
            "S_alpha0 = the alpha = 0 curve; branch_end = the largest d a cold path upwards reached (a lower "
            "bound of the end)")
    job.save(plots.dense_regions_figure(panels), "dense_regions")
    return lines + [""]
