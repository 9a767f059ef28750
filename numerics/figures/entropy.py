"""Part 2 of the main job: the equilibrium entropy s(α) (replica symmetric, nats per synapse, κ = 0) by
continuation in α on a grid from 0.02 to 1.1 α_c for a few state sets → ``entropy.csv``,
``entropy.{pdf,png}``."""
from __future__ import annotations

from .job import Job
from .progress import step
from .units import alpha_c_by_name, entropy_curve_unit, entropy_grid

__all__ = ["entropy_part"]


def _curve_rows(name: str, v: dict) -> list:
    """The rows of entropy.csv for one cached entropy curve."""
    return [{"states": name, "alpha": v["alpha"][k], "s": v["s"][k], "q": v["q"][k], "Q": v["Q"][k],
             "converged": v["converged"][k], "residual": v["residual"][k]} for k in range(len(v["alpha"]))]


def entropy_part(job: Job, capacity_rows: list) -> None:
    """s(α) for the mode's entropy sets (α_c from ``capacity_rows``, computed for sets not in it) →
    entropy.csv and the entropy figure; non-converged points are added to the failures."""
    from theory.states import parse_states

    from . import plots

    ent_sets = job.cfg["entropy_sets"]
    ac = alpha_c_by_name(capacity_rows, ent_sets, job.cache)
    curves, ent_rows = [], []
    with job.bar(len(ent_sets), "entropy s(α)") as bar:
        for s in ent_sets:
            name = parse_states(s).name
            v = entropy_curve_unit(name, entropy_grid(ac[name], job.cfg["entropy_points"]), job.cache)
            curves.append({"states": name, "alpha": v["alpha"], "s": v["s"], "converged": v["converged"],
                           "alpha_c": ac[name]})
            ent_rows += _curve_rows(name, v)
            job.failures += [f"s(α={a}) {name}" for a, c in zip(v["alpha"], v["converged"]) if not c]
            step(bar, name)
    job.csv("entropy.csv", ent_rows, "equilibrium RS entropy s(alpha) (nats/synapse) by continuation in alpha")
    job.save(plots.entropy_figure(curves), "entropy")
